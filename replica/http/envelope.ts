/**
 * Decoding and shape-checking of the CBOR envelopes the IC HTTP interface receives:
 * `{ content, sender_pubkey?, sender_sig?, sender_delegation? }` with `content` a call, query or read_state
 * request. Anything malformed becomes an HttpError 400 with the reason; nothing here trusts the input.
 *
 * @example
 * ```ts
 * const envelope = decodeEnvelope(body, 'call'); // throws HttpError(400, ...) on bad input
 * envelope.requestId;                           // 32-byte request id of envelope.content
 * ```
 */
import { decode } from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import { HttpError } from './transport.ts';
import { requestIdOf, type HashableValue } from './request-id.ts';

export type RequestType = 'call' | 'query' | 'read_state';

export interface SignedDelegation {
    delegation: { pubkey: Uint8Array; expiration: bigint; targets?: Principal[]; raw: Record<string, HashableValue> };
    signature: Uint8Array;
}

interface CommonContent {
    sender: Principal;
    ingressExpiry: bigint;
    nonce?: Uint8Array;
}

export interface CanisterCallContent extends CommonContent {
    requestType: 'call' | 'query';
    canisterId: Principal;
    methodName: string;
    arg: Uint8Array;
}

export interface ReadStateContent extends CommonContent {
    requestType: 'read_state';
    paths: Uint8Array[][];
}

export interface Envelope<C = CanisterCallContent | ReadStateContent> {
    content: C;
    requestId: Uint8Array;
    senderPubkey?: Uint8Array;
    senderSig?: Uint8Array;
    senderDelegation?: SignedDelegation[];
}

/** Decodes a request body expected to carry a `requestType` request. */
export function decodeEnvelope(body: Uint8Array, requestType: 'call' | 'query'): Envelope<CanisterCallContent>;
export function decodeEnvelope(body: Uint8Array, requestType: 'read_state'): Envelope<ReadStateContent>;
export function decodeEnvelope(body: Uint8Array, requestType: RequestType): Envelope {
    let decoded: unknown;
    try {
        decoded = decode(body);
    } catch (e) {
        throw bad(`Could not parse body as ${requestType} message: ${(e as Error).message}`);
    }
    const envelope = asMap(decoded, 'envelope');
    const rawContent = asMap(envelope.content, 'content');
    const content = requestType === 'read_state' ? readStateContent(rawContent) : canisterCallContent(rawContent, requestType);
    return {
        content,
        requestId: requestIdOf(rawContent as Record<string, HashableValue>),
        senderPubkey: optionalBlob(envelope.sender_pubkey, 'sender_pubkey'),
        senderSig: optionalBlob(envelope.sender_sig, 'sender_sig'),
        senderDelegation: envelope.sender_delegation === undefined ? undefined : delegations(envelope.sender_delegation)
    };
}

function canisterCallContent(raw: Record<string, unknown>, expected: 'call' | 'query'): CanisterCallContent {
    checkRequestType(raw, expected);
    if (typeof raw.method_name !== 'string') throw bad('content.method_name must be text');
    return {
        requestType: expected,
        canisterId: principal(raw.canister_id, 'content.canister_id'),
        methodName: raw.method_name,
        arg: blob(raw.arg, 'content.arg'),
        ...common(raw)
    };
}

function readStateContent(raw: Record<string, unknown>): ReadStateContent {
    checkRequestType(raw, 'read_state');
    if (!Array.isArray(raw.paths)) throw bad('content.paths must be an array of paths');
    const paths = raw.paths.map((path, i) => {
        if (!Array.isArray(path)) throw bad(`content.paths[${i}] must be an array of labels`);
        return path.map((label, j) => blob(label, `content.paths[${i}][${j}]`));
    });
    return { requestType: 'read_state', paths, ...common(raw) };
}

function common(raw: Record<string, unknown>): CommonContent {
    const nonce = optionalBlob(raw.nonce, 'content.nonce');
    if (nonce && nonce.length > 32) throw bad(`content.nonce is ${nonce.length} bytes, more than 32`);
    return { sender: principal(raw.sender, 'content.sender'), ingressExpiry: natural(raw.ingress_expiry, 'content.ingress_expiry'), nonce };
}

function checkRequestType(raw: Record<string, unknown>, expected: RequestType): void {
    if (raw.request_type !== expected) {
        const given = typeof raw.request_type === 'string' ? `"${raw.request_type}"` : `a ${typeof raw.request_type}`;
        throw bad(`content.request_type is ${given}, this endpoint expects "${expected}"`);
    }
}

function delegations(value: unknown): SignedDelegation[] {
    if (!Array.isArray(value)) throw bad('sender_delegation must be an array');
    return value.map((item, i) => {
        const signed = asMap(item, `sender_delegation[${i}]`);
        const raw = asMap(signed.delegation, `sender_delegation[${i}].delegation`);
        const targets = raw.targets === undefined ? undefined : principalList(raw.targets, `sender_delegation[${i}].delegation.targets`);
        return {
            delegation: {
                pubkey: blob(raw.pubkey, `sender_delegation[${i}].delegation.pubkey`),
                expiration: natural(raw.expiration, `sender_delegation[${i}].delegation.expiration`),
                targets,
                raw: raw as Record<string, HashableValue>
            },
            signature: blob(signed.signature, `sender_delegation[${i}].signature`)
        };
    });
}

function principalList(value: unknown, what: string): Principal[] {
    if (!Array.isArray(value)) throw bad(`${what} must be an array`);
    return value.map((item, j) => principal(item, `${what}[${j}]`));
}

function asMap(value: unknown, what: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
        throw bad(`${what} must be a CBOR map`);
    }
    return value as Record<string, unknown>;
}

function blob(value: unknown, what: string): Uint8Array {
    if (!(value instanceof Uint8Array)) throw bad(`${what} must be a byte string`);
    return value;
}

function optionalBlob(value: unknown, what: string): Uint8Array | undefined {
    return value === undefined ? undefined : blob(value, what);
}

function natural(value: unknown, what: string): bigint {
    if (typeof value === 'bigint' && value >= 0n) return value;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
    throw bad(`${what} must be a natural number`);
}

function principal(value: unknown, what: string): Principal {
    const bytes = blob(value, what);
    if (bytes.length > 29) throw bad(`${what} is ${bytes.length} bytes, longer than a principal (29)`);
    return Principal.fromUint8Array(bytes);
}

function bad(message: string): HttpError {
    return new HttpError(400, message);
}
