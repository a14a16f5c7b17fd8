/**
 * Which parts of the replica's state tree a `read_state` request may see, and their values.
 *
 * Supported paths (IC interface spec, "The system state tree"): `/time`; `/request_status/<id>/...`;
 * `/canister/<id>/certified_data|controllers|module_hash`, `/canister/<id>/metadata/<name>`; `/subnet` and
 * `/subnet/<subnet_id>/...` (public key, canister ranges, node keys). The answer holds `/time` plus the requested
 * subtrees; everything else is simply left out (the certificate is over this smaller tree, which no client can
 * tell apart from a pruned witness).
 */
import { encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import { fromUtf8, leb128, bytesEqual } from '../bytes.ts';
import type { Label } from '../hash-tree.ts';
import type { Replica } from '../replica.ts';
import { HttpError } from './transport.ts';

export type TreeEntry = { path: Label[]; value: Uint8Array };

/** Where the values come from (the replica, the request-status store, the subnet description). */
export interface StateSources {
    timeNs: bigint;
    requestStatus(requestId: Uint8Array): TreeEntry[];
    /** Undefined when the canister does not exist. */
    canister(canisterId: Principal): CanisterState | undefined;
    subnet: SubnetState;
}

/** A canister as the state tree shows it: certified data, controllers, module hash, public metadata. */
export type CanisterState = NonNullable<ReturnType<Replica['canisterState']>>;

export interface SubnetState {
    id: Principal;
    publicKeyDer: Uint8Array;
    canisterRanges: Array<[Principal, Principal]>;
    nodes: Array<{ id: Principal; publicKeyDer: Uint8Array }>;
}

/**
 * The entries of the tree answering `paths`.
 *
 * @example
 * ```ts
 * const entries = readStateEntries([[utf8('time')]], sources);
 * const certificate = replica.signCertificate(treeFromPaths(entries));
 * ```
 */
export function readStateEntries(paths: readonly Uint8Array[][], sources: StateSources): TreeEntry[] {
    const entries: TreeEntry[] = [{ path: ['time'], value: leb128(sources.timeNs) }];
    const seen = new Set<string>(['time']);
    const add = (items: TreeEntry[]) => {
        for (const item of items) {
            const key = item.path.map((l) => (typeof l === 'string' ? l : Buffer.from(l).toString('hex'))).join('/');
            if (!seen.has(key)) entries.push(item), seen.add(key);
        }
    };
    for (const path of paths) add(entriesFor(path, sources));
    return entries;
}

function entriesFor(path: readonly Uint8Array[], sources: StateSources): TreeEntry[] {
    if (path.length === 0) throw new HttpError(400, 'Invalid path requested: the empty path');
    const root = fromUtf8(path[0]);
    switch (root) {
        case 'time':
            return [];
        case 'request_status':
            if (path.length < 2) throw new HttpError(400, 'Invalid path requested: /request_status needs a request id');
            return sources.requestStatus(path[1]);
        case 'canister':
            return canisterEntries(path, sources);
        case 'subnet':
            return subnetEntries(path, sources.subnet);
        default:
            throw new HttpError(404, `Invalid path requested: /${root} is not served by the embedded replica`);
    }
}

function canisterEntries(path: readonly Uint8Array[], sources: StateSources): TreeEntry[] {
    if (path.length < 3) throw new HttpError(400, 'Invalid path requested: /canister/<id>/<field> is required');
    const canisterId = Principal.fromUint8Array(path[1]);
    const state = sources.canister(canisterId);
    if (!state) return [];
    const field = fromUtf8(path[2]);
    const at = (f: Label[], value: Uint8Array): TreeEntry => ({ path: ['canister', path[1], ...f], value });
    switch (field) {
        case 'certified_data':
            return [at(['certified_data'], state.certifiedData)];
        case 'controllers':
            return [at(['controllers'], encodeWithSelfDescribedTag(state.controllers.map((c) => c.toUint8Array())))];
        case 'module_hash':
            return state.moduleHash ? [at(['module_hash'], state.moduleHash)] : [];
        case 'metadata': {
            if (path.length < 4) throw new HttpError(400, 'Invalid path requested: /canister/<id>/metadata/<name> is required');
            const name = fromUtf8(path[3]);
            const value = state.metadata.get(name);
            return value ? [at(['metadata', path[3]], value)] : [];
        }
        default:
            throw new HttpError(404, `Invalid path requested: /canister/<id>/${field}`);
    }
}

function subnetEntries(path: readonly Uint8Array[], subnet: SubnetState): TreeEntry[] {
    if (path.length >= 2 && !bytesEqual(path[1], subnet.id.toUint8Array())) return [];
    const id = subnet.id.toUint8Array();
    const ranges = encodeWithSelfDescribedTag(subnet.canisterRanges.map(([start, end]) => [start.toUint8Array(), end.toUint8Array()]));
    return [
        { path: ['subnet', id, 'canister_ranges'], value: ranges },
        ...subnet.nodes.map((node) => ({ path: ['subnet', id, 'node', node.id.toUint8Array(), 'public_key'] as Label[], value: node.publicKeyDer })),
        { path: ['subnet', id, 'public_key'], value: subnet.publicKeyDer }
    ];
}
