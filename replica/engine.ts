/**
 * The replica's engine: one application subnet running real canister wasm with IC semantics, every operation
 * synchronous. `Replica` (replica.ts) is the public face; it runs an engine on a worker thread with a large stack
 * (see thread/README.md) or on the calling thread, and documents each operation. See README.md for the semantics
 * and the documented deviations.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
import { concatBytes, utf8 } from './bytes.ts';
import { canisterIdFromIndex } from './canister.ts';
import { DataCertificates, RootKey } from './certificates.ts';
import { RejectError } from './errors.ts';
import type { HashTree } from './hash-tree.ts';
import { type CanisterStatusInfo, DEFAULT_CYCLES, ManagementCanister } from './management-canister.ts';
import type { Response } from './messages.ts';
import type { ValidReplicaOptions } from './options.ts';
import type { CallOptions, CallResult, CanisterState, InstallCanisterOptions, InstallCodeOptions } from './replica.ts';
import { CANISTER_RANGE, Subnet } from './subnet.ts';

const NS_PER_MS = 1_000_000n;
const EMPTY_CANDID = new Uint8Array(IDL.encode([], []));

/** What a `Replica` caches about its engine: fixed for the engine's lifetime. */
export interface EngineInfo {
    rootKey: Uint8Array;
    subnetId: Principal;
    canisterRange: { start: Principal; end: Principal };
}

/** The operations `Replica` forwards to its engine, by name. */
export type EngineOperation = {
    [K in keyof ReplicaEngine]: ReplicaEngine[K] extends (...args: never[]) => unknown ? K : never;
}[keyof ReplicaEngine];

export class ReplicaEngine {
    private readonly key: RootKey;
    private readonly subnet: Subnet;
    private readonly management: ManagementCanister;

    /** `print` receives each `debug_print` line when `options.printLogs` is set (default: `console.log`). */
    constructor(options: ValidReplicaOptions, print: (line: string) => void = (line) => console.log(line)) {
        this.key = options.seed === undefined ? RootKey.random() : RootKey.fromSeed(options.seed);
        this.subnet = new Subnet({
            timeNs: BigInt(Math.round(options.time ?? Date.now())) * NS_PER_MS,
            roundTimeIncrementNs: options.roundTimeIncrementNs,
            certificates: new DataCertificates(this.key),
            subnetId: Principal.selfAuthenticating(this.key.der),
            rootKey: this.key.der,
            host: { onDebugPrint: options.printLogs ? (canister, text) => print(`[${canister.idText}] ${text}`) : undefined }
        });
        this.management = new ManagementCanister(this.subnet, randomSource(options.seed));
        this.subnet.management = this.management;
    }

    info(): EngineInfo {
        return {
            rootKey: this.key.der,
            subnetId: Principal.selfAuthenticating(this.key.der),
            canisterRange: { start: canisterIdFromIndex(CANISTER_RANGE.start), end: canisterIdFromIndex(CANISTER_RANGE.end) }
        };
    }

    // ------------------------------------------------------------------ canisters

    createCanister(options: { controllers?: Principal[]; sender?: Principal; cycles?: bigint; canisterId?: Principal } = {}): Principal {
        const caller = options.sender ?? Principal.anonymous();
        return this.management.createCanister({
            caller,
            settings: { controllers: [options.controllers ?? [caller]], freezing_threshold: [] },
            cycles: options.cycles ?? DEFAULT_CYCLES,
            specifiedId: options.canisterId
        });
    }

    installCode(options: InstallCodeOptions): void {
        const sender = options.sender ?? this.defaultSender(options.canisterId);
        this.subnet.startRound();
        this.management.installCode({
            caller: sender,
            canisterId: options.canisterId,
            wasm: options.wasm,
            arg: options.arg ?? EMPTY_CANDID,
            mode: options.mode,
            skipPreUpgrade: options.skipPreUpgrade,
            keepWasmMemory: options.keepWasmMemory
        });
        this.subnet.drain();
        this.subnet.executeRound();
    }

    installCanister(options: InstallCanisterOptions): Principal {
        const sender = options.sender ?? Principal.anonymous();
        const canisterId = this.createCanister({ controllers: options.controllers ?? [sender], sender, cycles: options.cycles });
        try {
            this.installCode({ canisterId, wasm: options.wasm, arg: options.arg, mode: 'install', sender });
        } catch (error) {
            this.subnet.canisters.delete(canisterId.toText()); // nothing is left behind by a failed install
            throw error;
        }
        return canisterId;
    }

