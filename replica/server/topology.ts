/**
 * Subnet topology of a PocketIC instance served by the embedded replica.
 *
 * One embedded replica executes every canister of an instance. Requested subnets are reported the way PocketIC
 * reports them (kind, id, canister ranges), so pic-js's topology getters work; all of them share the replica's
 * root key, which is why no certificate ever needs a delegation (documented in README.md).
 */
import { createHash } from 'node:crypto';
import type { Principal } from '@dfinity/principal';
import { toBase64 } from './json.ts';

/** Subnet kinds as PocketIC names them in JSON. */
export type SubnetKind = 'NNS' | 'SNS' | 'II' | 'Fiduciary' | 'Bitcoin' | 'System' | 'Application' | 'VerifiedApplication';

/** The kinds this server can host; asking for others is refused with a clear message. */
const SUPPORTED_KINDS: readonly SubnetKind[] = ['NNS', 'Application'];

export interface Subnet {
    id: Principal;
    kind: SubnetKind;
    /** Inclusive canister id ranges, as raw principals. */
    canisterRanges: Array<{ start: Principal; end: Principal }>;
}

/** A request the embedded replica cannot honour: answered with an error naming it, never silently ignored. */
export class UnsupportedError extends Error {
    override name = 'UnsupportedError';
}

/**
 * Reads PocketIC's `subnet_config_set` and returns the subnet kinds asked for, in PocketIC's order (named subnets,
 * then system, application). Throws UnsupportedError for kinds or counts the embedded replica cannot provide.
 *
 * @example
 * ```ts
 * requestedSubnetKinds({ nns: { state_config: 'New' }, application: [{ state_config: 'New' }], system: [] });
 * // ['NNS', 'Application']
 * ```
 */
export function requestedSubnetKinds(configSet: unknown): SubnetKind[] {
    if (configSet === null || typeof configSet !== 'object') throw new TypeError('subnet_config_set must be an object');
    const set = configSet as Record<string, unknown>;
    const kinds: SubnetKind[] = [];
    const named: Array<[string, SubnetKind]> = [['nns', 'NNS'], ['sns', 'SNS'], ['ii', 'II'], ['fiduciary', 'Fiduciary'], ['bitcoin', 'Bitcoin']];
    for (const [field, kind] of named) {
        const spec = set[field];
        if (spec === undefined || spec === null) continue;
        checkNewState(spec, kind);
        kinds.push(kind);
    }
    const listed: Array<[string, SubnetKind]> = [['system', 'System'], ['application', 'Application'], ['verified_application', 'VerifiedApplication']];
    for (const [field, kind] of listed) {
        const specs = set[field] ?? [];
        if (!Array.isArray(specs)) throw new TypeError(`subnet_config_set.${field} must be an array`);
        for (const spec of specs) {
            checkNewState(spec, kind);
            kinds.push(kind);
        }
    }
    if (kinds.length === 0) throw new TypeError('subnet_config_set must contain at least one subnet');
    const unsupported = kinds.filter((k) => !SUPPORTED_KINDS.includes(k));
    if (unsupported.length > 0) {
        throw new UnsupportedError(`the embedded replica supports only an NNS and an application subnet; asked for: ${unsupported.join(', ')}`);
    }
    if (kinds.filter((k) => k === 'Application').length > 1) {
        throw new UnsupportedError('the embedded replica supports at most one application subnet');
    }
    return kinds;
}

function checkNewState(spec: unknown, kind: SubnetKind): void {
    const state = (spec as { state_config?: unknown } | null)?.state_config;
    if (state !== undefined && state !== 'New') {
        throw new UnsupportedError(`the embedded replica can only create new (empty) subnets; ${kind} asked for ${JSON.stringify(state)}`);
    }
}

/** The PocketIC JSON form of a topology (`GET /instances/<id>/_/topology`). */
export function topologyJson(subnets: readonly Subnet[], defaultEffectiveCanisterId: Principal): unknown {
    return {
        subnet_configs: Object.fromEntries(
            subnets.map((s) => [
                s.id.toText(),
                {
                    subnet_kind: s.kind,
                    // PocketIC reports the seed its subnet keys came from; ours derive from the replica seed, so
                    // report a stable 32-byte stand-in (nothing in pic-js reads it).
                    subnet_seed: Array.from(createHash('sha256').update(s.id.toUint8Array()).digest()),
                    instruction_config: 'Production',
                    canister_ranges: s.canisterRanges.map((r) => ({
                        start: { canister_id: toBase64(r.start.toUint8Array()) },
                        end: { canister_id: toBase64(r.end.toUint8Array()) }
                    })),
                    size: 1
                }
            ])
        ),
        default_effective_canister_id: { canister_id: toBase64(defaultEffectiveCanisterId.toUint8Array()) }
    };
}
