/**
 * The public, in-process replica: one application subnet running real canister wasm with IC semantics.
 * See README.md for the semantics and documented deviations.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
import { concatBytes, utf8 } from './bytes.ts';
import { DataCertificates, RootKey } from './certificates.ts';
import { type Reject, RejectError } from './errors.ts';
import type { HashTree } from './hash-tree.ts';
import type { InstallMode } from './lifecycle.ts';
import { type CanisterStatusInfo, DEFAULT_CYCLES, ManagementCanister } from './management-canister.ts';
import type { Response } from './messages.ts';
import { CANISTER_RANGE, Subnet } from './subnet.ts';
import { canisterIdFromIndex } from './canister.ts';

const NS_PER_MS = 1_000_000n;
const EMPTY_CANDID = new Uint8Array(IDL.encode([], []));

export interface ReplicaOptions {
    /** Makes the root key and `raw_rand` deterministic. Without it both are random. */
    seed?: string | Uint8Array;
    /** Initial time in ms since the epoch (default: now). */
    time?: number;
    /** Print each canister `debug_print` to the console as `[<canister id>] text`. */
    printLogs?: boolean;
    /**
     * Time step (ns) of a round that follows another without a time change. PocketIC (like the IC's state machine)
     * uses 1 ns, so every round has its own time; the default 0 keeps time exactly where tests set it.
     */
    roundTimeIncrementNs?: bigint;
}

/** Who sends a call; anonymous when omitted. */
export interface CallOptions {
    sender?: Principal;
}

/** The result of a call that got a reply. */
export interface CallResult {
    /** The reply bytes (Candid for Candid methods). */
    reply: Uint8Array;
    /** IC instructions used by the call (summed over its call context; System-API charges only without metering). */
    instructions: bigint;
}

/** A canister as the state tree shows it (see {@link Replica.canisterState}). */
export interface CanisterState {
    certifiedData: Uint8Array;
    controllers: Principal[];
    /** SHA-256 of the installed module; undefined when empty. */
    moduleHash?: Uint8Array;
    /** Public custom sections (`icp:public <name>`), by name. */
    metadata: Map<string, Uint8Array>;
}

export interface InstallCanisterOptions {
    wasm: Uint8Array;
    /** Candid init argument (default: empty argument list). */
    arg?: Uint8Array;
    /** Controllers (default: `[sender]`). */
    controllers?: Principal[];
    /** Who creates and installs (default: anonymous). */
    sender?: Principal;
    cycles?: bigint;
}

export interface InstallCodeOptions {
    canisterId: Principal;
    wasm: Uint8Array;
    arg?: Uint8Array;
    mode: InstallMode;
    /** Who installs; must be a controller (default: the canister's first controller). */
    sender?: Principal;
    /** Upgrade only: skip `canister_pre_upgrade`. */
    skipPreUpgrade?: boolean;
}

/**
 * An embedded IC replica.
 *
 * @example
 * const r = await Replica.create({ seed: 'test' });
 * const id = await r.installCanister({ wasm: await buildCanister('hello') });
 * await r.update(id, 'setMessage', IDL.encode([IDL.Text], ['hi']));
 * const { reply } = await r.query(id, 'getMessage', IDL.encode([], []));
 * IDL.decode([IDL.Text], reply); // ['hi']
 */
export class Replica {
    /** DER-encoded root public key (133 bytes): verify certificates with it (`Certificate.create({ rootKey })`). */
    readonly rootKey: Uint8Array;
    /** The subnet's id (self-authenticating principal of the root key). */
    readonly subnetId: Principal;
    /** First and last canister id this replica assigns. */
    readonly canisterRange: { start: Principal; end: Principal } = {
        start: canisterIdFromIndex(CANISTER_RANGE.start),
        end: canisterIdFromIndex(CANISTER_RANGE.end)
    };
    private readonly key: RootKey;
    private readonly subnet: Subnet;
    private readonly management: ManagementCanister;

