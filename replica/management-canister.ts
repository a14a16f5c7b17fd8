/**
 * The management canister (`aaaaa-aa`): canister lifecycle (create, install incl. chunked, upgrade, reinstall,
 * uninstall, start, stop, delete), status, settings, cycles top-ups and `raw_rand`, reachable both by Candid calls
 * (from users and canisters) and by typed methods (for the replica's in-process API).
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { sha256 } from './hash.ts';
import { bytesEqual, concatBytes, toHex } from './bytes.ts';
import type { Canister } from './canister.ts';
import { ErrorCode, errorText, RejectError } from './errors.ts';
import { type InstallMode, installCode, uninstallCode } from './lifecycle.ts';
import * as T from './management-types.ts';
import type { Response } from './messages.ts';
import type { ManagementHandler, Subnet } from './subnet.ts';

/** Cycles a canister gets when none are specified (what PocketIC's `setupCanister` gives). */
export const DEFAULT_CYCLES = 1_000_000_000_000_000_000n;
/** Largest chunk `upload_chunk` accepts. */
const MAX_CHUNK_SIZE = 1024 * 1024;

/** The status record `canister_status` returns (also exposed by `Replica.canisterStatus`). */
export interface CanisterStatusInfo {
    status: 'running' | 'stopping' | 'stopped';
    controllers: Principal[];
    moduleHash: Uint8Array | undefined;
    memorySize: bigint;
    cycles: bigint;
    freezingThreshold: bigint;
}

type UpgradeFlags = { skip_pre_upgrade: [] | [boolean]; wasm_memory_persistence?: [] | [{ keep: null } | { replace: null }] };
type InstallModeCandid = { install: null } | { reinstall: null } | { upgrade: [] | [UpgradeFlags] };
type Settings = { controllers: [] | [Principal[]]; freezing_threshold: [] | [bigint] };

const candidReply = (types: IDL.Type[], values: unknown[]): Response => ({ type: 'reply', data: new Uint8Array(IDL.encode(types, values)) });

function modeOf(mode: InstallModeCandid): { mode: InstallMode; skipPreUpgrade: boolean; keepWasmMemory?: boolean } {
    if ('install' in mode) return { mode: 'install', skipPreUpgrade: false };
    if ('reinstall' in mode) return { mode: 'reinstall', skipPreUpgrade: false };
    const flags = mode.upgrade[0];
    const persistence = flags?.wasm_memory_persistence?.[0];
    return { mode: 'upgrade', skipPreUpgrade: flags?.skip_pre_upgrade[0] ?? false, keepWasmMemory: persistence === undefined ? undefined : 'keep' in persistence };
}

export class ManagementCanister implements ManagementHandler {
    private readonly freezingThresholds = new Map<string, bigint>();

    constructor(
        private readonly subnet: Subnet,
        /** `raw_rand` source: n random bytes. */
        private readonly randomBytes: (n: number) => Uint8Array
    ) {}

    /** Candid entry point: runs `method` with Candid `arg` for `caller`; failures become rejects. */
    handle(method: string, arg: Uint8Array, caller: Principal, cycles: bigint): Response {
        try {
            return this.dispatch(method, arg, caller, cycles);
        } catch (error) {
            if (error instanceof RejectError) return { type: 'reject', reject: { code: error.code, message: error.message, errorCode: error.errorCode } };
            throw error;
        }
    }

