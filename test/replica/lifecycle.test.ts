// Canister lifecycle: install with init arg, upgrade, reinstall, stop/start, controllers, many canisters.
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';
import { Replica } from '../../replica/index.ts';
import { callQuery, callUpdate, coreWasm, encode, rejectOf, replicaWithCore } from './support.ts';

const greeting = (replica: Replica, id: Principal) => callQuery<[] | [string]>(replica, id, 'get', [IDL.Text], ['greeting'], IDL.Opt(IDL.Text));
const counter = (replica: Replica, id: Principal) => callQuery<number>(replica, id, 'counter', [], [], IDL.Nat32);

describe('install', () => {
    it('runs init with its argument', async () => {
        const { replica, id } = await replicaWithCore('bonjour');
        expect(await greeting(replica, id)).toEqual(['bonjour']);
        expect(replica.canisterStatus(id).status).toBe('running');
    });

    it('leaves nothing behind when init traps (missing init argument)', async () => {
        const replica = await Replica.create();
        const error = await rejectOf(replica.installCanister({ wasm: await coreWasm() }));
        expect(error.code).toBe(5);
        expect(replica.canisterIds()).toEqual([]);
    });

    it('accepts gzipped wasm, as dfx and PocketIC do', async () => {
        const { gzipSync } = await import('node:zlib');
        const replica = await Replica.create();
        const id = await replica.installCanister({ wasm: gzipSync(await coreWasm()), arg: encode([IDL.Text], ['gz']) });
        expect(await greeting(replica, id)).toEqual(['gz']);
    });

    it('refuses to install into a canister that has code, and rejects bytes that are not wasm', async () => {
        const { replica, id, wasm } = await replicaWithCore();
        const again = await rejectOf(replica.installCode({ canisterId: id, wasm, mode: 'install', arg: encode([IDL.Text], ['x']) }));
        expect(again.errorCode).toBe('IC0538');
        const empty = await replica.createCanister();
        const invalid = await rejectOf(replica.installCode({ canisterId: empty, wasm: Uint8Array.of(1, 2, 3), mode: 'install' }));
        expect(invalid.errorCode).toBe('IC0505');
        const call = await rejectOf(replica.update(empty, 'increment'));
        expect(call.errorCode).toBe('IC0537');
        await expect(replica.installCode({ canisterId: id, wasm, mode: 'wipe' as never })).rejects.toThrow(/mode must be one of/);
        expect(await greeting(replica, id)).toEqual(['hello']);
    });
});

describe('upgrade', () => {
    it('keeps StableBTreeMap, drops the heap, runs pre_upgrade and post_upgrade(arg)', async () => {
        const { replica, id, wasm } = await replicaWithCore('v1');
        await callUpdate(replica, id, 'put', [IDL.Text, IDL.Text], ['kept', 'yes']);
        await callUpdate(replica, id, 'increment', [], []);
        await callUpdate(replica, id, 'certify', [IDL.Vec(IDL.Nat8)], [Uint8Array.of(7)]);
        expect(await counter(replica, id)).toBe(1);
        await replica.upgradeCanister(id, wasm, { arg: encode([IDL.Text], ['v2']) });
        expect(await callQuery(replica, id, 'get', [IDL.Text], ['kept'], IDL.Opt(IDL.Text))).toEqual(['yes']);
        expect(await callQuery(replica, id, 'get', [IDL.Text], ['pre_upgrade'], IDL.Opt(IDL.Text))).toEqual(['ran at counter 1']);
        expect(await greeting(replica, id)).toEqual(['v2']);
        expect(await counter(replica, id)).toBe(0);
        expect(replica.getCertifiedData(id)).toEqual(Uint8Array.of(7));
    });

    it('is all-or-nothing: a trapping post_upgrade leaves the old instance and its state', async () => {
        const { replica, id, wasm } = await replicaWithCore('v1');
        await callUpdate(replica, id, 'increment', [], []);
        const error = await rejectOf(replica.upgradeCanister(id, wasm, { arg: encode([IDL.Nat32], [1]) }));
        expect(error.code).toBe(5);
        expect(await counter(replica, id)).toBe(1); // heap of the old instance still there
        expect(await callQuery(replica, id, 'get', [IDL.Text], ['pre_upgrade'], IDL.Opt(IDL.Text))).toEqual([]);
    });
});