    private constructor(options: ReplicaOptions) {
        this.key = options.seed === undefined ? RootKey.random() : RootKey.fromSeed(options.seed);
        this.rootKey = this.key.der;
        this.subnetId = Principal.selfAuthenticating(this.rootKey);
        const timeNs = msToNs(options.time ?? Date.now(), 'Replica.create: time');
        this.subnet = new Subnet({
            timeNs,
            roundTimeIncrementNs: options.roundTimeIncrementNs,
            certificates: new DataCertificates(this.key),
            host: { onDebugPrint: options.printLogs ? (canister, text) => console.log(`[${canister.idText}] ${text}`) : undefined }
        });
        this.management = new ManagementCanister(this.subnet, randomSource(options.seed));
        this.subnet.management = this.management;
    }

    /** Creates a replica. */
    static async create(options: ReplicaOptions = {}): Promise<Replica> {
        return new Replica(options);
    }

    // ------------------------------------------------------------------ canisters

    /** Creates an empty canister (controllers default to `[sender]`, sender to anonymous). */
    async createCanister(options: { controllers?: Principal[]; sender?: Principal; cycles?: bigint; canisterId?: Principal } = {}): Promise<Principal> {
        const caller = options.sender ?? Principal.anonymous();
        return this.management.createCanister({
            caller,
            settings: { controllers: [options.controllers ?? [caller]], freezing_threshold: [] },
            cycles: options.cycles ?? DEFAULT_CYCLES,
            specifiedId: options.canisterId
        });
    }

    /** Installs, reinstalls or upgrades code (after which due timers run, e.g. Azle's 0-second seeding timer). */
    async installCode(options: InstallCodeOptions): Promise<void> {
        const sender = options.sender ?? this.defaultSender(options.canisterId);
        this.subnet.startRound();
        this.management.installCode({
            caller: sender,
            canisterId: options.canisterId,
            wasm: options.wasm,
            arg: options.arg ?? EMPTY_CANDID,
            mode: options.mode,
            skipPreUpgrade: options.skipPreUpgrade
        });
        this.subnet.drain();
        this.subnet.executeRound();
    }

    /** Creates a canister and installs `wasm` into it; returns its id. */
    async installCanister(options: InstallCanisterOptions): Promise<Principal> {
        const sender = options.sender ?? Principal.anonymous();
        const canisterId = await this.createCanister({ controllers: options.controllers ?? [sender], sender, cycles: options.cycles });
        try {
            await this.installCode({ canisterId, wasm: options.wasm, arg: options.arg, mode: 'install', sender });
        } catch (error) {
            this.subnet.canisters.delete(canisterId.toText()); // nothing is left behind by a failed install
            throw error;
        }
        return canisterId;
    }

    /** Upgrades a canister: pre_upgrade, new instance (heap wiped), stable memory kept, post_upgrade(arg). */
    async upgradeCanister(canisterId: Principal, wasm: Uint8Array, options: { arg?: Uint8Array; sender?: Principal; skipPreUpgrade?: boolean } = {}): Promise<void> {
        await this.installCode({ canisterId, wasm, mode: 'upgrade', ...options });
    }

    /** Reinstalls a canister: everything wiped, init(arg). */
    async reinstallCanister(canisterId: Principal, wasm: Uint8Array, options: { arg?: Uint8Array; sender?: Principal } = {}): Promise<void> {
        await this.installCode({ canisterId, wasm, mode: 'reinstall', ...options });
    }

    /** Stops a canister (messages to it are then rejected with IC0508). `sender` must be a controller. */
    async stopCanister(canisterId: Principal, options: CallOptions = {}): Promise<void> {
        this.management.stopCanister(canisterId, options.sender ?? this.defaultSender(canisterId));
    }

    /** Starts a stopped canister again. `sender` must be a controller. */
    async startCanister(canisterId: Principal, options: CallOptions = {}): Promise<void> {
        this.management.startCanister(canisterId, options.sender ?? this.defaultSender(canisterId));
    }

