/**
 * Which canister a management canister (`aaaaa-aa`) call is about, read from its Candid argument: the IC routes
 * such ingress by that canister (the "effective canister id"), and the HTTP interface checks that the URL names it.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

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

/**
 * The canister a management call targets, or undefined for methods that name none (canister creation).
 * Throws an Error with the Candid reason when the argument does not decode.
 *
 * @example
 * ```ts
 * managedCanister('install_code', IDL.encode([InstallCodeArgs], [args])); // args.canister_id
 * managedCanister('provisional_create_canister_with_cycles', arg);      // undefined
 * ```
 */
export function managedCanister(method: string, arg: Uint8Array): Principal | undefined {
    const field = method === 'install_chunked_code' ? 'target_canister' : METHODS_WITH_CANISTER_ID.has(method) ? 'canister_id' : undefined;
    if (!field) return undefined;
    try {
        // Candid subtyping: decoding as a record with only this field skips the others.
        const [record] = IDL.decode([IDL.Record({ [field]: IDL.Principal })], arg) as unknown as [Record<string, Principal>];
        return record[field];
    } catch (e) {
        throw new Error(`could not decode the ${field} of the ${method} argument: ${(e as Error).message}`);
    }
}
