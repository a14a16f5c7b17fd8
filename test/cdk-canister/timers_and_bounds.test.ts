/**
 * Issue #9 items 4–6 through the real canister: bounded queues, timers that continue in follow-up messages within
 * the instruction budget (ack rounds, keep-alive checks, deletion of a removed gateway's queue), application
 * handlers that cannot block the keep-alive check, and an ack schedule that survives upgrades.
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '@dfinity/principal';
import { decodeServiceMessage, encodeServiceMessage } from '../../src/protocol/service_messages.ts';
import { SeededRandom } from '../support/prng.ts';
import type { WebsocketMessage } from '../../src/types.ts';
import { errorKind } from '../../src/errors.ts';
import { appMessage, WsCanister } from './ws_canister.ts';

const ACK_INTERVAL_MS = 300_000;
const KEEP_ALIVE_TIMEOUT_MS = 60_000;
const NS_PER_MS = 1_000_000n;

const serviceContent = (message: WebsocketMessage) => (message.is_service_message ? decodeServiceMessage(message.content) : undefined);
const keepAlive = (last: bigint) => encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: last } });
const nonceAfter = (key: string) => BigInt(key.slice(key.lastIndexOf('_') + 1)) + 1n;

/** Polls `gateway` from `nonce`, verified; returns the messages and the nonce to poll from next. */
async function pollFrom(canister: WsCanister, gateway: Principal, nonce: bigint): Promise<{ messages: WebsocketMessage[]; next: bigint }> {
    const { batch, messages } = await canister.pollVerified(gateway, nonce);
    return { messages, next: batch.messages.length === 0 ? nonce : nonceAfter(batch.messages[batch.messages.length - 1].key) };
}

