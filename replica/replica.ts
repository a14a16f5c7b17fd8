/**
 * The public replica: one application subnet running real canister wasm with IC semantics. Its engine (engine.ts)
 * runs on a worker thread with a large stack by default (thread/), so canisters get the IC's wasm stack; every call
 * still completes before it returns, in the order calls were made. See README.md for the semantics and documented
 * deviations.
 */
import type { Principal } from '@dfinity/principal';
import type { EngineOperation, ReplicaEngine } from './engine.ts';
import type { HashTree } from './hash-tree.ts';
import type { InstallMode } from './lifecycle.ts';
import type { CanisterStatusInfo } from './management-canister.ts';
import { nonNegativeMilliseconds, validateReplicaOptions } from './options.ts';
import { type EngineLink, openEngine } from './thread/engine-link.ts';

const NS_PER_MS = 1_000_000n;

export interface ReplicaOptions {
    /** Makes the root key and `raw_rand` deterministic: a string or bytes. Without it both are random. */
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
    /**
     * Where canister code runs. `'worker'` (default): on the process's replica thread, whose 64 MiB stack lets the
     * IC's stack limit (5 MiB of wasm frames, counted deterministically) decide when recursion overflows.
     * `'inline'`: on the calling thread (e.g. to profile canister code with `--cpu-prof`); V8's own stack (~1 MB on
     * the main thread) then cuts deep recursion short, at a depth that depends on how warm the code is.
     */
    thread?: 'worker' | 'inline';
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
    /**
     * Upgrade only: keep the wasm main memory (the IC's `wasm_memory_persistence = opt variant { keep }`), as Motoko's
     * enhanced orthogonal persistence needs. Required (true or false) when the installed module declares the
     * `enhanced-orthogonal-persistence` custom section, as on the IC.
     */
    keepWasmMemory?: boolean;
}

