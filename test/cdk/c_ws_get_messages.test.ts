import { describe, expect, it } from 'vitest';
import { decodeHashTree, revealedMessageKeys } from '../support/certification.ts';
import { CLIENT_1, GATEWAY_1 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { decodeAppMessage } from '../support/service-messages.ts';
import {
    DEFAULT_SEND_ACK_INTERVAL_MS,
    KEEP_ALIVE_TIMEOUT_MS,
    clientKeyView,
    messageKey,
    nonceOfKey,
    serviceMessageOf,
    useTestCanister
} from '../support/test-canister.ts';
import { encodeWebsocketMessageLikeRust } from '../support/websocket-message-cbor.ts';

const MAX_RETURNED = 50;
const ACK_INTERVAL_MS = Number(DEFAULT_SEND_ACK_INTERVAL_MS);
const EMPTY_RESULT = { messages: [], cert: new Uint8Array(), tree: new Uint8Array(), is_end_of_queue: true };

// Spec §6.2 c_ws_get_messages (C1–C7). Upstream runs 10 cases per property; we run fewer, always including the
// page-boundary sizes, to keep the suite fast (the assertions per case are the same).
describe('c_ws_get_messages', () => {
    const suite = useTestCanister();
    const rng = new SeededRandom(0xc33n);

    /** Opens CLIENT_1 on GATEWAY_1 and has the canister send `count` app messages "test0".."test<count-1>". */
    async function openAndSend(count: number) {
        const key = { client_principal: CLIENT_1, client_nonce: rng.nextU64() };
        expect(await suite.canister.open(key, GATEWAY_1)).toEqual({ Ok: null });
        const texts = Array.from({ length: count }, (_, i) => `test${i}`);
        if (count > 0) expect(await suite.canister.send(CLIENT_1, texts)).toEqual({ Ok: null });
        return key;
    }

    const pollCount = async (nonce: bigint) => (await suite.canister.getMessages(GATEWAY_1, nonce)).messages.length;


    it('C1: an unregistered caller gets exactly the empty result (10 cases)', async () => {
        await openAndSend(3); // a registered gateway with messages exists, but is not the caller
        for (let i = 0; i < 10; i++) {
            const caller = rng.principal();
            const result = await suite.canister.as(caller).ws_get_messages({ nonce: rng.nextU64() % 10n });
            expect(result, `case ${i}`).toEqual({ Ok: EMPTY_RESULT });
        }
    });

    it('C2: after one open the gateway polls exactly one message (10 cases)', async () => {
        for (let i = 0; i < 10; i++) {
            await suite.canister.wipe();
            const client = rng.principal();
            expect(await suite.canister.open({ client_principal: client, client_nonce: rng.nextU64() }, GATEWAY_1)).toEqual({
                Ok: null
            });
            expect(await pollCount(0n), `case ${i}`).toBe(1);
        }
    });

    it('C3: each start nonce returns min(remaining, max) messages and the right end-of-queue flag', async () => {
        for (const n of [MAX_RETURNED - 1, MAX_RETURNED, rng.intBetween(1, 100)]) {
            await suite.canister.wipe();
            await openAndSend(n);
            const total = n + 1;
            for (const i of startNoncesToProbe(total)) {
                const batch = await suite.canister.getMessages(GATEWAY_1, BigInt(i));
                const remaining = total - i;
                if (remaining === 0) {
                    expect(batch, `n=${n} poll(${i})`).toEqual(EMPTY_RESULT);
                    continue;
                }
                expect(batch.messages.length, `n=${n} poll(${i})`).toBe(Math.min(remaining, MAX_RETURNED));
                expect(batch.is_end_of_queue, `n=${n} poll(${i})`).toBe(remaining <= MAX_RETURNED);
                expect(batch.messages.map((m) => m.key)).toEqual(
                    batch.messages.map((_, j) => messageKey(GATEWAY_1, BigInt(i + j)))
                );
            }
        }

        /** Upstream polls every i in 0..=total; we poll the edges, both sides of the page boundary and 3 random i. */
        function startNoncesToProbe(total: number): number[] {
            const edges = [0, 1, total - MAX_RETURNED - 1, total - MAX_RETURNED, total - MAX_RETURNED + 1, total - 1, total];
            const random = [0, 1, 2].map(() => rng.intBetween(0, total));
            return [...new Set([...edges, ...random])].filter((i) => i >= 0 && i <= total).sort((a, b) => a - b);
        }
    });

    it('C3 (small max): pages of max_number_of_returned_messages = 3', async () => {
        await suite.canister.wipe({ maxNumberOfReturnedMessages: 3n });
        await openAndSend(6); // 7 messages: pages [0..3), [3..6), [6..7)
        for (let i = 0; i <= 7; i++) {
            const batch = await suite.canister.getMessages(GATEWAY_1, BigInt(i));
            expect(batch.messages.length, `poll(${i})`).toBe(Math.min(7 - i, 3));
            expect(batch.is_end_of_queue, `poll(${i})`).toBe(7 - i <= 3);
        }
    });

    it('C4: paginating from nonce 0 yields every message, consecutive, certified and byte-compatible', async () => {
        for (const n of [MAX_RETURNED, rng.intBetween(1, 100), rng.intBetween(1, 100)]) {
            await suite.canister.wipe();
            const key = await openAndSend(n);
            const seen: bigint[] = [];
            let nonce = 0n;
            for (let page = 0; page < 10; page++) {
                const { batch, messages } = await suite.canister.pollVerified(GATEWAY_1, nonce);
                const nowUpperBound = (await suite.canister.timeNs()) + 999_999n;
                expect(revealedMessageKeys(decodeHashTree(batch.tree)), 'the witness reveals exactly the batch').toEqual(
                    batch.messages.map((m) => m.key)
                );
                messages.forEach((message, j) => {
                    const output = batch.messages[j]!;
                    const index = seen.length;
                    expect(clientKeyView(output.client_key)).toEqual(clientKeyView(key));
                    expect(clientKeyView(message.client_key)).toEqual(clientKeyView(key));
                    expect(message.sequence_num, `n=${n} message ${index}`).toBe(BigInt(index + 1));
                    expect(message.timestamp).toBeLessThanOrEqual(nowUpperBound);
                    expect(output.content, 'CBOR bytes identical to the Rust CDK').toEqual(
                        encodeWebsocketMessageLikeRust(message)
                    );
                    if (index === 0) {
                        expect(Object.keys(serviceMessageOf(message))).toEqual(['OpenMessage']);
                    } else {
                        expect(message.is_service_message).toBe(false);
                        expect(decodeAppMessage(message.content)).toEqual({ text: `test${index - 1}` });
                    }
                    seen.push(nonceOfKey(output.key));
                });
                if (batch.is_end_of_queue) break;
                nonce = nonceOfKey(batch.messages[batch.messages.length - 1]!.key) + 1n;
            }
            expect(seen, `n=${n}`).toEqual(Array.from({ length: n + 1 }, (_, i) => BigInt(i)));
        }
    });

    it('C5: the ack send deletes up to 5 messages older than the ack interval, keeping the rest certified', async () => {
        for (const n of [3, 4, rng.intBetween(5, 100)]) {
            await suite.canister.wipe({ maxNumberOfReturnedMessages: 1000n });
            await openAndSend(n);
            await suite.canister.advanceTime(ACK_INTERVAL_MS + 1);

            const { messages } = await suite.canister.pollVerified(GATEWAY_1, 0n);
            const total = n + 1;
            expect(messages.length, `n=${n}`).toBe(Math.max(total - 5, 0) + 1);
            expect(messages[0]!.sequence_num, `n=${n}: first remaining`).toBe(BigInt(Math.min(total, 5) + 1));
            const ack = messages[messages.length - 1]!;
            expect(serviceMessageOf(ack)).toEqual({ AckMessage: { last_incoming_sequence_num: 0n } });
        }
    });

    it('C6: an empty gateway is removed by the keep-alive check after one ack interval', async () => {
        const key = await openAndSend(10);
        expect(await pollCount(0n)).toBe(11);
        expect(await suite.canister.wsClose(GATEWAY_1, key)).toEqual({ Ok: null });
        expect(await pollCount(0n)).toBe(11);
        await suite.canister.advanceTime(ACK_INTERVAL_MS);
        expect(await pollCount(0n), 'no clients: no ack, nothing deleted').toBe(11);
        await suite.canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);
        expect(await suite.canister.getMessages(GATEWAY_1, 0n)).toEqual(EMPTY_RESULT);
    });

    it('C7: gateway removal waits a full ack interval after its last client left', async () => {
        const key = await openAndSend(10);
        await suite.canister.advanceTime(ACK_INTERVAL_MS);
        expect(await pollCount(0n), 'the ack was added').toBe(12);
        expect(await suite.canister.wsClose(GATEWAY_1, key)).toEqual({ Ok: null });
        expect(await pollCount(0n)).toBe(12);
        await suite.canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);
        expect(await pollCount(0n), 'empty for less than one interval').toBe(12);
        await suite.canister.advanceTime(ACK_INTERVAL_MS - KEEP_ALIVE_TIMEOUT_MS);
        expect(await pollCount(0n), 'removal only happens in the keep-alive check').toBe(12);
        await suite.canister.advanceTime(KEEP_ALIVE_TIMEOUT_MS);
        expect(await pollCount(0n)).toBe(0);
    });
});