describe('timers and queue bounds', () => {
    it('an onClose that throws in the keep-alive check is logged with its client, and every silent client is closed', async () => {
        const rng = new SeededRandom(0x7e51n);
        const canister = await WsCanister.install();
        const gateway = rng.principal();
        const keys = [0, 1].map(() => ({ client_principal: rng.principal(), client_nonce: rng.nextU64() }));
        for (const key of keys) expect(await canister.open(key, gateway)).toEqual({ Ok: null });
        await canister.setTrap('close', true);
        await canister.replica.advanceTime(ACK_INTERVAL_MS); // acks: both clients now owe a keep-alive
        await canister.replica.advanceTime(KEEP_ALIVE_TIMEOUT_MS); // the check: neither answered

        expect((await canister.state()).clients, 'both closed although onClose threw').toEqual([]);
        const closes = (await canister.pollAll(gateway)).filter((m) => {
            const content = serviceContent(m);
            return content !== undefined && 'CloseMessage' in content && 'KeepAliveTimeout' in content.CloseMessage.reason;
        });
        expect(closes.map((m) => m.client_key.client_principal.toText()).sort()).toEqual(keys.map((k) => k.client_principal.toText()).sort());
        const logs = canister.replica.logs(canister.canisterId).join('\n');
        for (const key of keys) {
            expect(logs).toContain(`onClose of client ${key.client_principal.toText()}_${key.client_nonce} (KeepAliveTimeout) threw, the client is closed anyway: test: onClose trapped`);
        }
    });

    it('acks every client message within the ack interval however often the canister is upgraded', async () => {
        const rng = new SeededRandom(0xac6n);
        const canister = await WsCanister.install();
        const gateway = rng.principal();
        const key = { client_principal: rng.principal(), client_nonce: rng.nextU64() };
        expect(await canister.open(key, gateway)).toEqual({ Ok: null });
        let next = (await pollFrom(canister, gateway, 0n)).next;
        // The client's messages (sequence number → IC time sent) and when each was first acked.
        const sentAt = new Map<bigint, bigint>();
        let sequence = 1n;
        expect(await canister.message(key, sequence, appMessage('hello'))).toEqual({ Ok: null });
        sentAt.set(sequence, canister.replica.getTimeNs());
        const ackedAt = new Map<bigint, bigint>();
        const STEP_MS = 10_000;
        // An upgrade every 200 s for 30 minutes (upgrades restarted a 300 s timer: no ack ever came).
        for (let cycle = 0; cycle < 9; cycle++) {
            for (let step = 0; step < 200_000 / STEP_MS; step++) {
                await canister.replica.advanceTime(STEP_MS);
                const polled = await pollFrom(canister, gateway, next);
                next = polled.next;
                for (const message of polled.messages) {
                    const content = serviceContent(message);
                    expect(content && 'CloseMessage' in content, 'the client is never closed').toBeFalsy();
                    if (content === undefined || !('AckMessage' in content)) continue;
                    const last = content.AckMessage.last_incoming_sequence_num;
                    for (const [seq] of sentAt) if (seq <= last && !ackedAt.has(seq)) ackedAt.set(seq, message.timestamp);
                    // The client answers every ack with a keep-alive (itself a message to ack).
                    sequence++;
                    expect(await canister.message(key, sequence, keepAlive(message.sequence_num), true)).toEqual({ Ok: null });
                    sentAt.set(sequence, canister.replica.getTimeNs());
                }
            }
            await canister.upgrade();
        }
        const acked = [...sentAt].filter(([seq]) => ackedAt.has(seq));
        expect(acked.length, 'messages acked').toBeGreaterThanOrEqual(5);
        for (const [seq, at] of acked) {
            // Within one interval plus one step of the clock here (timers fire when the replica's clock passes them).
            expect(ackedAt.get(seq)! - at, `message ${seq}`).toBeLessThanOrEqual(BigInt(ACK_INTERVAL_MS + STEP_MS + 1_000) * NS_PER_MS);
        }
        // Every message older than one interval has been acked.
        const now = canister.replica.getTimeNs();
        for (const [seq, at] of sentAt) if (now - at > BigInt(ACK_INTERVAL_MS + STEP_MS) * NS_PER_MS) expect(ackedAt.has(seq), `message ${seq}`).toBe(true);
    });

    it('closes only clients that did not answer their ack, when an ack round spans seconds of timer messages and when its keep-alive check runs late', async () => {
        const rng = new SeededRandom(0x1a7en);
        const canister = await WsCanister.install();
        const gateway = rng.principal();
        const keys = Array.from({ length: 13 }, () => ({ client_principal: rng.principal(), client_nonce: rng.nextU64() }));
        for (const key of keys) expect(await canister.open(key, gateway)).toEqual({ Ok: null });
        const [silent, ...answering] = keys;
        // One ack per timer message: each ack round spans several messages, and (as the clients answer) seconds.
        await canister.setInstructionBudget(1n);
        const sequence = new Map(keys.map((key) => [key.client_principal.toText(), 1n]));
        const ackTimes = new Map<string, bigint[]>(keys.map((key) => [key.client_principal.toText(), []]));
        const closed: string[] = [];
        let next = (await pollFrom(canister, gateway, 0n)).next; // the OpenMessages
        /** A second passes (a replica round: a due timer message runs), then every client but the silent one answers
         * each ack it got with a keep-alive, as ic-websocket-js does. Each answer is an update call, after which the
         * replica runs a round at the same time: the next timer message runs too. */
        async function oneSecond(): Promise<void> {
            await canister.replica.advanceTime(1_000);
            const polled = await pollFrom(canister, gateway, next);
            next = polled.next;
            for (const message of polled.messages) {
                const content = serviceContent(message);
                const client = message.client_key.client_principal.toText();
                if (content !== undefined && 'CloseMessage' in content) closed.push(client);
                if (content === undefined || !('AckMessage' in content)) continue;
                ackTimes.get(client)!.push(message.timestamp);
                if (client === silent.client_principal.toText()) continue;
                const seq = sequence.get(client)!;
                sequence.set(client, seq + 1n);
                expect(await canister.message(message.client_key, seq, keepAlive(message.sequence_num), true)).toEqual({ Ok: null });
            }
        }
        const everyClientAcked = (times: number) => [...ackTimes.values()].every((acks) => acks.length >= times);
        /** How long ack round `round` (1-based) took, from its first ack to its last. */
        const roundSpan = (round: number) => {
            const times = [...ackTimes.values()].map((acks) => acks[round - 1]);
            return times.reduce((a, b) => (a > b ? a : b)) - times.reduce((a, b) => (a < b ? a : b));
        };

        await canister.replica.advanceTime(ACK_INTERVAL_MS - 1_000);
        for (let i = 0; i < 30 && !everyClientAcked(1); i++) await oneSecond();
        expect(everyClientAcked(1), 'the first ack round reached every client').toBe(true);
        // The canister misses that round's keep-alive check and the next ack round (it was stopped, or a test jumps
        // time): both are due at once. Then a minute of answered acks and the second round's check.
        await canister.replica.advanceTime(ACK_INTERVAL_MS);
        for (let i = 0; i < 2 * KEEP_ALIVE_TIMEOUT_MS / 1_000; i++) await oneSecond();

        expect(closed, 'only the client that never answered is closed').toEqual([silent.client_principal.toText()]);
        expect(roundSpan(2), 'the second ack round took seconds').toBeGreaterThanOrEqual(2_000n * NS_PER_MS);
        const connected = (await canister.state()).clients.map((client) => client.toText()).sort();
        expect(connected).toEqual(answering.map((key) => key.client_principal.toText()).sort());
        for (const key of answering) expect(ackTimes.get(key.client_principal.toText())!.length, 'acked by both rounds').toBeGreaterThanOrEqual(2);
    });

    it('refuses application messages beyond the configured bounds with a clear Err, and still sends acks', async () => {
        const rng = new SeededRandom(0xb0dn);
        const canister = await WsCanister.install();
        await canister.setQueueLimits(16n, 8n);
        const gateway = rng.principal();
        const [k1, k2] = [0, 1].map(() => ({ client_principal: rng.principal(), client_nonce: rng.nextU64() }));
        for (const key of [k1, k2]) expect(await canister.open(key, gateway)).toEqual({ Ok: null });
        const many = (n: number) => Array.from({ length: n }, (_, i) => appMessage(`m${i}`));
        expect(await canister.send(k1.client_principal, many(7))).toEqual({ Ok: null }); // 8 with its OpenMessage
        const clientFull = await canister.send(k1.client_principal, many(1));
        expect(clientFull).toEqual({
            Err: `Queue of client ${k1.client_principal.toText()}_${k1.client_nonce} is full (8 messages): the message was not queued; old messages are deleted after the ack interval`
        });
        expect(errorKind(clientFull)).toBe('ClientQueueFull'); // what an application switches on, read from the wire result
        expect(await canister.send(k2.client_principal, many(7))).toEqual({ Ok: null }); // 16 in the gateway's queue
        const gatewayFull = await canister.send(k2.client_principal, many(1));
        expect(gatewayFull).toEqual({
            Err: `Queue of gateway ${gateway.toText()} is full (16 messages): the message was not queued; old messages are deleted after the ack interval`
        });
        expect(errorKind(gatewayFull)).toBe('GatewayQueueFull');
        // The ack round is not refused (it keeps clients alive) and its sends delete expired messages.
        await canister.replica.advanceTime(ACK_INTERVAL_MS + 1);
        const acks = (await canister.pollAll(gateway)).filter((m) => {
            const content = serviceContent(m);
            return content !== undefined && 'AckMessage' in content;
        });
        expect(acks).toHaveLength(2);
        expect(await canister.send(k1.client_principal, many(1))).toEqual({ Ok: null });
    });

    // `npm run test:scale` (CDK_SCALE_MESSAGES=100000) runs it at the default maximum (~9 minutes on 2 cores; CI runs it).
    const MAX = Number(process.env.CDK_SCALE_MESSAGES ?? 2_000);
    it(`a queue at its configured maximum (${MAX.toLocaleString('en-US')}): the upgrade costs the same and every message is still served, and removing its gateway deletes it in timer messages within the budget`, { timeout: Math.max(120_000, MAX * 40) }, async () => {
        const rng = new SeededRandom(0x5ca1en);
        const canister = await WsCanister.install();
        await canister.setQueueLimits(BigInt(MAX), BigInt(MAX));
        const gateway = rng.principal();
        const key = { client_principal: rng.principal(), client_nonce: rng.nextU64() };
        expect(await canister.open(key, gateway)).toEqual({ Ok: null });
        let refused: unknown;
        for (let i = 0; i <= MAX / 500 && refused === undefined; i++) {
            const result = await canister.send(key.client_principal, Array.from({ length: 500 }, (_, j) => appMessage(`${i}.${j}`)));
            if ('Err' in result) refused = result.Err;
        }
        expect(refused).toMatch(new RegExp(`^Queue of gateway .* is full \\(${MAX} messages\\)`));
        expect((await canister.state()).gateways[0][2]).toBe(MAX);

        await canister.upgrade();
        const line = canister.replica.logs(canister.canisterId).filter((entry) => entry.includes('post_upgrade instructions')).pop()!;
        expect(Number(/(\d+)/.exec(line)![1]), 'post_upgrade instructions').toBeLessThan(1_500_000_000);
        const served = await canister.pollAll(gateway); // every page verified like the client does
        expect(served.map((m) => m.sequence_num)).toEqual(Array.from({ length: MAX }, (_, i) => BigInt(i + 1)));

        // The gateway's last client leaves; one interval later the keep-alive check removes the gateway and its
        // messages are deleted a budget's worth per timer message.
        const BUDGET = 150_000_000n * BigInt(Math.max(1, Math.round(MAX / 2_000))); // ~400 deletions per 150M
        await canister.setInstructionBudget(BUDGET);
        expect(await canister.close(gateway, key)).toEqual({ Ok: null });
        await canister.replica.advanceTime(ACK_INTERVAL_MS);
        await canister.replica.advanceTime(KEEP_ALIVE_TIMEOUT_MS);
        expect((await canister.state()).gateways).toEqual([]);
        const reclaimed = () => canister.replica.logs(canister.canisterId).filter((entry) => entry.includes('messages of removed gateways'));
        for (let round = 0; round < 200 && !reclaimed().some((entry) => entry.includes(' 0 left')); round++) await canister.replica.tick();
        const lines = reclaimed();
        expect(lines.at(-1)).toContain(' 0 left');
        expect(lines.length, 'several timer messages').toBeGreaterThan(1);
        const deleted = lines.reduce((sum, entry) => sum + Number(/deleted (\d+) messages/.exec(entry)![1]), 0);
        expect(deleted).toBe(MAX);
        for (const entry of lines) {
            // Each message stopped right after the budget ran out: one more deletion is ~0.3M instructions.
            expect(BigInt(/\((\d+) instructions/.exec(entry)![1]), entry).toBeLessThan(BUDGET + 20_000_000n);
        }
        // Nothing is left of the old queue: the gateway registers afresh at nonce 0.
        expect(await canister.open({ client_principal: key.client_principal, client_nonce: key.client_nonce + 1n }, gateway)).toEqual({ Ok: null });
        const { batch } = await canister.pollVerified(gateway, 0n);
        expect(batch.messages.map((m) => nonceAfter(m.key) - 1n)).toEqual([0n]);
    });
});
