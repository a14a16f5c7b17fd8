import { beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_1, GATEWAY_1 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { encodeServiceMessage } from '../support/service-messages.ts';
import {
    DEFAULT_SEND_ACK_INTERVAL_MS,
    KEEP_ALIVE_TIMEOUT_MS,
    clientKeyView,
    clientMessage,
    serviceMessageOf,
    useTestCanister
} from '../support/test-canister.ts';
import type { ClientKey } from '../support/test-canister-interface.ts';
import { wsError } from '../support/ws-errors.ts';

const ACK_INTERVAL_MS = Number(DEFAULT_SEND_ACK_INTERVAL_MS);

// Spec §6.2 g_messages_acknowledgement (G1–G4): acks from the recurring timer, the keep-alive check 60 s later.
describe('g_messages_acknowledgement', () => {
    const suite = useTestCanister();
    const rng = new SeededRandom(0x977n);
    let key: ClientKey;

    /** Polls from `nonce` and checks the batch is exactly one certified Ack{lastIncoming} at `sequenceNum`. */
    async function expectSingleAck(nonce: bigint, lastIncoming: bigint, sequenceNum: bigint) {
        const { messages } = await suite.canister.pollVerified(GATEWAY_1, nonce);
        expect(messages).toHaveLength(1);
        const [ack] = messages as [(typeof messages)[0]];
        expect(clientKeyView(ack.client_key)).toEqual(clientKeyView(key));
        expect(ack.sequence_num).toBe(sequenceNum);
        expect(ack.timestamp).toBeLessThanOrEqual((await suite.canister.timeNs()) + 999_999n);
        expect(serviceMessageOf(ack)).toEqual({ AckMessage: { last_incoming_sequence_num: lastIncoming } });
    }

    const keepAlive = () => encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: 1n } });

    beforeEach(() => {
        key = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };
    });

    it('G1: the client receives an ack carrying its last incoming sequence number', async () => {
        await suite.canister.open(key, GATEWAY_1);
        expect((await suite.canister.getMessages(GATEWAY_1, 1n)).messages).toHaveLength(0);
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 1n))).toEqual({ Ok: null });
        await suite.canister.advanceTime(ACK_INTERVAL_MS);
        await expectSingleAck(1n, 1n, 2n);
    });

    it('G2: a client that does not answer the ack is closed with KeepAliveTimeout', async () => {
        await suite.canister.open(key, GATEWAY_1);
        await suite.canister.advanceTime(ACK_INTERVAL_MS);
        await expectSingleAck(1n, 0n, 2n);
        await suite.canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);

        const { messages } = await suite.canister.pollVerified(GATEWAY_1, 1n);
        expect(messages).toHaveLength(2);
        expect(messages[1]!.sequence_num).toBe(3n);
        expect(serviceMessageOf(messages[1]!)).toEqual({ CloseMessage: { reason: { KeepAliveTimeout: null } } });
        expect(await suite.canister.wsClose(GATEWAY_1, key)).toEqual({ Err: wsError.clientKeyNotConnected(key) });
    });

    it('G2 (spec §2.3): app messages do not count as keep-alives', async () => {
        await suite.canister.open(key, GATEWAY_1);
        await suite.canister.advanceTime(ACK_INTERVAL_MS);
        await expectSingleAck(1n, 0n, 2n);
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 1n))).toEqual({ Ok: null });
        await suite.canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);

        const { messages } = await suite.canister.pollVerified(GATEWAY_1, 2n);
        expect(messages.map((m) => serviceMessageOf(m))).toEqual([{ CloseMessage: { reason: { KeepAliveTimeout: null } } }]);
    });

    it('G3: a client that sends a keep-alive before the timeout stays connected', async () => {
        await suite.canister.open(key, GATEWAY_1);
        await suite.canister.advanceTime(ACK_INTERVAL_MS);
        await expectSingleAck(1n, 0n, 2n);
        const ackedAt = await suite.canister.pic.getTime();

        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 1n, keepAlive(), true))).toEqual({ Ok: null });
        // Reach the keep-alive check (due 60 s after the ack), counting the time the calls above took.
        await suite.canister.advanceTimeSince(ackedAt, KEEP_ALIVE_TIMEOUT_MS);
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 2n)), 'still connected').toEqual({ Ok: null });

        await suite.canister.advanceTime(ACK_INTERVAL_MS - KEEP_ALIVE_TIMEOUT_MS);
        await expectSingleAck(2n, 2n, 3n);
    });

    it('G4: a client that connects while the keep-alive check is pending is not checked before its first ack', async () => {
        await suite.canister.advanceTime(ACK_INTERVAL_MS); // no clients: no acks, but the check is scheduled
        await suite.canister.open(key, GATEWAY_1);
        expect((await suite.canister.getMessages(GATEWAY_1, 1n)).messages).toHaveLength(0);
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 1n))).toEqual({ Ok: null });

        await suite.canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);
        await suite.canister.advanceTime(ACK_INTERVAL_MS - KEEP_ALIVE_TIMEOUT_MS);
        await expectSingleAck(1n, 1n, 2n);
    });
});
