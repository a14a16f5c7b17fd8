/**
 * The engine thread, seen from the caller: one worker per process (started on first use, shared by every replica
 * so compiled canister modules are shared too), reached by synchronous calls.
 *
 * A call posts its request on a MessagePort and blocks in `Atomics.wait` until the worker has posted the answer and
 * flipped a shared flag; the answer is then taken off the port with `receiveMessageOnPort`. The replica's own API is
 * synchronous inside (every call runs to completion), so blocking changes nothing for callers, and calls keep the
 * order in which they were made.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, SHARE_ENV, Worker } from 'node:worker_threads';
import type { EngineInfo, EngineOperation, ReplicaEngine } from '../engine.ts';
import type { ValidReplicaOptions } from '../options.ts';
import type { EngineLink } from './engine-link.ts';
import { errorFromWire, revive } from './marshal.ts';
import { type EngineAnswer, type EngineRequest, FLAG } from './protocol.ts';

/** Stack of the engine thread: room for the IC's 5 MiB of wasm frames even as V8's largest (unoptimised) frames. */
export const ENGINE_STACK_MB = 64;

/** Frees the engine of a `Replica` that was garbage-collected without `close()`. */
const finalizer = new FinalizationRegistry<() => void>((close) => close());

export class EngineThread {
    private static starting: Promise<EngineThread> | undefined;
    private readonly flag: Int32Array;

    private constructor(
        private readonly worker: Worker,
        private readonly port: MessagePort,
        flag: SharedArrayBuffer
    ) {
        this.flag = new Int32Array(flag);
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
        const flag = new SharedArrayBuffer(4);
        const worker = new Worker(new URL('./engine-worker.mjs', import.meta.url), {
            workerData: { port: port2, flag },
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
        return new EngineThread(worker, port1, flag);
    }

    /** Creates an engine on this thread; returns its link and what the `Replica` caches. */
    open(options: Omit<ValidReplicaOptions, 'thread'>): EngineLink & { info: EngineInfo } {
        const { engineId, info } = this.request({ op: 'open', options }) as { engineId: number; info: EngineInfo };
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
                return this.request({ op: 'call', engineId, operation, args }) as ReturnType<ReplicaEngine[K]>;
            },
            close
        };
        finalizer.register(link, close, link);
        return link;
    }

    /** Posts `request` and blocks until the worker answers it. */
    private request(request: EngineRequest): unknown {
        Atomics.store(this.flag, 0, FLAG.waiting);
        this.port.postMessage(request);
        Atomics.wait(this.flag, 0, FLAG.waiting);
        const received = receiveMessageOnPort(this.port);
        if (!received) {
            const reason = Atomics.load(this.flag, 0) === FLAG.exited ? 'exited' : 'answered nothing';
            throw new Error(`the replica's engine thread ${reason} (request ${request.op}${request.op === 'call' ? ` ${request.operation}` : ''})`);
        }
        const answer = received.message as EngineAnswer;
        for (const line of answer.printed ?? []) console.log(line);
        if (!answer.ok) throw errorFromWire(answer.error);
        return revive(answer.value);
    }
}
