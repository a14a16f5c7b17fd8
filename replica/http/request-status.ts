/**
 * Statuses of update calls received over the IC HTTP interface, as `read_state` reveals them under
 * `/request_status/<request_id>/...`: `received` → `processing` → `replied` (with `reply`) or `rejected` (with
 * `reject_code`, `reject_message`, `error_code`). Only the sender of a request may read its status.
 */
import type { Principal } from '@dfinity/principal';
import { leb128, toHex, utf8 } from '../bytes.ts';
import type { Label } from '../hash-tree.ts';

export type RequestOutcome =
    | { status: 'received' | 'processing' }
    | { status: 'replied'; reply: Uint8Array }
    | { status: 'rejected'; rejectCode: number; rejectMessage: string; errorCode?: string };

interface Entry {
    sender: Principal;
    outcome: RequestOutcome;
}

/** Oldest statuses are forgotten beyond this many, like the IC forgets them after expiry. */
const MAX_REMEMBERED = 10_000;

export class RequestStatuses {
    readonly #entries = new Map<string, Entry>();

    /**
     * Records (or updates) what became of request `requestId` sent by `sender`.
     *
     * @example
     * ```ts
     * statuses.set(requestId, sender, { status: 'replied', reply });
     * statuses.treeEntries(requestId); // [{ path: ['request_status', requestId, 'reply'], value: reply }, ...]
     * ```
     */
    set(requestId: Uint8Array, sender: Principal, outcome: RequestOutcome): void {
        const key = toHex(requestId);
        this.#entries.delete(key);
        this.#entries.set(key, { sender, outcome });
        if (this.#entries.size > MAX_REMEMBERED) this.#entries.delete(this.#entries.keys().next().value!);
    }

    /** Forgets a request, e.g. one refused before execution (its status is then absent again). */
    delete(requestId: Uint8Array): void {
        this.#entries.delete(toHex(requestId));
    }

    has(requestId: Uint8Array): boolean {
        return this.#entries.has(toHex(requestId));
    }

    senderOf(requestId: Uint8Array): Principal | undefined {
        return this.#entries.get(toHex(requestId))?.sender;
    }

    /** The state-tree leaves of one request; none while it is unknown (its status is then absent). */
    treeEntries(requestId: Uint8Array): Array<{ path: Label[]; value: Uint8Array }> {
        const entry = this.#entries.get(toHex(requestId));
        if (!entry) return [];
        const at = (field: string, value: Uint8Array) => ({ path: ['request_status', requestId, field], value });
        const { outcome } = entry;
        switch (outcome.status) {
            case 'received':
            case 'processing':
                return [at('status', utf8(outcome.status))];
            case 'replied':
                return [at('status', utf8('replied')), at('reply', outcome.reply)];
            case 'rejected':
                return [
                    at('status', utf8('rejected')),
                    at('reject_code', leb128(BigInt(outcome.rejectCode))),
                    at('reject_message', utf8(outcome.rejectMessage)),
                    ...(outcome.errorCode ? [at('error_code', utf8(outcome.errorCode))] : [])
                ];
        }
    }
}
