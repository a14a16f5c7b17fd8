// A gateway that alters, drops or reorders canister messages: the unmodified ic-websocket-js client must reject
// each (error + close 4000) and never deliver the tampered message. A pass-through run shows the same flow works
// when the gateway behaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type CanisterToClientMessage, type Gateway } from '../../gateway/index.ts';
import { ChatClient } from './support/chat-client.ts';
import { startChatNetwork, type ChatNetwork } from './support/chat-network.ts';

/** What the hook does to the n-th message (1 = the OpenMessage) sent to the client under attack. */
type Tamper = (message: CanisterToClientMessage, n: number) => CanisterToClientMessage[];

// Message 1 is the OpenMessage, which must pass for the client to open; the attack starts at message 2.
const TARGET = 2;

function flipByte(bytes: Uint8Array): Uint8Array {
    const copy = bytes.slice();
    copy[Math.floor(copy.length / 2)] ^= 0x01;
    return copy;
}

function alter(field: 'content' | 'tree' | 'cert'): Tamper {
    return (message, n) => [n === TARGET ? { ...message, [field]: flipByte(message[field]) } : message];
}

const alterKey: Tamper = (message, n) => {
    if (n !== TARGET) return [message];
    const last = Number(message.key.at(-1));
    return [{ ...message, key: message.key.slice(0, -1) + String((last + 1) % 10) }];
};

const drop: Tamper = (message, n) => (n === TARGET ? [] : [message]);

function reorder(): Tamper {
    let held: CanisterToClientMessage | undefined;
    return (message, n) => {
        if (n === TARGET) {
            held = message;
            return [];
        }
        if (n === TARGET + 1 && held) return [message, held];
        return [message];
    };
}

let network: ChatNetwork;
beforeAll(async () => {
    network = await startChatNetwork();
});
afterAll(() => network?.close());

/** Starts a gateway applying `tamper` to one client's messages, runs that client, and reports what it saw. */
async function runAgainst(tamper: Tamper): Promise<{ client: ChatClient; seen: CanisterToClientMessage[] }> {
    let target: string | undefined;
    const seen: CanisterToClientMessage[] = [];
    const counts = new Map<string, number>();
    const gateway: Gateway = await startGateway({
        icUrl: network.url,
        port: 0,
        logLevel: 'silent',
        outgoingMessageHook(message, clientKey) {
            if (!target || !clientKey.startsWith(`${target}_`)) return [message];
            const n = (counts.get(clientKey) ?? 0) + 1;
            counts.set(clientKey, n);
            seen.push(message);
            return tamper(message, n);
        }
    });
    try {
        const client = ChatClient.create({ gatewayUrl: gateway.url, networkUrl: network.url, canisterId: network.canisterId });
        target = client.principal;
        await client.until(() => client.socket.isConnectionEstablished(), 30_000, 'the connection to open');
        // Each of these makes the canister send this client at least one message (2 and 3).
        client.send({ Join: { nickname: 'mallory-target' } });
        client.send({ Post: { text: 'first post' } });
        await client.until(() => seen.length >= TARGET + 1 || client.closeEvent !== undefined, 15_000, 'messages 2 and 3');
        await client.until(() => client.closeEvent !== undefined || client.received.length >= 2, 15_000, 'the outcome');
        return { client, seen };
    } finally {
        await gateway.close();
    }
}

describe('ic-websocket-js rejects a misbehaving gateway', () => {
    it('accepts the same flow through an honest gateway (control)', async () => {
        const { client } = await runAgainst((message) => [message]);
        expect(client.errors).toEqual([]);
        expect(client.closeEvent).toBeUndefined();
        expect(client.received.length).toBeGreaterThanOrEqual(2);
    });

    const attacks: [string, () => Tamper, RegExp][] = [
        ['one byte of content altered', () => alter('content'), /Certificate validation failed|decod|CBOR/i],
        ['the key altered', () => alterKey, /Certificate validation failed/],
        ['one byte of the witness tree altered', () => alter('tree'), /Certificate validation failed|decod|CBOR/i],
        ['one byte of the certificate altered', () => alter('cert'), /Certificate validation failed|decod|CBOR|signature/i],
        ['a message dropped', () => drop, /sequence number does not match/],
        ['two messages swapped', reorder, /sequence number does not match/]
    ];
    for (const [name, makeTamper, expectedError] of attacks) {
        it(`rejects ${name}`, async () => {
            const { client, seen } = await runAgainst(makeTamper());
            const closed = await client.closed();
            expect(closed.code).toBe(4000);
            expect(client.errors.join('\n')).toMatch(expectedError);
            // Nothing from message 2 on was delivered to the application.
            expect(client.received).toEqual([]);
            expect(seen.length).toBeGreaterThanOrEqual(TARGET);
        });
    }
});
