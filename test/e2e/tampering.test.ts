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

function flipByte(bytes: Uint8Array, at: number): Uint8Array {
    const copy = bytes.slice();
    copy[at] ^= 0x01;
    return copy;
}

/**
 * Flips one bit of `field`: in the middle, except for the tree, whose middle byte may be CBOR structure (where it
 * falls depends on how many messages the batch holds), making the client fail on decoding rather than on
 * verification. A tree's last byte is always inside its last node's hash or leaf value.
 */
function alter(field: 'content' | 'tree' | 'cert'): Tamper {
    const position = (bytes: Uint8Array) => (field === 'tree' ? bytes.length - 1 : Math.floor(bytes.length / 2));
    return (message, n) => [n === TARGET ? { ...message, [field]: flipByte(message[field], position(message[field])) } : message];
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

interface Outcome {
    /** What the client delivered, reported and how it closed, before the gateway shut down. */
    received: unknown[];
    errors: string[];
    close: { code: number; reason: string } | undefined;
    /** The messages the gateway had for the client under attack (before tampering). */
    seen: CanisterToClientMessage[];
}

/** Starts a gateway applying `tamper` to one client's messages, runs that client, and reports what it saw. */
async function runAgainst(tamper: Tamper): Promise<Outcome> {
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
        return { received: [...client.received], errors: [...client.errors], close: client.closeEvent, seen };
    } finally {
        await gateway.close();
    }
}

describe('ic-websocket-js rejects a misbehaving gateway', () => {
    it('accepts the same flow through an honest gateway (control)', async () => {
        const outcome = await runAgainst((message) => [message]);
        expect(outcome.errors).toEqual([]);
        expect(outcome.close).toBeUndefined();
        expect(outcome.received.length).toBeGreaterThanOrEqual(2);
    });

    // [attack, tamper, first error, how many application messages may still be delivered]. ic-websocket-js keeps
    // processing frames already received while it closes: after a swap, the held-back message 2 then arrives in
    // order and is genuine, so it is delivered; message 3 never is.
    const attacks: [string, () => Tamper, RegExp, number][] = [
        ['one byte of content altered', () => alter('content'), /Certificate validation failed/, 0],
        ['the key altered', () => alterKey, /Certificate validation failed/, 0],
        ['one byte of the witness tree altered', () => alter('tree'), /Certificate validation failed/, 0],
        ['one byte of the certificate altered', () => alter('cert'), /Certificate validation failed/, 0],
        ['a message dropped', () => drop, /sequence number does not match next expected value. Expected: 2, received: 3/, 0],
        ['two messages swapped', reorder, /sequence number does not match next expected value. Expected: 2, received: 3/, 1]
    ];
    for (const [name, makeTamper, expectedError, maxDelivered] of attacks) {
        it(`rejects ${name}`, async () => {
            const outcome = await runAgainst(makeTamper());
            expect(outcome.close?.code).toBe(4000);
            // The first error the client raised is the one the attack causes.
            expect(outcome.errors[0]).toMatch(expectedError);
            expect(outcome.received.length).toBeLessThanOrEqual(maxDelivered);
            expect(outcome.seen.length).toBeGreaterThanOrEqual(TARGET);
        });
    }
});