    /** Status, controllers, module hash, memory size and cycles of a canister. */
    canisterStatus(canisterId: Principal): CanisterStatusInfo {
        return this.management.status(canisterId);
    }

    /** Replaces the controllers (checked against `sender`, default the first current controller). */
    async setControllers(canisterId: Principal, controllers: Principal[], options: CallOptions = {}): Promise<void> {
        this.management.updateSettings(canisterId, { controllers: [controllers], freezing_threshold: [] }, options.sender ?? this.defaultSender(canisterId));
    }

    /** The canister's controllers. */
    getControllers(canisterId: Principal): Principal[] {
        return [...this.subnet.canister(canisterId).controllers];
    }

    /**
     * What the state tree holds about a canister (`/canister/<id>/...` in read_state), or undefined if it does not
     * exist: certified data, controllers, module hash and the module's `icp:public` custom sections.
     */
    canisterState(canisterId: Principal): CanisterState | undefined {
        const canister = this.subnet.canisters.get(canisterId.toText());
        if (!canister) return undefined;
        return {
            certifiedData: canister.certifiedData,
            controllers: [...canister.controllers],
            moduleHash: canister.code?.loaded.moduleHash,
            metadata: canister.code?.loaded.publicMetadata ?? new Map()
        };
    }

    /** Ids of all canisters, in creation order. */
    canisterIds(): Principal[] {
        return [...this.subnet.canisters.values()].map((c) => c.id);
    }

    /** The canister's `debug_print` output so far (traps of timers and callbacks appear as `[TRAP] ...`). */
    logs(canisterId: Principal): string[] {
        return [...this.subnet.canister(canisterId).logs];
    }

    /** The canister's certified data (what `/canister/<id>/certified_data` holds). */
    getCertifiedData(canisterId: Principal): Uint8Array {
        return this.subnet.canister(canisterId).certifiedData;
    }

    /** A copy of the canister's whole stable memory. */
    getStableMemory(canisterId: Principal): Uint8Array {
        return this.subnet.canister(canisterId).stable.snapshot();
    }

    /** Replaces stable memory (size rounded up to whole 64 KiB pages). */
    setStableMemory(canisterId: Principal, bytes: Uint8Array): void {
        this.subnet.canister(canisterId).stable.replace(bytes);
    }

    /** The canister's cycle balance. */
    getCycles(canisterId: Principal): bigint {
        return this.subnet.canister(canisterId).cycles;
    }

    /** Adds cycles; returns the new balance. */
    addCycles(canisterId: Principal, amount: bigint): bigint {
        const canister = this.subnet.canister(canisterId);
        canister.cycles += amount;
        return canister.cycles;
    }

    // ------------------------------------------------------------------ calls

    /**
     * An update call (an ingress message from `sender`), run to completion with every call it causes; then the round
     * ends (due timers fire). Calls to `aaaaa-aa` reach the management canister (`install_code`, ...).
     * Throws {@link RejectError} unless the call is replied.
     */
    async update(canisterId: Principal, method: string, arg: Uint8Array = EMPTY_CANDID, options: CallOptions = {}): Promise<CallResult> {
        const result = this.subnet.ingressUpdate(canisterId, method, asBytes(arg), options.sender ?? Principal.anonymous());
        return toCallResult(result.response, result.instructions);
    }

    /** A query call: sees the certified time and a data certificate; its changes are discarded. Throws {@link RejectError}. */
    async query(canisterId: Principal, method: string, arg: Uint8Array = EMPTY_CANDID, options: CallOptions = {}): Promise<CallResult> {
        const result = this.subnet.ingressQuery(canisterId, method, asBytes(arg), options.sender ?? Principal.anonymous());
        return toCallResult(result.response, result.instructions);
    }

    // ------------------------------------------------------------------ time

    /** Current time in ms. */
    getTime(): number {
        return Number(this.subnet.timeNs / NS_PER_MS);
    }