/** Options of an upgrade (see {@link InstallCodeOptions}). */
export type UpgradeOptions = Pick<InstallCodeOptions, 'arg' | 'sender' | 'skipPreUpgrade' | 'keepWasmMemory'>;

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
    readonly canisterRange: { start: Principal; end: Principal };

    private constructor(private readonly engine: EngineLink) {
        const info = this.call('info', []);
        this.rootKey = info.rootKey;
        this.subnetId = info.subnetId;
        this.canisterRange = info.canisterRange;
    }

    /**
     * Creates a replica. Options are checked: a wrong type or an unknown option is a TypeError naming it.
     *
     * @example await Replica.create({ seed: 'my test', time: Date.parse('2026-01-01') })
     */
    static async create(options: ReplicaOptions = {}): Promise<Replica> {
        return new Replica(await openEngine(validateReplicaOptions(options)));
    }

    /** Frees the replica's canisters and their memory now (otherwise that happens once the replica is garbage). */
    close(): void {
        this.engine.close();
    }

    private call<K extends EngineOperation>(operation: K, args: Parameters<ReplicaEngine[K]>): ReturnType<ReplicaEngine[K]> {
        return this.engine.call(operation, args);
    }

    // ------------------------------------------------------------------ canisters

    /** Creates an empty canister (controllers default to `[sender]`, sender to anonymous). */
    async createCanister(options: { controllers?: Principal[]; sender?: Principal; cycles?: bigint; canisterId?: Principal } = {}): Promise<Principal> {
        return this.call('createCanister', [options]);
    }

    /** Installs, reinstalls or upgrades code (after which due timers run, e.g. Azle's 0-second seeding timer). */
    async installCode(options: InstallCodeOptions): Promise<void> {
        this.call('installCode', [options]);
    }

    /** Creates a canister and installs `wasm` into it; returns its id. Nothing is left behind if init traps. */
    async installCanister(options: InstallCanisterOptions): Promise<Principal> {
        return this.call('installCanister', [options]);
    }

    /** Upgrades a canister: pre_upgrade, new instance (heap wiped unless `keepWasmMemory`), stable memory kept, post_upgrade(arg). */
    async upgradeCanister(canisterId: Principal, wasm: Uint8Array, options: UpgradeOptions = {}): Promise<void> {
        this.call('upgradeCanister', [canisterId, wasm, options]);
    }

    /** Reinstalls a canister: everything wiped, init(arg). */
    async reinstallCanister(canisterId: Principal, wasm: Uint8Array, options: { arg?: Uint8Array; sender?: Principal } = {}): Promise<void> {
        this.call('reinstallCanister', [canisterId, wasm, options]);
    }

    /** Stops a canister (messages to it are then rejected with IC0508). `sender` must be a controller. */
    async stopCanister(canisterId: Principal, options: CallOptions = {}): Promise<void> {
        this.call('stopCanister', [canisterId, options]);
    }

    /** Starts a stopped canister again. `sender` must be a controller. */
    async startCanister(canisterId: Principal, options: CallOptions = {}): Promise<void> {
        this.call('startCanister', [canisterId, options]);
    }

    /** Status, controllers, module hash, memory size and cycles of a canister. */
    canisterStatus(canisterId: Principal): CanisterStatusInfo {
        return this.call('canisterStatus', [canisterId]);
    }

    /** Replaces the controllers (checked against `sender`, default the first current controller). */
    async setControllers(canisterId: Principal, controllers: Principal[], options: CallOptions = {}): Promise<void> {
        this.call('setControllers', [canisterId, controllers, options]);
    }

    /** The canister's controllers. */
    getControllers(canisterId: Principal): Principal[] {
        return this.call('getControllers', [canisterId]);
    }

    /**
     * What the state tree holds about a canister (`/canister/<id>/...` in read_state), or undefined if it does not
     * exist: certified data, controllers, module hash and the module's `icp:public` custom sections.
     */
    canisterState(canisterId: Principal): CanisterState | undefined {
        return this.call('canisterState', [canisterId]);
    }

    /** Ids of all canisters, in creation order. */
    canisterIds(): Principal[] {
        return this.call('canisterIds', []);
    }

    /** The canister's `debug_print` output so far (traps of timers and callbacks appear as `[TRAP] ...`). */
    logs(canisterId: Principal): string[] {
        return this.call('logs', [canisterId]);
    }

    /** The canister's certified data (what `/canister/<id>/certified_data` holds). */
    getCertifiedData(canisterId: Principal): Uint8Array {
        return this.call('getCertifiedData', [canisterId]);
    }

    /** A copy of the canister's whole stable memory. */
    getStableMemory(canisterId: Principal): Uint8Array {
        return this.call('getStableMemory', [canisterId]);
    }

    /** Replaces stable memory (size rounded up to whole 64 KiB pages). */
    setStableMemory(canisterId: Principal, bytes: Uint8Array): void {
        this.call('setStableMemory', [canisterId, bytes]);
    }

    /** The canister's cycle balance. */
    getCycles(canisterId: Principal): bigint {
        return this.call('getCycles', [canisterId]);
    }

    /** Adds cycles; returns the new balance. */
    addCycles(canisterId: Principal, amount: bigint): bigint {
        return this.call('addCycles', [canisterId, amount]);
    }

    // ------------------------------------------------------------------ calls

    /**
     * An update call (an ingress message from `sender`), run to completion with every call it causes; then the round
     * ends (due timers fire). Calls to `aaaaa-aa` reach the management canister (`install_code`, ...).
     * Throws {@link RejectError} unless the call is replied.
     */
    async update(canisterId: Principal, method: string, arg?: Uint8Array | ArrayBuffer, options: CallOptions = {}): Promise<CallResult> {
        return this.call('update', [canisterId, method, asBytes(arg), options]);
    }

    /** A query call: sees the certified time and a data certificate; its changes are discarded. Throws {@link RejectError}. */
    async query(canisterId: Principal, method: string, arg?: Uint8Array | ArrayBuffer, options: CallOptions = {}): Promise<CallResult> {
        return this.call('query', [canisterId, method, asBytes(arg), options]);
    }

    // ------------------------------------------------------------------ time

    /** Current time in ms. */
    getTime(): number {
        return Number(this.getTimeNs() / NS_PER_MS);
    }

    /** Current time in ns. */
    getTimeNs(): bigint {
        return this.call('getTimeNs', []);
    }

    /** Time (ms) certified by the last round: what queries and their certificates see. */
    get certifiedTime(): number {
        return Number(this.certifiedTimeNs() / NS_PER_MS);
    }

    /** Sets the time (ms). Like PocketIC, queries see it only after the next round (`tick`). Time never goes back. */
    setTime(ms: number): void {
        this.setTimeNs(BigInt(Math.round(nonNegativeMilliseconds('setTime: the time', ms))) * NS_PER_MS);
    }

    /** Sets the time in ns (see {@link setTime}). */
    setTimeNs(ns: bigint): void {
        this.call('setTimeNs', [ns]);
    }

    /** Time (ns) certified by the last round (what `/time` in certificates holds). */
    certifiedTimeNs(): bigint {
        return this.call('certifiedTimeNs', []);
    }

    /** Certifies the current time at once, without running a round. */
    certifyTime(): void {
        this.call('certifyTime', []);
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
        this.call('advanceTimeNs', [BigInt(Math.round(nonNegativeMilliseconds('advanceTime: the duration', ms) * 1e6))]);
    }

    /**
     * Runs `rounds` rounds (default 1): timers that are due fire, time gets certified. With `roundTimeIncrementNs`,
     * each round moves time by that step unless time was moved since the previous round (as on PocketIC).
     */
    async tick(rounds = 1): Promise<void> {
        if (!Number.isSafeInteger(rounds) || rounds < 0) throw new RangeError(`tick: rounds must be a non-negative integer, got ${rounds}`);
        this.call('tick', [rounds]);
    }

    // ------------------------------------------------------------------ certificates

    /** Signs a state tree with the root key; returns the CBOR certificate (for read_state, request status...). */
    signCertificate(tree: HashTree): Uint8Array {
        return this.call('signCertificate', [tree]);
    }
}

function asBytes(arg: Uint8Array | ArrayBuffer | undefined): Uint8Array | undefined {
    return arg === undefined || arg instanceof Uint8Array ? arg : new Uint8Array(arg);
}
