/**
 * IC instruction metering: the contract between the wasm rewriter and the replica.
 *
 * The replica calls {@link instrumentWasm} on every module it loads (before patching exports), then per message:
 * sets the exported counter global to the instructions already used, sets the limit global, runs the export, and
 * reads the counter back. System API calls are charged by the replica with {@link systemApiCost}.
 *
 * STUB: this first version leaves the module unmodified (no counter global); the metering work replaces it.
 */

/** Names the instrumented module uses to talk to the host. */
export const METERING = {
    /** Exported mutable i64 global: instructions executed so far (counts up). */
    counterGlobal: '__ic_instructions',
    /** Exported mutable i64 global: the instrumented code calls the import below once the counter exceeds it. */
    limitGlobal: '__ic_instruction_limit',
    /** Import module of the host function called when the limit is exceeded. */
    importModule: '__ic_metering',
    /** `() -> ()` import; the host throws (traps) with the IC's message. */
    outOfInstructions: 'out_of_instructions'
} as const;

/** The IC's per-message instruction limits (application subnet). */
export const INSTRUCTION_LIMITS = {
    update: 40_000_000_000n,
    query: 5_000_000_000n,
    install: 300_000_000_000n
} as const;

export interface InstrumentedWasm {
    /** The rewritten module (or the input, when metering is off). */
    wasm: Uint8Array;
    /** Whether the module exports the counter and limit globals. */
    metered: boolean;
}

/** Rewrites a module so it counts IC instructions. Cached by content hash. */
export function instrumentWasm(wasm: Uint8Array): InstrumentedWasm {
    return { wasm, metered: false };
}

/** Instructions the IC charges for one System API call (application subnet), given its arguments. */
export function systemApiCost(_name: string, _args: readonly (number | bigint)[]): bigint {
    return 0n;
}
