/**
 * Validation and defaults of the CDK parameters (spec protocol.md §1.4).
 */
import {
    CLIENT_KEEP_ALIVE_TIMEOUT_MS,
    DEFAULT_MAX_NUMBER_OF_RETURNED_MESSAGES,
    DEFAULT_MAX_QUEUED_MESSAGES_PER_CLIENT,
    DEFAULT_MAX_QUEUED_MESSAGES_PER_GATEWAY,
    DEFAULT_SEND_ACK_INTERVAL_MS,
    MAX_REPLY_MESSAGES_BYTES
} from './constants';
import { WsError } from './errors';
import type { WsParams } from './protocol/context';

/**
 * The CDK's parameters, as options of `new IcWebSocket(...)` or as the argument of `ws.init(params)` (which
 * changes only the fields given); every field is optional. Invalid values throw (trap).
 *
 * @example
 * const params: WsParamsInput = { sendAckIntervalMs: 120_000, maxQueuedMessagesPerClient: 1_000 };
 * ws.init(params);
 */
export type WsParamsInput = {
    /**
     * Messages per `ws_get_messages` reply (default 50); replies also stop at 2 MiB of messages.
     *
     * @example
     * ws.init({ maxNumberOfReturnedMessages: 100 });
     */
    maxNumberOfReturnedMessages?: number | bigint;
    /**
     * Period of the ack timer in ms (default 300 000); must be greater than 60 000, and the client's
     * `ackMessageIntervalMs` must be the same value. Azle timers take whole seconds, so a round starts within a
     * second after it is due; deletion of old messages uses the exact value.
     *
     * @example
     * ws.init({ sendAckIntervalMs: 120_000 }); // clients: createWsConfig({ …, ackMessageIntervalMs: 120_000 })
     */
    sendAckIntervalMs?: number | bigint;
    /**
     * Not in upstream: most messages queued for one gateway (default 100 000); `send` and `broadcast` return an
     * `Err` (kind `GatewayQueueFull`) for application messages beyond it. Service messages (open, ack, close) are
     * never refused.
     *
     * @example
     * ws.init({ maxQueuedMessagesPerGateway: 20_000 });
     */
    maxQueuedMessagesPerGateway?: number | bigint;
    /**
     * Not in upstream: most messages queued for one client (default 10 000), as above (kind `ClientQueueFull`).
     *
     * @example
     * ws.init({ maxQueuedMessagesPerClient: 500 });
     */
    maxQueuedMessagesPerClient?: number | bigint;
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
    const perGateway = toBigInt(input.maxQueuedMessagesPerGateway ?? DEFAULT_MAX_QUEUED_MESSAGES_PER_GATEWAY, 'maxQueuedMessagesPerGateway');
    const perClient = toBigInt(input.maxQueuedMessagesPerClient ?? DEFAULT_MAX_QUEUED_MESSAGES_PER_CLIENT, 'maxQueuedMessagesPerClient');
    return {
        maxNumberOfReturnedMessages: Number(max > 1_000_000n ? 1_000_000n : max),
        sendAckIntervalMs: interval,
        maxReplyMessagesBytes: MAX_REPLY_MESSAGES_BYTES,
        maxQueuedMessagesPerGateway: Number(perGateway > MAX_SAFE ? MAX_SAFE : perGateway),
        maxQueuedMessagesPerClient: Number(perClient > 0xffff_ffffn ? 0xffff_ffffn : perClient)
    };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function toBigInt(value: number | bigint, name: string): bigint {
    if (typeof value === 'bigint') {
        if (value < 0n) throw new Error(`${name} must not be negative, got ${value}`);
        return value;
    }
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${value}`);
    return BigInt(value);
}
