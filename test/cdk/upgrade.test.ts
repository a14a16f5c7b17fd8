import type { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_1, CLIENT_2, GATEWAY_1, GATEWAY_2 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { encodeServiceMessage } from '../support/service-messages.ts';
import {
    DEFAULT_SEND_ACK_INTERVAL_MS,
    KEEP_ALIVE_TIMEOUT_MS,
    clientMessage,
    messageKey,
    nonceOfKey,
    serviceMessageOf,
    useTestCanister
} from '../support/test-canister.ts';
import type { CanisterOutputMessage } from '../support/test-canister-interface.ts';
import { wsError } from '../support/ws-errors.ts';

const ACK_INTERVAL_MS = Number(DEFAULT_SEND_ACK_INTERVAL_MS);

// Beyond upstream (whose heap state is lost on upgrade): the CDK keeps clients, sequence numbers, gateway nonces
// and queued messages in stable memory, and the lifecycle function re-arms the timers in post_upgrade.
describe('upgrade with queued messages and connected clients', () => {
    const suite = useTestCanister({ wipeBeforeEach: false }); // the tests build on each other
    const rng = new SeededRandom(0x0b6n);
    const key1 = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };
    const key2 = { client_principal: CLIENT_2, client_nonce: rng.nextU64() };
    let before: Map<string, CanisterOutputMessage[]>;

    /** Every queued message of `gateway`, paginating from nonce 0, each page verified like the client does. */
    async function drain(gateway: Principal): Promise<CanisterOutputMessage[]> {
        const all: CanisterOutputMessage[] = [];
        let nonce = 0n;
        for (;;) {
            const { batch } = await suite.canister.pollVerified(gateway, nonce);
            all.push(...batch.messages);
            if (batch.is_end_of_queue) return all;
            nonce = nonceOfKey(batch.messages[batch.messages.length - 1]!.key) + 1n;
        }
    }

    beforeAll(async () => {
        expect(await suite.canister.open(key1, GATEWAY_1)).toEqual({ Ok: null });
        expect(await suite.canister.open(key2, GATEWAY_2)).toEqual({ Ok: null });
        expect(await suite.canister.message(CLIENT_1, clientMessage(key1, 1n))).toEqual({ Ok: null });
        expect(await suite.canister.message(CLIENT_1, clientMessage(key1, 2n))).toEqual({ Ok: null });
        // 61 messages for GATEWAY_1 (more than one page), 4 for GATEWAY_2.
        expect(await suite.canister.send(CLIENT_1, Array.from({ length: 60 }, (_, i) => `before ${i}`))).toEqual({ Ok: null });
        expect(await suite.canister.send(CLIENT_2, ['x', 'y', 'z'])).toEqual({ Ok: null });
        before = new Map([
            [GATEWAY_1.toText(), await drain(GATEWAY_1)],
            [GATEWAY_2.toText(), await drain(GATEWAY_2)]
        ]);
        expect(before.get(GATEWAY_1.toText())).toHaveLength(61);
        expect(before.get(GATEWAY_2.toText())).toHaveLength(4);

        await suite.canister.upgrade();
    });

    it('serves every queued message after the upgrade, unchanged and with valid witnesses', async () => {
        for (const gateway of [GATEWAY_1, GATEWAY_2]) {
            const after = await drain(gateway);
            const expected = before.get(gateway.toText())!;
            expect(after.map((m) => m.key)).toEqual(expected.map((m) => m.key));
            expect(after.map((m) => m.content)).toEqual(expected.map((m) => m.content));
        }
    });

    it('keeps the clients connected: re-opening the same key is refused', async () => {
        expect(await suite.canister.open(key1, GATEWAY_1)).toEqual({ Err: wsError.clientKeyAlreadyConnected(key1) });
    });

    it('continues both sequence numbers and the gateway nonce', async () => {
        expect(await suite.canister.message(CLIENT_1, clientMessage(key1, 1n))).toEqual({
            Err: wsError.incomingSequenceNumberWrong(3n, 1n)
        });
        // That refusal closed CLIENT_1 (WrongSequenceNumber) with the next outgoing sequence number and nonce.
        const { batch, messages } = await suite.canister.pollVerified(GATEWAY_1, 61n);
        expect(batch.messages.map((m) => m.key)).toEqual([messageKey(GATEWAY_1, 61n)]);
        expect(messages[0]!.sequence_num).toBe(62n);
        expect(serviceMessageOf(messages[0]!)).toEqual({ CloseMessage: { reason: { WrongSequenceNumber: null } } });

        // CLIENT_2 was not disturbed: its next incoming number is still 1 and its next outgoing one is 5.
        expect(await suite.canister.message(CLIENT_2, clientMessage(key2, 1n))).toEqual({ Ok: null });
        expect(await suite.canister.send(CLIENT_2, ['after'])).toEqual({ Ok: null });
        const second = await suite.canister.pollVerified(GATEWAY_2, 4n);
        expect(second.batch.messages.map((m) => m.key)).toEqual([messageKey(GATEWAY_2, 4n)]);
        expect(second.messages[0]!.sequence_num).toBe(5n);
    });

    it('re-arms the timers: acks arrive one interval later and the keep-alive check still closes silent clients', async () => {
        // CLIENT_2 (incoming 1 processed) is the only client left; re-open CLIENT_1 to have an answering one too.
        const key1b = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };
        expect(await suite.canister.open(key1b, GATEWAY_1)).toEqual({ Ok: null });

        await suite.canister.advanceTime(ACK_INTERVAL_MS);
        const ackedAt = await suite.canister.pic.getTime();
        const acks2 = await suite.canister.pollVerified(GATEWAY_2, 5n);
        expect(acks2.messages).toHaveLength(1);
        expect(serviceMessageOf(acks2.messages[0]!)).toEqual({ AckMessage: { last_incoming_sequence_num: 1n } });
        expect(acks2.messages[0]!.sequence_num).toBe(6n);
        const acks1 = await suite.canister.pollVerified(GATEWAY_1, 63n); // 62 = key1b's OpenMessage
        expect(acks1.messages.map((m) => serviceMessageOf(m))).toEqual([
            { AckMessage: { last_incoming_sequence_num: 0n } }
        ]);

        // CLIENT_1 answers the ack, CLIENT_2 stays silent.
        const keepAlive = encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: 2n } });
        expect(await suite.canister.message(CLIENT_1, clientMessage(key1b, 1n, keepAlive, true))).toEqual({ Ok: null });
        await suite.canister.advanceTimeSince(ackedAt, KEEP_ALIVE_TIMEOUT_MS);

        const closed = await suite.canister.pollVerified(GATEWAY_2, 6n);
        expect(closed.messages.map((m) => serviceMessageOf(m))).toEqual([
            { CloseMessage: { reason: { KeepAliveTimeout: null } } }
        ]);
        expect(await suite.canister.message(CLIENT_1, clientMessage(key1b, 2n)), 'CLIENT_1 stays').toEqual({ Ok: null });
    });
});