    upgradeCanister(canisterId: Principal, wasm: Uint8Array, options: Omit<InstallCodeOptions, 'canisterId' | 'wasm' | 'mode'> = {}): void {
        this.installCode({ canisterId, wasm, mode: 'upgrade', ...options });
    }

    reinstallCanister(canisterId: Principal, wasm: Uint8Array, options: { arg?: Uint8Array; sender?: Principal } = {}): void {
        this.installCode({ canisterId, wasm, mode: 'reinstall', ...options });
    }

    stopCanister(canisterId: Principal, options: CallOptions = {}): void {
        this.management.stopCanister(canisterId, options.sender ?? this.defaultSender(canisterId));
    }

    startCanister(canisterId: Principal, options: CallOptions = {}): void {
        this.management.startCanister(canisterId, options.sender ?? this.defaultSender(canisterId));
    }

    canisterStatus(canisterId: Principal): CanisterStatusInfo {
        return this.management.status(canisterId);
    }

    setControllers(canisterId: Principal, controllers: Principal[], options: CallOptions = {}): void {
        this.management.updateSettings(canisterId, { controllers: [controllers], freezing_threshold: [] }, options.sender ?? this.defaultSender(canisterId));
    }

    getControllers(canisterId: Principal): Principal[] {
        return [...this.subnet.canister(canisterId).controllers];
    }

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

    canisterIds(): Principal[] {
        return [...this.subnet.canisters.values()].map((c) => c.id);
    }

    logs(canisterId: Principal): string[] {
        return [...this.subnet.canister(canisterId).logs];
    }

    getCertifiedData(canisterId: Principal): Uint8Array {
        return this.subnet.canister(canisterId).certifiedData;
    }

    getStableMemory(canisterId: Principal): Uint8Array {
        return this.subnet.canister(canisterId).stable.snapshot();
    }

    setStableMemory(canisterId: Principal, bytes: Uint8Array): void {
        this.subnet.canister(canisterId).stable.replace(bytes);
    }

    getCycles(canisterId: Principal): bigint {
        return this.subnet.canister(canisterId).cycles;
    }

    addCycles(canisterId: Principal, amount: bigint): bigint {
        const canister = this.subnet.canister(canisterId);
        canister.cycles += amount;
        return canister.cycles;
    }

    // ------------------------------------------------------------------ calls

    update(canisterId: Principal, method: string, arg: Uint8Array = EMPTY_CANDID, options: CallOptions = {}): CallResult {
        const result = this.subnet.ingressUpdate(canisterId, method, arg, options.sender ?? Principal.anonymous());
        return toCallResult(result.response, result.instructions);
    }

    query(canisterId: Principal, method: string, arg: Uint8Array = EMPTY_CANDID, options: CallOptions = {}): CallResult {
        const result = this.subnet.ingressQuery(canisterId, method, arg, options.sender ?? Principal.anonymous());
        return toCallResult(result.response, result.instructions);
    }

    // ------------------------------------------------------------------ time

    getTimeNs(): bigint {
        return this.subnet.timeNs;
    }

    setTimeNs(ns: bigint): void {
        if (ns < this.subnet.timeNs) throw new RangeError(`setTime: ${ns} ns is before the current time ${this.subnet.timeNs} ns`);
        this.subnet.timeNs = ns;
    }

    certifiedTimeNs(): bigint {
        return this.subnet.certifiedTimeNs;
    }

    certifyTime(): void {
        this.subnet.certifiedTimeNs = this.subnet.timeNs;
    }

    advanceTimeNs(ns: bigint): void {
        this.subnet.timeNs += ns;
        this.subnet.executeRound();
    }

    tick(rounds: number): void {
        for (let i = 0; i < rounds; i++) this.subnet.executeRound();
    }

    // ------------------------------------------------------------------ certificates

    signCertificate(tree: HashTree): Uint8Array {
        return this.key.sign(tree);
    }

    private defaultSender(canisterId: Principal): Principal {
        return this.subnet.canister(canisterId).controllers[0] ?? Principal.anonymous();
    }
}

function toCallResult(response: Response, instructions: bigint): CallResult {
    if (response.type === 'reply') return { reply: response.data, instructions };
    throw new RejectError(response.reject.code, response.reject.message, response.reject.errorCode, { instructions });
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
