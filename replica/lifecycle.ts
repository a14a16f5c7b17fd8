/**
 * Installing code: install, reinstall and upgrade, each all-or-nothing as on the IC.
 *
 * - install: the canister must be empty; fresh instance, `canister_init(arg)`.
 * - reinstall: everything wiped (heap, stable memory, certified data, timer); fresh instance, `canister_init(arg)`.
 * - upgrade: `canister_pre_upgrade` on the old instance, fresh instance of the new module (heap wiped, or kept with
 *   `keepWasmMemory`, the IC's `wasm_memory_persistence = opt keep` for Motoko's enhanced orthogonal persistence),
 *   stable memory and certified data kept, timer cleared, `canister_post_upgrade(arg)`.
 * If any step traps, the canister is left exactly as it was.
 */
import type { Principal } from '@dfinity/principal';
import { Canister, type Imports } from './canister.ts';
import { ErrorCode, errorText, type Reject, RejectCode } from './errors.ts';
import { execute } from './execution.ts';
import type { MessageKind } from './messages.ts';
import { StableMemory } from './stable-memory.ts';
import { InvalidWasmError, type LoadedModule, loadModule } from './wasm/load.ts';

export type InstallMode = 'install' | 'reinstall' | 'upgrade';
const INSTALL_MODES: readonly string[] = ['install', 'reinstall', 'upgrade'];

export interface InstallRequest {
    mode: InstallMode;
    wasm: Uint8Array;
    arg: Uint8Array;
    /** Who installs (the caller `canister_init` / `canister_post_upgrade` see). */
    caller: Principal;
    timeNs: bigint;
    /** Upgrade option: do not run `canister_pre_upgrade`. */
    skipPreUpgrade?: boolean;
    /** Upgrade option `wasm_memory_persistence`: keep (true), replace (false) or not given (undefined). */
    keepWasmMemory?: boolean;
}

/** Result of an install: a reject when it failed (the canister is then unchanged), and the instructions used. */
export interface InstallOutcome {
    reject?: Reject;
    instructions: bigint;
}

function runHook(canister: Canister, kind: MessageKind, exportName: string, request: InstallRequest): { trap?: Reject; instructions: bigint } {
    const fn = canister.code!.instance.exports[exportName];
    if (typeof fn !== 'function') return { instructions: 0n };
    const outcome = execute(canister, { kind, arg: request.arg, caller: request.caller, timeNs: request.timeNs }, () => (fn as () => void)());
    return { trap: outcome.trap, instructions: outcome.instructions };
}

/**
 * Installs `request.wasm` into `canister`; `imports` builds the instance's imports (System API, metering hooks).
 *
 * @example
 * const { reject } = installCode(canister, { mode: 'install', wasm, arg, caller, timeNs }, importsFor);
 */
