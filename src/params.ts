/**
 * Validation and defaults of the CDK parameters (spec protocol.md §1.4).
 */
import {
    CLIENT_KEEP_ALIVE_TIMEOUT_MS,
    DEFAULT_MAX_NUMBER_OF_RETURNED_MESSAGES,
    DEFAULT_SEND_ACK_INTERVAL_MS,
    MAX_REPLY_MESSAGES_BYTES
} from './constants';
import { WsError } from './errors';
import type { WsParams } from './protocol/context';

/** Parameters as a developer passes them; every field is optional. */
export type WsParamsInput = {
    /** Messages per ws_get_messages reply (default 50). */
    maxNumberOfReturnedMessages?: number | bigint;
    /**
     * Period of the ack timer in ms (default 300 000); must be greater than 60 000, and the client's
     * `ackMessageIntervalMs` must be the same value. Azle timers take whole seconds, so the timer fires every
     * `ceil(ms / 1000)` s; deletion of old messages uses the exact value.
     */
    sendAckIntervalMs?: number | bigint;
};

/**
 * Applies defaults and validates. Throws (a trap inside a canister) with upstream's text when the ack interval is not
 * greater than the keep-alive timeout, and with a clear message for values that are not non-negative integers.
 *
 * @example
 * resolveParams({ sendAckIntervalMs: 120_000 }); // { maxNumberOfReturnedMessages: 50, sendAckIntervalMs: 120000n, … }
 */
export function resolveParams(input: WsParamsInput = {}): WsParams {
    const max = toBigInt(input.maxNumberOfReturnedMessages ?? DEFAULT_MAX_NUMBER_OF_RETURNED_MESSAGES, 'maxNumberOfReturnedMessages');
    const interval = toBigInt(input.sendAckIntervalMs ?? DEFAULT_SEND_ACK_INTERVAL_MS, 'sendAckIntervalMs');
    if (interval <= CLIENT_KEEP_ALIVE_TIMEOUT_MS) throw new Error(WsError.invalidSendAckInterval());
    return {
        maxNumberOfReturnedMessages: Number(max > 1_000_000n ? 1_000_000n : max),
        sendAckIntervalMs: interval,
        maxReplyMessagesBytes: MAX_REPLY_MESSAGES_BYTES
    };
}

/** Whole seconds for Azle's timers: the ack interval rounded up, so acks never come earlier than the client expects. */
export function ackTimerSeconds(sendAckIntervalMs: bigint): number {
    return Number((sendAckIntervalMs + 999n) / 1000n);
}

function toBigInt(value: number | bigint, name: string): bigint {
    if (typeof value === 'bigint') {
        if (value < 0n) throw new Error(`${name} must not be negative, got ${value}`);
        return value;
    }
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${value}`);
    return BigInt(value);
}
