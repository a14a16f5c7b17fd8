// The link between a Replica and its engine thread (replica/thread/): every call gets its own answer, even when
// the caller is woken for nothing or gives up on an answer.
//
// The failure this guards against was seen under load: `Atomics.wait` returns on any notification, and a late
// notification meant for the previous call woke the next call before its answer existed. That call threw "answered
// nothing" and every later call received the answer of the call before it (getTime got setTime's `undefined`:
// "Cannot mix BigInt and other types", over and over). Here the wake-ups come from a thread that notifies the shared
// word as fast as it can, and a missing answer is forced with a tiny answer timeout on a slow call.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Replica } from '../../replica/index.ts';
import { EngineThread } from '../../replica/thread/worker-link.ts';
import { compileWat } from './wat.ts';

// count: +1 and reply the counter (4 bytes LE); spin: loop as many times as the argument (u32 LE) says, then reply.
const WAT = `(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (memory 1)
  (global $counter (mut i32) (i32.const 0))
  (func (export "canister_update count")
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $counter))
    (call $append (i32.const 0) (i32.const 4))
    (call $reply))
  (func (export "canister_update spin") (local $n i32)
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (local.set $n (i32.load (i32.const 0)))
    (block $done (loop $again
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $again)))
    (call $append (i32.const 0) (i32.const 4))
    (call $reply))
)`;

const u32 = (value: number) => new Uint8Array(new Uint32Array([value]).buffer);
const readU32 = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);

afterEach(() => {
    EngineThread.answerTimeoutMs = Infinity;
});

describe('engine thread link', () => {
    it('gives every call its own answer while another thread keeps waking the caller', async () => {
        const replica = await Replica.create({ time: 1_000 });
        const thread = await EngineThread.shared();
        const stop = new Int32Array(new SharedArrayBuffer(4));
        const noise = new Worker(
            `const { workerData, parentPort } = require('node:worker_threads');
             const signal = new Int32Array(workerData.signal);
             const stop = new Int32Array(workerData.stop);
             let wakes = 0;
             parentPort.postMessage('started');
             while (Atomics.load(stop, 0) === 0) { Atomics.notify(signal, 0); wakes++; }
             parentPort.postMessage(wakes);`,
            { eval: true, workerData: { signal: thread.signalBuffer, stop: stop.buffer } }
        );
        const messages: unknown[] = [];
        const wakes = new Promise<number>((resolve) => noise.on('message', (message) => (messages.push(message), typeof message === 'number' && resolve(message))));
        await new Promise((resolve) => noise.once('message', resolve));
        try {
            for (let i = 1; i <= 3_000; i++) {
                replica.setTime(1_000 + i);
                expect(replica.getTime()).toBe(1_000 + i);
                expect(replica.canisterIds()).toEqual([]);
            }
        } finally {
            Atomics.store(stop, 0, 1);
        }
        expect(await wakes).toBeGreaterThan(0);
        await noise.terminate();
        replica.close();
    });

    it('drops the answer of a call that gave up waiting: later calls still get their own answers', async () => {
        const replica = await Replica.create({ time: 1_000 });
        const id = await replica.installCanister({ wasm: compileWat(WAT) });
        expect(readU32((await replica.update(id, 'count', new Uint8Array())).reply)).toBe(1);

        EngineThread.answerTimeoutMs = 1;
        const started = performance.now();
        await expect(replica.update(id, 'spin', u32(200_000_000))).rejects.toThrow(/did not answer within 1 ms \(request call update\)/);
        expect(performance.now() - started).toBeLessThan(1_000); // it did not wait for the spin
        EngineThread.answerTimeoutMs = Infinity;

        // The spin's answer (its argument echoed: 200,000,000) arrives first and is dropped.
        expect(readU32((await replica.update(id, 'count', new Uint8Array())).reply)).toBe(2);
        expect(replica.getTime()).toBeGreaterThanOrEqual(1_000);
        replica.setTime(5_000_000);
        expect(replica.getTime()).toBe(5_000_000);
        expect(readU32((await replica.update(id, 'count', new Uint8Array())).reply)).toBe(3);
        expect(replica.canisterIds().map((canister) => canister.toText())).toEqual([id.toText()]);
        replica.close();
    });
});
