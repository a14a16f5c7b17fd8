/**
 * The HTTP interface with unmodified @dfinity/agent 2.x, the version ic-websocket-js 0.5 runs on. Agent 2 cannot
 * share node_modules with Azle's agent 3, so it is loaded from the e2e subproject (test/e2e/package.json), exactly
 * as that subproject resolves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { IDL } from '@dfinity/candid';
import { buildCanister, Replica } from '../../replica/index.ts';
import { serveHttp, type HttpInterface } from '../../replica/http/index.ts';
import { probeArg, probeIdlFactory } from '../server/probe/idl.ts';

const requireFromE2e = createRequire(new URL('../e2e/package.json', import.meta.url));
/* eslint-disable @typescript-eslint/no-explicit-any -- agent 2's types live in another node_modules tree */
const agent2: any = requireFromE2e('@dfinity/agent');
const identity2: any = requireFromE2e('@dfinity/identity');
const principal2: any = requireFromE2e('@dfinity/principal');

let replica: Replica;
let http: HttpInterface;
let canisterIdText: string;

beforeAll(async () => {
    replica = await Replica.create();
    canisterIdText = (await replica.installCanister({ wasm: await buildCanister('server_probe'), arg: probeArg('agent 2') })).toText();
    http = await serveHttp(replica, { port: 0 });
});

afterAll(async () => {
    await http?.close();
});

async function agentFor(identity: unknown): Promise<any> {
    return agent2.HttpAgent.create({ host: http.url, identity, shouldFetchRootKey: true });
}

describe('@dfinity/agent 2.x against the HTTP interface', () => {
    it('is really agent 2.x', () => {
        expect(requireFromE2e('@dfinity/agent/package.json').version).toMatch(/^2\./);
    });

    it('calls, queries (signature-verified) and runs as the signing principal', async () => {
        const identity = identity2.Ed25519KeyIdentity.generate();
        const canisterId = principal2.Principal.fromText(canisterIdText);
        const actor = agent2.Actor.createActor(probeIdlFactory, { agent: await agentFor(identity), canisterId });
        expect(await actor.getGreeting()).toBe('agent 2');
        expect((await actor.whoami()).toText()).toBe(identity.getPrincipal().toText());
        const incremented = await actor.increment();
        expect(await actor.counter()).toBe(incremented);
    });

    it('makes v2 calls and polls their status with read_state', async () => {
        const agent = await agentFor(identity2.Ed25519KeyIdentity.generate());
        const canisterId = principal2.Principal.fromText(canisterIdText);
        const { requestId, response } = await agent.call(canisterId, { methodName: 'increment', arg: IDL.encode([], []), callSync: false });
        expect(response.status).toBe(202);
        const { reply } = await agent2.polling.pollForResponse(agent, canisterId, requestId, agent2.polling.defaultStrategy());
        expect(IDL.decode([IDL.Nat64], new Uint8Array(reply))[0]).toBeGreaterThan(0n);
    });

    it('verifies a query data certificate with the fetched root key', async () => {
        const agent = await agentFor(identity2.Ed25519KeyIdentity.generate());
        const canisterId = principal2.Principal.fromText(canisterIdText);
        const actor = agent2.Actor.createActor(probeIdlFactory, { agent, canisterId });
        const data = new Uint8Array(32).fill(7);
        await actor.certify(data);
        const [certificate] = await actor.certificate();
        const cert = await agent2.Certificate.create({ certificate: new Uint8Array(certificate), rootKey: agent.rootKey, canisterId });
        expect(new Uint8Array(agent2.lookupResultToBuffer(cert.lookup(['canister', canisterId.toUint8Array(), 'certified_data'])))).toEqual(data);
    });
});
