/**
 * What became of a client call the gateway relayed, read from the IC's answer. A synchronous call
 * (`/api/v3/canister/<id>/call`) answers with a certificate holding the request's status, so the gateway learns
 * when the IC rejected a call at execution, e.g. because the canister was stopped (IC0508) or stopping (IC0509).
 *
 * The certificate is read, not verified: the gateway trusts its IC endpoint for this (as it does for query replies
 * off mainnet), and a lying endpoint could only make it close clients, which it can do anyway by dropping calls.
 */
import { Cbor, flatten_forks, lookup_path, lookup_subtree, lookupResultToBuffer, LookupSubtreeStatus, NodeType, type HashTree } from '@dfinity/agent';
import { decode } from '@dfinity/cbor';

/** IC0508 "Canister … is stopped", IC0509 "Canister … is stopping". */
export const CANISTER_PAUSED_ERROR_CODES: ReadonlySet<string> = new Set(['IC0508', 'IC0509']);

/**
 * The IC refused or rejected a relayed call: it was not executed and never will be (the IC deduplicates signed
 * requests, so it cannot be submitted again). For a `ws_message` this breaks the client's sequence numbers.
 */
export class RelayRejected extends Error {
    override name = 'RelayRejected';

    /** @param errorCode the IC's error code (`IC0508`, …) when it gave one. */
    constructor(
        message: string,
        readonly errorCode?: string
    ) {
        super(message);
    }

    /** The canister was stopped or stopping when the call reached it. */
    get canisterPaused(): boolean {
        return this.errorCode !== undefined && CANISTER_PAUSED_ERROR_CODES.has(this.errorCode);
    }
}

/** `replied`: executed. `accepted`: the IC took the call; how it ended is not known here (v2, or a v3 timeout). */
export type RelayOutcome = 'replied' | 'accepted';

interface RequestStatus {
    requestId: Uint8Array;
    status: string;
    rejectCode?: bigint;
    rejectMessage?: string;
    errorCode?: string;
}

/**
 * Reads a 200 answer of the v3 call endpoint: `{status: 'replied', certificate}` or a non-replicated rejection.
 * Throws {@link RelayRejected} when the call was rejected; `requestIdOf` is only called then, to check that the
 * certificate is about this call.
 *
 * @example
 * const outcome = outcomeOfSyncCall(body, 'ws_message', () => requestIdOf(content)); // 'replied' | 'accepted'
 */
export function outcomeOfSyncCall(body: Uint8Array, methodName: string, requestIdOf: () => Uint8Array): RelayOutcome {
    const answer = safeDecode(body);
    if (answer?.status === 'non_replicated_rejection') {
        throw new RelayRejected(`IC rejected ${methodName} (${describeCode(answer.reject_code, answer.error_code)}): ${String(answer.reject_message)}`, errorCodeOf(answer.error_code));
    }
    if (answer?.status !== 'replied' || !(answer.certificate instanceof Uint8Array)) return 'accepted';
    const status = requestStatusIn(answer.certificate);
    if (status?.status !== 'rejected') return status?.status === 'replied' ? 'replied' : 'accepted';
    if (!equalBytes(status.requestId, requestIdOf())) return 'accepted';
    throw new RelayRejected(`IC rejected ${methodName} (${describeCode(status.rejectCode, status.errorCode)}): ${status.rejectMessage ?? ''}`, status.errorCode);
}

/**
 * Reads a non-202 answer of the v2 call endpoint (or a refusal of v3): a 4xx, or a 200 carrying a non-replicated
 * rejection, means the IC did not take the call ({@link RelayRejected}); anything else (5xx) leaves it unknown.
 */
export function refusalOfCall(httpStatus: number, body: Uint8Array, methodName: string): Error | undefined {
    const answer = safeDecode(body);
    if (httpStatus === 200) {
        if (answer?.status !== 'non_replicated_rejection') return undefined;
        return new RelayRejected(`IC rejected ${methodName} (${describeCode(answer.reject_code, answer.error_code)}): ${String(answer.reject_message)}`, errorCodeOf(answer.error_code));
    }
    const text = answer && 'reject_message' in answer ? String(answer.reject_message) : new TextDecoder().decode(body.subarray(0, 300)).trim() || '(empty body)';
    if (httpStatus >= 400 && httpStatus < 500) return new RelayRejected(`IC refused ${methodName} (HTTP ${httpStatus}): ${text}`, errorCodeOf(answer?.error_code));
    return new Error(`IC answered ${methodName} with HTTP ${httpStatus}: ${text}`);
}

/** The one request status a v3 certificate carries (it holds that request's paths and the time only). */
function requestStatusIn(certificate: Uint8Array): RequestStatus | undefined {
    let tree: HashTree;
    try {
        tree = Cbor.decode<{ tree: HashTree }>(certificate).tree;
    } catch {
        return undefined;
    }
    const statuses = lookup_subtree(['request_status'], tree);
    if (statuses.status !== LookupSubtreeStatus.Found) return undefined;
    const requests = flatten_forks(statuses.value).filter((node) => node[0] === NodeType.Labeled);
    if (requests.length !== 1) return undefined;
    const [, label, subtree] = requests[0] as [NodeType.Labeled, Uint8Array, HashTree];
    const text = (field: string) => {
        const bytes = lookupResultToBuffer(lookup_path([field], subtree));
        return bytes ? new TextDecoder().decode(bytes) : undefined;
    };
    const status = text('status');
    if (!status) return undefined;
    const rejectCodeBytes = lookupResultToBuffer(lookup_path(['reject_code'], subtree));
    return {
        requestId: new Uint8Array(label),
        status,
        rejectCode: rejectCodeBytes ? readLeb128(rejectCodeBytes) : undefined,
        rejectMessage: text('reject_message'),
        errorCode: text('error_code')
    };
}

function describeCode(rejectCode: unknown, errorCode: unknown): string {
    return typeof errorCode === 'string' && errorCode ? `code ${rejectCode}, ${errorCode}` : `code ${rejectCode}`;
}

function errorCodeOf(value: unknown): string | undefined {
    return typeof value === 'string' && value ? value : undefined;
}

function readLeb128(bytes: Uint8Array): bigint {
    let value = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) value = (value << 7n) | BigInt(bytes[i] & 0x7f);
    return value;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
    return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

function safeDecode(body: Uint8Array): Record<string, unknown> | undefined {
    try {
        const value = decode(body);
        return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) ? (value as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}