    /** Current time in ns. */
    getTimeNs(): bigint {
        return this.subnet.timeNs;
    }

    /** Time (ms) certified by the last round: what queries and their certificates see. */
    get certifiedTime(): number {
        return Number(this.subnet.certifiedTimeNs / NS_PER_MS);
    }

    /** Sets the time (ms). Like PocketIC, queries see it only after the next round (`tick`). Time never goes back. */
    setTime(ms: number): void {
        this.setTimeNs(msToNs(ms, 'setTime'));
    }

    /** Sets the time in ns (see {@link setTime}). */
    setTimeNs(ns: bigint): void {
        if (ns < this.subnet.timeNs) throw new RangeError(`setTime: ${ns} ns is before the current time ${this.subnet.timeNs} ns`);
        this.subnet.timeNs = ns;
    }

    /** Time (ns) certified by the last round (what `/time` in certificates holds). */
    certifiedTimeNs(): bigint {
        return this.subnet.certifiedTimeNs;
    }

    /** Certifies the current time at once, without running a round. */
    certifyTime(): void {
        this.subnet.certifiedTimeNs = this.subnet.timeNs;
    }

    /** Sets the time (ms) and certifies it at once, without running a round (PocketIC's set_certified_time). */
    setCertifiedTime(ms: number): void {
        this.setTime(ms);
        this.certifyTime();
    }

    /**
     * Moves time forward by `ms` and runs one round: due timers fire once. A repeating timer whose interval passed
     * several times fires once per jump, as on the IC (it is rescheduled from the time it fired).
     */
    async advanceTime(ms: number): Promise<void> {
        this.subnet.timeNs += msToNs(ms, 'advanceTime', true);
        this.subnet.executeRound();
    }

    /**
     * Runs `rounds` rounds (default 1): timers that are due fire, time gets certified. With `roundTimeIncrementNs`,
     * each round moves time by that step unless time was moved since the previous round (as on PocketIC).
     */
    async tick(rounds = 1): Promise<void> {
        for (let i = 0; i < rounds; i++) this.subnet.executeRound();
    }

    // ------------------------------------------------------------------ certificates

    /** Signs a state tree with the root key; returns the CBOR certificate (for read_state, request status...). */
    signCertificate(tree: HashTree): Uint8Array {
        return this.key.sign(tree);
    }

    private defaultSender(canisterId: Principal): Principal {
        return this.subnet.canister(canisterId).controllers[0] ?? Principal.anonymous();
    }
}

/** Milliseconds (finite, not negative) to nanoseconds; sub-millisecond fractions are kept when `fractional`. */
function msToNs(ms: number, what: string, fractional = false): bigint {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${what}: expected a finite, non-negative number of milliseconds, got ${ms}`);
    return fractional ? BigInt(Math.round(ms * 1e6)) : BigInt(Math.round(ms)) * NS_PER_MS;
}

function asBytes(arg: Uint8Array | ArrayBuffer): Uint8Array {
    return arg instanceof Uint8Array ? arg : new Uint8Array(arg);
}

function toCallResult(response: Response, instructions: bigint): CallResult {
    if (response.type === 'reply') return { reply: response.data, instructions };
    throw rejectError(response.reject);
}

function rejectError(reject: Reject): RejectError {
    return new RejectError(reject.code, reject.message, reject.errorCode);
}

/** `raw_rand` bytes: seeded (sha256 of seed and a counter) for deterministic replicas, else crypto-random. */
function randomSource(seed: string | Uint8Array | undefined): (n: number) => Uint8Array {
    if (seed === undefined) return (n) => crypto.getRandomValues(new Uint8Array(n));
    const seedBytes = typeof seed === 'string' ? utf8(seed) : seed;
    let counter = 0;
    return (n) => {
        const blocks: Uint8Array[] = [];
        while (blocks.length * 32 < n) blocks.push(sha256(concatBytes([utf8('raw_rand'), seedBytes, utf8(String(counter++))])));
        return concatBytes(blocks).slice(0, n);
    };
}
