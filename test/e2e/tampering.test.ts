// A gateway that alters, drops, replays or reorders canister messages, or forwards them with a certificate signed
// by another key or too old: the unmodified ic-websocket-js client must reject each (error + close 4000) and never
// deliver the tampered message. A pass-through run shows the same flow works when the gateway behaves.
// test/client/tampering.test.ts runs the same matrix (test/support/gateway-attacks.ts) on ic-websocket-client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attacks, deliveredTwice, runAgainst, TARGET, type Attack } from '../support/gateway-attacks.ts';
import { ChatClient } from './support/chat-client.ts';
import { startChatNetwork, type ChatNetwork } from './support/chat-network.ts';

let network: ChatNetwork;
beforeAll(async () => {
    network = await startChatNetwork();
});
afterAll(() => network?.close());

const client = (gatewayUrl: string) => ChatClient.create({ gatewayUrl, networkUrl: network.url, canisterId: network.canisterId });

// ic-websocket-js reports every certificate problem the same way, and names the sequence numbers otherwise.
const expectedError: Record<Attack['kind'], RegExp> = {
    certificate: /Certificate validation failed/,
    'stale-certificate': /Certificate validation failed/,
    sequence: /sequence number does not match next expected value. Expected: [23], received: [23]/
};

describe('ic-websocket-js rejects a misbehaving gateway', () => {
    it('accepts the same flow through an honest gateway (control)', async () => {
        const outcome = await runAgainst(network.url, (message) => [message], client);
        expect(outcome.errors).toEqual([]);
        expect(outcome.close).toBeUndefined();
        expect(outcome.received.length).toBeGreaterThanOrEqual(2);
    });

    // Built lazily: the replica (whose key signs the stale certificate) exists once beforeAll ran.
    for (const [index, name] of ['content', 'key', 'tree', 'cert', 'another key', '10 minutes old', 'dropped', 'replayed', 'swapped'].entries()) {
        it(`rejects an attack: ${name}`, async () => {
            const attack = attacks(network.replica)[index]!;
            const outcome = await runAgainst(network.url, attack.tamper(), client);
            expect(outcome.close?.code).toBe(4000);
            // The first error the client raised is the one the attack causes.
            expect(outcome.errors[0]).toMatch(expectedError[attack.kind]);
            expect(outcome.received.length).toBeLessThanOrEqual(attack.maxDelivered['ic-websocket-js']);
            expect(deliveredTwice(outcome.received)).toEqual([]);
            expect(outcome.seen.length).toBeGreaterThanOrEqual(TARGET);
        });
    }
});
