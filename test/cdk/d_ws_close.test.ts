import { describe, expect, it } from 'vitest';
import { CLIENT_1, CLIENT_2, GATEWAY_1, GATEWAY_2 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { clientMessage, useTestCanister } from '../support/test-canister.ts';
import { wsError } from '../support/ws-errors.ts';

// Spec §6.2 d_ws_close (D1–D4), plus ws_close from a caller that is not a gateway.
describe('d_ws_close', () => {
    const suite = useTestCanister();
    const rng = new SeededRandom(0xd44n);
    const keyOf = (client: typeof CLIENT_1) => ({ client_principal: client, client_nonce: rng.nextU64() });


    it('D1: an unregistered gateway is refused', async () => {
        expect(await suite.canister.wsClose(GATEWAY_2, keyOf(CLIENT_1))).toEqual({
            Err: wsError.gatewayNotRegistered(GATEWAY_2)
        });
    });

    it('D1 (wrong caller): a client principal calling ws_close is not a registered gateway', async () => {
        const key = keyOf(CLIENT_1);
        await suite.canister.open(key, GATEWAY_1);
        expect(await suite.canister.wsClose(CLIENT_1, key)).toEqual({ Err: wsError.gatewayNotRegistered(CLIENT_1) });
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 1n)), 'the client is untouched').toEqual({ Ok: null });
    });

    it('D2: closing a client that is not connected is refused', async () => {
        await suite.canister.open(keyOf(CLIENT_1), GATEWAY_1);
        const unconnected = keyOf(CLIENT_2);
        expect(await suite.canister.wsClose(GATEWAY_1, unconnected)).toEqual({
            Err: wsError.clientKeyNotConnected(unconnected)
        });
    });

    it('D3 + D4: only the gateway the client registered with may close it, exactly once', async () => {
        const key1 = keyOf(CLIENT_1);
        const key2 = keyOf(CLIENT_2);
        expect(await suite.canister.open(key1, GATEWAY_1)).toEqual({ Ok: null });
        expect(await suite.canister.open(key2, GATEWAY_2)).toEqual({ Ok: null });

        // D3
        expect(await suite.canister.wsClose(GATEWAY_2, key1)).toEqual({
            Err: wsError.clientNotRegisteredToGateway(key1, GATEWAY_2)
        });
        // D4
        expect(await suite.canister.wsClose(GATEWAY_1, key1)).toEqual({ Ok: null });
        expect(await suite.canister.wsClose(GATEWAY_1, key1)).toEqual({ Err: wsError.clientKeyNotConnected(key1) });
        // ws_close sends no close message: only the OpenMessage is queued for GATEWAY_1.
        expect((await suite.canister.getMessages(GATEWAY_1, 0n)).messages).toHaveLength(1);
        // The other client is unaffected.
        expect(await suite.canister.message(CLIENT_2, clientMessage(key2, 1n))).toEqual({ Ok: null });
    });
});
