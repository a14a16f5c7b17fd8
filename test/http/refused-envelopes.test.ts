/**
 * Envelopes the IC refuses, posted by hand to the HTTP interface: each must get the IC's status code and a reason,
 * and the replica must carry on serving. A correctly built envelope is accepted first, so the refusals below are
 * caused by exactly the one thing each test breaks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cbor, HttpAgent, IC_REQUEST_DOMAIN_SEPARATOR, requestIdOf, type SignIdentity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { DelegationChain, DelegationIdentity, Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { buildCanister, Replica } from '../../replica/index.ts';
import { serveHttp, type HttpInterface } from '../../replica/http/index.ts';
import { SeededRandom } from '../support/prng.ts';

let replica: Replica;
let http: HttpInterface;
let canisterId: Principal;
const alice = Ed25519KeyIdentity.generate();
const bob = Ed25519KeyIdentity.generate();

beforeAll(async () => {
    replica = await Replica.create();
    canisterId = await replica.installCanister({ wasm: await buildCanister('server_probe'), arg: new Uint8Array(IDL.encode([IDL.Text], ['x'])) });
    http = await serveHttp(replica, { port: 0 });
});

afterAll(async () => {
    await http?.close();
});

type Content = Record<string, unknown>;

function callContent(sender: Principal, overrides: Content = {}): Content {
    return {
        request_type: 'call',
        canister_id: canisterId.toUint8Array(),
        method_name: 'increment',
        arg: new Uint8Array(IDL.encode([], [])),
        sender: sender.toUint8Array(),
        ingress_expiry: BigInt(replica.getTime() + 120_000) * 1_000_000n,
        nonce: crypto.getRandomValues(new Uint8Array(16)),
        ...overrides
    };
}

async function signed(identity: SignIdentity, content: Content, extra: Content = {}): Promise<Content> {
    const requestId = requestIdOf(content as never);
    const signature = await identity.sign(concat(IC_REQUEST_DOMAIN_SEPARATOR, requestId));
    return { content, sender_pubkey: identity.getPublicKey().toDer(), sender_sig: signature, ...extra };
}

async function post(endpoint: 'call' | 'query' | 'read_state', body: Uint8Array, version = 'v2'): Promise<{ status: number; text: string }> {
    const res = await fetch(`${http.url}/api/${version}/canister/${canisterId.toText()}/${endpoint}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/cbor' },
        body: Buffer.from(body)
    });
    return { status: res.status, text: await res.text() };
}

const encode = (envelope: Content) => Cbor.encode(envelope as never);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
}

describe('envelopes the IC accepts', () => {
    it('accepts a well-formed signed call (the baseline every refusal below differs from by one thing)', async () => {
        expect((await post('call', encode(await signed(alice, callContent(alice.getPrincipal()))))).status).toBe(202);
    });

    it('accepts an anonymous call without key or signature', async () => {
        expect((await post('call', encode({ content: callContent(Principal.anonymous()) }))).status).toBe(202);
    });
});

describe('envelopes the IC refuses', () => {
    it('refuses a bad signature', async () => {
        const envelope = await signed(alice, callContent(alice.getPrincipal()));
        const signature = Uint8Array.from(envelope.sender_sig as Uint8Array);
        signature[5] ^= 0xff;
        const res = await post('call', encode({ ...envelope, sender_sig: signature }));
        expect(res.status).toBe(400);
        expect(res.text).toMatch(/Invalid signature/);
    });

    it('refuses a sender that is not the principal of the key', async () => {
        const res = await post('call', encode(await signed(alice, callContent(bob.getPrincipal()))));
        expect(res.status).toBe(400);
        expect(res.text).toMatch(new RegExp(`sender ${bob.getPrincipal().toText()} does not match the public key`));
    });

    it('refuses an expired request, and one expiring too far ahead, with the text agents re-sync on', async () => {
        const past = await post('call', encode(await signed(alice, callContent(alice.getPrincipal(), { ingress_expiry: BigInt(replica.getTime() - 1) * 1_000_000n }))));
        expect(past.status).toBe(400);
        expect(past.text).toMatch(/^Invalid request expiry: /);
        const future = await post('call', encode(await signed(alice, callContent(alice.getPrincipal(), { ingress_expiry: BigInt(replica.getTime() + 3_600_000) * 1_000_000n }))));
        expect(future.status).toBe(400);
        expect(future.text).toMatch(/^Invalid request expiry: /);
    });

    it('refuses malformed CBOR and envelopes of the wrong shape', async () => {
        const garbage = await post('call', Uint8Array.from([0xd9, 0xd9, 0xf7, 0xa1, 0x67, 0x63, 0x6f]));
        expect(garbage.status).toBe(400);
        const noContent = await post('call', encode({ sender_sig: new Uint8Array(64) }));
        expect(noContent.status).toBe(400);
        expect(noContent.text).toMatch(/content must be a CBOR map/);
        const wrongType = await post('call', encode(await signed(alice, callContent(alice.getPrincipal(), { request_type: 'query' }))));
        expect(wrongType.status).toBe(400);
        expect(wrongType.text).toMatch(/request_type/);
    });

    it('refuses an anonymous sender that carries a signature, and a non-anonymous one that carries none', async () => {
        const withKey = await post('call', encode({ ...(await signed(alice, callContent(Principal.anonymous()))) }));
        expect(withKey.status).toBe(400);
        const unsigned = await post('call', encode({ content: callContent(alice.getPrincipal()) }));
        expect(unsigned.status).toBe(400);
    });

    it('refuses an argument over the 2 MiB ingress limit with 413, before execution', async () => {
        const arg = new Uint8Array(IDL.encode([IDL.Text, IDL.Text], ['k', 'x'.repeat(2 * 1024 * 1024 + 1)]));
        const res = await post('call', encode(await signed(alice, callContent(alice.getPrincipal(), { method_name: 'putStable', arg }))));
        expect(res.status).toBe(413);
        expect(res.text).toMatch(/too large/);
    });

    it('refuses a call whose canister differs from the URL', async () => {
        const res = await fetch(`${http.url}/api/v2/canister/${replica.canisterRange.end.toText()}/call`, {
            method: 'POST',
            body: Buffer.from(encode(await signed(alice, callContent(alice.getPrincipal()))))
        });
        expect(res.status).toBe(400);
        expect(await res.text()).toMatch(/does not match effective canister id/);
    });

    it('refuses a delegation that does not list the target canister', async () => {
        const session = Ed25519KeyIdentity.generate();
        const chain = await DelegationChain.create(alice, session.getPublicKey(), new Date(Date.now() + 60_000), { targets: [replica.canisterRange.end] });
        const identity = DelegationIdentity.fromDelegation(session, chain);
        const agent = await HttpAgent.create({ host: http.url, identity, shouldFetchRootKey: true, retryTimes: 0 });
        await expect(agent.call(canisterId, { methodName: 'increment', arg: IDL.encode([], []) })).rejects.toThrow(/not one of the targets/);
    });

    it('refuses to show a request status to anyone but its sender', async () => {
        const content = callContent(alice.getPrincipal());
        expect((await post('call', encode(await signed(alice, content)))).status).toBe(202);
        const readState = {
            request_type: 'read_state',
            paths: [[new TextEncoder().encode('request_status'), requestIdOf(content as never)]],
            sender: bob.getPrincipal().toUint8Array(),
            ingress_expiry: content.ingress_expiry
        };
        const res = await post('read_state', encode(await signed(bob, readState)));
        expect(res.status).toBe(403);
    });

    it('answers arbitrary bodies and mistyped fields without an internal error, and keeps serving', async () => {
        const rng = new SeededRandom(20261122n);
        const mistyped = [new Uint8Array(3), 'text', 42, -7, 2n ** 63n, [], {}, [new Uint8Array(1)], { a: 1 }];
        const pick = () => mistyped[rng.intBetween(0, mistyped.length - 1)];
        const fields = ['request_type', 'canister_id', 'method_name', 'arg', 'sender', 'ingress_expiry', 'nonce', 'paths'];
        const bodies: Uint8Array[] = [];
        for (let i = 0; i < 40; i++) bodies.push(rng.bytes(rng.intBetween(0, 64)));
        for (let i = 0; i < 60; i++) {
            const content = callContent(Principal.anonymous(), { [fields[rng.intBetween(0, fields.length - 1)]]: pick() });
            const envelope: Content = rng.intBetween(0, 3) === 0 ? { content: pick() } : { content };
            if (rng.intBetween(0, 2) === 0) envelope.sender_delegation = [{ delegation: { pubkey: pick(), expiration: pick(), targets: pick() }, signature: pick() }];
            bodies.push(encode(envelope));
        }
        const statuses = new Set<number>();
        for (const [i, body] of bodies.entries()) {
            for (const endpoint of ['call', 'query', 'read_state'] as const) {
                const res = await post(endpoint, body);
                // Some mutations stay valid (a 3-byte nonce or arg): those are accepted; nothing may fail inside.
                expect(res.status, `case ${i} on ${endpoint}: ${res.text}`).toBeLessThan(500);
                statuses.add(res.status);
            }
        }
        expect(statuses.has(400)).toBe(true);
        expect((await post('call', encode(await signed(alice, callContent(alice.getPrincipal()))))).status).toBe(202);
    });

    it('refuses a query with a bad signature, then still serves good ones', async () => {
        const content = callContent(alice.getPrincipal(), { request_type: 'query', method_name: 'counter' });
        const envelope = await signed(alice, content);
        const bad = Uint8Array.from(envelope.sender_sig as Uint8Array);
        bad[0] ^= 1;
        expect((await post('query', encode({ ...envelope, sender_sig: bad }))).status).toBe(400);
        expect((await post('query', encode(envelope))).status).toBe(200);
    });
});
