import { describe, expect, it } from 'vitest';
import { ANONYMOUS, CLIENT_1, GATEWAY_1 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import {
    clientKeyView,
    clientMessage,
    messageKey,
    serviceMessageOf,
    useTestCanister
} from '../support/test-canister.ts';
import { wsError } from '../support/ws-errors.ts';

// Spec §6.2 a_ws_open (A1–A4).
describe('a_ws_open', () => {
    const suite = useTestCanister();
    const rng = new SeededRandom(0xa11n);


    it('A1: the anonymous principal cannot open a connection', async () => {
        const result = await suite.canister.open({ client_principal: ANONYMOUS, client_nonce: rng.nextU64() }, GATEWAY_1);
        expect(result).toEqual({ Err: wsError.anonymousPrincipalNotAllowed() });
        expect((await suite.canister.getMessages(GATEWAY_1, 0n)).messages).toHaveLength(0);
    });

    it('A2: a client opens and the gateway gets a certified OpenMessage with sequence number 1', async () => {
        const key = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };
        expect(await suite.canister.open(key, GATEWAY_1)).toEqual({ Ok: null });

        const { batch, messages } = await suite.canister.pollVerified(GATEWAY_1, 0n);
        expect(batch.messages).toHaveLength(1);
        expect(batch.is_end_of_queue).toBe(true);
        expect(batch.messages[0]!.key).toBe(messageKey(GATEWAY_1, 0n));
        expect(clientKeyView(batch.messages[0]!.client_key)).toEqual(clientKeyView(key));
        expect(clientKeyView(messages[0]!.client_key)).toEqual(clientKeyView(key));
        expect(messages[0]!.sequence_num).toBe(1n);
        expect(messages[0]!.timestamp).toBeLessThanOrEqual(await suite.canister.timeNs() + 999_999n);
        const open = serviceMessageOf(messages[0]!);
        expect('OpenMessage' in open && clientKeyView(open.OpenMessage.client_key)).toEqual(clientKeyView(key));
    });

    it('A3: opening again with the same principal and nonce is refused', async () => {
        const key = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };
        expect(await suite.canister.open(key, GATEWAY_1)).toEqual({ Ok: null });
        expect(await suite.canister.open(key, GATEWAY_1)).toEqual({ Err: wsError.clientKeyAlreadyConnected(key) });
        // The refused open queued nothing: still only the first OpenMessage.
        expect((await suite.canister.getMessages(GATEWAY_1, 0n)).messages).toHaveLength(1);
    });

    it('A4: re-opening with a fresh nonce replaces the old session (50 cases)', async () => {
        let previous: { client_principal: typeof CLIENT_1; client_nonce: bigint } | undefined;
        for (let i = 0; i < 50; i++) {
            const key = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };
            expect(await suite.canister.open(key, GATEWAY_1), `case ${i}`).toEqual({ Ok: null });

            // The new OpenMessage is the i-th message of the gateway; poll just it (upstream scans poll(0)).
            // Certificates are checked in every 10th case: each check is a ~50 ms BLS pairing.
            const poll = i % 10 === 9 ? suite.canister.pollVerified : suite.canister.pollDecoded;
            const { batch, messages } = await poll.call(suite.canister, GATEWAY_1, BigInt(i));
            expect(batch.messages.map((m) => m.key), `case ${i}`).toEqual([messageKey(GATEWAY_1, BigInt(i))]);
            expect(messages[0]!.sequence_num, `case ${i}: a new session starts at 1`).toBe(1n);
            const open = serviceMessageOf(messages[0]!);
            expect('OpenMessage' in open && clientKeyView(open.OpenMessage.client_key)).toEqual(clientKeyView(key));

            if (previous !== undefined) {
                // The old key is gone: a message still using it no longer matches the principal's current key.
                expect(await suite.canister.message(CLIENT_1, clientMessage(previous, 1n))).toEqual({
                    Err: wsError.clientKeyMessageMismatch(CLIENT_1)
                });
            }
            previous = key;
        }
        // All 50 sessions' OpenMessages still come back in one poll.
        const all = await suite.canister.getMessages(GATEWAY_1, 0n);
        expect(all.messages).toHaveLength(50);
        expect(all.is_end_of_queue).toBe(true);
    });
});
