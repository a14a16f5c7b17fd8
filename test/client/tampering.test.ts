// The tampering matrix of test/e2e/tampering.test.ts (test/support/gateway-attacks.ts) against ic-websocket-client:
// every attack is rejected with an error naming what the gateway did (its `reason` and a readable message), the
// connection closes with 4000, and nothing tampered, nor anything after it, is delivered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IcWebSocketError, IcWebSocketErrorReason } from '../../client/src/index.ts';
import { attacks, deliveredTwice, runAgainst, TARGET, type Attack } from '../support/gateway-attacks.ts';
import { startChatNetwork, type ChatNetwork } from '../e2e/support/chat-network.ts';
import { ChatClient } from './support/chat-client.ts';

let network: ChatNetwork;
let lastClient: ChatClient | undefined;
beforeAll(async () => {
    network = await startChatNetwork();
});
afterAll(() => network?.close());

const client = (gatewayUrl: string) => (lastClient = ChatClient.create({ gatewayUrl, networkUrl: network.url, canisterId: network.canisterId }));

const expected: Record<Attack['kind'], { reason: IcWebSocketErrorReason; message: RegExp }> = {
    certificate: { reason: 'certificate-invalid', message: /gateway altered|witness is not|not certified by the canister|does not verify against the IC root key/ },
    'stale-certificate': { reason: 'certificate-expired', message: /certificate is 6\d\d s old \(at most 5 min are accepted\)/ },
    sequence: { reason: 'sequence-mismatch', message: /^Received message [23] where [23] was expected: the gateway dropped, reordered or replayed messages$/ }
};

describe('ic-websocket-client rejects a misbehaving gateway', () => {
    it('accepts the same flow through an honest gateway (control)', async () => {
        const outcome = await runAgainst(network.url, (message) => [message], client);
        expect(outcome.errors).toEqual([]);
        expect(outcome.close).toBeUndefined();
        expect(outcome.received.length).toBeGreaterThanOrEqual(2);
    });

    for (const [index, name] of ['content', 'key', 'tree', 'cert', 'another key', '10 minutes old', 'dropped', 'replayed', 'swapped'].entries()) {
        it(`rejects an attack: ${name}`, async () => {
            const attack = attacks(network.replica)[index]!;
            const outcome = await runAgainst(network.url, attack.tamper(), client);
            expect(outcome.close?.code).toBe(4000);
            expect(outcome.errors).toHaveLength(1);
            const error = lastClient!.errorObjects[0] as IcWebSocketError;
            expect(error.reason).toBe(expected[attack.kind].reason);
            expect(error.message).toMatch(expected[attack.kind].message);
            expect(outcome.received.length).toBeLessThanOrEqual(attack.maxDelivered['ic-websocket-client']);
            expect(deliveredTwice(outcome.received)).toEqual([]);
            expect(outcome.seen.length).toBeGreaterThanOrEqual(TARGET);
        });
    }
});
