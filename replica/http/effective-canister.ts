/**
 * The IC's effective canister id rules for calls and queries: the canister in the URL must be the one the
 * request is routed by, i.e. its target, or, for the management canister (`aaaaa-aa`), the canister the call is
 * about (`canister_id`, or `target_canister` for `install_chunked_code`); calls that name none (canister creation)
 * may use any id in the subnet's canister ranges, or `aaaaa-aa` itself (as a replica and PocketIC accept).
 *
 * The served subnet covers every canister id, as the single subnet of a local dfx replica does, so the effective
 * ids local tools use for creation (`rwlgt-iiaaa-aaaaa-aaaaa-cai`, dfx's default) are accepted.
 *
 * @example
 * ```ts
 * checkEffectiveCanister(content, Principal.fromText(urlId), LOCAL_SUBNET_RANGES); // throws HttpError(400, ...)
 * ```
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { canisterIdFromIndex } from '../canister.ts';
import type { CanisterCallContent } from './envelope.ts';
import { HttpError } from './transport.ts';

/** A closed range of canister ids. */
export type CanisterRange = readonly [start: Principal, end: Principal];

/** The canister ranges of the served subnet: all canister ids, like the one subnet of a local dfx replica. */
export const LOCAL_SUBNET_RANGES: readonly CanisterRange[] = [[canisterIdFromIndex(0n), canisterIdFromIndex(0xffff_ffff_ffff_ffffn)]];

/** Management methods whose argument record names their target in `canister_id`. */
const METHODS_WITH_CANISTER_ID = new Set([
    'install_code',
    'uninstall_code',
    'update_settings',
    'canister_status',
    'canister_info',
    'start_canister',
    'stop_canister',
    'delete_canister',
    'deposit_cycles',
    'provisional_top_up_canister',
    'upload_chunk',
    'clear_chunk_store',
    'stored_chunks',
    'fetch_canister_logs'
]);

/** Throws HttpError 400 unless `effectiveId` (from the URL) is where the IC would route `content`. */
export function checkEffectiveCanister(content: CanisterCallContent, effectiveId: Principal, ranges: readonly CanisterRange[]): void {
    if (!isManagementCanister(content.canisterId)) {
        if (content.canisterId.toText() !== effectiveId.toText()) {
            throw new HttpError(400, `Specified CanisterId ${content.canisterId.toText()} does not match effective canister id in URL ${effectiveId.toText()}`);
        }
        return;
    }
    const named = managedCanister(content.methodName, content.arg);
    if (named && named.toText() !== effectiveId.toText()) {
        throw new HttpError(400, `Effective canister id in URL ${effectiveId.toText()} does not match the canister ${named.toText()} of ${content.methodName}`);
    }
    const inRange = isCanisterId(effectiveId) && ranges.some(([start, end]) => start.compareTo(effectiveId) !== 'gt' && end.compareTo(effectiveId) !== 'lt');
    if (!named && !inRange && !isManagementCanister(effectiveId)) {
        throw new HttpError(400, `Effective canister id ${effectiveId.toText()} is not in the canister ranges of this replica's subnet`);
    }
}

/** Canister ids are 8 bytes of an index followed by 0x01 0x01 (ranges only hold those). */
function isCanisterId(id: Principal): boolean {
    const bytes = id.toUint8Array();
    return bytes.length === 10 && bytes[8] === 1 && bytes[9] === 1;
}

export function isManagementCanister(id: Principal): boolean {
    return id.toText() === Principal.managementCanister().toText();
}

/** The canister a management call is about, or undefined for methods that name none. */
function managedCanister(method: string, arg: Uint8Array): Principal | undefined {
    const field = method === 'install_chunked_code' ? 'target_canister' : METHODS_WITH_CANISTER_ID.has(method) ? 'canister_id' : undefined;
    if (!field) return undefined;
    try {
        // Candid subtyping: decoding as a record with only this field skips the others.
        const [record] = IDL.decode([IDL.Record({ [field]: IDL.Principal })], arg) as unknown as [Record<string, Principal>];
        return record[field];
    } catch (e) {
        throw new HttpError(400, `Could not decode the ${field} of the ${method} argument: ${(e as Error).message}`);
    }
}
