/**
 * One canister's state: identity, controllers, status, cycles, stable memory, certified data, the global timer,
 * and (once code is installed) its wasm instance. Also the snapshot/restore used to roll a message back.
 */
import { Principal } from '@dfinity/principal';
import { METERING } from './metering/index.ts';
import type { Execution } from './messages.ts';
import { StableMemory } from './stable-memory.ts';
import type { LoadedModule } from './wasm/load.ts';
import { GLOBAL_EXPORT_PREFIX, TABLE_EXPORT } from './wasm/patch-exports.ts';

export type CanisterStatus = 'running' | 'stopping' | 'stopped';

/** A live instance of the canister's module and the handles the replica uses on it. */
export interface CodeInstance {
    readonly loaded: LoadedModule;
    readonly instance: WebAssembly.Instance;
    readonly memory: WebAssembly.Memory;
    readonly table: WebAssembly.Table | undefined;
    /** Mutable globals (stack pointer...), restored on rollback. */
    readonly globals: WebAssembly.Global[];
    /** Metering counter and limit globals, when the module is metered. */
    readonly counter: WebAssembly.Global | undefined;
    readonly limit: WebAssembly.Global | undefined;
}

/** The state a message can change, captured before it runs. */
export interface Snapshot {
    memoryLength: number;
    globals: (number | bigint)[];
    certifiedData: Uint8Array;
    globalTimerNs: bigint;
    cycles: bigint;
}

/** Imports a module instance gets; built by the System API for a given canister. */
export type Imports = WebAssembly.Imports;

export class Canister {
    readonly idText: string;
    readonly idBytes: Uint8Array;
    controllers: Principal[];
    status: CanisterStatus = 'running';
    cycles: bigint;
    /** `canister_version`: bumped by each code change and settings change, as on the IC. */
    version = 0n;
    certifiedData: Uint8Array = new Uint8Array(0);
    /** Absolute time (ns) of the global timer; 0 = inactive. */
    globalTimerNs = 0n;
    stable = new StableMemory();
    code: CodeInstance | undefined;
    /** The execution in progress, if any (System API calls read their context here). */
    current: Execution | undefined;
    /** `debug_print` output, in order. */
    readonly logs: string[] = [];
    /** Chunk store for chunked installs: hex(sha256) → chunk. */
    readonly chunkStore = new Map<string, Uint8Array>();
    /** Reusable buffer for memory snapshots (avoids allocating 11 MiB per message). */
    private snapshotBuffer = new Uint8Array(0);

    constructor(
        readonly id: Principal,
        options: { controllers: Principal[]; cycles: bigint }
    ) {
        this.idText = id.toText();
        this.idBytes = id.toUint8Array();
        this.controllers = options.controllers;
        this.cycles = options.cycles;
    }

    /** Whether `principal` controls this canister. */
    isController(principal: Principal): boolean {
        const text = principal.toText();
        return this.controllers.some((c) => c.toText() === text);
    }

    /** Instantiates `loaded` with `imports` (no export runs). */
    static instantiate(loaded: LoadedModule, imports: Imports): CodeInstance {
        const instance = new WebAssembly.Instance(loaded.module, imports);
        const exports = instance.exports;
        const memory = exports.memory;
        if (!(memory instanceof WebAssembly.Memory)) throw new Error('the module does not export its memory as "memory"');
        const globals = Object.keys(exports)
            .filter((name) => name.startsWith(GLOBAL_EXPORT_PREFIX))
            .map((name) => exports[name] as WebAssembly.Global);
        const counter = exports[METERING.counterGlobal];
        const limit = exports[METERING.limitGlobal];
        return {
            loaded,
            instance,
            memory,
            table: exports[TABLE_EXPORT] as WebAssembly.Table | undefined,
            globals,
            counter: counter instanceof WebAssembly.Global ? counter : undefined,
            limit: limit instanceof WebAssembly.Global ? limit : undefined
        };
    }

    /** Captures what a message may change (wasm memory into a reused buffer; stable memory opens a journal). */
    snapshot(): Snapshot {
        const code = this.code;
        let memoryLength = 0;
        let globals: (number | bigint)[] = [];
        if (code) {
            const memory = new Uint8Array(code.memory.buffer);
            memoryLength = memory.length;
            if (this.snapshotBuffer.length < memoryLength) this.snapshotBuffer = new Uint8Array(memoryLength);
            this.snapshotBuffer.set(memory);
            globals = code.globals.map((g) => g.value);
        }
        this.stable.begin();
        return { memoryLength, globals, certifiedData: this.certifiedData, globalTimerNs: this.globalTimerNs, cycles: this.cycles };
    }

    /** Undoes everything since `snapshot` (grown wasm memory cannot shrink: the new pages are zeroed). */
    restore(snapshot: Snapshot): void {
        const code = this.code;
        if (code) {
            const memory = new Uint8Array(code.memory.buffer);
            memory.set(this.snapshotBuffer.subarray(0, snapshot.memoryLength));
            if (memory.length > snapshot.memoryLength) memory.fill(0, snapshot.memoryLength);
            code.globals.forEach((g, i) => (g.value = snapshot.globals[i]));
        }
        this.stable.rollback();
        this.certifiedData = snapshot.certifiedData;
        this.globalTimerNs = snapshot.globalTimerNs;
        this.cycles = snapshot.cycles;
    }

    /** Keeps everything since `snapshot`. */
    commit(): void {
        this.stable.commit();
    }
}

/** Canister ids are 8 big-endian bytes of an index followed by 0x01 0x01 (an opaque id). */
export function canisterIdFromIndex(index: bigint): Principal {
    const bytes = new Uint8Array(10);
    new DataView(bytes.buffer).setBigUint64(0, index);
    bytes[8] = 1;
    bytes[9] = 1;
    return Principal.fromUint8Array(bytes);
}
