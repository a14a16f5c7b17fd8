/**
 * The IC HTTP interface with unmodified @dfinity/agent 3.x: deploy a canister through the management canister
 * (chunked, as dfx does for large wasm), update and query calls (v3 sync and v2 + polling), certified data read
 * back through read_state and through a query's data certificate, every signature scheme and a delegation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Actor, CanisterStatus, Cbor, Certificate, HttpAgent, lookupResultToBuffer, pollForResponse, type ActorSubclass, type Identity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { DelegationChain, DelegationIdentity, ECDSAKeyIdentity, Ed25519KeyIdentity } from '@dfinity/identity';
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1';
import { Principal } from '@dfinity/principal';
import { buildCanister, Replica } from '../../replica/index.ts';
import { serveHttp, type HttpInterface } from '../../replica/http/index.ts';
import { probeArg, probeIdlFactory, type ProbeService } from '../server/probe/idl.ts';
import { managementIdlFactory, type ManagementService } from './management-idl.ts';

const CHUNK_BYTES = 1_000_000;
const probeFactory = probeIdlFactory as unknown as IDL.InterfaceFactory;

let replica: Replica;
let http: HttpInterface;
let wasm: Uint8Array;
let deployer: Ed25519KeyIdentity;
let canisterId: Principal;

async function agentFor(identity?: Identity): Promise<HttpAgent> {
    return HttpAgent.create({ host: http.url, identity, shouldFetchRootKey: true });
}

function probe(agent: HttpAgent): ActorSubclass<ProbeService> {
    return Actor.createActor<ProbeService>(probeFactory, { agent, canisterId });
}

/** What `dfx deploy` does for a wasm over 2 MB: create, upload chunks, install_chunked_code. */
async function deploy(agent: HttpAgent, controller: Principal): Promise<Principal> {
    const anywhere = Actor.createActor<ManagementService>(managementIdlFactory, {
        agent,
        canisterId: Principal.managementCanister(),
        effectiveCanisterId: replica.canisterRange.start
    });
    const { canister_id } = await anywhere.provisional_create_canister_with_cycles({
        amount: [10n ** 13n],
        settings: [{ controllers: [[controller]] }],
        specified_id: [],
        sender_canister_version: []
    });
    const management = Actor.createActor<ManagementService>(managementIdlFactory, { agent, canisterId: Principal.managementCanister(), effectiveCanisterId: canister_id });
    const hashes = [];
    for (let offset = 0; offset < wasm.length; offset += CHUNK_BYTES) {
        hashes.push(await management.upload_chunk({ canister_id, chunk: wasm.subarray(offset, offset + CHUNK_BYTES) }));
    }
    await management.install_chunked_code({
        mode: { install: null },
        target_canister: canister_id,
        store_canister: [],
        chunk_hashes_list: hashes,
        wasm_module_hash: new Uint8Array(createHash('sha256').update(wasm).digest()),
        arg: probeArg('deployed over HTTP'),
        sender_canister_version: []
    });
    return canister_id;
}

beforeAll(async () => {
    wasm = await buildCanister('server_probe');
    replica = await Replica.create();
    http = await serveHttp(replica, { port: 0 });
    deployer = Ed25519KeyIdentity.generate();
    canisterId = await deploy(await agentFor(deployer), deployer.getPrincipal());
});

afterAll(async () => {
    await http?.close();
});

