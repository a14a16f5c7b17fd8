/**
 * The embedded replica's public API. See README.md.
 *
 * @example
 * import { Replica, buildCanister } from '../replica/index.ts';
 * const r = await Replica.create();
 * const id = await r.installCanister({ wasm: await buildCanister('hello') });
 */
export {
    Replica,
    type ReplicaOptions,
    type CallOptions,
    type CallResult,
    type CanisterState,
    type InstallCanisterOptions,
    type InstallCodeOptions,
    type UpgradeOptions
} from './replica.ts';
/** The IC's wasm stack (5 MiB, wasmtime's `max_wasm_stack` on the IC), which recursion in canisters runs into here too. */
export { IC_WASM_STACK_BYTES } from './metering/index.ts';
export { RejectError, RejectCode, ErrorCode, type Reject } from './errors.ts';
export type { InstallMode } from './lifecycle.ts';
export type { CanisterStatusInfo } from './management-canister.ts';
export { RootKey, BLS_DER_PREFIX, canisterCertificateTree } from './certificates.ts';
export {
    type HashTree,
    type Label,
    type LookupResult,
    empty,
    fork,
    labeled,
    leaf,
    pruned,
    reconstruct,
    lookupPath,
    treeFromPaths,
    forkAll,
    domainSeparator
} from './hash-tree.ts';
export { leb128 } from './bytes.ts';
export { buildCanister, canisterNames } from './build.ts';
/** The IC HTTP interface (`/api/v2|v3/...`) over a replica: `await serveHttp(replica, { port })`. See http/README.md. */
export { serveHttp, type HttpInterface, type ServeHttpOptions } from './http/index.ts';
