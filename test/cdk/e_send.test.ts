import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_1, CLIENT_2, GATEWAY_1 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { decodeAppMessage } from '../support/service-messages.ts';
import { TestCanister, clientKeyView } from '../support/test-canister.ts';
import { wsError } from '../support/ws-errors.ts';

// Spec §6.2 e_send (E1–E2).
describe('e_send', () => {
    let canister: TestCanister;
    const rng = new SeededRandom(0xe55n);

    beforeAll(async () => {
        canister = await TestCanister.setup();
    });
    afterAll(() => canister?.tearDown());
    beforeEach(() => canister.wipe());

    it('E1: sending to a principal without a connection is refused', async () => {
        expect(await canister.send(CLIENT_2, ['hello'])).toEqual({ Err: wsError.clientPrincipalNotConnected(CLIENT_2) });
        expect((await canister.getMessages(GATEWAY_1, 0n)).messages).toHaveLength(0);
    });

    it('E2: sending to a connected principal queues a certified app message with the next sequence number', async () => {
        const key = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };
        await canister.open(key, GATEWAY_1);
        expect(await canister.send(CLIENT_1, ['hello'])).toEqual({ Ok: null });

        const { batch, messages } = await canister.pollVerified(GATEWAY_1, 1n);
        expect(messages).toHaveLength(1);
        expect(clientKeyView(batch.messages[0]!.client_key)).toEqual(clientKeyView(key));
        expect(messages[0]!.sequence_num).toBe(2n);
        expect(messages[0]!.is_service_message).toBe(false);
        expect(decodeAppMessage(messages[0]!.content)).toEqual({ text: 'hello' });
    });
});
