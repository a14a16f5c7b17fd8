import { describe, expect, it } from 'vitest';
import { CLIENT_1, CLIENT_2, GATEWAY_1 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { createPic, rootKeyOf } from '../setup/ic.ts';
import { verifyCertifiedBatch } from '../support/certification.ts';
import { decodeAppMessage } from '../support/service-messages.ts';
import { clientKeyView, useTestCanister } from '../support/test-canister.ts';
import type { CanisterOutputCertifiedMessages } from '../support/test-canister-interface.ts';
import { wsError } from '../support/ws-errors.ts';

// Spec §6.2 e_send (E1–E2).
describe('e_send', () => {
    const suite = useTestCanister();
    const rng = new SeededRandom(0xe55n);


    it('E1: sending to a principal without a connection is refused', async () => {
        expect(await suite.canister.send(CLIENT_2, ['hello'])).toEqual({ Err: wsError.clientPrincipalNotConnected(CLIENT_2) });
        expect((await suite.canister.getMessages(GATEWAY_1, 0n)).messages).toHaveLength(0);
    });

    it('E2: sending to a connected principal queues a certified app message with the next sequence number', async () => {
        const key = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };
        await suite.canister.open(key, GATEWAY_1);
        expect(await suite.canister.send(CLIENT_1, ['hello'])).toEqual({ Ok: null });

        const { batch, messages } = await suite.canister.pollVerified(GATEWAY_1, 1n);
        expect(messages).toHaveLength(1);
        expect(clientKeyView(batch.messages[0]!.client_key)).toEqual(clientKeyView(key));
        expect(messages[0]!.sequence_num).toBe(2n);
        expect(messages[0]!.is_service_message).toBe(false);
        expect(decodeAppMessage(messages[0]!.content)).toEqual({ text: 'hello' });
    });

    it('E2 (negative control): the client-side check rejects tampered content, a tampered witness and a foreign root key', async () => {
        await suite.canister.open({ client_principal: CLIENT_1, client_nonce: rng.nextU64() }, GATEWAY_1);
        await suite.canister.send(CLIENT_1, ['genuine']);
        const { batch } = await suite.canister.pollVerified(GATEWAY_1, 1n);
        const context = { rootKey: suite.canister.rootKey, canisterId: suite.canister.canisterId, icTimeNs: await suite.canister.timeNs() };
        const flipLastByte = (bytes: Uint8Array) => Uint8Array.from(bytes, (b, i) => (i === bytes.length - 1 ? b ^ 1 : b));
        const withMessageContent = (content: Uint8Array): CanisterOutputCertifiedMessages => ({
            ...batch,
            messages: [{ ...batch.messages[0]!, content }]
        });

        await expect(verifyCertifiedBatch(withMessageContent(flipLastByte(batch.messages[0]!.content)), context)).rejects.toThrow(
            /sha256\(content\)/
        );
        await expect(verifyCertifiedBatch({ ...batch, tree: flipLastByte(batch.tree) }, context)).rejects.toThrow(
            /witness root .* != certified_data/
        );
        const otherInstance = await createPic();
        const foreignRootKey = await rootKeyOf(otherInstance).finally(() => otherInstance.tearDown());
        expect(foreignRootKey).not.toEqual(suite.canister.rootKey);
        await expect(verifyCertifiedBatch(batch, { ...context, rootKey: foreignRootKey })).rejects.toThrow(/signature/i);
    });
});
