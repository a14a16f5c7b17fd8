// 64-bit memories, as moc emits them by default (enhanced orthogonal persistence): the module runs, with i64
// pointers in its System API calls and data beyond the first pages; loads and stores are metered at the IC's
// 64-bit weight; and upgrades follow the IC's `wasm_memory_persistence` rules, keeping the heap on `keep`.
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import { Replica } from '../../replica/index.ts';
import { rejectOf } from './support.ts';
import { compileWat, withCustomSection } from './wat.ts';

const EOP_SECTION = 'icp:private enhanced-orthogonal-persistence';

/** The same canister with a 64-bit or a 32-bit memory (`P` is the pointer type); `version` tells builds apart. */
function canister(memory64: boolean, version: number): Uint8Array {
    const P = memory64 ? 'i64' : 'i32';
    return compileWat(
        `(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result ${P})))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param ${P} ${P} ${P})))
  (import "ic0" "msg_reply_data_append" (func $append (param ${P} ${P})))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "canister_self_size" (func $self_size (result ${P})))
  (import "ic0" "canister_self_copy" (func $self_copy (param ${P} ${P} ${P})))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (memory (export "mem") ${P} 3)
  (func $reply_bytes (param $at ${P}) (param $size ${P}) (call $append (local.get $at) (local.get $size)) (call $reply))
  ;; copies the argument to 100000 (past the first page) and sends it back
  (func (export "canister_update echo")
    (call $arg_copy (${P}.const 100000) (${P}.const 0) (call $arg_size))
    (call $reply_bytes (${P}.const 100000) (call $arg_size)))
  ;; a heap counter at 70000: straight-line code with 3 loads and 3 stores
  (func (export "canister_update increment")
    (i64.store (${P}.const 70000) (i64.add (i64.load (${P}.const 70000)) (i64.const 1)))
    (i64.store (${P}.const 8) (i64.load (${P}.const 70000)))
    (i64.store (${P}.const 16) (i64.load (${P}.const 8)))
    (call $reply_bytes (${P}.const 16) (${P}.const 8)))
  (func (export "canister_query counter") (call $reply_bytes (${P}.const 70000) (${P}.const 8)))
  (func (export "canister_query version") (i32.store (${P}.const 0) (i32.const ${version})) (call $reply_bytes (${P}.const 0) (${P}.const 4)))
  (func (export "canister_query self")
    (call $self_copy (${P}.const 150000) (${P}.const 0) (call $self_size))
    (call $reply_bytes (${P}.const 150000) (call $self_size)))
  (func (export "canister_update grow")
    (i64.store (${P}.const 0) (i64.extend_i32_u (i32.const 0)))
    (i64.store (${P}.const 0) ${memory64 ? '(memory.grow (i64.const 2))' : '(i64.extend_i32_u (memory.grow (i32.const 2)))'})
    (i64.store (${P}.const 8) ${memory64 ? '(memory.size)' : '(i64.extend_i32_u (memory.size))'})
    (i64.store (${P}.const 300000) (i64.const 7))
    (call $reply_bytes (${P}.const 0) (${P}.const 16)))
  (func (export "canister_query far") (call $reply_bytes (${P}.const 300000) (${P}.const 8)))
  (func (export "canister_update to_stable")
    (drop (call $stable_grow (i64.const 1)))
    (call $stable_write (i64.const 0) (i64.const 70000) (i64.const 8))
    (call $reply))
)`,
        { memory64 }
    );
}

const eop = (version: number) => withCustomSection(canister(true, version), EOP_SECTION);
const u64Of = (bytes: Uint8Array, at = 0) => new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at, true);

let replica: Replica;
const controller = Principal.fromText('2vxsx-fae');

async function increment(id: Principal): Promise<bigint> {
    return u64Of((await replica.update(id, 'increment', new Uint8Array(0))).reply);
}
async function counter(id: Principal): Promise<bigint> {
    return u64Of((await replica.query(id, 'counter', new Uint8Array(0))).reply);
}
async function version(id: Principal): Promise<number> {
    return new DataView((await replica.query(id, 'version', new Uint8Array(0))).reply.buffer).getInt32(0, true);
}

beforeAll(async () => {
    replica = await Replica.create({ seed: 'memory64' });
});

