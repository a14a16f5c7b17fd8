/**
 * Signed query responses, as IC nodes produce them: the body carries the reply (or reject) plus
 * `signatures: [{ timestamp, signature, identity }]`, where the node signs
 * `ds("ic-response") · hash_of_map({ status, reply | reject fields, timestamp, request_id })`.
 */
import { encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { concatBytes } from '../bytes.ts';
import { domainSeparator } from '../hash-tree.ts';
import type { NodeKey } from './node-key.ts';
import { hashOfMap, type HashableValue } from './request-id.ts';

const RESPONSE_DS = domainSeparator('ic-response');

export type QueryOutcome = { ok: true; reply: Uint8Array } | { ok: false; rejectCode: number; rejectMessage: string; errorCode: string };

/**
 * The CBOR body answering a query.
 *
 * @example
 * ```ts
 * queryResponseBody({ ok: true, reply }, requestId, node, BigInt(Date.now()) * 1_000_000n);
 * ```
 */
export function queryResponseBody(outcome: QueryOutcome, requestId: Uint8Array, node: NodeKey, timestampNs: bigint): Uint8Array {
    const response: Record<string, HashableValue> = outcome.ok
        ? { status: 'replied', reply: { arg: outcome.reply } }
        : { status: 'rejected', reject_code: outcome.rejectCode, reject_message: outcome.rejectMessage, error_code: outcome.errorCode };
    const signed = hashOfMap({ ...response, timestamp: timestampNs, request_id: requestId });
    const signature = node.sign(concatBytes([RESPONSE_DS, signed]));
    return encodeWithSelfDescribedTag({
        ...response,
        signatures: [{ timestamp: timestampNs, signature, identity: node.nodeId.toUint8Array() }]
    } as never);
}