describe('@dfinity/agent 3.x against the HTTP interface', () => {
    it('serves /api/v2/status with the replica root key', async () => {
        const agent = await agentFor();
        expect(agent.rootKey).toEqual(replica.rootKey);
        const status = await agent.status();
        expect(status.replica_health_status).toBe('healthy');
    });

    it('answers CORS preflights, so web pages can call it directly', async () => {
        const preflight = await fetch(`${http.url}/api/v2/canister/${canisterId.toText()}/query`, {
            method: 'OPTIONS',
            headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' }
        });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
        expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Content-Type/i);
        const status = await fetch(`${http.url}/api/v2/status`, { headers: { Origin: 'http://example.test' } });
        expect(status.headers.get('access-control-allow-origin')).toBe('*');
    });

    it('deployed the canister through the management canister, with the sender as controller', async () => {
        const agent = await agentFor(deployer);
        const management = Actor.createActor<ManagementService>(managementIdlFactory, { agent, canisterId: Principal.managementCanister(), effectiveCanisterId: canisterId });
        const status = await management.canister_status({ canister_id: canisterId });
        expect(status.status).toEqual({ running: null });
        expect(Buffer.from(status.module_hash[0]!).toString('hex')).toBe(createHash('sha256').update(wasm).digest('hex'));
        expect(await probe(agent).getGreeting()).toBe('deployed over HTTP');
    });

    it('makes update calls (v3, synchronous) and verified queries', async () => {
        const actor = probe(await agentFor(Ed25519KeyIdentity.generate()));
        const before = await actor.counter();
        expect(await actor.increment()).toBe(before + 1n);
        expect(await actor.counter()).toBe(before + 1n);
    });

    it('makes v2 calls and polls their certified status through read_state', async () => {
        const agent = await agentFor(Ed25519KeyIdentity.generate());
        const before = await probe(agent).counter();
        const { requestId, response } = await agent.call(canisterId, { methodName: 'increment', arg: IDL.encode([], []), callSync: false });
        expect(response.status).toBe(202);
        const { reply } = await pollForResponse(agent, canisterId, requestId);
        expect(IDL.decode([IDL.Nat64], reply)[0]).toBe(before + 1n);
    });

    it('certifies data readable through read_state and through a query certificate', async () => {
        const agent = await agentFor(deployer);
        const data = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
        await probe(agent).certify(data);
        const status = await CanisterStatus.request({
            canisterId,
            agent,
            paths: ['time', 'controllers', 'module_hash', new CanisterStatus.CustomPath('certified', [new TextEncoder().encode('canister'), canisterId.toUint8Array(), new TextEncoder().encode('certified_data')], 'raw')]
        });
        expect(status.get('certified')).toEqual(data);
        expect((status.get('controllers') as Principal[]).map((p) => p.toText())).toEqual([deployer.getPrincipal().toText()]);
        expect(status.get('module_hash')).toBe(createHash('sha256').update(wasm).digest('hex'));
        expect(Math.abs((status.get('time') as Date).getTime() - replica.certifiedTime)).toBeLessThan(1000);

        const [certificate] = await probe(agent).certificate();
        const cert = await Certificate.create({ certificate: Uint8Array.from(certificate!), rootKey: agent.rootKey!, canisterId });
        expect(lookupResultToBuffer(cert.lookup_path(['canister', canisterId.toUint8Array(), 'certified_data']))).toEqual(data);
    });

    it('signs query replies: the agent refuses one altered in transit', async () => {
        const tamperingFetch: typeof fetch = async (input, init) => {
            const response = await fetch(input, init);
            if (!String(input).endsWith('/query')) return response;
            const body = Cbor.decode<{ reply?: { arg: Uint8Array } }>(new Uint8Array(await response.arrayBuffer()));
            if (body.reply) body.reply.arg = new Uint8Array(IDL.encode([IDL.Text], ['forged']));
            return new Response(Buffer.from(Cbor.encode(body as never)), { status: response.status, headers: response.headers });
        };
        const honest = probe(await agentFor());
        expect(await honest.getGreeting()).toBe('deployed over HTTP');
        const fooled = Actor.createActor<ProbeService>(probeFactory, {
            agent: await HttpAgent.create({ host: http.url, shouldFetchRootKey: true, fetch: tamperingFetch, retryTimes: 0 }),
            canisterId
        });
        await expect(fooled.getGreeting()).rejects.toThrow(/signature/i);
    });

    it('reports a trap as a certified reject', async () => {
        await expect(probe(await agentFor()).fail('boom over http')).rejects.toThrow(/boom over http/);
    });

    it.each([
        ['Ed25519', async () => Ed25519KeyIdentity.generate()],
        ['secp256k1', async () => Secp256k1KeyIdentity.generate()],
        ['ECDSA P-256', async () => ECDSAKeyIdentity.generate()]
    ] as const)('accepts %s signatures and runs the call as the self-authenticating principal', async (_scheme, makeIdentity) => {
        const identity = await makeIdentity();
        const actor = probe(await agentFor(identity));
        expect((await actor.whoami()).toText()).toBe(identity.getPrincipal().toText());
        expect((await actor.whoamiQuery()).toText()).toBe(identity.getPrincipal().toText());
    });

    it('accepts a delegation chain, running calls as the delegating principal', async () => {
        const root = Ed25519KeyIdentity.generate();
        const session = Ed25519KeyIdentity.generate();
        const chain = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() + 60_000), { targets: [canisterId] });
        const actor = probe(await agentFor(DelegationIdentity.fromDelegation(session, chain)));
        expect((await actor.whoami()).toText()).toBe(root.getPrincipal().toText());
    });
});
