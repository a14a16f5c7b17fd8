import { describe, expect, it } from 'vitest';
import { ANONYMOUS, CLIENT_1, CLIENT_2, GATEWAY_1 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { encodeAppMessage, encodeServiceMessage } from '../support/service-messages.ts';
import {
    DEFAULT_SEND_ACK_INTERVAL_MS,
    KEEP_ALIVE_TIMEOUT_MS,
    clientMessage,
    useTestCanister
} from '../support/test-canister.ts';

const ACK_INTERVAL_MS = Number(DEFAULT_SEND_ACK_INTERVAL_MS);
const C1 = CLIENT_1.toText();
const C2 = CLIENT_2.toText();
const GW1 = GATEWAY_1.toText();

// Spec §6.3 invariants about handlers (§2.2–2.5: when on_open / on_message / on_close run) and gateway client
// counts, observed through our test canister's test-only `test_state` query (its handlers record each call).
describe('handlers and gateway bookkeeping', () => {
    const suite = useTestCanister();
    const rng = new SeededRandom(0x4a7n);
    const keyOf = (client: typeof CLIENT_1) => ({ client_principal: client, client_nonce: rng.nextU64() });

    /** The handler events recorded while `action` runs (the canister keeps the last 100). */
    async function eventsDuring(action: () => Promise<unknown>): Promise<string[]> {
        const before = (await suite.canister.introspect()).events;
        await action();
        const after = (await suite.canister.introspect()).events;
        for (let dropped = 0; dropped <= before.length; dropped++) {
            const kept = before.slice(dropped);
            if (kept.every((event, i) => after[i] === event)) return after.slice(kept.length);
        }
        throw new Error('handler event log changed in an unexpected way');
    }


    it('on_open runs once per accepted open; refused opens run nothing', async () => {
        const key = keyOf(CLIENT_1);
        expect(await eventsDuring(() => suite.canister.open(key, GATEWAY_1))).toEqual([`open ${C1}`]);
        expect(await eventsDuring(() => suite.canister.open(key, GATEWAY_1)), 'duplicate key').toEqual([]);
        expect(await eventsDuring(() => suite.canister.open(keyOf(ANONYMOUS), GATEWAY_1)), 'anonymous').toEqual([]);
    });

    it('on_message runs for accepted app messages only, with their bytes', async () => {
        const key = keyOf(CLIENT_1);
        await suite.canister.open(key, GATEWAY_1);
        const content = encodeAppMessage({ text: 'hello' });
        expect(await eventsDuring(() => suite.canister.message(CLIENT_1, clientMessage(key, 1n, content)))).toEqual([
            `message ${C1} ${content.length}`
        ]);
        const keepAlive = encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: 0n } });
        expect(await eventsDuring(() => suite.canister.message(CLIENT_1, clientMessage(key, 2n, keepAlive, true))), 'keep-alive').toEqual([]);
        const otherKey = { ...key, client_nonce: key.client_nonce + 1n };
        expect(await eventsDuring(() => suite.canister.message(CLIENT_1, clientMessage(otherKey, 3n, content))), 'key mismatch').toEqual([]);
    });

    it('on_close runs for ws_close, close, a wrong sequence number, a keep-alive timeout and a replaced session', async () => {
        const reopen = async () => {
            const key = keyOf(CLIENT_1);
            await suite.canister.open(key, GATEWAY_1);
            return key;
        };
        let key = await reopen();
        expect(await eventsDuring(() => reopen()), 'replaced session: old closed, then new opened').toEqual([
            `close ${C1}`,
            `open ${C1}`
        ]);
        key = await reopen();
        expect(await eventsDuring(() => suite.canister.wsClose(GATEWAY_1, key)), 'ws_close').toEqual([`close ${C1}`]);
        await reopen();
        expect(await eventsDuring(() => suite.canister.closeByApp(CLIENT_1)), 'close').toEqual([`close ${C1}`]);
        key = await reopen();
        expect(await eventsDuring(() => suite.canister.message(CLIENT_1, clientMessage(key, 7n))), 'wrong seq').toEqual([`close ${C1}`]);
        await reopen();
        const timeout = async () => {
            await suite.canister.advanceTime(ACK_INTERVAL_MS);
            await suite.canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);
        };
        expect(await eventsDuring(timeout), 'keep-alive timeout').toEqual([`close ${C1}`]);
    });

    it('wipe runs on_close for every connected client', async () => {
        await suite.canister.open(keyOf(CLIENT_1), GATEWAY_1);
        await suite.canister.open(keyOf(CLIENT_2), GATEWAY_1);
        expect((await eventsDuring(() => suite.canister.wipe())).sort()).toEqual([`close ${C1}`, `close ${C2}`].sort());
        expect((await suite.canister.introspect()).clients).toEqual([]);
    });

    it('gateway client counts: created at 1, never reset while registered, kept at 0 until expiry', async () => {
        const key1 = keyOf(CLIENT_1);
        const key2 = keyOf(CLIENT_2);
        await suite.canister.open(key1, GATEWAY_1);
        await suite.canister.open(key2, GATEWAY_1);
        await suite.canister.send(CLIENT_1, ['a', 'b', 'c']);
        let state = await suite.canister.introspect();
        expect(state.gateways.get(GW1)).toEqual({ clients: 2, queued: 5 });
        expect([...state.clients].sort()).toEqual([C1, C2].sort());

        await suite.canister.wsClose(GATEWAY_1, key1);
        expect((await suite.canister.introspect()).gateways.get(GW1)).toEqual({ clients: 1, queued: 5 });
        await suite.canister.wsClose(GATEWAY_1, key2);
        state = await suite.canister.introspect();
        expect(state.gateways.get(GW1), 'count 0: still registered with its queue').toEqual({ clients: 0, queued: 5 });
        expect(state.clients).toEqual([]);

        await suite.canister.open(keyOf(CLIENT_1), GATEWAY_1);
        expect((await suite.canister.introspect()).gateways.get(GW1), 're-registered: queue kept').toEqual({ clients: 1, queued: 6 });
        await suite.canister.closeByApp(CLIENT_1);
        await suite.canister.advanceTime(ACK_INTERVAL_MS);
        await suite.canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);
        expect((await suite.canister.introspect()).gateways.has(GW1), 'removed one interval after its count hit 0').toBe(false);
    });
});
