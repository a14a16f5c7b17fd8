/**
 * The exact error texts of ic-websocket-cdk 0.4.1 (spec protocol.md §5). Clients and the upstream integration
 * tests compare them byte for byte, so never reword them.
 *
 * `<key>` in a text is a client key in display form, `"<principal text>_<nonce decimal>"` (see `clientKeyToText`).
 */

/** Every `Result` in this CDK: the same shape as the Candid `variant { Ok : null; Err : text }`. */
export type WsResult = { Ok: null } | { Err: string };

/** The success value of a {@link WsResult}. */
export const OK: WsResult = Object.freeze({ Ok: null }) as WsResult;

/** Builds an `Err` result. */
export function err(message: string): WsResult {
    return { Err: message };
}

/** True when `result` is the `Err` variant. */
export function isErr(result: WsResult): result is { Err: string } {
    return 'Err' in result;
}

export const WsError = {
    anonymousPrincipalNotAllowed: () => 'Anonymous principal is not allowed',
    clientKeyAlreadyConnected: (key: string) => `Client with key ${key} already has an open connection`,
    clientKeyMessageMismatch: (principal: string) =>
        `Client with principal ${principal} has a different key than the one used in the message`,
    clientKeyNotConnected: (key: string) => `Client with key ${key} doesn't have an open connection`,
    clientNotRegisteredToGateway: (key: string, gateway: string) =>
        `Client with key ${key} was not registered to gateway ${gateway}`,
    clientPrincipalNotConnected: (principal: string) =>
        `Client with principal ${principal} doesn't have an open connection`,
    decodeServiceMessageContent: (detail: string) => `Error decoding service message content: ${detail}`,
    expectedIncomingMessageToClientNumNotInitialized: (key: string) =>
        `Expected incoming message to client num not initialized for client key ${key}`,
    gatewayNotRegistered: (gateway: string) => `Gateway with principal ${gateway} is not registered`,
    invalidServiceMessage: () => 'Invalid service message',
    incomingSequenceNumberWrong: (expected: bigint, actual: bigint) =>
        `Expected incoming sequence number ${expected} but got ${actual}`,
    outgoingMessageToClientNumNotInitialized: (key: string) =>
        `Outgoing message to client num not initialized for client key ${key}`,
    /** Not in upstream: the gateway's queue holds `maxQueuedMessagesPerGateway` messages already. */
    gatewayQueueFull: (gateway: string, max: number) =>
        `Queue of gateway ${gateway} is full (${max} messages): the message was not queued; old messages are deleted after the ack interval`,
    /** Not in upstream: the client has `maxQueuedMessagesPerClient` messages queued already. */
    clientQueueFull: (key: string, max: number) =>
        `Queue of client ${key} is full (${max} messages): the message was not queued; old messages are deleted after the ack interval`,
    /** Not in upstream: a message that could never fit in a query reply (see MAX_REPLY_MESSAGES_BYTES). */
    messageTooLarge: (size: number, max: number) => `Message of ${size} bytes exceeds the maximum of ${max} bytes`,
    /**
     * Not in upstream as an `Err`: a principal longer than the IC's 29 bytes in an argument (the Rust CDK traps with
     * the Candid error; the last sentence is the `ic_principal` crate's text).
     */
    principalTooLong: (field: string, length: number) => `Invalid principal in ${field} (${length} bytes): Bytes is longer than 29 bytes.`,
    /** Trap text of invalid init params (upstream wording). */
    invalidSendAckInterval: () => 'send_ack_interval_ms must be greater than CLIENT_KEEP_ALIVE_TIMEOUT_MS'
} as const;
