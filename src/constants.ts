/**
 * Protocol constants of ic-websocket-cdk 0.4.1 (spec protocol.md §4), plus this CDK's reply-size guard.
 */

/**
 * Label under which all message hashes are certified: `certified_data = labeled("websocket", root)`, and the
 * first label of every witness path (`websocket / <message key>`).
 *
 * @example
 * const path = [LABEL_WEBSOCKET, formatMessageKey(gateway.toText(), 0n)]; // where a verifier looks up a message's hash
 */
export const LABEL_WEBSOCKET = 'websocket';

/**
 * Default of `maxNumberOfReturnedMessages`: messages returned by one `ws_get_messages` call.
 *
 * @example
 * ws.init({ maxNumberOfReturnedMessages: 2 * DEFAULT_MAX_NUMBER_OF_RETURNED_MESSAGES });
 */
export const DEFAULT_MAX_NUMBER_OF_RETURNED_MESSAGES = 50;

/**
 * Default of `sendAckIntervalMs`, the period of the ack timer (5 minutes); the client's `ackMessageIntervalMs`
 * must be equal to it.
 *
 * @example
 * ws.init({ sendAckIntervalMs: DEFAULT_SEND_ACK_INTERVAL_MS / 2n }); // 150 s: clients set ackMessageIntervalMs: 150_000
 */
export const DEFAULT_SEND_ACK_INTERVAL_MS = 300_000n;

/** Upper bound on the latency between client and canister, used by client and canister alike. */
export const COMMUNICATION_LATENCY_BOUND_MS = 30_000n;

/** A client that was acked must send a keep-alive within this time (2 × latency bound). */
export const CLIENT_KEEP_ALIVE_TIMEOUT_MS = 2n * COMMUNICATION_LATENCY_BOUND_MS;

/** First nonce of every gateway's outgoing queue. */
export const INITIAL_OUTGOING_MESSAGE_NONCE = 0n;

/** Sequence number expected in the first client → canister message. */
export const INITIAL_CLIENT_SEQUENCE_NUM = 1n;

/** Last sequence number "used" towards a new client: its first message (the OpenMessage) is number 1. */
export const INITIAL_CANISTER_SEQUENCE_NUM = 0n;

/**
 * Not in upstream: default maximum of messages queued (not yet deleted) for one gateway. Application messages beyond
 * it are refused with an `Err`; service messages (open, ack, close) always go. Each message stays at least one ack
 * interval, so this bounds a gateway's sustained rate to ~333 messages/s at the default interval, about what a
 * canister can certify anyway (~7M instructions each). Upgrades cost the same at any queue length, and a removed
 * gateway's messages are deleted in timer messages within the instruction budget, so the bound is about storage
 * (~0.4 KB per queued message), not about limits.
 *
 * @example
 * const ws = new IcWebSocket({ appMessage, maxQueuedMessagesPerGateway: DEFAULT_MAX_QUEUED_MESSAGES_PER_GATEWAY / 10 });
 */
export const DEFAULT_MAX_QUEUED_MESSAGES_PER_GATEWAY = 100_000;

/**
 * Not in upstream: default maximum of messages queued for one client (~33 messages/s sustained at the default ack
 * interval); application messages beyond it are refused with an `Err` (kind `ClientQueueFull`).
 *
 * @example
 * const ws = new IcWebSocket({ appMessage, maxQueuedMessagesPerClient: 4 * DEFAULT_MAX_QUEUED_MESSAGES_PER_CLIENT });
 */
export const DEFAULT_MAX_QUEUED_MESSAGES_PER_CLIENT = 10_000;

/** At most this many expired messages are deleted from a gateway queue on each send. */
export const MESSAGES_TO_DELETE_COUNT = 5;

/**
 * Not in upstream: the IC caps a query reply at 3 MiB, so one `ws_get_messages` reply carries at most this many
 * bytes of messages (content, key, client key and witness estimate); the rest comes in the next poll
 * (`is_end_of_queue = false`). One message alone may not exceed it either, so `send` refuses bigger messages.
 */
export const MAX_REPLY_MESSAGES_BYTES = 2 * 1024 * 1024;

/**
 * Not in upstream: a broadcast, an ack round or a keep-alive check stops once the current message has used this
 * many instructions (half the 40B limit, leaving room for certification and the application) and continues in
 * follow-up timer messages, so no number of clients makes them hit the limit. Default of `instructionBudget`.
 *
 * @example
 * // Leave room for heavy work of your own after broadcasts in the same call:
 * const ws = new IcWebSocket({ appMessage, instructionBudget: DEFAULT_INSTRUCTION_BUDGET / 2n });
 */
export const DEFAULT_INSTRUCTION_BUDGET = 20_000_000_000n;

/**
 * A principal has at most 29 bytes on the IC. Every principal the CDK decodes (arguments, stored records) is checked
 * against it: the stored layouts prefix principals with a one-byte length, which longer ones would overflow.
 */
export const MAX_PRINCIPAL_BYTES = 29;

/** Prefix of every debug line the CDK prints, as in the Rust CDK. */
export const LOG_PREFIX = '[IC-WEBSOCKET-CDK]: ';

export const NANOS_PER_MILLI = 1_000_000n;
