import { describe, expect, it } from 'vitest';
import { CLIENT_1, GATEWAY_1 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { clientKeyView, serviceMessageOf, useTestCanister } from '../support/test-canister.ts';
import { wsError } from '../support/ws-errors.ts';

// Spec §6.2 f_close (F1–F2).
describe('f_close', () => {
    const suite = useTestCanister();
    const rng = new SeededRandom(0xf66n);


    it('F1: closing a principal without a connection is refused', async () => {
        expect(await suite.canister.closeByApp(CLIENT_1)).toEqual({ Err: wsError.clientPrincipalNotConnected(CLIENT_1) });
    });

    it('F2: the application closes a client once, which gets a certified CloseMessage(ClosedByApplication)', async () => {
        const key = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };
        await suite.canister.open(key, GATEWAY_1);
        expect(await suite.canister.closeByApp(CLIENT_1)).toEqual({ Ok: null });
        expect(await suite.canister.closeByApp(CLIENT_1)).toEqual({ Err: wsError.clientPrincipalNotConnected(CLIENT_1) });

        const { messages } = await suite.canister.pollVerified(GATEWAY_1, 1n);
        expect(messages).toHaveLength(1);
        expect(clientKeyView(messages[0]!.client_key)).toEqual(clientKeyView(key));
        expect(messages[0]!.sequence_num).toBe(2n);
        expect(serviceMessageOf(messages[0]!)).toEqual({ CloseMessage: { reason: { ClosedByApplication: null } } });
        expect(await suite.canister.wsClose(GATEWAY_1, key)).toEqual({ Err: wsError.clientKeyNotConnected(key) });
    });
});
