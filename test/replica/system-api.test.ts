// The System API as a whole: every function the IC links to canisters today can be imported (with 32- and 64-bit
// pointers), anything else is refused at install with the IC's words, and the functions added for it behave as on
// the IC (hand-written WAT canisters; the names below are transcribed from the IC interface specification's
// System API imports and the IC's linker, which also still links the deprecated 64-bit cycles and 32-bit stable
// memory functions).
import { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import { Replica } from '../../replica/index.ts';
import { rejectOf } from './support.ts';
import { compileWat } from './wat.ts';

type Kind = 'I' | 'i32' | 'i64';
/** name: [params, results]; `I` is a pointer or size (i64 with a 64-bit memory). */
const IC0: Record<string, [Kind[], Kind[]]> = {
    msg_arg_data_size: [[], ['I']],
    msg_arg_data_copy: [['I', 'I', 'I'], []],
    msg_caller_size: [[], ['I']],
    msg_caller_copy: [['I', 'I', 'I'], []],
    msg_caller_info_data_size: [[], ['I']],
    msg_caller_info_data_copy: [['I', 'I', 'I'], []],
    msg_caller_info_signer_size: [[], ['I']],
    msg_caller_info_signer_copy: [['I', 'I', 'I'], []],
    msg_reject_code: [[], ['i32']],
    msg_reject_msg_size: [[], ['I']],
    msg_reject_msg_copy: [['I', 'I', 'I'], []],
    msg_deadline: [[], ['i64']],
    msg_reply_data_append: [['I', 'I'], []],
    msg_reply: [[], []],
    msg_reject: [['I', 'I'], []],
    msg_cycles_available128: [['I'], []],
    msg_cycles_refunded128: [['I'], []],
    msg_cycles_accept128: [['i64', 'i64', 'I'], []],
    cycles_burn128: [['i64', 'i64', 'I'], []],
    canister_self_size: [[], ['I']],
    canister_self_copy: [['I', 'I', 'I'], []],
    canister_cycle_balance128: [['I'], []],
    canister_liquid_cycle_balance128: [['I'], []],
    canister_status: [[], ['i32']],
    canister_version: [[], ['i64']],
    subnet_self_size: [[], ['I']],
    subnet_self_copy: [['I', 'I', 'I'], []],
    msg_method_name_size: [[], ['I']],
    msg_method_name_copy: [['I', 'I', 'I'], []],
    accept_message: [[], []],
    call_new: [['I', 'I', 'I', 'I', 'I', 'I', 'I', 'I'], []],
    call_on_cleanup: [['I', 'I'], []],
    call_data_append: [['I', 'I'], []],
    call_with_best_effort_response: [['i32'], []],
    call_cycles_add128: [['i64', 'i64'], []],
    call_perform: [[], ['i32']],
    stable64_size: [[], ['i64']],
    stable64_grow: [['i64'], ['i64']],
    stable64_write: [['i64', 'i64', 'i64'], []],
    stable64_read: [['i64', 'i64', 'i64'], []],
    root_key_size: [[], ['I']],
    root_key_copy: [['I', 'I', 'I'], []],
    certified_data_set: [['I', 'I'], []],
    data_certificate_present: [[], ['i32']],
    data_certificate_size: [[], ['I']],
    data_certificate_copy: [['I', 'I', 'I'], []],
    time: [[], ['i64']],
    global_timer_set: [['i64'], ['i64']],
    performance_counter: [['i32'], ['i64']],
    is_controller: [['I', 'I'], ['i32']],
    in_replicated_execution: [[], ['i32']],
    cost_call: [['i64', 'i64', 'I'], []],
    cost_create_canister: [['I'], []],
    cost_http_request: [['i64', 'i64', 'I'], []],
    cost_sign_with_ecdsa: [['I', 'I', 'i32', 'I'], ['i32']],
    cost_sign_with_schnorr: [['I', 'I', 'i32', 'I'], ['i32']],
    cost_vetkd_derive_key: [['I', 'I', 'i32', 'I'], ['i32']],
    env_var_count: [[], ['I']],
    env_var_name_size: [['I'], ['I']],
    env_var_name_copy: [['I', 'I', 'I', 'I'], []],
    env_var_name_exists: [['I', 'I'], ['i32']],
    env_var_value_size: [['I', 'I'], ['I']],
    env_var_value_copy: [['I', 'I', 'I', 'I', 'I'], []],
    debug_print: [['I', 'I'], []],
    trap: [['I', 'I'], []],
    // still linked by the IC's replica
    cost_http_request_v2: [['I', 'I', 'I'], []],
    mint_cycles128: [['i64', 'i64', 'I'], []],
    msg_cycles_available: [[], ['i64']],
    msg_cycles_refunded: [[], ['i64']],
    msg_cycles_accept: [['i64'], ['i64']],
    canister_cycle_balance: [[], ['i64']],
    call_cycles_add: [['i64'], []],
    stable_size: [[], ['i32']],
    stable_grow: [['i32'], ['i32']],
    stable_read: [['i32', 'i32', 'i32'], []],
    stable_write: [['i32', 'i32', 'i32'], []]
};

const wat = (kind: Kind, memory64: boolean) => (kind === 'I' ? (memory64 ? 'i64' : 'i32') : kind);
function importOf(name: string, memory64: boolean, as = name): string {
    const [params, results] = IC0[name];
    const p = params.length ? ` (param ${params.map((k) => wat(k, memory64)).join(' ')})` : '';
    const r = results.length ? ` (result ${results.map((k) => wat(k, memory64)).join(' ')})` : '';
    return `(import "ic0" "${name}" (func $${as}${p}${r}))`;
}

/** A module importing every System API function, with a method that replies. */
function everyImport(memory64: boolean): Uint8Array {
    const imports = Object.keys(IC0).map((name) => importOf(name, memory64)).join('\n  ');
    return compileWat(`(module\n  ${imports}\n  (memory ${memory64 ? 'i64 ' : ''}1)\n  (func (export "canister_query ok") (call $msg_reply)))`, { memory64 });
}

let replica: Replica;

beforeAll(async () => {
    replica = await Replica.create({ seed: 'system api' });
});

describe('System API imports', () => {
    it.each([false, true])('installs a module importing every function of the IC (64-bit memory: %s)', async (memory64) => {
        const id = await replica.installCanister({ wasm: everyImport(memory64), arg: new Uint8Array(0) });
        expect((await replica.query(id, 'ok')).reply).toEqual(new Uint8Array(0));
    });

    it('refuses an import the IC does not provide, as the IC words it (IC0505)', async () => {
        const wasm = compileWat('(module (import "ic0" "mint_cycles" (func (param i64) (result i64))) (memory 1))');
        const error = await rejectOf(replica.installCanister({ wasm, arg: new Uint8Array(0) }));
        expect([error.code, error.errorCode]).toEqual([5, 'IC0505']);
        expect(error.message).toContain("Wasm module has an invalid import section. Module imports function 'mint_cycles' from 'ic0' that is not exported by the runtime.");
    });

    it('refuses a System API function imported with the wrong signature or from another module', async () => {
        const wide = compileWat('(module (import "ic0" "msg_reply_data_append" (func (param i64 i64))) (memory 1))');
        const error = await rejectOf(replica.installCanister({ wasm: wide, arg: new Uint8Array(0) }));
        expect(error.message).toContain("Wasm module has an invalid function signature. Expected input params [I32, I32] for 'msg_reply_data_append', got [I64, I64].");
        const elsewhere = compileWat('(module (import "env" "msg_reply" (func)) (memory 1))');
        const moved = await rejectOf(replica.installCanister({ wasm: elsewhere, arg: new Uint8Array(0) }));
        expect(moved.message).toContain('Module imports function "msg_reply" from "env", expected to be imported from one of ["ic0"] instead.');
        const global = compileWat('(module (import "env" "g" (global i32)) (memory 1))');
        expect((await rejectOf(replica.installCanister({ wasm: global, arg: new Uint8Array(0) }))).message).toContain('Importing globals is not allowed.');
        expect(replica.canisterIds().length).toBeGreaterThan(0); // earlier canisters are still there; the refused ones are not
    });
});

const PROBE = `(module
  ${['msg_reply_data_append', 'msg_reply', 'msg_deadline', 'subnet_self_size', 'subnet_self_copy', 'root_key_size', 'root_key_copy', 'cost_call',
      'cost_create_canister', 'cost_sign_with_ecdsa', 'cost_sign_with_schnorr', 'env_var_count', 'env_var_name_exists', 'env_var_name_size',
      'canister_cycle_balance', 'canister_cycle_balance128', 'mint_cycles128', 'msg_caller_info_data_size', 'msg_caller_info_signer_size',
      'msg_method_name_size', 'stable_size', 'stable_grow', 'stable_write', 'stable_read', 'canister_status'].map((n) => importOf(n, false)).join('\n  ')}
  (memory 1)
  (data (i32.const 512) "key_1")
  (func $reply_bytes (param $at i32) (param $size i32) (call $msg_reply_data_append (local.get $at) (local.get $size)) (call $msg_reply))
  (func $reply_i64 (param $value i64) (i64.store (i32.const 0) (local.get $value)) (call $reply_bytes (i32.const 0) (i32.const 8)))
  (func (export "canister_update deadline") (call $reply_i64 (call $msg_deadline)))
  (func (export "canister_update subnet") (call $subnet_self_copy (i32.const 0) (i32.const 0) (call $subnet_self_size))
    (call $reply_bytes (i32.const 0) (call $subnet_self_size)))
  (func (export "canister_update root_key") (call $root_key_copy (i32.const 0) (i32.const 0) (call $root_key_size))
    (call $reply_bytes (i32.const 0) (call $root_key_size)))
  (func (export "canister_query root_key_in_query") (drop (call $root_key_size)) (call $msg_reply))
  ;; cost_call (16 bytes at 0), cost_create_canister (16 at 16), ecdsa code for secp256k1 and for curve 7, schnorr code
  ;; for ed25519, env var count and existence, caller info sizes: 56 bytes
  (func (export "canister_update costs")
    (i64.store (i32.const 0) (i64.const -1)) (i64.store (i32.const 8) (i64.const -1))
    (call $cost_call (i64.const 10) (i64.const 1000) (i32.const 0))
    (call $cost_create_canister (i32.const 16))
    (i32.store (i32.const 32) (call $cost_sign_with_ecdsa (i32.const 512) (i32.const 5) (i32.const 0) (i32.const 100)))
    (i32.store (i32.const 36) (call $cost_sign_with_ecdsa (i32.const 512) (i32.const 5) (i32.const 7) (i32.const 100)))
    (i32.store (i32.const 40) (call $cost_sign_with_schnorr (i32.const 512) (i32.const 5) (i32.const 1) (i32.const 100)))
    (i32.store (i32.const 44) (call $env_var_count))
    (i32.store (i32.const 48) (call $env_var_name_exists (i32.const 512) (i32.const 5)))
    (i32.store (i32.const 52) (i32.add (call $msg_caller_info_data_size) (call $msg_caller_info_signer_size)))
    (call $reply_bytes (i32.const 0) (i32.const 56)))
  (func (export "canister_update env_var_name") (drop (call $env_var_name_size (i32.const 0))) (call $msg_reply))
  (func (export "canister_update balances") (call $canister_cycle_balance128 (i32.const 8))
    (i64.store (i32.const 0) (call $canister_cycle_balance)) (call $reply_bytes (i32.const 0) (i32.const 24)))
  (func (export "canister_update mint") (call $mint_cycles128 (i64.const 0) (i64.const 1) (i32.const 0)) (call $msg_reply))
  (func (export "canister_update method_name") (drop (call $msg_method_name_size)) (call $msg_reply))
  ;; 32-bit stable memory: grow by 1 page (old size 0), write 4 bytes at 65532, read them back, then the size
  (func (export "canister_update stable32")
    (i32.store (i32.const 0) (call $stable_grow (i32.const 1)))
    (i32.store (i32.const 4) (i32.const 0x04030201))
    (call $stable_write (i32.const 65532) (i32.const 4) (i32.const 4))
    (call $stable_read (i32.const 8) (i32.const 65532) (i32.const 4))
    (i32.store (i32.const 12) (call $stable_size))
    (call $reply_bytes (i32.const 0) (i32.const 16)))
  (func (export "canister_update stable32_out_of_bounds") (call $stable_read (i32.const 0) (i32.const 65533) (i32.const 4)))
)`;

describe('System API functions', () => {
    let id: Principal;
    const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const call = async (method: string) => (await replica.update(id, method, new Uint8Array(0))).reply;

    beforeAll(async () => {
        id = await replica.installCanister({ wasm: compileWat(PROBE), arg: new Uint8Array(0), cycles: 5_000_000_000n });
    });

    it('msg_deadline is 0 for an ingress message (guaranteed response)', async () => {
        expect(view(await call('deadline')).getBigUint64(0, true)).toBe(0n);
    });

    it('subnet_self is the subnet id and root_key the DER root key; root_key is refused in a non-replicated query', async () => {
        expect(Principal.fromUint8Array(await call('subnet')).toText()).toBe(replica.subnetId.toText());
        expect(await call('root_key')).toEqual(replica.rootKey);
        const error = await rejectOf(replica.query(id, 'root_key_in_query', new Uint8Array(0)));
        expect([error.code, error.errorCode]).toEqual([5, 'IC0504']);
        expect(error.message).toContain('"ic0_root_key_size" cannot be executed in non replicated query mode');
    });

    it('cost_* write 0 (no cycle fees here) and the signing costs report unknown keys (2) or curves (1); no env vars, no caller info', async () => {
        const reply = view(await call('costs'));
        expect([reply.getBigUint64(0, true), reply.getBigUint64(8, true), reply.getBigUint64(16, true)]).toEqual([0n, 0n, 0n]);
        expect([reply.getInt32(32, true), reply.getInt32(36, true), reply.getInt32(40, true)]).toEqual([2, 1, 2]);
        expect([reply.getInt32(44, true), reply.getInt32(48, true), reply.getInt32(52, true)]).toEqual([0, 0, 0]);
        const error = await rejectOf(replica.update(id, 'env_var_name', new Uint8Array(0)));
        expect(error.message).toContain('ic0.env_var_name_size: index 0 is out of bounds');
    });

    it('the 64-bit and 128-bit cycle balances agree; minting is for the cycles minting canister only', async () => {
        const reply = view(await call('balances'));
        expect(reply.getBigUint64(0, true)).toBe(replica.getCycles(id));
        expect(reply.getBigUint64(8, true) + (reply.getBigUint64(16, true) << 64n)).toBe(replica.getCycles(id));
        const error = await rejectOf(replica.update(id, 'mint', new Uint8Array(0)));
        expect(error.message).toContain('ic0.mint_cycles128 can only be executed on the Cycles Minting Canister');
    });

    it('msg_method_name is for canister_inspect_message only, as the spec lists it', async () => {
        const error = await rejectOf(replica.update(id, 'method_name', new Uint8Array(0)));
        expect(error.message).toContain('"ic0_msg_method_name_size" cannot be executed in update mode');
    });

    it('serves the 32-bit stable memory API over the same stable memory, trapping out of bounds as the IC does', async () => {
        const reply = view(await call('stable32'));
        expect([reply.getInt32(0, true), reply.getUint32(8, true), reply.getInt32(12, true)]).toEqual([0, 0x04030201, 1]);
        expect(replica.getStableMemory(id).subarray(65532)).toEqual(Uint8Array.of(1, 2, 3, 4));
        const error = await rejectOf(replica.update(id, 'stable32_out_of_bounds', new Uint8Array(0)));
        expect([error.errorCode, error.message.includes('Canister trapped: stable memory out of bounds')]).toEqual(['IC0502', true]);
    });
});

describe('a wasm start function', () => {
    const START = (body: string) =>
        compileWat(`(module
  ${['debug_print', 'stable64_grow', 'msg_reply', 'msg_reply_data_append'].map((n) => importOf(n, false)).join('\n  ')}
  (memory 1)
  (data (i32.const 100) "started")
  (global $order (mut i32) (i32.const 0))
  (func $start ${body} (global.set $order (i32.add (i32.mul (global.get $order) (i32.const 10)) (i32.const 1))))
  (start $start)
  (func (export "canister_init") (global.set $order (i32.add (i32.mul (global.get $order) (i32.const 10)) (i32.const 2))))
  (func (export "canister_query order") (i32.store (i32.const 0) (global.get $order)) (call $msg_reply_data_append (i32.const 0) (i32.const 4)) (call $msg_reply)))`);

    it('runs before canister_init, with the System API functions the spec allows there', async () => {
        const id = await replica.installCanister({ wasm: START('(call $debug_print (i32.const 100) (i32.const 7)) (drop (call $stable64_grow (i64.const 1)))'), arg: new Uint8Array(0) });
        expect(new DataView((await replica.query(id, 'order')).reply.buffer).getInt32(0, true)).toBe(12); // start (1), then init (2)
        expect(replica.logs(id)).toEqual(['started']);
        expect(replica.getStableMemory(id).length).toBe(65536);
    });

    it('may not reply: install fails with a contract violation and leaves nothing behind', async () => {
        const before = replica.canisterIds().length;
        const error = await rejectOf(replica.installCanister({ wasm: START('(call $msg_reply)'), arg: new Uint8Array(0) }));
        expect([error.code, error.errorCode]).toEqual([5, 'IC0504']);
        expect(error.message).toContain('"ic0_msg_reply" cannot be executed in start mode');
        expect(replica.canisterIds().length).toBe(before);
    });
});
