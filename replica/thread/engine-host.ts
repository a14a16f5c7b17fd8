/**
 * The worker side of the engine thread: keeps the engines of this process's replicas and answers requests (see
 * worker-link.ts for the protocol). Every request is answered, errors included, and the shared flag is flipped after
 * the answer is posted, so the caller blocked in `Atomics.wait` wakes up to a message it can read.
 */
import type { MessagePort } from 'node:worker_threads';
import { ReplicaEngine } from '../engine.ts';
import { errorToWire, revive } from './marshal.ts';
import { type EngineAnswer, type EngineRequest, FLAG } from './protocol.ts';

/** Serves engine requests arriving on `port` until the thread ends. */
export function serveEngines(port: MessagePort, flagBuffer: SharedArrayBuffer): void {
    const flag = new Int32Array(flagBuffer);
    const engines = new Map<number, ReplicaEngine>();
    let nextId = 1;
    let printed: string[] = [];
    const print = (line: string) => printed.push(line);

    const answer = (reply: EngineAnswer) => {
        if (printed.length > 0) {
            reply.printed = printed;
            printed = [];
        }
        try {
            port.postMessage(reply);
        } catch (error) {
            port.postMessage({ ok: false, error: errorToWire(new Error(`the engine's answer cannot be sent to the caller: ${(error as Error).message}`)) });
        }
        Atomics.store(flag, 0, FLAG.answered);
        Atomics.notify(flag, 0);
    };

    port.on('message', (request: EngineRequest) => {
        if (request.op === 'close') {
            engines.delete(request.engineId);
            return;
        }
        try {
            if (request.op === 'open') {
                const engine = new ReplicaEngine(request.options, print);
                const engineId = nextId++;
                engines.set(engineId, engine);
                return answer({ ok: true, value: { engineId, info: engine.info() } });
            }
            const engine = engines.get(request.engineId);
            if (!engine) throw new Error('this replica was closed');
            const method = engine[request.operation] as (...args: unknown[]) => unknown;
            answer({ ok: true, value: method.apply(engine, revive(request.args)) });
        } catch (error) {
            answer({ ok: false, error: errorToWire(error) });
        }
    });
    process.on('exit', () => {
        Atomics.store(flag, 0, FLAG.exited);
        Atomics.notify(flag, 0);
    });
}
