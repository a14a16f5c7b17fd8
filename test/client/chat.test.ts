// ic-websocket-client (client/) in Node against the real chat canister (embedded replica over HTTP) through our
// gateway: two clients chat, every message verified; the gateway and the IC see the client's own signed calls.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startGateway, type Gateway } from '../../gateway/index.ts';
import { IcWebSocketError } from '../../client/src/index.ts';
import { startChatNetwork, type ChatNetwork } from '../e2e/support/chat-network.ts';
import { ChatClient, type ChatMessage } from './support/chat-client.ts';

let network: ChatNetwork;
let gateway: Gateway;

beforeAll(async () => {
    network = await startChatNetwork({ gatewayLogLevel: 'error' });
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
    expect(ada.socket.readyState).toBe(ada.socket.OPEN);
    expect(gateway.status()).toMatchObject({ clients: 2 });

    ada.send({ Join: { nickname: 'ada' } });
    bob.send({ Join: { nickname: 'bob' } });
    ada.send({ Post: { text: 'hello bob' } });
    await bob.waitFor(posted('ada', 'hello bob'));
    bob.send({ Post: { text: 'hi ada, got it' } });
    await Promise.all([ada.waitFor(posted('bob', 'hi ada, got it')), bob.waitFor(posted('bob', 'hi ada, got it'))]);
    const conversation = (client: ChatClient) => client.received.filter((m) => 'Posted' in m).map((m) => 'Posted' in m && m.Posted.text);
    expect(conversation(ada)).toEqual(['hello bob', 'hi ada, got it']);
    expect(conversation(bob)).toEqual(['hello bob', 'hi ada, got it']);
    expect([...ada.errors, ...bob.errors]).toEqual([]);

    ada.close();
    expect(await ada.closed()).toMatchObject({ code: 1000 });
    expect(ada.socket.readyState).toBe(ada.socket.CLOSED);
    await bob.waitFor((m) => 'Left' in m && m.Left.nickname === 'ada');
    expect(() => ada.send({ Post: { text: 'too late' } })).toThrow(IcWebSocketError);
    bob.close();
    await bob.closed();
});

it('refuses to send before the canister confirmed the connection', async () => {
    const client = ChatClient.create({ gatewayUrl: gateway.url, networkUrl: network.url, canisterId: network.canisterId });
    expect(client.socket.readyState).toBe(client.socket.CONNECTING);
    let thrown: unknown;
    try {
        client.send({ Join: { nickname: 'eager' } });
    } catch (error) {
        thrown = error;
    }
    expect(thrown).toBeInstanceOf(IcWebSocketError);
    expect((thrown as IcWebSocketError).reason).toBe('not-open');
    await client.until(() => client.isOpen, 30_000, 'the connection to open');
    client.close();
    await client.closed();
});

it('reports an unreachable gateway with a reason users can read', async () => {
    const client = ChatClient.create({ gatewayUrl: 'ws://127.0.0.1:9', networkUrl: network.url, canisterId: network.canisterId });
    const closed = await client.closed();
    expect(closed.code).toBe(1006);
    expect(client.errors).toEqual(['Cannot reach the gateway at ws://127.0.0.1:9. Is it running?']);
    expect((client.errorObjects[0] as IcWebSocketError).reason).toBe('gateway-unreachable');
});

it('is closed by the gateway, with its reason, when the canister does not exist', async () => {
    // aaaaa-aa has no ws_open nor ws_get_messages: whichever the gateway tries first is refused by the IC.
    const client = ChatClient.create({ gatewayUrl: gateway.url, networkUrl: network.url, canisterId: network.canisterId, config: { canisterId: 'aaaaa-aa' } });
    const closed = await client.closed();
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(/^(ws_open refused|canister polling failed)/);
    expect(client.opens).toBe(0);
});

it('times out an opening the canister never confirms, and says why', async () => {
    // A gateway that never forwards the canister's OpenMessage.
    const silent = await startGateway({ icUrl: network.url, port: 0, logLevel: 'error', outgoingMessageHook: () => [] });
    try {
        const client = ChatClient.create({ gatewayUrl: silent.url, networkUrl: network.url, canisterId: network.canisterId, config: { openTimeoutMs: 1_500 } });
        const closed = await client.closed();
        expect(closed.code).toBe(4000);
        expect((client.errorObjects[0] as IcWebSocketError).reason).toBe('open-timeout');
        expect(client.errors[0]).toMatch(/did not confirm the connection within 2 s: is the canister id right, is it running/);
    } finally {
        await silent.close();
    }
});

it('throws a clear error for an invalid canister id', () => {
    const create = () => ChatClient.create({ gatewayUrl: gateway.url, networkUrl: network.url, canisterId: network.canisterId, config: { canisterId: 'not-a-canister' } });
    expect(create).toThrow(/"not-a-canister" is not a valid canister id/);
});

it('works with the global WebSocket when no class is given', async () => {
    const globals = globalThis as { WebSocket?: unknown };
    const had = globals.WebSocket;
    globals.WebSocket = WebSocket;
    try {
        const client = await ChatClient.connect({ gatewayUrl: gateway.url, networkUrl: network.url, canisterId: network.canisterId, config: { WebSocket: undefined } });
        client.send({ Join: { nickname: 'global' } });
        await client.waitFor((m) => 'Joined' in m && m.Joined.nickname === 'global');
        client.close();
        await client.closed();
    } finally {
        globals.WebSocket = had;
    }
});
