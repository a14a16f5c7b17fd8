/**
 * Who may read what through `read_state`, as the IC decides: a request's status only by the request's sender (and
 * one request id per read), canister paths only on that canister's endpoint, neither on a subnet endpoint.
 *
 * @example
 * ```ts
 * authorizeReadState(content.paths, content.sender, effectiveId, (id) => statuses.senderOf(id)); // throws HttpError
 * ```
 */
import { Principal } from '@dfinity/principal';
import { fromUtf8, toHex } from '../bytes.ts';
import { HttpError } from './transport.ts';

export function authorizeReadState(
    paths: readonly Uint8Array[][],
    sender: Principal,
    effectiveId: Principal | undefined,
    senderOfRequest: (requestId: Uint8Array) => Principal | undefined
): void {
    const requestIds = new Set<string>();
    for (const path of paths) {
        const root = path.length > 0 ? fromUtf8(path[0]) : '';
        if ((root === 'request_status' || root === 'canister') && !effectiveId) {
            throw new HttpError(404, `Invalid path requested: /${root} is not served on the subnet endpoint`);
        }
        if (root === 'request_status' && path.length >= 2) {
            requestIds.add(toHex(path[1]));
            const requester = senderOfRequest(path[1]);
            if (requester && requester.toText() !== sender.toText()) {
                throw new HttpError(403, 'Request IDs must be for requests signed by the caller');
            }
        }
        if (root === 'canister' && path.length >= 2) {
            const canister = Principal.fromUint8Array(path[1]);
            if (canister.toText() !== effectiveId!.toText()) {
                throw new HttpError(400, `Effective canister id in URL ${effectiveId!.toText()} does not match requested canister id ${canister.toText()}`);
            }
        }
    }
    if (requestIds.size > 1) throw new HttpError(400, 'Can only request the status of one request id at a time');
}
