/**
 * The worker side of the engine thread: keeps the engines of this process's replicas and answers requests (see
 * protocol.ts). Every request but `close` is answered, errors included, with the request's id; only after the answer
 * is posted is that id stored in the shared word and the caller notified, so a caller that sees its id finds its
 * answer on the port.
 */
import type { MessagePort } from 'node:worker_threads';
import { ReplicaEngine } from '../engine.ts';
import { errorToWire, revive } from './marshal.ts';
import { type EngineAnswer, type EngineRequest, SIGNAL } from './protocol.ts';

/** Serves engine requests arriving on `port` until the thread ends. */
export function serveEngines(port: MessagePort, signalBuffer: SharedArrayBuffer): void {
    const signal = new Int32Array(signalBuffer);
    const engines = new Map<number, ReplicaEngine>();
    let nextEngineId = 1;
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
            port.postMessage({ id: reply.id, ok: false, error: errorToWire(new Error(`the engine's answer cannot be sent to the caller: ${(error as Error).message}`)) } satisfies EngineAnswer);
        }
        Atomics.store(signal, SIGNAL.answered, reply.id);
        Atomics.notify(signal, SIGNAL.answered);
    };

    port.on('message', (request: EngineRequest) => {
        if (request.op === 'close') {
            engines.delete(request.engineId);
            return;
        }
        let reply: EngineAnswer;
        try {
            if (request.op === 'open') {
                const engine = new ReplicaEngine(request.options, print);
                const engineId = nextEngineId++;
                engines.set(engineId, engine);
                reply = { id: request.id, ok: true, value: { engineId, info: engine.info() } };
            } else {
                const engine = engines.get(request.engineId);
                if (!engine) throw new Error('this replica was closed');
                const method = engine[request.operation] as (...args: unknown[]) => unknown;
                reply = { id: request.id, ok: true, value: method.apply(engine, revive(request.args)) };
            }
        } catch (error) {
            reply = { id: request.id, ok: false, error: errorToWire(error) };
        }
        answer(reply);
    });
    process.on('exit', () => {
        Atomics.store(signal, SIGNAL.exited, 1);
        Atomics.notify(signal, SIGNAL.answered);
    });
}