describe('reinstall', () => {
    it('wipes heap, stable memory and certified data, then runs init(arg)', async () => {
        const { replica, id, wasm } = await replicaWithCore('v1');
        await callUpdate(replica, id, 'put', [IDL.Text, IDL.Text], ['gone', 'soon']);
        await callUpdate(replica, id, 'certify', [IDL.Vec(IDL.Nat8)], [Uint8Array.of(1)]);
        await replica.reinstallCanister(id, wasm, { arg: encode([IDL.Text], ['fresh']) });
        expect(await callQuery(replica, id, 'get', [IDL.Text], ['gone'], IDL.Opt(IDL.Text))).toEqual([]);
        expect(await greeting(replica, id)).toEqual(['fresh']);
        expect(replica.getCertifiedData(id)).toEqual(new Uint8Array(0));
    });
});

describe('control', () => {
    it('stops and starts a canister', async () => {
        const { replica, id } = await replicaWithCore();
        await replica.stopCanister(id);
        expect(replica.canisterStatus(id).status).toBe('stopped');
        const error = await rejectOf(replica.update(id, 'increment'));
        expect([error.code, error.errorCode]).toEqual([5, 'IC0508']);
        await replica.startCanister(id);
        expect(await callUpdate(replica, id, 'increment', [], [], IDL.Nat32)).toBe(1);
    });

    it('lets only controllers manage a canister, through the management canister too', async () => {
        const alice = Principal.fromUint8Array(Uint8Array.of(1, 2, 3));
        const bob = Principal.fromUint8Array(Uint8Array.of(4, 5, 6));
        const replica = await Replica.create();
        const wasm = await coreWasm();
        const id = await replica.installCanister({ wasm, arg: encode([IDL.Text], ['a']), sender: alice });
        expect(replica.getControllers(id)).toEqual([alice]);
        const installArgs = IDL.Record({ mode: IDL.Variant({ reinstall: IDL.Null }), canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8) });
        // gzipped, to fit the 2 MiB ingress limit as on the IC (bigger modules go through upload_chunk)
        const { gzipSync } = await import('node:zlib');
        const wasmModule = new Uint8Array(gzipSync(wasm));
        const arg = encode([installArgs], [{ mode: { reinstall: null }, canister_id: id, wasm_module: wasmModule, arg: encode([IDL.Text], ['by bob']) }]);
        const refused = await rejectOf(replica.update(Principal.managementCanister(), 'install_code', arg, { sender: bob }));
        expect([refused.code, refused.errorCode]).toEqual([5, 'IC0512']);
        await replica.setControllers(id, [alice, bob], { sender: alice });
        await replica.update(Principal.managementCanister(), 'install_code', arg, { sender: bob });
        expect(await greeting(replica, id)).toEqual(['by bob']);
    });

    it('copies stable memory between canisters; the copy is what the StableBTreeMap reads after an upgrade', async () => {
        const { replica, id, wasm } = await replicaWithCore('a');
        await callUpdate(replica, id, 'put', [IDL.Text, IDL.Text], ['copied', 'yes']);
        const other = await replica.installCanister({ wasm, arg: encode([IDL.Text], ['b']) });
        replica.setStableMemory(other, replica.getStableMemory(id));
        await replica.upgradeCanister(other, wasm, { arg: encode([IDL.Text], ['b2']) });
        expect(await callQuery(replica, other, 'get', [IDL.Text], ['copied'], IDL.Opt(IDL.Text))).toEqual(['yes']);
        expect(await greeting(replica, other)).toEqual(['b2']);
    });

    it('reports status: module hash of the installed bytes, cycles, memory', async () => {
        const { createHash } = await import('node:crypto');
        const { replica, id, wasm } = await replicaWithCore();
        const status = replica.canisterStatus(id);
        expect(Buffer.from(status.moduleHash!).toString('hex')).toBe(createHash('sha256').update(wasm).digest('hex'));
        expect(status.memorySize).toBeGreaterThan(10n * 1024n * 1024n);
        const cycles = replica.getCycles(id);
        expect(replica.addCycles(id, 5n)).toBe(cycles + 5n);
        expect(replica.canisterState(id)?.controllers).toEqual(status.controllers);
    });

    it('runs many canisters side by side with separate state', async () => {
        const replica = await Replica.create();
        const wasm = await coreWasm();
        const ids = await Promise.all([1, 2, 3].map((n) => replica.installCanister({ wasm, arg: encode([IDL.Text], [`c${n}`]) })));
        expect(new Set(ids.map((id) => id.toText())).size).toBe(3);
        await callUpdate(replica, ids[1], 'increment', [], []);
        expect(await Promise.all(ids.map((id) => counter(replica, id)))).toEqual([0, 1, 0]);
        expect(await Promise.all(ids.map((id) => greeting(replica, id)))).toEqual([['c1'], ['c2'], ['c3']]);
    });
});
