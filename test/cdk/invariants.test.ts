import { describe, expect, it } from 'vitest';
import { CLIENT_1, CLIENT_2, GATEWAY_1, GATEWAY_2 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { decodeAppMessage } from '../support/service-messages.ts';
import {
    DEFAULT_SEND_ACK_INTERVAL_MS,
    KEEP_ALIVE_TIMEOUT_MS,
    clientKeyView,
    clientMessage,
    messageKey,
    useTestCanister
} from '../support/test-canister.ts';
import { wsError } from '../support/ws-errors.ts';

const ACK_INTERVAL_MS = Number(DEFAULT_SEND_ACK_INTERVAL_MS);

// Spec §6.3 invariants that are observable through the canister's interface, and callers in the wrong role.
describe('§6.3 invariants and wrong callers', () => {
    const suite = useTestCanister();
    const rng = new SeededRandom(0x163n);
    const keyOf = (client: typeof CLIENT_1) => ({ client_principal: client, client_nonce: rng.nextU64() });


    it('params: an ack interval not above the keep-alive timeout traps and rolls back', async () => {
        const key = keyOf(CLIENT_1);
        await suite.canister.open(key, GATEWAY_1);
        for (const interval of [5n, 60_000n]) {
            await expect(suite.canister.wipe({ sendAckIntervalMs: interval }), `interval ${interval}`).rejects.toThrow(
                /send_ack_interval_ms must be greater than CLIENT_KEEP_ALIVE_TIMEOUT_MS/
            );
        }
        // The trapped wipe changed nothing: the client is still connected with its queue.
        expect((await suite.canister.getMessages(GATEWAY_1, 0n)).messages).toHaveLength(1);
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 1n))).toEqual({ Ok: null });
    });

    it('wipe (re-running init) works while a keep-alive check is pending', async () => {
        await suite.canister.open(keyOf(CLIENT_1), GATEWAY_1);
        await suite.canister.advanceTime(ACK_INTERVAL_MS); // the ack schedules the one-shot keep-alive check
        await suite.canister.wipe();
        expect(await suite.canister.getMessages(GATEWAY_1, 0n)).toEqual(
            expect.objectContaining({ messages: [], is_end_of_queue: true })
        );
    });

    it('outgoing nonces are per gateway and shared by its clients; sequence numbers are per client', async () => {
        const key1 = keyOf(CLIENT_1);
        const key2 = keyOf(CLIENT_2);
        await suite.canister.open(key1, GATEWAY_1);
        await suite.canister.open(key2, GATEWAY_1);
        for (const text of ['a', 'b']) {
            expect(await suite.canister.send(CLIENT_1, [`1${text}`])).toEqual({ Ok: null });
            expect(await suite.canister.send(CLIENT_2, [`2${text}`])).toEqual({ Ok: null });
        }
        const { batch, messages } = await suite.canister.pollVerified(GATEWAY_1, 0n);
        expect(batch.messages.map((m) => m.key)).toEqual([0n, 1n, 2n, 3n, 4n, 5n].map((n) => messageKey(GATEWAY_1, n)));
        const owners = batch.messages.map((m) => m.client_key.client_principal.toText());
        expect(owners).toEqual([CLIENT_1, CLIENT_2, CLIENT_1, CLIENT_2, CLIENT_1, CLIENT_2].map((p) => p.toText()));
        expect(messages.map((m) => m.sequence_num)).toEqual([1n, 1n, 2n, 2n, 3n, 3n]);
        expect(messages.slice(2).map((m) => decodeAppMessage(m.content).text)).toEqual(['1a', '2a', '1b', '2b']);
    });

    it('a gateway whose count dropped to 0 keeps its nonce and queue when a client re-registers it', async () => {
        const key1 = keyOf(CLIENT_1);
        await suite.canister.open(key1, GATEWAY_1);
        expect(await suite.canister.wsClose(GATEWAY_1, key1)).toEqual({ Ok: null });
        // Count 0: still registered (ws_close answers "client not connected", not "gateway not registered").
        expect(await suite.canister.wsClose(GATEWAY_1, key1)).toEqual({ Err: wsError.clientKeyNotConnected(key1) });

        const key2 = keyOf(CLIENT_2);
        await suite.canister.open(key2, GATEWAY_1);
        const { batch } = await suite.canister.pollVerified(GATEWAY_1, 0n);
        expect(batch.messages.map((m) => m.key)).toEqual([messageKey(GATEWAY_1, 0n), messageKey(GATEWAY_1, 1n)]);
        expect(clientKeyView(batch.messages[1]!.client_key)).toEqual(clientKeyView(key2));

        // Re-registration cancelled the pending removal: after interval + keep-alive check the queue is served.
        await suite.canister.advanceTime(ACK_INTERVAL_MS);
        await suite.canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);
        expect((await suite.canister.getMessages(GATEWAY_1, 1n)).messages.length).toBeGreaterThan(0);
    });

    it('wrong caller: ws_message carrying another client key, from an unregistered or a registered principal', async () => {
        const key1 = keyOf(CLIENT_1);
        await suite.canister.open(key1, GATEWAY_1);
        expect(await suite.canister.message(CLIENT_2, clientMessage(key1, 1n))).toEqual({
            Err: wsError.clientPrincipalNotConnected(CLIENT_2)
        });
        const key2 = keyOf(CLIENT_2);
        await suite.canister.open(key2, GATEWAY_2);
        expect(await suite.canister.message(CLIENT_2, clientMessage(key1, 1n))).toEqual({
            Err: wsError.clientKeyMessageMismatch(CLIENT_1)
        });
        // Neither client's sequence number moved, and nothing was queued for either.
        expect(await suite.canister.message(CLIENT_1, clientMessage(key1, 1n))).toEqual({ Ok: null });
        expect(await suite.canister.message(CLIENT_2, clientMessage(key2, 1n))).toEqual({ Ok: null });
        expect((await suite.canister.getMessages(GATEWAY_1, 1n)).messages).toHaveLength(0);
        expect((await suite.canister.getMessages(GATEWAY_2, 1n)).messages).toHaveLength(0);
    });

    it('wrong caller: ws_get_messages only ever returns the calling gateway’s own queue', async () => {
        await suite.canister.open(keyOf(CLIENT_1), GATEWAY_1);
        await suite.canister.open(keyOf(CLIENT_2), GATEWAY_2);
        await suite.canister.send(CLIENT_1, ['for gateway 1']);
        const asClient = await suite.canister.getMessages(CLIENT_1, 0n);
        expect(asClient.messages).toHaveLength(0);
        expect(asClient.is_end_of_queue).toBe(true);
        const asGateway2 = await suite.canister.pollVerified(GATEWAY_2, 0n);
        expect(asGateway2.batch.messages.map((m) => m.key)).toEqual([messageKey(GATEWAY_2, 0n)]);
        expect(asGateway2.batch.messages.map((m) => m.client_key.client_principal.toText())).toEqual([CLIENT_2.toText()]);
    });
});
