/**
 * How a `Replica` reaches its engine: on a worker thread with a large stack (the default), or on the calling thread.
 *
 * Why a worker: canister wasm runs on the stack of the thread that calls it, and the main thread's V8 stack (~1 MB)
 * holds a fraction of the 5 MiB the IC gives a canister, with a depth that changes as V8 tiers code up. The metering
 * instrumentation counts stack depth deterministically (metering/stack-depth.ts); the worker's 64 MiB stack makes
 * sure that count, not V8, decides when recursion overflows.
 *
 * @example
 * const link = await openEngine({ seed: 'test' });      // worker (default) or { thread: 'inline' }
 * const id = link.call('createCanister', [{}]);          // synchronous, like the engine itself
 */
import { ReplicaEngine, type EngineOperation } from '../engine.ts';
import type { ValidReplicaOptions } from '../options.ts';
import { EngineThread } from './worker-link.ts';

/** A connection to one engine. */
export interface EngineLink {
    /** Runs an engine operation and returns its result (or throws its error), synchronously. */
    call<K extends EngineOperation>(operation: K, args: Parameters<ReplicaEngine[K]>): ReturnType<ReplicaEngine[K]>;
    /** Frees the engine (its canisters and their memory). Later calls fail. */
    close(): void;
}

/** Opens an engine as `options.thread` says. */
export async function openEngine(options: ValidReplicaOptions): Promise<EngineLink> {
    const { thread, ...engineOptions } = options;
    if (thread === 'inline') return new InlineLink(new ReplicaEngine(engineOptions));
    return (await EngineThread.shared()).open(engineOptions);
}

/** The engine on the calling thread: calls go straight through. */
class InlineLink implements EngineLink {
    constructor(private engine: ReplicaEngine | undefined) {}

    call<K extends EngineOperation>(operation: K, args: Parameters<ReplicaEngine[K]>): ReturnType<ReplicaEngine[K]> {
        if (!this.engine) throw new Error('this replica was closed');
        const method = this.engine[operation] as (...a: unknown[]) => ReturnType<ReplicaEngine[K]>;
        return method.apply(this.engine, args);
    }

    close(): void {
        this.engine = undefined;
    }
}
