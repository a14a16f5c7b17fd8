/**
 * The engine thread, seen from the caller: one worker per process (started on first use, shared by every replica
 * so compiled canister modules are shared too), reached by synchronous calls.
 *
 * A call posts its request, with a fresh id, on a MessagePort and blocks in `Atomics.wait` until the worker has
 * posted the answer and stored that id in a shared word (protocol.ts); the answer is then taken off the port with
 * `receiveMessageOnPort`. The replica's own API is synchronous inside (every call runs to completion), so blocking
 * changes nothing for callers, and calls keep the order in which they were made.
 *
 * Why ids: `Atomics.wait` returns "ok" on ANY notification of the word, not only when its value changed. The worker
 * posts an answer, stores the flag, then notifies: if it is descheduled between the store and the notify (a loaded
 * machine), the caller may already have seen the flag, taken its answer and started the next request, and the late
 * notify then wakes that next wait before its answer exists. With a plain flag that read "nothing", threw, and the
 * real answer stayed on the port to be taken by the following call: every later call got the answer of the call
 * before it. Now a caller waits until the word holds its own id (any other wake-up waits again), and takes answers
 * off the port until the one with its id, dropping older ones (of a call that gave up after `answerTimeoutMs`).
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, SHARE_ENV, Worker } from 'node:worker_threads';
import type { EngineInfo, EngineOperation, ReplicaEngine } from '../engine.ts';
import type { ValidReplicaOptions } from '../options.ts';
import type { EngineLink } from './engine-link.ts';
import { errorFromWire, revive } from './marshal.ts';
import { type EngineAnswer, type EngineRequest, MAX_REQUEST_ID, SIGNAL, SIGNAL_BYTES } from './protocol.ts';

/** Stack of the engine thread: room for the IC's 5 MiB of wasm frames even as V8's largest (unoptimised) frames. */
export const ENGINE_STACK_MB = 64;

/** Frees the engine of a `Replica` that was garbage-collected without `close()`. */
const finalizer = new FinalizationRegistry<() => void>((close) => close());

export class EngineThread {
    private static starting: Promise<EngineThread> | undefined;
    /**
     * How long a call waits for its answer before it throws (default: as long as it takes; a canister may compute
     * for a while). A late answer is dropped when it arrives; the engine has still done the work. Internal: tests set
     * it to force a missing answer.
     * @internal
     */
    static answerTimeoutMs = Infinity;
    private readonly signal: Int32Array;
    private lastId = 0;

    private constructor(
        private readonly worker: Worker,
        private readonly port: MessagePort,
        /** @internal The shared words (protocol.ts), for tests that wake the caller at random. */
        readonly signalBuffer: SharedArrayBuffer
    ) {
        this.signal = new Int32Array(signalBuffer);
    }

    /** The process's engine thread, started on first use. */
    static shared(): Promise<EngineThread> {
        EngineThread.starting ??= EngineThread.start().catch((error: unknown) => {
            EngineThread.starting = undefined; // let a later create try again
            throw error;
        });
        return EngineThread.starting;
    }

    private static async start(): Promise<EngineThread> {
        const { port1, port2 } = new MessageChannel();
        const signal = new SharedArrayBuffer(SIGNAL_BYTES);
        const worker = new Worker(new URL('./engine-worker.mjs', import.meta.url), {
            workerData: { port: port2, signal },
            transferList: [port2],
            resourceLimits: { stackSizeMb: ENGINE_STACK_MB },
            execArgv: [],
            env: SHARE_ENV
        });
        await new Promise<void>((resolve, reject) => {
            worker.once('message', (message: { ready?: true; error?: string }) =>
                message.ready ? resolve() : reject(new Error(`the replica's engine thread failed to start: ${message.error}`))
            );
            worker.once('error', (error) => reject(new Error(`the replica's engine thread failed to start: ${error.message}`)));
            worker.once('exit', (code) => reject(new Error(`the replica's engine thread exited with code ${code} while starting`)));
        });
        worker.removeAllListeners();
        worker.on('error', (error) => console.error('[replica] engine thread error:', error));
        worker.unref(); // an idle engine never keeps the process alive
        port1.unref();
        return new EngineThread(worker, port1, signal);
    }

    /** Creates an engine on this thread; returns its link and what the `Replica` caches. */
    open(options: Omit<ValidReplicaOptions, 'thread'>): EngineLink & { info: EngineInfo } {
        const { engineId, info } = this.request({ op: 'open', id: this.nextId(), options }) as { engineId: number; info: EngineInfo };
        let closed = false;
        const close = () => {
            if (closed) return;
            closed = true;
            this.port.postMessage({ op: 'close', engineId } satisfies EngineRequest);
        };
        const link = {
            info,
            call: <K extends EngineOperation>(operation: K, args: Parameters<ReplicaEngine[K]>) => {
                if (closed) throw new Error('this replica was closed');
                return this.request({ op: 'call', id: this.nextId(), engineId, operation, args }) as ReturnType<ReplicaEngine[K]>;
            },
            close
        };
        finalizer.register(link, close, link);
        return link;
    }

    private nextId(): number {
        this.lastId = this.lastId >= MAX_REQUEST_ID ? 1 : this.lastId + 1;
        return this.lastId;
    }

    /** Posts `request` and blocks until the worker answers it (or `answerTimeoutMs` passes). */
    private request(request: Exclude<EngineRequest, { op: 'close' }>): unknown {
        const describe = () => `request ${request.op}${request.op === 'call' ? ` ${request.operation}` : ''}`;
        if (Atomics.load(this.signal, SIGNAL.exited) === 1) throw new Error(`the replica's engine thread exited (${describe()})`);
        this.port.postMessage(request);
        const deadline = performance.now() + EngineThread.answerTimeoutMs;
        for (;;) {
            const answered = Atomics.load(this.signal, SIGNAL.answered);
            if (answered === request.id) break;
            if (Atomics.load(this.signal, SIGNAL.exited) === 1) throw new Error(`the replica's engine thread exited (${describe()})`);
            const left = deadline - performance.now();
            if (left <= 0) throw new Error(`the replica's engine thread did not answer within ${EngineThread.answerTimeoutMs} ms (${describe()}); its answer will be dropped`);
            Atomics.wait(this.signal, SIGNAL.answered, answered, left);
        }
        for (;;) {
            const received = receiveMessageOnPort(this.port);
            // Cannot happen: the worker posts an answer before it stores its id.
            if (!received) throw new Error(`the replica's engine thread signalled an answer that is not on the port (${describe()})`);
            const answer = received.message as EngineAnswer;
            for (const line of answer.printed ?? []) console.log(line);
            if (answer.id !== request.id) continue; // the answer to an earlier call that gave up waiting
            if (!answer.ok) throw errorFromWire(answer.error);
            return revive(answer.value);
        }
    }
}
