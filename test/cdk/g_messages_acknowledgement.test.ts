import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_1, GATEWAY_1 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { encodeServiceMessage } from '../support/service-messages.ts';
import {
    DEFAULT_SEND_ACK_INTERVAL_MS,
    KEEP_ALIVE_TIMEOUT_MS,
    TestCanister,
    clientKeyView,
    clientMessage,
    serviceMessageOf
} from '../support/test-canister.ts';
import type { ClientKey } from '../support/test-canister-interface.ts';
import { wsError } from '../support/ws-errors.ts';

const ACK_INTERVAL_MS = Number(DEFAULT_SEND_ACK_INTERVAL_MS);

// Spec §6.2 g_messages_acknowledgement (G1–G4): acks from the recurring timer, the keep-alive check 60 s later.
describe('g_messages_acknowledgement', () => {
    let canister: TestCanister;
    const rng = new SeededRandom(0x977n);
    let key: ClientKey;

    /** Polls from `nonce` and checks the batch is exactly one certified Ack{lastIncoming} at `sequenceNum`. */
    async function expectSingleAck(nonce: bigint, lastIncoming: bigint, sequenceNum: bigint) {
        const { messages } = await canister.pollVerified(GATEWAY_1, nonce);
        expect(messages).toHaveLength(1);
        const [ack] = messages as [(typeof messages)[0]];
        expect(clientKeyView(ack.client_key)).toEqual(clientKeyView(key));
        expect(ack.sequence_num).toBe(sequenceNum);
        expect(ack.timestamp).toBeLessThanOrEqual((await canister.timeNs()) + 999_999n);
        expect(serviceMessageOf(ack)).toEqual({ AckMessage: { last_incoming_sequence_num: lastIncoming } });
    }

    const keepAlive = () => encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: 1n } });

    beforeAll(async () => {
        canister = await TestCanister.setup();
    });
    afterAll(() => canister?.tearDown());
    beforeEach(async () => {
        await canister.wipe();
        key = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };
    });

    it('G1: the client receives an ack carrying its last incoming sequence number', async () => {
        await canister.open(key, GATEWAY_1);
        expect((await canister.getMessages(GATEWAY_1, 1n)).messages).toHaveLength(0);
        expect(await canister.message(CLIENT_1, clientMessage(key, 1n))).toEqual({ Ok: null });
        await canister.advanceTime(ACK_INTERVAL_MS);
        await expectSingleAck(1n, 1n, 2n);
    });

    it('G2: a client that does not answer the ack is closed with KeepAliveTimeout', async () => {
        await canister.open(key, GATEWAY_1);
        await canister.advanceTime(ACK_INTERVAL_MS);
        await expectSingleAck(1n, 0n, 2n);
        await canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);

        const { messages } = await canister.pollVerified(GATEWAY_1, 1n);
        expect(messages).toHaveLength(2);
        expect(messages[1]!.sequence_num).toBe(3n);
        expect(serviceMessageOf(messages[1]!)).toEqual({ CloseMessage: { reason: { KeepAliveTimeout: null } } });
        expect(await canister.wsClose(GATEWAY_1, key)).toEqual({ Err: wsError.clientKeyNotConnected(key) });
    });

    it('G2 (spec §2.3): app messages do not count as keep-alives', async () => {
        await canister.open(key, GATEWAY_1);
        await canister.advanceTime(ACK_INTERVAL_MS);
        await expectSingleAck(1n, 0n, 2n);
        expect(await canister.message(CLIENT_1, clientMessage(key, 1n))).toEqual({ Ok: null });
        await canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);

        const { messages } = await canister.pollVerified(GATEWAY_1, 2n);
        expect(messages.map((m) => serviceMessageOf(m))).toEqual([{ CloseMessage: { reason: { KeepAliveTimeout: null } } }]);
    });

    it('G3: a client that sends a keep-alive before the timeout stays connected', async () => {
        await canister.open(key, GATEWAY_1);
        await canister.advanceTime(ACK_INTERVAL_MS);
        await expectSingleAck(1n, 0n, 2n);
        const ackedAt = await canister.pic.getTime();

        expect(await canister.message(CLIENT_1, clientMessage(key, 1n, keepAlive(), true))).toEqual({ Ok: null });
        // Reach the keep-alive check (due 60 s after the ack), counting the time the calls above took.
        await canister.advanceTimeSince(ackedAt, KEEP_ALIVE_TIMEOUT_MS);
        expect(await canister.message(CLIENT_1, clientMessage(key, 2n)), 'still connected').toEqual({ Ok: null });

        await canister.advanceTime(ACK_INTERVAL_MS - KEEP_ALIVE_TIMEOUT_MS);
        await expectSingleAck(2n, 2n, 3n);
    });

    it('G4: a client that connects while the keep-alive check is pending is not checked before its first ack', async () => {
        await canister.advanceTime(ACK_INTERVAL_MS); // no clients: no acks, but the check is scheduled
        await canister.open(key, GATEWAY_1);
        expect((await canister.getMessages(GATEWAY_1, 1n)).messages).toHaveLength(0);
        expect(await canister.message(CLIENT_1, clientMessage(key, 1n))).toEqual({ Ok: null });

        await canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);
        await canister.advanceTime(ACK_INTERVAL_MS - KEEP_ALIVE_TIMEOUT_MS);
        await expectSingleAck(1n, 1n, 2n);
    });
});
