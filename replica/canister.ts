/**
 * One canister's state: identity, controllers, status, cycles, stable memory, certified data, the global timer,
 * and (once code is installed) its wasm instance. Also the snapshot/restore used to roll a message back.
 */
import { Principal } from '@dfinity/principal';
import { METERING } from './metering/index.ts';
import type { Execution } from './messages.ts';
import { StableMemory } from './stable-memory.ts';
import type { LoadedModule } from './wasm/load.ts';
import { GLOBAL_EXPORT_PREFIX, MEMORY_EXPORT, START_EXPORT, TABLE_EXPORT } from './wasm/patch-exports.ts';

export type CanisterStatus = 'running' | 'stopping' | 'stopped';

/** A live instance of the canister's module and the handles the replica uses on it. */
export interface CodeInstance {
    readonly loaded: LoadedModule;
    readonly instance: WebAssembly.Instance;
    /** Memory 0, whatever the module exports it as (the IC needs no memory export); an empty stand-in without one. */
    readonly memory: WebAssembly.Memory;
    readonly table: WebAssembly.Table | undefined;
    /** Mutable globals (stack pointer...), restored on rollback. */
    readonly globals: WebAssembly.Global[];
    /** Metering counter and limit globals, when the module is metered. */
    readonly counter: WebAssembly.Global | undefined;
    readonly limit: WebAssembly.Global | undefined;
    /** Estimated wasm stack in use (metered modules): 0 before each message. */
    readonly stack: WebAssembly.Global | undefined;
    /** The module's wasm start function, run by the installer once the instance exists. */
    readonly start?: () => void;
}

/** The state a message can change, captured before it runs. */
export interface Snapshot {
    memoryLength: number;
    globals: (number | bigint)[];
    certifiedData: Uint8Array;
    globalTimerNs: bigint;
    cycles: bigint;
}