    private dispatch(method: string, arg: Uint8Array, caller: Principal, cycles: bigint): Response {
        switch (method) {
            case 'raw_rand':
                return candidReply([IDL.Vec(IDL.Nat8)], [this.randomBytes(32)]);
            case 'create_canister': {
                const [args] = decode<[{ settings: [] | [Settings] }]>([T.CreateCanisterArgs], arg);
                const id = this.createCanister({ caller, settings: args.settings[0], cycles });
                return candidReply([T.CanisterIdRecord], [{ canister_id: id }]);
            }
            case 'provisional_create_canister_with_cycles': {
                const [args] = decode<[{ amount: [] | [bigint]; settings: [] | [Settings]; specified_id: [] | [Principal] }]>([T.ProvisionalCreateCanisterArgs], arg);
                const id = this.createCanister({ caller, settings: args.settings[0], cycles: args.amount[0] ?? DEFAULT_CYCLES, specifiedId: args.specified_id[0] });
                return candidReply([T.CanisterIdRecord], [{ canister_id: id }]);
            }
            case 'install_code': {
                const [args] = decode<[{ mode: InstallModeCandid; canister_id: Principal; wasm_module: Uint8Array; arg: Uint8Array }]>([T.InstallCodeArgs], arg);
                this.installCode({ caller, canisterId: args.canister_id, wasm: args.wasm_module, arg: args.arg, ...modeOf(args.mode) });
                return candidReply([], []);
            }
            case 'install_chunked_code': {
                const [args] = decode<
                    [{ mode: InstallModeCandid; target_canister: Principal; store_canister: [] | [Principal]; chunk_hashes_list: { hash: Uint8Array }[]; wasm_module_hash: Uint8Array; arg: Uint8Array }]
                >([T.InstallChunkedCodeArgs], arg);
                const store = this.controlled(args.store_canister[0] ?? args.target_canister, caller);
                const chunks = args.chunk_hashes_list.map(({ hash }) => {
                    const chunk = store.chunkStore.get(toHex(hash));
                    if (!chunk) throw RejectError.of(ErrorCode.InvalidManagementPayload, `Error from Wasm chunk store: The chunk with hash ${toHex(hash)} was not found in the chunk store.`);
                    return chunk;
                });
                const wasm = concatBytes(chunks);
                if (!bytesEqual(sha256(wasm), args.wasm_module_hash)) {
                    throw RejectError.of(ErrorCode.InvalidManagementPayload, `Error from Wasm chunk store: Wasm module hash ${toHex(sha256(wasm))} does not match given hash ${toHex(args.wasm_module_hash)}.`);
                }
                this.installCode({ caller, canisterId: args.target_canister, wasm, arg: args.arg, ...modeOf(args.mode) });
                return candidReply([], []);
            }
            case 'upload_chunk': {
                const [args] = decode<[{ canister_id: Principal; chunk: Uint8Array }]>([T.UploadChunkArgs], arg);
                const canister = this.controlled(args.canister_id, caller);
                if (args.chunk.length > MAX_CHUNK_SIZE) {
                    throw RejectError.of(ErrorCode.InvalidManagementPayload, `Error from Wasm chunk store: Wasm chunk size ${args.chunk.length} exceeds the maximum chunk size of ${MAX_CHUNK_SIZE}.`);
                }
                const hash = sha256(args.chunk);
                canister.chunkStore.set(toHex(hash), args.chunk.slice());
                return candidReply([T.ChunkHash], [{ hash }]);
            }
            case 'clear_chunk_store': {
                this.controlled(decodeCanisterId(arg), caller).chunkStore.clear();
                return candidReply([], []);
            }
            case 'stored_chunks': {
                const canister = this.controlled(decodeCanisterId(arg), caller);
                const hashes = [...canister.chunkStore.values()].map((chunk) => ({ hash: sha256(chunk) }));
                return candidReply([IDL.Vec(T.ChunkHash)], [hashes]);
            }
            case 'uninstall_code': {
                uninstallCode(this.controlled(decodeCanisterId(arg), caller));
                return candidReply([], []);
            }
            case 'start_canister':
                this.startCanister(decodeCanisterId(arg), caller);
                return candidReply([], []);
            case 'stop_canister':
                this.stopCanister(decodeCanisterId(arg), caller);
                return candidReply([], []);
            case 'delete_canister':
                this.deleteCanister(decodeCanisterId(arg), caller);
                return candidReply([], []);
            case 'canister_status': {
                const id = decodeCanisterId(arg);
                const canister = this.subnet.canister(id);
                if (!canister.isController(caller) && caller.toText() !== canister.idText) throw invalidController(canister, caller);
                return candidReply([T.CanisterStatusResult], [this.statusRecord(canister)]);
            }
            case 'update_settings': {
                const [args] = decode<[{ canister_id: Principal; settings: Settings }]>([T.UpdateSettingsArgs], arg);
                this.updateSettings(args.canister_id, args.settings, caller);
                return candidReply([], []);
            }
            case 'provisional_top_up_canister': {
                const [args] = decode<[{ canister_id: Principal; amount: bigint }]>([T.TopUpArgs], arg);
                this.subnet.canister(args.canister_id).cycles += args.amount;
                return candidReply([], []);
            }
            case 'deposit_cycles': {
                this.subnet.canister(decodeCanisterId(arg)).cycles += cycles;
                return candidReply([], []);
            }
            default:
                throw RejectError.of(ErrorCode.UnknownManagementMessage, `Management canister has no method '${method}'`);
        }
    }

    // ------------------------------------------------------------------ typed operations

    /** Creates an empty canister controlled by `settings.controllers`, or by the caller. */
    createCanister(options: { caller: Principal; settings?: Settings; cycles: bigint; specifiedId?: Principal }): Principal {
        const controllers = options.settings?.controllers[0] ?? [options.caller];
        const canister = this.subnet.createCanister({ controllers, cycles: options.cycles, specifiedId: options.specifiedId });
        const threshold = options.settings?.freezing_threshold[0];
        if (threshold !== undefined) this.freezingThresholds.set(canister.idText, threshold);
        return canister.id;
    }

