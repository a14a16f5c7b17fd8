// Test canister for the replica's limits: methods that never return (the replica must stop them at the IC's
// per-message limits, update 40B and query 5B, with the IC's message, and roll back their state changes),
// performance counters read around an inter-canister call, and deep JS recursion (the wasm stack limit).
import { call, canisterSelf, IDL, performanceCounter, query, update } from 'azle';

const Counters = IDL.Record({ beforeCall: IDL.Nat64, afterCallMessage: IDL.Nat64, afterCallContext: IDL.Nat64 });

/** Filling 4 MiB costs ~4.2M instructions (bulk memory is charged per byte) but runs in well under a millisecond. */
const FILL_BYTES = 4 * 1024 * 1024;

/** Plain JS recursion: QuickJS runs each JS call as nested C calls, i.e. a few wasm frames per level. */
function depthOf(n: number): number {
    return n === 0 ? 0 : 1 + depthOf(n - 1);
}

export default class {
    counter = 0n;

    /** A plain JS infinite loop: stopped by the limit checks at wasm loop headers. */
    @query([], IDL.Nat)
    spinQuery(): bigint {
        for (;;) {
            // never exits
        }
    }

    /** Changes state, then loops forever filling a buffer: reaches 40B instructions fast; the change rolls back. */
    @update([], IDL.Nat)
    fillForever(): bigint {
        this.counter += 1n;
        const buffer = new Uint8Array(FILL_BYTES);
        for (let round = 0; ; round++) buffer.fill(round & 0xff);
    }

    /** The same in a query (5B limit). */
    @query([], IDL.Nat)
    fillForeverQuery(): bigint {
        const buffer = new Uint8Array(FILL_BYTES);
        for (let round = 0; ; round++) buffer.fill(round & 0xff);
    }

    @update([], IDL.Nat)
    increment(): bigint {
        this.counter += 1n;
        return this.counter;
    }

    /** performance_counter(0) counts the current message, (1) the whole call context (both sides of the await). */
    @update([], Counters)
    async countersAcrossCall(): Promise<{ beforeCall: bigint; afterCallMessage: bigint; afterCallContext: bigint }> {
        const beforeCall = performanceCounter(0);
        await call<undefined, bigint>(canisterSelf(), 'getCounter', { returnIdlType: IDL.Nat });
        return { beforeCall, afterCallMessage: performanceCounter(0), afterCallContext: performanceCounter(1) };
    }

    /** Recurses `depth` JS calls deep and returns the depth reached. */
    @query([IDL.Nat32], IDL.Nat32)
    recurse(depth: number): number {
        return depthOf(depth);
    }

    @query([], IDL.Nat)
    getCounter(): bigint {
        return this.counter;
    }
}