describe('upgrade after deletions and with a gateway pending removal', () => {
    const suite = useTestCanister({ wipeBeforeEach: false }); // the tests build on each other
    const rng = new SeededRandom(0x0b7n);
    const key = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };


    it('messages deleted before the upgrade stay deleted, the rest stay certified', async () => {
        await suite.canister.open(key, GATEWAY_1);
        await suite.canister.send(CLIENT_1, Array.from({ length: 9 }, (_, i) => `m${i}`));
        await suite.canister.advanceTime(ACK_INTERVAL_MS + 1); // the ack deletes the 5 oldest of 10
        const before = (await suite.canister.pollVerified(GATEWAY_1, 0n)).batch.messages;
        expect(before.map((m) => nonceOfKey(m.key))).toEqual([5n, 6n, 7n, 8n, 9n, 10n]);

        await suite.canister.upgrade();
        const after = (await suite.canister.pollVerified(GATEWAY_1, 0n)).batch.messages;
        expect(after.map((m) => m.key)).toEqual(before.map((m) => m.key));
        expect(after.map((m) => m.content)).toEqual(before.map((m) => m.content));
    });

    it('a gateway left without clients before the upgrade is still removed after one interval', async () => {
        expect(await suite.canister.wsClose(GATEWAY_1, key)).toEqual({ Ok: null });
        await suite.canister.upgrade();
        expect((await suite.canister.getMessages(GATEWAY_1, 0n)).messages, 'kept for one interval').toHaveLength(6);
        await suite.canister.advanceTime(ACK_INTERVAL_MS);
        await suite.canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);
        expect((await suite.canister.getMessages(GATEWAY_1, 0n)).messages).toHaveLength(0);
    });
});
