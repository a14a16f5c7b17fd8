// The gateway against clients that break the protocol (upstream gateway#57): each gets a clean close with a
// reason, and the gateway keeps serving. No canister is involved: nothing here reaches the IC.
import { encode, encodeWithSelfDescribedTag, decode } from '@dfinity/cbor';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startGateway, type Gateway } from '../../gateway/index.ts';

const CANISTER = Principal.fromText('bkyz2-fmaaa-aaaaa-qaaaq-cai');
// Never contacted: the root key is given, and no test gets as far as relaying a call.
const UNREACHABLE_IC = 'http://127.0.0.1:9';

let gateway: Gateway;

beforeAll(async () => {
    gateway = await startGateway({ icUrl: UNREACHABLE_IC, rootKey: new Uint8Array(133), port: 0, logLevel: 'silent' });
});
afterAll(() => gateway?.close());

interface Outcome {
    handshake: Uint8Array | undefined;
    code: number;
    reason: string;
}

/** Connects, waits for the handshake, sends `frame` (binary unless a string) and reports how the gateway closed. */
function exchange(frame: Uint8Array | string): Promise<Outcome> {
    return new Promise((resolve, reject) => {
        const socket = new WebSocket(gateway.url);
        let handshake: Uint8Array | undefined;
        socket.on('message', (data: Buffer) => {
            if (handshake) return;
            handshake = new Uint8Array(data);
            socket.send(frame, { binary: typeof frame !== 'string' });
        });
        socket.on('close', (code, reason) => resolve({ handshake, code, reason: reason.toString() }));
        socket.on('error', reject);
        setTimeout(() => reject(new Error('the gateway did not close the connection')), 10_000);
    });
}

function callFrame(content: Record<string, unknown>): Uint8Array {
    return encodeWithSelfDescribedTag({
        envelope: { content, sender_pubkey: new Uint8Array(44), sender_sig: new Uint8Array(64) }
    });
}

function callContent(methodName: string, arg: Uint8Array): Record<string, unknown> {
    return {
        request_type: 'call',
        canister_id: CANISTER.toUint8Array(),
        method_name: methodName,
        arg,
        sender: Ed25519KeyIdentity.generate().getPrincipal().toUint8Array(),
        ingress_expiry: BigInt(Date.now() + 240_000) * 1_000_000n,
        nonce: new Uint8Array(16)
    };
}

const openArgs = (gatewayPrincipal: Principal) =>
    new Uint8Array(IDL.encode([IDL.Record({ client_nonce: IDL.Nat64, gateway_principal: IDL.Principal })], [{ client_nonce: 7n, gateway_principal: gatewayPrincipal }]));

describe('gateway handshake', () => {
    it('sends its principal first, CBOR-tagged', async () => {
        const outcome = await exchange('x');
        const handshake = decode(outcome.handshake!) as { gateway_principal: Uint8Array };
        expect(Principal.fromUint8Array(handshake.gateway_principal).toText()).toBe(gateway.principal.toText());
        expect([...outcome.handshake!.subarray(0, 3)]).toEqual([0xd9, 0xd9, 0xf7]);
    });
});

describe('clients breaking the protocol get a clean close with a reason', () => {
    const cases: [string, () => Uint8Array | string, RegExp][] = [
        ['a text frame', () => 'hello', /expected binary CBOR frames/],
        ['bytes that are not CBOR', () => Uint8Array.of(0xff, 0x00, 0x13), /not CBOR|expected a CBOR map/],
        ['CBOR that is not {envelope}', () => encode({ hello: 'gateway' }), /expected a CBOR map \{envelope\}/],
        ['a query envelope', () => callFrame({ ...callContent('ws_open', openArgs(Principal.anonymous())), request_type: 'query' }), /only "call" envelopes/],
        ['another method before ws_open', () => callFrame(callContent('ws_message', new Uint8Array(IDL.encode([], [])))), /first message must be a ws_open call, got ws_message/],
        ['a ws_open whose argument is not CanisterWsOpenArguments', () => callFrame(callContent('ws_open', new Uint8Array(IDL.encode([IDL.Text], ['hi'])))), /ws_open argument is not CanisterWsOpenArguments/],
        ['a ws_open naming another gateway', () => callFrame(callContent('ws_open', openArgs(Principal.fromText('aaaaa-aa')))), /names gateway aaaaa-aa, but this gateway is/],
        ['an envelope without principal bytes', () => callFrame({ ...callContent('ws_open', openArgs(Principal.fromText(gateway.principal.toText()))), sender: 'me' }), /content.sender must be principal bytes/]
    ];
    for (const [name, frame, reason] of cases) {
        it(name, async () => {
            const outcome = await exchange(frame());
            expect(outcome.code).toBe(1008);
            expect(outcome.reason).toMatch(reason);
        });
    }

    it('keeps serving afterwards, with no client left registered', async () => {
        const response = await fetch(gateway.healthUrl);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ status: 'ok', principal: gateway.principal.toText(), clients: 0 });
    });
});

it('closes a connection that never sends its ws_open', async () => {
    const impatient = await startGateway({ icUrl: UNREACHABLE_IC, rootKey: new Uint8Array(133), port: 0, logLevel: 'silent', openTimeoutMs: 200 });
    try {
        const outcome = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
            const socket = new WebSocket(impatient.url);
            socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
            socket.on('error', reject);
        });
        expect(outcome).toEqual({ code: 1008, reason: 'no ws_open received within 200 ms' });
    } finally {
        await impatient.close();
    }
});

it('refuses to start without a reachable IC to fetch the root key from', async () => {
    await expect(startGateway({ icUrl: UNREACHABLE_IC, port: 0, logLevel: 'silent' })).rejects.toThrow(/cannot reach the IC at http:\/\/127.0.0.1:9/);
});
