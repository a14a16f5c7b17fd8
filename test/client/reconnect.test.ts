// Reconnects (config `reconnect`): when the gateway goes away under an open connection, the client tells the
// application (onreconnect), opens a new session with a new client nonce once a gateway is back, and fires onopen
// again; it does not reconnect after a verification failure or after close().
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/index.ts';
import type { ReconnectEvent } from '../../client/src/index.ts';
import { startChatNetwork, type ChatNetwork } from '../e2e/support/chat-network.ts';
import { ChatClient } from './support/chat-client.ts';

let network: ChatNetwork;
beforeAll(async () => {
    network = await startChatNetwork();
});
afterAll(() => network?.close());

function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
            const { port } = probe.address() as { port: number };
            probe.close(() => resolve(port));
        });
    });
}

function reconnectingClient(gatewayUrl: string) {
    const client = ChatClient.create({
        gatewayUrl,
        networkUrl: network.url,
        canisterId: network.canisterId,
        config: { reconnect: { maxAttempts: 5, delayMs: 100, maxDelayMs: 400 } }
    });
    const reconnects: ReconnectEvent[] = [];
    client.socket.onreconnect = (event) => {
        reconnects.push(event);
        client.notify();
    };
    return { client, reconnects };
}

it('replaces a dropped connection by a new session and opens again', async () => {
    const port = await freePort();
    let gateway: Gateway = await startGateway({ icUrl: network.url, port, logLevel: 'error' });
    const { client, reconnects } = reconnectingClient(gateway.url);
    try {
        await client.until(() => client.opens === 1, 30_000, 'the first opening');
        const firstNonce = client.socket.clientKey!.client_nonce;
        client.send({ Join: { nickname: 'rita' } });
        await client.waitFor((m) => 'Joined' in m && m.Joined.nickname === 'rita');

        await gateway.close(); // every client dropped (1001)
        await client.until(() => reconnects.length >= 1, 10_000, 'a reconnect event');
        expect(reconnects[0]).toMatchObject({ attempt: 1, delayMs: 100 });
        expect(reconnects[0]!.error.reason).toBe('gateway-unreachable');
        expect(client.socket.readyState).toBe(client.socket.CONNECTING);
        expect(client.closeEvent).toBeUndefined();

        gateway = await startGateway({ icUrl: network.url, port, logLevel: 'error' });
        await client.until(() => client.opens === 2, 30_000, 'the second opening');
        expect(client.socket.readyState).toBe(client.socket.OPEN);
        expect(client.socket.clientKey!.client_nonce).not.toBe(firstNonce);
        // The new session works; the application joins again (nothing was resent for it).
        const joinedBefore = client.received.filter((m) => 'Joined' in m && m.Joined.nickname === 'rita').length;
        client.send({ Join: { nickname: 'rita' } });
        await client.until(() => client.received.filter((m) => 'Joined' in m && m.Joined.nickname === 'rita').length === joinedBefore + 1, 15_000, 'the second join');
        expect(client.errors).toEqual([]);
    } finally {
        client.close();
        await client.closed();
        await gateway.close();
    }
    expect(client.closeEvent?.code).toBe(1000);
});

it('does not reconnect after a verification failure', async () => {
    // The gateway alters one byte of message 2's content.
    let n = 0;
    const gateway = await startGateway({
        icUrl: network.url,
        port: 0,
        logLevel: 'silent',
        outgoingMessageHook(message) {
            n++;
            if (n !== 2) return [message];
            const content = message.content.slice();
            content[content.length - 1] ^= 1;
            return [{ ...message, content }];
        }
    });
    const { client, reconnects } = reconnectingClient(gateway.url);
    try {
        await client.until(() => client.opens === 1, 30_000, 'the opening');
        client.send({ Join: { nickname: 'vera' } });
        expect((await client.closed()).code).toBe(4000);
        expect(reconnects).toEqual([]);
        expect(client.socket.readyState).toBe(client.socket.CLOSED);
    } finally {
        await gateway.close();
    }
});

it('stops reconnecting when the application closes', async () => {
    const gateway = await startGateway({ icUrl: network.url, port: 0, logLevel: 'error' });
    const { client, reconnects } = reconnectingClient(gateway.url);
    await client.until(() => client.opens === 1, 30_000, 'the opening');
    await gateway.close();
    await client.until(() => reconnects.length >= 1, 10_000, 'a reconnect event');
    client.close();
    expect((await client.closed()).code).toBe(1000);
    const attempts = reconnects.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reconnects.length).toBe(attempts);
    expect(client.opens).toBe(1);
});