    /** Installs code (install / reinstall / upgrade) if `caller` controls the canister; throws the IC's reject otherwise. */
    installCode(options: {
        caller: Principal;
        canisterId: Principal;
        wasm: Uint8Array;
        arg: Uint8Array;
        mode: InstallMode;
        skipPreUpgrade?: boolean;
        keepWasmMemory?: boolean;
    }): bigint {
        const canister = this.controlled(options.canisterId, options.caller);
        const { mode, wasm, arg, caller, skipPreUpgrade, keepWasmMemory } = options;
        const outcome = installCode(canister, { mode, wasm, arg, caller, timeNs: this.subnet.timeNs, skipPreUpgrade, keepWasmMemory }, this.subnet.importsFor);
        if (outcome.reject) throw new RejectError(outcome.reject.code, outcome.reject.message, outcome.reject.errorCode);
        return outcome.instructions;
    }

    startCanister(id: Principal, caller: Principal): void {
        this.controlled(id, caller).status = 'running';
    }

    /** Stops the canister. Every call has completed by the time a management message runs, so it stops at once. */
    stopCanister(id: Principal, caller: Principal): void {
        this.controlled(id, caller).status = 'stopped';
    }

    deleteCanister(id: Principal, caller: Principal): void {
        const canister = this.controlled(id, caller);
        if (canister.status !== 'stopped') {
            throw RejectError.of(ErrorCode.CanisterNotStopped, `Canister ${canister.idText} must be stopped before it is deleted.`);
        }
        this.subnet.canisters.delete(canister.idText);
    }

    updateSettings(id: Principal, settings: Settings, caller: Principal): void {
        const canister = this.controlled(id, caller);
        const controllers = settings.controllers[0];
        if (controllers) {
            if (controllers.length > 10) throw RejectError.of(ErrorCode.InvalidManagementPayload, `Invalid settings: at most 10 controllers are allowed, got ${controllers.length}.`);
            canister.controllers = controllers;
        }
        const threshold = settings.freezing_threshold[0];
        if (threshold !== undefined) this.freezingThresholds.set(canister.idText, threshold);
        canister.version += 1n;
    }

    /** The canister's status (no controller check: for the in-process API). */
    status(id: Principal): CanisterStatusInfo {
        const canister = this.subnet.canister(id);
        return {
            status: canister.status,
            controllers: [...canister.controllers],
            moduleHash: canister.code?.loaded.moduleHash,
            memorySize: memorySize(canister),
            cycles: canister.cycles,
            freezingThreshold: this.freezingThresholds.get(canister.idText) ?? 2_592_000n
        };
    }

    private statusRecord(canister: Canister) {
        const info = this.status(canister.id);
        return {
            status: { [info.status]: null },
            settings: {
                controllers: info.controllers,
                compute_allocation: 0n,
                memory_allocation: 0n,
                freezing_threshold: info.freezingThreshold,
                reserved_cycles_limit: 5_000_000_000_000n,
                log_visibility: { controllers: null },
                wasm_memory_limit: 3_221_225_472n,
                wasm_memory_threshold: 0n,
                environment_variables: []
            },
            module_hash: info.moduleHash ? [info.moduleHash] : [],
            memory_size: info.memorySize,
            cycles: info.cycles,
            reserved_cycles: 0n,
            idle_cycles_burned_per_day: 0n,
            query_stats: { num_calls_total: 0n, num_instructions_total: 0n, request_payload_bytes_total: 0n, response_payload_bytes_total: 0n }
        };
    }

    /** The canister, if `caller` controls it; the IC's IC0512 reject otherwise. */
    private controlled(id: Principal, caller: Principal): Canister {
        const canister = this.subnet.canister(id);
        if (!canister.isController(caller)) throw invalidController(canister, caller);
        return canister;
    }
}

function memorySize(canister: Canister): bigint {
    const wasm = canister.code ? canister.code.memory.buffer.byteLength : 0;
    return BigInt(wasm + canister.stable.byteLength);
}

function invalidController(canister: Canister, caller: Principal): RejectError {
    return RejectError.of(
        ErrorCode.CanisterInvalidController,
        errorText.invalidController(canister.idText, canister.controllers.map((c) => c.toText()), caller.toText())
    );
}

function decode<T>(types: IDL.Type[], arg: Uint8Array): T {
    try {
        return IDL.decode(types, arg) as unknown as T;
    } catch (error) {
        throw RejectError.of(ErrorCode.InvalidManagementPayload, `Error decoding candid: ${(error as Error).message}`);
    }
}

function decodeCanisterId(arg: Uint8Array): Principal {
    return decode<[{ canister_id: Principal }]>([T.CanisterIdRecord], arg)[0].canister_id;
}

