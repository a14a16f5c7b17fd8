import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../support/prng.ts';
import { clientKeyView, messageKey, useTestCanister } from '../support/test-canister.ts';

const CASES = 8; // upstream runs 50; each case is ~12 calls and 3 certificate verifications

// Spec §6.2 h_multiple_gateways (H1): a client moves from one gateway to another; queues and nonces are per
// gateway, sequence numbers per session.
describe('h_multiple_gateways', () => {
    const suite = useTestCanister({ wipeBeforeEach: false }); // each case wipes
    const rng = new SeededRandom(0x488n);


    it(`H1: a client re-opening through a second gateway restarts its sequence numbers there (${CASES} cases)`, async () => {
        for (let i = 0; i < CASES; i++) {
            await suite.canister.wipe();
            const client = rng.principal();
            const [gateway1, gateway2] = [rng.principal(), rng.principal()];
            const key = { client_principal: client, client_nonce: rng.nextU64() };
            const texts = ['a', 'b', 'c', 'd', 'e'];

            expect(await suite.canister.open(key, gateway1), `case ${i}`).toEqual({ Ok: null });
            expect(await suite.canister.send(client, texts)).toEqual({ Ok: null });
            const first = await suite.canister.pollVerified(gateway1, 0n);
            expect(first.batch.messages, `case ${i}`).toHaveLength(6);
            expect(first.batch.is_end_of_queue).toBe(true);
            expect(first.messages.map((m) => m.sequence_num)).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
            expect((await suite.canister.getMessages(gateway2, 0n)).messages, 'gateway 2 is not registered yet').toHaveLength(0);

            expect(await suite.canister.wsClose(gateway1, key)).toEqual({ Ok: null });
            expect(await suite.canister.open(key, gateway2), 'the same key re-opens through gateway 2').toEqual({ Ok: null });
            const reopened = await suite.canister.pollVerified(gateway2, 0n);
            expect(reopened.messages).toHaveLength(1);
            expect(reopened.messages[0]!.sequence_num).toBe(1n);
            expect(clientKeyView(reopened.messages[0]!.client_key)).toEqual(clientKeyView(key));

            expect(await suite.canister.send(client, texts)).toEqual({ Ok: null });
            const second = await suite.canister.pollVerified(gateway2, 0n);
            expect(second.messages.map((m) => m.sequence_num)).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
            expect(second.batch.messages.map((m) => m.key)).toEqual(
                [0n, 1n, 2n, 3n, 4n, 5n].map((nonce) => messageKey(gateway2, nonce))
            );
            // Gateway 1 keeps its own queue (removed only after an ack interval without clients).
            expect((await suite.canister.getMessages(gateway1, 0n)).messages).toHaveLength(6);
        }
    });
});
