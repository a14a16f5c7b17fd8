/**
 * IC instruction metering: the contract between the wasm rewriter and the replica.
 *
 * The replica calls {@link instrumentWasm} on every module it loads (before patching exports), then per message:
 * sets the exported counter global to the instructions already used, sets the limit global, runs the export, and
 * reads the counter back. System API calls are charged by the replica with {@link systemApiCost}. When the counter
 * passes the limit at a function entry or loop header, the module calls the import
 * `__ic_metering.out_of_instructions`, which the replica implements by trapping with
 * {@link instructionLimitMessage}.
 *
 * @example
 * const { wasm, metered } = instrumentWasm(bytes);
 * const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), {
 *     ic0,
 *     [METERING.importModule]: {
 *         [METERING.outOfInstructions]: () => { throw new Error(instructionLimitMessage(limit)); },
 *         [METERING.stackOverflow]: () => { throw new Error('stack overflow'); }
 *     }
 * });
 * const counter = instance.exports[METERING.counterGlobal] as WebAssembly.Global;
 * counter.value = 0n;
 * (instance.exports[METERING.limitGlobal] as WebAssembly.Global).value = INSTRUCTION_LIMITS.update;
 * // ... run the message; instructions = counter.value + the system-API charges
 */
import { fileURLToPath } from 'node:url';
import { rewriteForMetering, type RewriteStats } from './rewrite-module.ts';
import { cacheKey, WasmCache } from './wasm-cache.ts';

export { systemApiCost, SYSTEM_API_COSTS, DEFAULT_SYSTEM_API_COST } from './system-api-costs.ts';
export { WasmFormatError } from './bytes.ts';
export { rewriteForMetering, type RewriteStats } from './rewrite-module.ts';
export { IC_WASM_STACK_BYTES, frameBytes } from './stack-depth.ts';

/** Names the instrumented module uses to talk to the host. */
export const METERING = {
    /** Exported mutable i64 global: instructions executed so far (counts up). */
    counterGlobal: '__ic_instructions',
    /** Exported mutable i64 global: the instrumented code calls the import below once the counter exceeds it. */
    limitGlobal: '__ic_instruction_limit',
    /** Exported mutable i32 global: estimated wasm stack bytes in use (set to 0 before each message). */
    stackGlobal: '__ic_stack_bytes',
    /** Import module of the host functions called when a limit is exceeded. */
    importModule: '__ic_metering',
    /** `() -> ()` import; the host throws (traps) with the IC's message. */
    outOfInstructions: 'out_of_instructions',
    /** `() -> ()` import called when the estimated stack passes the IC's 5 MiB; the host traps with "stack overflow". */
    stackOverflow: 'stack_overflow'
} as const;

/** The IC's per-message instruction limits (application subnet). */
export const INSTRUCTION_LIMITS = {
    update: 40_000_000_000n,
    query: 5_000_000_000n,
    install: 300_000_000_000n
} as const;

/**
 * The IC's text for a message that ran out of instructions (error code IC0522, reject code 5). The IC's reject
 * message prefixes it with `Error from Canister <id>: `.
 *
 * @example instructionLimitMessage(5_000_000_000n)
 * // 'Canister exceeded the limit of 5000000000 instructions for single message execution.'
 */
export function instructionLimitMessage(limit: bigint): string {
    return `Canister exceeded the limit of ${limit} instructions for single message execution.`;
}

export interface InstrumentedWasm {
    /** The rewritten module (or the input, when metering is off). */
    wasm: Uint8Array;
    /** Whether the module exports the counter, limit and stack globals. */
    metered: boolean;
    /** What the rewrite did; absent when served from the disk cache, already instrumented, or metering is off. */
    stats?: RewriteStats;
}

export interface InstrumentOptions {
    /**
     * Directory of the disk cache, or `false` for memory only. Default: `.cache/metering` at the repository root,
     * overridden by the environment variable `REPLICA_METERING_CACHE` (a directory, or `off`).
     */
    cacheDirectory?: string | false;
}

const DEFAULT_CACHE_DIRECTORY = fileURLToPath(new URL('../../.cache/metering', import.meta.url));
const caches = new Map<string, WasmCache<InstrumentedWasm>>();

function cacheFor(directory: string | false | undefined): WasmCache<InstrumentedWasm> {
    const fromEnvironment = process.env.REPLICA_METERING_CACHE;
    const resolved =
        directory !== undefined ? directory : fromEnvironment === 'off' ? false : (fromEnvironment ?? DEFAULT_CACHE_DIRECTORY);
    const key = resolved === false ? '' : resolved;
    let cache = caches.get(key);
    if (!cache) {
        cache = new WasmCache<InstrumentedWasm>(resolved === false ? undefined : resolved);
        caches.set(key, cache);
    }
    return cache;
}

/**
 * Rewrites a module so it counts IC instructions. Cached by content hash (in memory, and on disk unless disabled).
 * A module that is already instrumented is returned as is. Metering is skipped entirely (the input is returned with
 * `metered: false`) when the environment variable `REPLICA_METERING` is `off`, e.g. to measure its overhead.
 *
 * @throws WasmFormatError when the module is malformed or uses features the rewriter does not support.
 */
export function instrumentWasm(wasm: Uint8Array, options: InstrumentOptions = {}): InstrumentedWasm {
    if (process.env.REPLICA_METERING === 'off') return { wasm, metered: false };
    const cache = cacheFor(options.cacheDirectory);
    const key = cacheKey(wasm);
    const cached = cache.get(key, (bytes) => ({ wasm: bytes, metered: true }));
    if (cached) return cached;
    const rewritten = rewriteForMetering(wasm, METERING);
    const result: InstrumentedWasm = rewritten
        ? { wasm: rewritten.wasm, metered: true, stats: rewritten.stats }
        : { wasm, metered: true };
    return cache.put(key, result);
}