export function installCode(canister: Canister, request: InstallRequest, imports: (canister: Canister, loaded: LoadedModule) => Imports): InstallOutcome {
    if (!INSTALL_MODES.includes(request.mode)) {
        throw new TypeError(`installCode: mode must be one of ${INSTALL_MODES.join(', ')}, got ${JSON.stringify(request.mode)}`);
    }
    let loaded;
    try {
        loaded = loadModule(request.wasm);
    } catch (error) {
        if (!(error instanceof InvalidWasmError)) throw error;
        return { reject: { code: RejectCode.CanisterError, errorCode: ErrorCode.CanisterInvalidWasm, message: errorText.invalidWasm(canister.idText, error.message) }, instructions: 0n };
    }
    if (request.mode === 'install' && canister.code) {
        return { reject: { code: RejectCode.CanisterError, errorCode: ErrorCode.CanisterAlreadyInstalled, message: errorText.alreadyInstalled(canister.idText) }, instructions: 0n };
    }
    if (request.mode === 'upgrade' && !canister.code) {
        return { reject: { code: RejectCode.CanisterError, errorCode: ErrorCode.CanisterWasmModuleNotFound, message: errorText.empty(canister.idText) }, instructions: 0n };
    }
    if (request.mode === 'upgrade') {
        const refusal = persistenceRefusal(canister.code!.loaded, loaded, request.keepWasmMemory);
        if (refusal) return { reject: { code: RejectCode.CanisterError, errorCode: ErrorCode.CanisterContractViolation, message: refusal }, instructions: 0n };
    }

    const before = { code: canister.code, stable: canister.stable, certifiedData: canister.certifiedData, globalTimerNs: canister.globalTimerNs };
    const undo = () => {
        canister.code = before.code;
        canister.stable = before.stable;
        canister.certifiedData = before.certifiedData;
        canister.globalTimerNs = before.globalTimerNs;
    };
    let instructions = 0n;

    if (request.mode === 'upgrade') {
        canister.stable.begin(); // one journal over pre_upgrade and post_upgrade
        if (!request.skipPreUpgrade) {
            const pre = runHook(canister, 'pre_upgrade', 'canister_pre_upgrade', request);
            instructions += pre.instructions;
            if (pre.trap) {
                canister.stable.rollback();
                return { reject: pre.trap, instructions };
            }
        }
    } else {
        canister.stable = new StableMemory();
        canister.certifiedData = new Uint8Array(0);
    }
    canister.globalTimerNs = 0n;
    try {
        canister.code = Canister.instantiate(loaded, imports(canister, loaded));
        if (request.mode === 'upgrade' && request.keepWasmMemory && before.code) keepMemory(before.code.memory, canister.code.memory);
    } catch (error) {
        if (request.mode === 'upgrade') canister.stable.rollback();
        undo();
        return { reject: { code: RejectCode.CanisterError, errorCode: ErrorCode.CanisterInvalidWasm, message: errorText.invalidWasm(canister.idText, (error as Error).message) }, instructions };
    }
    // The module's start function (taken out of the module by patch-exports, so it runs with the System API ready).
    const start = canister.code.start;
    if (start) {
        const started = execute(canister, { kind: 'start', caller: request.caller, timeNs: request.timeNs }, start);
        instructions += started.instructions;
        if (started.trap) {
            if (request.mode === 'upgrade') canister.stable.rollback();
            undo();
            return { reject: started.trap, instructions };
        }
    }
    const hook = request.mode === 'upgrade' ? runHook(canister, 'post_upgrade', 'canister_post_upgrade', request) : runHook(canister, 'init', 'canister_init', request);
    instructions += hook.instructions;
    if (hook.trap) {
        if (request.mode === 'upgrade') canister.stable.rollback();
        undo();
        return { reject: hook.trap, instructions };
    }
    if (request.mode === 'upgrade') canister.stable.commit();
    canister.version += 1n;
    return { instructions };
}

/**
 * The IC's rules for `wasm_memory_persistence`: a module declaring enhanced orthogonal persistence may only be
 * upgraded with the option given (keep or replace), and `keep` needs a new module that declares it too.
 */
function persistenceRefusal(installed: LoadedModule, next: LoadedModule, keepWasmMemory: boolean | undefined): string | undefined {
    if (installed.enhancedOrthogonalPersistence && keepWasmMemory === undefined) {
        return 'Missing upgrade option: Enhanced orthogonal persistence requires the `wasm_memory_persistence` upgrade option.';
    }
    if (keepWasmMemory && !next.enhancedOrthogonalPersistence) {
        return 'Invalid upgrade option: The `wasm_memory_persistence: opt Keep` upgrade option requires that the new canister module supports enhanced orthogonal persistence.';
    }
    return undefined;
}

/** Gives the new instance the old instance's main memory (grown to the same size first). */
function keepMemory(old: WebAssembly.Memory | undefined, next: WebAssembly.Memory | undefined): void {
    if (!old || !next) return;
    const pages = (bytes: number) => bytes / 65536;
    const missing = pages(old.buffer.byteLength) - pages(next.buffer.byteLength);
    if (missing > 0) next.grow(missing); // Node 20's V8 takes a number for 64-bit memories too
    new Uint8Array(next.buffer).set(new Uint8Array(old.buffer));
}

/** Removes the canister's code and state (`uninstall_code`); stable memory and certified data are wiped too. */
export function uninstallCode(canister: Canister): void {
    canister.code = undefined;
    canister.stable = new StableMemory();
    canister.certifiedData = new Uint8Array(0);
    canister.globalTimerNs = 0n;
    canister.version += 1n;
}
