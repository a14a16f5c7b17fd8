// A canister shaped like moc's output (hand-written WAT, no upstream code): it imports ic0.canister_status, exports its
// memory as `mem` rather than `memory`, and answers a query by recursing once per list element, the way Motoko walks
// a list. The wasm stack must behave like the IC's: a fixed depth passes and one past the limit traps with
// "stack overflow", identically on a module V8 has never run (cold) and on one it has run many times (warm).
import { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import { IC_WASM_STACK_BYTES, RejectError, Replica } from '../../replica/index.ts';
import { compileWat, freshCopy } from './wat.ts';

/** Cells of the cyclic list (value, next) live from LIST_AT on: walking it `k` steps recurses `k` deep. */
const LIST_CELLS = 1000;

const MOTOKO_LIKE = `(module
  (import "ic0" "canister_status" (func $canister_status (result i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory (export "mem") 2)
  (global $list (mut i32) (i32.const 0))
  (func $reply_i32 (param $value i32)
    (i32.store (i32.const 0) (local.get $value))
    (call $append (i32.const 0) (i32.const 4))
    (call $reply))
  (func $arg_u32 (result i32)
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (i32.load (i32.const 0)))
  ;; builds a cyclic list of ${LIST_CELLS} cells holding 1 each, at 1024
  (func $build (local $i i32) (local $cell i32)
    (loop $next
      (local.set $cell (i32.add (i32.const 1024) (i32.mul (local.get $i) (i32.const 8))))
      (i32.store (local.get $cell) (i32.const 1))
      (i32.store offset=4 (local.get $cell)
        (i32.add (i32.const 1024) (i32.mul (i32.rem_u (i32.add (local.get $i) (i32.const 1)) (i32.const ${LIST_CELLS})) (i32.const 8))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const ${LIST_CELLS}))))
    (global.set $list (i32.const 1024)))
  ;; the sum of the next k values: one recursive call per element, the value kept across the call
  (func $walk (param $cell i32) (param $k i32) (result i32) (local $value i32) (local $next i32)
    (if (result i32) (i32.eqz (local.get $k))
      (then (i32.const 0))
      (else
        (local.set $value (i32.load (local.get $cell)))
        (local.set $next (i32.load offset=4 (local.get $cell)))
        (i32.add (local.get $value) (call $walk (local.get $next) (i32.sub (local.get $k) (i32.const 1)))))))
  (func (export "canister_init") (call $build))
  (func (export "canister_query status") (call $reply_i32 (call $canister_status)))
  (func (export "canister_query walk") (call $reply_i32 (call $walk (global.get $list) (call $arg_u32))))
)`;

const wasm = compileWat(MOTOKO_LIKE);
const u32 = (value: number) => new Uint8Array(new Uint32Array([value]).buffer);
const i32Of = (reply: Uint8Array) => new DataView(reply.buffer, reply.byteOffset).getInt32(0, true);

let replica: Replica;

/** Installs a never-run copy of the module: V8 compiles it afresh, so its first calls run cold code. */
async function coldCanister(): Promise<Principal> {
    return replica.installCanister({ wasm: freshCopy(wasm), arg: new Uint8Array(0) });
}

/** Whether walking `depth` elements succeeds (the sum is the depth), or traps with the IC's stack overflow. */
async function walks(id: Principal, depth: number): Promise<boolean> {
    try {
        const { reply } = await replica.query(id, 'walk', u32(depth));
        expect(i32Of(reply)).toBe(depth);
        return true;
    } catch (error) {
        if (!(error instanceof RejectError)) throw error;
        expect([error.code, error.errorCode]).toEqual([5, 'IC0502']);
        expect(error.message).toContain('Canister trapped: stack overflow');
        return false;
    }
}

/** The deepest walk that passes on `id`, by bisection (the walks themselves warm the module up). */
async function deepestWalk(id: Principal): Promise<number> {
    let passes = 1;
    let fails = IC_WASM_STACK_BYTES; // a frame takes at least one byte
    while (fails - passes > 1) {
        const middle = Math.floor((passes + fails) / 2);
        if (await walks(id, middle)) passes = middle;
        else fails = middle;
    }
    return passes;
}

beforeAll(async () => {
    replica = await Replica.create({ seed: 'motoko-like' });
});

describe('a Motoko-like canister', () => {
    it('installs with its memory exported as `mem` and no `memory` export', async () => {
        const exports = WebAssembly.Module.exports(new WebAssembly.Module(wasm as BufferSource)).map((e) => e.name);
        expect(exports).toContain('mem');
        expect(exports).not.toContain('memory');
        const id = await coldCanister();
        expect(i32Of((await replica.query(id, 'walk', u32(LIST_CELLS * 3))).reply)).toBe(LIST_CELLS * 3);
    });

    it('reads ic0.canister_status: 1 while running', async () => {
        const id = await coldCanister();
        expect(i32Of((await replica.query(id, 'status')).reply)).toBe(1);
    });

    it('recurses to the same depth limit cold and warm, and traps one element past it with "stack overflow"', async () => {
        const warm = await coldCanister();
        const limit = await deepestWalk(warm);
        // Far deeper than V8's own stack allows on the main thread (~18,000 frames of a function this small), and
        // within what 5 MiB can hold: no frame on the IC is smaller than 16 bytes.
        expect(limit).toBeGreaterThan(50_000);
        expect(limit * 16).toBeLessThanOrEqual(IC_WASM_STACK_BYTES);
        for (let i = 0; i < 20; i++) expect(await walks(warm, limit)).toBe(true); // V8 has long tiered this code up
        expect(await walks(warm, limit + 1)).toBe(false);

        // A module V8 has never run: the very first call at the limit passes, the first one past it traps.
        expect(await walks(await coldCanister(), limit)).toBe(true);
        expect(await walks(await coldCanister(), limit + 1)).toBe(false);
        // And deeper still, cold and warm alike (the IC's limit, not V8's, decides).
        expect(await walks(await coldCanister(), limit * 4)).toBe(false);
        expect(await walks(warm, limit * 4)).toBe(false);
    });
});
