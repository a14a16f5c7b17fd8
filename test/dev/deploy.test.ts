// CanisterDeployer (dev/src/deploy.ts): deploys over the IC HTTP interface as dfx does. An Azle module (~3.6 MB) is
// over the 2 MiB ingress limit, so it goes in 1 MiB chunks and install_chunked_code; a small one in one install_code.
import { createHash } from 'node:crypto';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CanisterDeployer } from '../../dev/src/index.ts';
import { buildCanister, Replica } from '../../replica/index.ts';
import { serveHttp, type HttpInterface } from '../../replica/http/index.ts';

let replica: Replica;
let http: HttpInterface;
let deployer: CanisterDeployer;

beforeAll(async () => {
    replica = await Replica.create();
    http = await serveHttp(replica, { port: 0 });
    deployer = await CanisterDeployer.connect({ icUrl: http.url, creationRange: replica.canisterRange.start });
});
afterAll(() => http?.close());

/** `(module (memory (export "memory") 1))`: the smallest module the IC installs. */
const TINY_MODULE = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, ...new TextEncoder().encode('memory'), 2, 0]);
const sha256 = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());
const storedChunks = async (id: Principal) => {
    const { reply } = await replica.update(Principal.managementCanister(), 'stored_chunks', new Uint8Array(IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: id }])));
    return (IDL.decode([IDL.Vec(IDL.Record({ hash: IDL.Vec(IDL.Nat8) }))], reply)[0] as unknown[]).length;
};

it('installs and upgrades an Azle canister in chunks, leaving the chunk store empty', async () => {
    const wasm = await buildCanister('chat');
    expect(wasm.length).toBeGreaterThan(2 * 1024 * 1024);
    const id = await deployer.createCanister();
    await deployer.install(id, wasm);
    expect(replica.canisterState(id)!.moduleHash).toEqual(sha256(wasm));
    expect(replica.getControllers(id).map((p) => p.toText())).toEqual([Principal.anonymous().toText()]);
    const { reply } = await replica.query(id, 'members');
    expect(IDL.decode([IDL.Vec(IDL.Text)], reply)).toEqual([[]]);

    // A reinstall would wipe stable memory (where the CDK and the chat keep everything); an upgrade keeps it: a
    // marker in a page past the canister's own data survives.
    const memory = replica.getStableMemory(id);
    const marked = new Uint8Array(memory.length + 65536);
    marked.set(memory);
    marked[memory.length + 5] = 42;
    replica.setStableMemory(id, marked);
    await deployer.install(id, wasm, { mode: 'upgrade' });
    const after = replica.getStableMemory(id);
    expect(after.length).toBe(marked.length);
    expect(after[memory.length + 5]).toBe(42);
    expect(await storedChunks(id)).toBe(0);

    await deployer.install(id, wasm, { mode: 'reinstall' }); // and the negative: a reinstall does not keep it
    expect(replica.getStableMemory(id)[memory.length + 5]).not.toBe(42);
}, 120_000);

it('installs a small module in one install_code message', async () => {
    const empty = TINY_MODULE;
    const id = await deployer.createCanister();
    await deployer.install(id, empty);
    expect(replica.canisterState(id)!.moduleHash).toEqual(sha256(empty));
    expect(await storedChunks(id)).toBe(0);
});

it('reports what the IC refuses: installing over existing code', async () => {
    const empty = TINY_MODULE;
    const id = await deployer.createCanister();
    await deployer.install(id, empty);
    await expect(deployer.install(id, empty)).rejects.toThrow(/install|already|code/i);
});