describe('a canister with a 64-bit memory', () => {
    it('runs with i64 pointers in its System API calls, past the first pages', async () => {
        const id = await replica.installCanister({ wasm: canister(true, 1), arg: new Uint8Array(0) });
        expect((await replica.update(id, 'echo', Uint8Array.of(1, 2, 3))).reply).toEqual(Uint8Array.of(1, 2, 3));
        expect(Principal.fromUint8Array((await replica.query(id, 'self', new Uint8Array(0))).reply).toText()).toBe(id.toText());
        expect([await increment(id), await increment(id), await counter(id)]).toEqual([1n, 2n, 2n]);
        const grown = (await replica.update(id, 'grow', new Uint8Array(0))).reply;
        expect([u64Of(grown, 0), u64Of(grown, 8)]).toEqual([3n, 5n]); // memory.grow returns the old size, in pages
        await replica.update(id, 'to_stable', new Uint8Array(0));
        expect(u64Of(replica.getStableMemory(id))).toBe(2n);
    });

    it('is refused at install, saying why, when its memory starts above the 4 GiB V8 can give it', async () => {
        const huge = compileWat('(module (memory i64 70000))', { memory64: true });
        const error = await rejectOf(replica.installCanister({ wasm: huge, arg: new Uint8Array(0) }));
        expect([error.code, error.errorCode]).toEqual([5, 'IC0505']);
        expect(error.message).toContain("the module's memory starts at 70000 pages (4.2724609375 GiB); Node.js's V8 runs at most 65536 pages (4 GiB) of wasm memory");
    });

    it('pays the IC’s 64-bit price for loads and stores: 2 instead of 1', async () => {
        const wide = await replica.installCanister({ wasm: canister(true, 1), arg: new Uint8Array(0) });
        const narrow = await replica.installCanister({ wasm: canister(false, 1), arg: new Uint8Array(0) });
        const cost = async (id: Principal) => (await replica.update(id, 'increment', new Uint8Array(0))).instructions;
        expect((await cost(wide)) - (await cost(narrow))).toBe(6n); // the 3 loads and 3 stores of `increment`
    });
});

describe('upgrades with enhanced orthogonal persistence (wasm_memory_persistence)', () => {
    let id: Principal;

    beforeAll(async () => {
        id = await replica.installCanister({ wasm: eop(1), arg: new Uint8Array(0), controllers: [controller] });
        for (let i = 0; i < 3; i++) await increment(id);
    });

    it('refuses an upgrade that does not say whether to keep the heap, as the IC does', async () => {
        const error = await rejectOf(replica.upgradeCanister(id, eop(2)));
        expect([error.code, error.errorCode]).toEqual([5, 'IC0504']);
        expect(error.message).toBe('Missing upgrade option: Enhanced orthogonal persistence requires the `wasm_memory_persistence` upgrade option.');
        expect([await version(id), await counter(id)]).toEqual([1, 3n]);
    });

    it('keeps the heap with keep (grown pages too), and refuses keep for a module without enhanced orthogonal persistence', async () => {
        await replica.update(id, 'grow', new Uint8Array(0)); // 5 pages now, 7 stored at 300000; a fresh instance has 3
        await replica.upgradeCanister(id, eop(2), { keepWasmMemory: true });
        expect([await version(id), await counter(id)]).toEqual([2, 3n]);
        expect(u64Of((await replica.query(id, 'far', new Uint8Array(0))).reply)).toBe(7n);
        const error = await rejectOf(replica.upgradeCanister(id, canister(true, 3), { keepWasmMemory: true }));
        expect(error.message).toBe(
            'Invalid upgrade option: The `wasm_memory_persistence: opt Keep` upgrade option requires that the new canister module supports enhanced orthogonal persistence.'
        );
        expect(await version(id)).toBe(2);
    });

    it('takes the option from install_code through the management canister, as dfx sends it', async () => {
        const Mode = IDL.Variant({
            install: IDL.Null,
            reinstall: IDL.Null,
            upgrade: IDL.Opt(IDL.Record({ skip_pre_upgrade: IDL.Opt(IDL.Bool), wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })) }))
        });
        const Args = IDL.Record({ mode: Mode, canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8) });
        const upgrade = (persistence: 'keep' | 'replace', wasm: Uint8Array) =>
            replica.update(
                Principal.managementCanister(),
                'install_code',
                new Uint8Array(
                    IDL.encode([Args], [{ mode: { upgrade: [{ skip_pre_upgrade: [], wasm_memory_persistence: [{ [persistence]: null }] }] }, canister_id: id, wasm_module: wasm, arg: [] }])
                ),
                { sender: controller }
            );
        await increment(id);
        await upgrade('keep', eop(4));
        expect([await version(id), await counter(id)]).toEqual([4, 4n]);
        await upgrade('replace', eop(5));
        expect([await version(id), await counter(id)]).toEqual([5, 0n]); // the heap starts afresh
    });
});
