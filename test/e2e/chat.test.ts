// Two unmodified ic-websocket-js clients chat through our gateway with the real chat canister running in the
// embedded replica; the client verifies every canister message's certificate before delivering it.
import { encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLogger, type Gateway } from '../../gateway/index.ts';
import { ChatClient, type ChatMessage } from './support/chat-client.ts';
import { startChatNetwork, type ChatNetwork } from './support/chat-network.ts';

let network: ChatNetwork;
let gateway: Gateway;
// The gateway's log lines, kept for assertions (errors are printed too).
const gatewayLog: string[] = [];
const printErrors = createLogger('error');

beforeAll(async () => {
    network = await startChatNetwork({
        gateway: {
            logger: {
                debug: (line) => gatewayLog.push(line),
                info: (line) => gatewayLog.push(line),
                warn: (line) => gatewayLog.push(line),
                error: (line) => (gatewayLog.push(line), printErrors.error(line))
            }
        }
    });
    gateway = network.gateway;
});
afterAll(async () => {
    await network?.close();
});

const posted = (nickname: string, text: string) => (message: ChatMessage) =>
    'Posted' in message && message.Posted.nickname === nickname && message.Posted.text === text;

it('two clients open through the gateway and exchange verified messages', async () => {
    const options = { gatewayUrl: gateway.url, networkUrl: network.url, canisterId: network.canisterId };
    const [ada, bob] = await Promise.all([ChatClient.connect(options), ChatClient.connect(options)]);
    expect(gateway.status()).toMatchObject({ clients: 2, canisters: [{ canisterId: network.canisterId, clients: 2, polling: true }] });

    ada.send({ Join: { nickname: 'ada' } });
    bob.send({ Join: { nickname: 'bob' } });
    ada.send({ Post: { text: 'hello bob' } });
    await bob.waitFor(posted('ada', 'hello bob'));
    bob.send({ Post: { text: 'hi ada, got it' } });
    await Promise.all([ada.waitFor(posted('bob', 'hi ada, got it')), bob.waitFor(posted('bob', 'hi ada, got it'))]);
    // Both see the conversation in the same order, and the client raised no verification error.
    const conversation = (client: ChatClient) => client.received.filter((m) => 'Posted' in m).map((m) => 'Posted' in m && m.Posted.text);
    expect(conversation(ada)).toEqual(['hello bob', 'hi ada, got it']);
    expect(conversation(bob)).toEqual(['hello bob', 'hi ada, got it']);
    expect([...ada.errors, ...bob.errors]).toEqual([]);

    // When ada leaves, the gateway tells the canister (ws_close) and forgets her.
    ada.close();
    await bob.waitFor((m) => 'Left' in m && m.Left.nickname === 'ada');
    expect(gateway.status().clients).toBe(1);
    bob.close();
    await bob.closed();
});

it('serves several canisters at once without mixing their messages', async () => {
    const second = await network.replica.installCanister({ wasm: await (await import('../../replica/index.ts')).buildCanister('chat') });
    const here = { gatewayUrl: gateway.url, networkUrl: network.url, canisterId: network.canisterId };
    const there = { ...here, canisterId: second.toText() };
    const [ada, carol] = await Promise.all([ChatClient.connect(here), ChatClient.connect(there)]);
    ada.send({ Join: { nickname: 'ada' } });
    carol.send({ Join: { nickname: 'carol' } });
    carol.send({ Post: { text: 'only in the second room' } });
    ada.send({ Post: { text: 'only in the first room' } });
    await carol.waitFor(posted('carol', 'only in the second room'));
    await ada.waitFor(posted('ada', 'only in the first room'));
    expect(carol.received.some(posted('ada', 'only in the first room'))).toBe(false);
    expect(ada.received.some(posted('carol', 'only in the second room'))).toBe(false);
    expect(gateway.status().canisters.map((c) => c.canisterId).sort()).toEqual([network.canisterId, second.toText()].sort());
    ada.close();
    carol.close();
});

it('keeps polling through an outage of the IC endpoint', async () => {
    const options = { gatewayUrl: gateway.url, networkUrl: network.url, canisterId: network.canisterId };
    const [ada, bob] = await Promise.all([ChatClient.connect(options), ChatClient.connect(options)]);
    ada.send({ Join: { nickname: 'ada' } });
    bob.send({ Join: { nickname: 'bob' } });
    await ada.waitFor((m) => 'Joined' in m && m.Joined.nickname === 'bob');
    // Polls fail for a while (network errors are retried, not fatal), then the same endpoint is back.
    await network.interruptHttp(1_000);
    bob.send({ Post: { text: 'still there?' } });
    await ada.waitFor(posted('bob', 'still there?'));
    expect([...ada.errors, ...bob.errors]).toEqual([]);
    expect(gatewayLog.join('\n')).toMatch(new RegExp(`polling ${network.canisterId} failed, retrying: .*fetch failed`));
    expect(gatewayLog.join('\n')).toMatch(new RegExp(`polling ${network.canisterId} recovered after \\d+ ms`));
    expect(gateway.status().canisters.find((c) => c.canisterId === network.canisterId)).toMatchObject({ clients: 2, polling: true });
    ada.close();
    bob.close();
});

it('closes a client whose ws_open the IC refuses, with the IC\'s reason', async () => {
    // A well-formed envelope with a forged signature: the gateway relays it unchanged and the IC refuses it.
    const logFrom = gatewayLog.length;
    const identity = Ed25519KeyIdentity.generate();
    const arg = IDL.encode([IDL.Record({ client_nonce: IDL.Nat64, gateway_principal: IDL.Principal })], [
        { client_nonce: 1n, gateway_principal: Principal.fromText(gateway.principal.toText()) }
    ]);
    const frame = encodeWithSelfDescribedTag({
        envelope: {
            content: {
                request_type: 'call',
                canister_id: Principal.fromText(network.canisterId).toUint8Array(),
                method_name: 'ws_open',
                arg: new Uint8Array(arg),
                sender: identity.getPrincipal().toUint8Array(),
                ingress_expiry: BigInt(Date.now() + 180_000) * 1_000_000n,
                nonce: new Uint8Array(16)
            },
            sender_pubkey: new Uint8Array(identity.getPublicKey().toDer()),
            sender_sig: new Uint8Array(64)
        }
    });
    const closed = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
        const socket = new WebSocket(gateway.url);
        socket.once('message', () => socket.send(frame));
        socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
        socket.on('error', reject);
    });
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(/^ws_open refused: IC refused ws_open \(HTTP 4\d\d\)/);
    await expect.poll(() => gateway.status().clients).toBe(0);
    // The canister never knew this client: no ws_close is attempted for it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gatewayLog.slice(logFrom).filter((line) => line.includes('ws_close'))).toEqual([]);
});