/** What {@link Canister.saveForDiscard} keeps: a whole copy of wasm memory (rare: composite queries only). */
export interface SavedState {
    memory: Uint8Array;
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
    /** Copy of wasm memory taken by the last snapshot (reused: no 11 MiB allocation per message). */
    private image = new Uint8Array(0);
    /** The memory `image` mirrors, while they are equal; undefined once a commit changed the memory. */
    private imageMemory: WebAssembly.Memory | undefined;
    private imageLength = 0;

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
        const memory = exports[MEMORY_EXPORT];
        const globals = Object.keys(exports)
            .filter((name) => name.startsWith(GLOBAL_EXPORT_PREFIX))
            .map((name) => exports[name] as WebAssembly.Global);
        const counter = exports[METERING.counterGlobal];
        const limit = exports[METERING.limitGlobal];
        const stack = exports[METERING.stackGlobal];
        return {
            loaded,
            instance,
            memory: memory instanceof WebAssembly.Memory ? memory : new WebAssembly.Memory({ initial: 0, maximum: 0 }),
            table: exports[TABLE_EXPORT] as WebAssembly.Table | undefined,
            globals,
            counter: counter instanceof WebAssembly.Global ? counter : undefined,
            limit: limit instanceof WebAssembly.Global ? limit : undefined,
            stack: stack instanceof WebAssembly.Global ? stack : undefined,
            start: typeof exports[START_EXPORT] === 'function' ? (exports[START_EXPORT] as () => void) : undefined
        };
    }

    /**
     * Captures what a message may change. Wasm memory is mirrored in an image buffer that is kept equal to the
     * memory between messages (see `commit` and `restore`), so a snapshot normally copies nothing; only the first
     * message of an instance (or one after the memory grew) copies it whole. Stable memory opens a journal layer.
     */
    snapshot(): Snapshot {
        const code = this.code;
        let memoryLength = 0;
        let globals: (number | bigint)[] = [];
        if (code) {
            const memory = new Uint8Array(code.memory.buffer);
            memoryLength = memory.length;
            if (!this.imageMatches(code.memory)) this.copyWholeImage(code.memory);
            globals = code.globals.map((g) => g.value);
        }
        this.stable.begin();
        return { memoryLength, globals, certifiedData: this.certifiedData, globalTimerNs: this.globalTimerNs, cycles: this.cycles };
    }

    /**
     * Undoes everything since `snapshot`. Only the chunks of wasm memory that differ from the image are copied back
     * (comparing is cheaper than copying, and a message rarely touches much of an 11 MiB heap). Grown memory cannot
     * shrink: the new pages are zeroed.
     */
    restore(snapshot: Snapshot): void {
        const code = this.code;
        if (code) {
            const memory = new Uint8Array(code.memory.buffer);
            copyChangedChunks(this.image, memory, snapshot.memoryLength);
            // (the image still equals the memory up to the old length)
            if (memory.length > snapshot.memoryLength) {
                memory.fill(0, snapshot.memoryLength);
                this.imageMemory = undefined; // the image no longer covers the whole memory
            }
            code.globals.forEach((g, i) => (g.value = snapshot.globals[i]));
        }
        this.stable.rollback();
        this.certifiedData = snapshot.certifiedData;
        this.globalTimerNs = snapshot.globalTimerNs;
        this.cycles = snapshot.cycles;
    }

    /**
     * Keeps everything since `snapshot`, bringing the memory image up to date by copying only the chunks the
     * message changed (a compare pass costs about a third of a full copy).
     */
    commit(): void {
        const code = this.code;
        if (code && this.imageMemory === code.memory) {
            if (this.imageLength === code.memory.buffer.byteLength) copyChangedChunks(new Uint8Array(code.memory.buffer), this.image, this.imageLength);
            else this.imageMemory = undefined; // the memory grew: the next snapshot copies it whole
        }
        this.stable.commit();
    }

    /**
     * Opens a span whose changes {@link discardSince} undoes as a whole, while the messages inside it commit
     * normally (a composite query: its callbacks must see what the method before them left in the heap).
     */
    saveForDiscard(): SavedState {
        const code = this.code;
        const memory = code ? new Uint8Array(code.memory.buffer).slice() : new Uint8Array(0);
        this.stable.begin();
        return {
            memory,
            globals: code ? code.globals.map((g) => g.value) : [],
            certifiedData: this.certifiedData,
            globalTimerNs: this.globalTimerNs,
            cycles: this.cycles
        };
    }

    /** Undoes everything since `saveForDiscard`. */
    discardSince(saved: SavedState): void {
        const code = this.code;
        if (code) {
            const memory = new Uint8Array(code.memory.buffer);
            memory.set(saved.memory);
            if (memory.length > saved.memory.length) memory.fill(0, saved.memory.length);
            code.globals.forEach((g, i) => (g.value = saved.globals[i]));
        }
        this.imageMemory = undefined; // the image followed the discarded messages
        this.stable.rollback();
        this.certifiedData = saved.certifiedData;
        this.globalTimerNs = saved.globalTimerNs;
        this.cycles = saved.cycles;
    }

    private imageMatches(memory: WebAssembly.Memory): boolean {
        return this.imageMemory === memory && this.imageLength === memory.buffer.byteLength;
    }

    private copyWholeImage(memory: WebAssembly.Memory): void {
        const bytes = new Uint8Array(memory.buffer);
        if (this.image.length < bytes.length) this.image = new Uint8Array(bytes.length);
        this.image.set(bytes);
        this.imageMemory = memory;
        this.imageLength = bytes.length;
    }
}

/** Sync granularity: one wasm page; smaller chunks copy less but compare slower (measured: 16-256 KiB within 30%). */
const SYNC_CHUNK = 64 * 1024;

/** Makes `target[0, length)` equal to `source[0, length)`, copying only the chunks that differ. */
function copyChangedChunks(source: Uint8Array, target: Uint8Array, length: number): void {
    const sourceBytes = Buffer.from(source.buffer, source.byteOffset, length);
    const targetBytes = Buffer.from(target.buffer, target.byteOffset, length);
    for (let offset = 0; offset < length; offset += SYNC_CHUNK) {
        const end = Math.min(offset + SYNC_CHUNK, length);
        if (sourceBytes.compare(targetBytes, offset, end, offset, end) !== 0) target.set(source.subarray(offset, end), offset);
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
