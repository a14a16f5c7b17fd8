import { describe, expect, it } from 'vitest';
import { Principal } from '@dfinity/principal';
import { clientKeyToText, formatMessageKey, nonceOfMessageKey } from '../../src/keys';
import { pollRange } from '../../src/protocol/ws_get_messages';
import { resolveParams } from '../../src/params';

const unitSize = () => 1;

describe('keys (spec §2.9)', () => {
    it('formats message keys as <gateway text>_<20-digit zero-padded nonce>', () => {
        const gateway = 'sqdfl-mr4km-2hfjy-gajqo-xqvh7-hf4mf-nra4i-3it6l-neaw4-soolw-tae';
        expect(formatMessageKey(gateway, 2n)).toBe(`${gateway}_00000000000000000002`);
        expect(formatMessageKey(gateway, 2n).length).toBe(84);
        expect(formatMessageKey(gateway, 2n ** 64n - 1n)).toBe(`${gateway}_18446744073709551615`);
        expect(nonceOfMessageKey(formatMessageKey(gateway, 12345n))).toBe(12345n);
        // Zero padding keeps string order equal to nonce order.
        expect(formatMessageKey(gateway, 9n) < formatMessageKey(gateway, 10n)).toBe(true);
    });

    it('shows client keys as <principal>_<nonce> without padding', () => {
        expect(clientKeyToText({ client_principal: Principal.anonymous(), client_nonce: 5n })).toBe('2vxsx-fae_5');
    });
});

describe('poll range (spec §6.3)', () => {
    it('is empty and at the end of the queue for an empty queue, whatever the nonce', () => {
        for (const nonce of [0n, 1n, 100n]) expect(pollRange(nonce, 0n, 0n, 50, unitSize, 1e9)).toEqual({ start: nonce, end: nonce, isEndOfQueue: true });
    });

    it('returns [nonce, len) for a short queue, and nothing at the end', () => {
        for (let nonce = 0n; nonce <= 4n; nonce++) {
            const range = pollRange(nonce, 0n, 4n, 50, unitSize, 1e9);
            expect(range).toEqual({ start: nonce, end: 4n, isEndOfQueue: true });
        }
    });

    it('pages by max with is_end_of_queue exactly when the end is reached', () => {
        const max = 50;
        const length = 2n * BigInt(max);
        for (let i = 0n; i < length; i++) {
            const range = pollRange(i, 0n, length, max, unitSize, 1e9);
            const end = i + BigInt(max) < length ? i + BigInt(max) : length;
            expect(range).toEqual({ start: i, end, isEndOfQueue: end === length });
        }
    });

    it('starts at the oldest retained message for older nonces', () => {
        expect(pollRange(0n, 7n, 20n, 5, unitSize, 1e9)).toEqual({ start: 7n, end: 12n, isEndOfQueue: false });
    });

    it('splits by the byte budget, but always returns at least one message', () => {
        const sizes = [400n, 400n, 400n, 5000n, 10n];
        const sizeOf = (n: bigint) => Number(sizes[Number(n)]);
        expect(pollRange(0n, 0n, 5n, 50, sizeOf, 1000)).toEqual({ start: 0n, end: 2n, isEndOfQueue: false });
        expect(pollRange(2n, 0n, 5n, 50, sizeOf, 1000)).toEqual({ start: 2n, end: 3n, isEndOfQueue: false });
        expect(pollRange(3n, 0n, 5n, 50, sizeOf, 1000)).toEqual({ start: 3n, end: 4n, isEndOfQueue: false });
        expect(pollRange(4n, 0n, 5n, 50, sizeOf, 1000)).toEqual({ start: 4n, end: 5n, isEndOfQueue: true });
    });
});

describe('params (spec §1.4)', () => {
    it('defaults to 50 messages and 300 000 ms', () => {
        expect(resolveParams()).toMatchObject({ maxNumberOfReturnedMessages: 50, sendAckIntervalMs: 300_000n });
    });

    it('refuses an ack interval not greater than the keep-alive timeout, with upstream text', () => {
        for (const ms of [5, 60_000]) {
            expect(() => resolveParams({ sendAckIntervalMs: ms })).toThrow('send_ack_interval_ms must be greater than CLIENT_KEEP_ALIVE_TIMEOUT_MS');
        }
        expect(resolveParams({ sendAckIntervalMs: 60_001n }).sendAckIntervalMs).toBe(60_001n);
        expect(() => resolveParams({ maxNumberOfReturnedMessages: -1 })).toThrow(/non-negative integer/);
        expect(() => resolveParams({ sendAckIntervalMs: 1.5e5 + 0.5 })).toThrow(/non-negative integer/);
    });

    it('bounds the queues by default and takes other bounds', () => {
        expect(resolveParams()).toMatchObject({ maxQueuedMessagesPerGateway: 100_000, maxQueuedMessagesPerClient: 10_000 });
        expect(resolveParams({ maxQueuedMessagesPerGateway: 7n, maxQueuedMessagesPerClient: 3 })).toMatchObject({ maxQueuedMessagesPerGateway: 7, maxQueuedMessagesPerClient: 3 });
        expect(() => resolveParams({ maxQueuedMessagesPerClient: -1 })).toThrow(/non-negative integer/);
    });
});
