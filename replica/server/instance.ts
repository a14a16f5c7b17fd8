/**
 * One PocketIC instance served by the embedded replica: a Replica, the subnets it reports, its ingress queue, and
 * whether it is live (auto progress: its clock follows wall time and rounds run on their own).
 */
import { createHash } from 'node:crypto';
import { Principal } from '@dfinity/principal';
import { Replica } from '../index.ts';
import { canisterIdFromIndex } from '../canister.ts';
import { startAutoProgress } from '../http/auto-progress.ts';
import { IngressQueue } from './ingress.ts';
import type { Subnet, SubnetKind } from './topology.ts';

/** The NNS subnet's range on the IC; the embedded replica creates no canisters there (documented deviation). */
const NNS_RANGE = { start: canisterIdFromIndex(0n), end: canisterIdFromIndex(0xfffffn) };

/** How often a live instance runs a round (PocketIC's auto progress runs rounds continuously). */
const LIVE_ROUND_INTERVAL_MS = 100;

export class PicInstance {
    readonly ingress = new IngressQueue();
    #live: { stop(): void } | undefined;

    private constructor(
        readonly id: number,
        readonly replica: Replica,
        readonly subnets: readonly Subnet[]
    ) {}

    /**
     * Creates an instance with the requested subnets (see `requestedSubnetKinds`).
     *
     * @example
     * ```ts
     * const instance = await PicInstance.create(0, ['Application']);
     * instance.rootSubnet.id; // the replica's subnet id
     * ```
     */
    static async create(id: number, kinds: readonly SubnetKind[], options: { initialTimeMs?: number; printLogs?: boolean } = {}): Promise<PicInstance> {
        const replica = await Replica.create({ time: options.initialTimeMs, printLogs: options.printLogs });
        const hostsCanisters = kinds.includes('Application') ? 'Application' : kinds[0];
        const subnets = kinds.map((kind): Subnet => {
            const id = kind === hostsCanisters ? replica.subnetId : derivedSubnetId(replica.subnetId, kind);
            return { id, kind, canisterRanges: [kind === hostsCanisters ? replica.canisterRange : NNS_RANGE] };
        });
        return new PicInstance(id, replica, subnets);
    }

    /** The subnet whose key signs certificates: NNS when present, else the first (as in PocketIC). */
    get rootSubnet(): Subnet {
        return this.subnets.find((s) => s.kind === 'NNS') ?? this.subnets[0];
    }

    /** The subnet that hosts every canister of this instance. */
    get canisterSubnet(): Subnet {
        return this.subnets.find((s) => s.kind === 'Application') ?? this.subnets[0];
    }

    /** PocketIC's default effective canister id: the first id of the canister-hosting subnet. */
    get defaultEffectiveCanisterId(): Principal {
        return this.canisterSubnet.canisterRanges[0].start;
    }

    get isLive(): boolean {
        return this.#live !== undefined;
    }

    /** Starts auto progress (PocketIC's `/auto_progress`); idempotent. */
    startLive(): void {
        this.#live ??= startAutoProgress(this.replica, LIVE_ROUND_INTERVAL_MS);
    }

    /** Stops auto progress (PocketIC's `/stop_progress`); idempotent. */
    stopLive(): void {
        this.#live?.stop();
        this.#live = undefined;
    }

    subnetOf(canisterId: Principal): Subnet | undefined {
        if (canisterId.isAnonymous() || canisterId.toText() === Principal.managementCanister().toText()) return undefined;
        return this.replica.canisterIds().some((c) => c.toText() === canisterId.toText()) ? this.canisterSubnet : undefined;
    }
}

/** A stable, distinct id for a subnet that only exists in the reported topology. */
function derivedSubnetId(rootSubnet: Principal, kind: SubnetKind): Principal {
    const digest = createHash('sha224').update(rootSubnet.toUint8Array()).update(kind).digest();
    return Principal.fromUint8Array(new Uint8Array([...digest, 0x02]));
}
