// The System API with a hand-written (non-Azle) canister: no init export, mutable globals and a function table that
// the replica must reach, traps of every kind with the IC's error codes, stable memory bounds.
import { Principal } from '@dfinity/principal';
import wabtInit from 'wabt';
import { beforeAll, describe, expect, it } from 'vitest';
import { Replica } from '../../replica/index.ts';
import { patchExports, TABLE_EXPORT } from '../../replica/wasm/patch-exports.ts';
import { rejectOf } from './support.ts';

const WAT = `(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $stable_read (param i64 i64 i64)))
  (import "ic0" "certified_data_set" (func $certify (param i32 i32)))
  (import "ic0" "data_certificate_size" (func $cert_size (result i32)))
  (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
  (import "ic0" "time" (func $time (result i64)))
  (memory (export "memory") 1)
  (global $counter (mut i32) (i32.const 0))
  (global $beats (mut i32) (i32.const 0))
  (global $fired (mut i32) (i32.const 0))
  (table 2 funcref)
  (func $reply_arg
    (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
    (call $append (i32.const 0) (call $arg_size))
    (call $reply))
  (func $reply_i32 (param i32)
    (i32.store (i32.const 0) (local.get 0))
    (call $append (i32.const 0) (i32.const 4))
    (call $reply))
  (func $reply_counter (call $reply_i32 (global.get $counter)))
  (func (export "canister_heartbeat") (global.set $beats (i32.add (global.get $beats) (i32.const 1))))
  (func (export "canister_global_timer") (global.set $fired (i32.add (global.get $fired) (i32.const 1))))
  (func (export "canister_update arm_timer_in_1s")
    (drop (call $timer_set (i64.add (call $time) (i64.const 1000000000))))
    (call $reply))
  (func (export "canister_query beats") (call $reply_i32 (global.get $beats)))
  (func (export "canister_query fired") (call $reply_i32 (global.get $fired)))
  (func (export "canister_update echo") (call $reply_arg))
  (func (export "canister_update count") (global.set $counter (i32.add (global.get $counter) (i32.const 1))) (call $reply_counter))
  (func (export "canister_query counter") (call $reply_counter))
  (func (export "canister_update count_then_unreachable") (global.set $counter (i32.add (global.get $counter) (i32.const 1))) unreachable)
  (func (export "canister_update reply_twice") (call $reply) (call $reply))
  (func (export "canister_update out_of_bounds_load") (drop (i32.load (i32.const 70000))))
  (func (export "canister_update stable_out_of_bounds") (call $stable_write (i64.const 0) (i64.const 0) (i64.const 1)))
  (func (export "canister_update stable_put")
    (drop (call $stable_grow (i64.const 2)))
    (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
    (call $stable_write (i64.const 65534) (i64.const 0) (i64.extend_i32_u (call $arg_size)))
    (call $reply))
  (func (export "canister_query stable_get")
    (call $stable_read (i64.const 0) (i64.const 65534) (i64.const 4))
    (call $append (i32.const 0) (i32.const 4))
    (call $reply))
  (func (export "canister_update certify_33_bytes") (call $certify (i32.const 0) (i32.const 33)))
  (func (export "canister_update certificate_in_update") (drop (call $cert_size)))
)`;

let wasm: Uint8Array;
let replica: Replica;
let id: Principal;

beforeAll(async () => {
    const wabt = await wabtInit();
    wasm = new Uint8Array(wabt.parseWat('raw.wat', WAT).toBinary({}).buffer);
    replica = await Replica.create();
    id = await replica.installCanister({ wasm, arg: new Uint8Array(0) });
});

const queryI32 = async (method: string) => new DataView((await replica.query(id, method, new Uint8Array(0))).reply.buffer).getInt32(0, true);
const counter = () => queryI32('counter');

describe('export patching', () => {
    it('adds exports for table 0 and the mutable globals, and the module stays valid', () => {
        const patched = patchExports(wasm);
        const exports = WebAssembly.Module.exports(new WebAssembly.Module(patched as BufferSource)).map((e) => `${e.kind}:${e.name}`);
        expect(exports).toContain(`table:${TABLE_EXPORT}`);
        expect(exports.filter((e) => e.startsWith('global:'))).toEqual(['global:__replica_global_0', 'global:__replica_global_1', 'global:__replica_global_2']);
        expect(() => patchExports(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toThrow(/not a wasm module/);
    });
});

describe('a canister without Azle', () => {
    it('installs without an init export and echoes raw bytes', async () => {
        const { reply } = await replica.update(id, 'echo', Uint8Array.of(1, 2, 3));
        expect(reply).toEqual(Uint8Array.of(1, 2, 3));
    });

    it('rolls back mutable globals on a trap (IC0502 "unreachable")', async () => {
        await replica.update(id, 'count', new Uint8Array(0));
        const before = await counter();
        const error = await rejectOf(replica.update(id, 'count_then_unreachable', new Uint8Array(0)));
        expect([error.code, error.errorCode]).toEqual([5, 'IC0502']);
        expect(error.message).toContain('Canister trapped: unreachable');
        expect(await counter()).toBe(before);
    });

    it('traps out-of-bounds heap access as the IC words it', async () => {
        const error = await rejectOf(replica.update(id, 'out_of_bounds_load', new Uint8Array(0)));
        expect(error.message).toContain('Canister trapped: heap out of bounds');
    });

    it.each([
        ['reply_twice', 'the call is already replied'],
        ['certify_33_bytes', 'at most 32'],
        ['certificate_in_update', 'cannot be executed in update mode']
    ])('answers contract violations with IC0504 (%s)', async (method, text) => {
        const error = await rejectOf(replica.update(id, method, new Uint8Array(0)));
        expect([error.code, error.errorCode]).toEqual([5, 'IC0504']);
        expect(error.message).toContain(text);
    });

    it('traps an out-of-bounds stable memory access as the IC does (IC0502 "stable memory out of bounds")', async () => {
        const error = await rejectOf(replica.update(id, 'stable_out_of_bounds', new Uint8Array(0)));
        expect([error.code, error.errorCode]).toEqual([5, 'IC0502']);
        expect(error.message).toContain('Canister trapped: stable memory out of bounds');
    });

    it('runs canister_heartbeat once per round', async () => {
        const before = await queryI32('beats');
        await replica.tick(3);
        expect(await queryI32('beats')).toBe(before + 3);
    });

    it('fires the global timer once it is due, once', async () => {
        await replica.update(id, 'arm_timer_in_1s', new Uint8Array(0));
        await replica.tick();
        expect(await queryI32('fired')).toBe(0);
        await replica.advanceTime(1_000);
        expect(await queryI32('fired')).toBe(1);
        await replica.advanceTime(5_000);
        expect(await queryI32('fired')).toBe(1);
    });

    it('keeps stable memory written across a page boundary, in 64-bit stable memory', async () => {
        await replica.update(id, 'stable_put', Uint8Array.of(9, 8, 7, 6));
        expect((await replica.query(id, 'stable_get', new Uint8Array(0))).reply).toEqual(Uint8Array.of(9, 8, 7, 6));
        expect(replica.getStableMemory(id).length).toBe(65536 * 2);
    });
});
