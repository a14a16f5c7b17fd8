/**
 * Results and errors. An error is `{ Err: text }` on the wire and in every return value, with the exact texts of
 * ic-websocket-cdk 0.4.1 (spec protocol.md §5): clients and the upstream integration tests compare them byte for
 * byte, so never reword them. `errorKind` names what went wrong, for code that branches on it; it reads the text,
 * so it works as well on a result decoded from the wire as on one `ws.send` returned.
 *
 * `<key>` in a text is a client key in display form, `"<principal text>_<nonce decimal>"` (see `clientKeyToText`).
 */

/**
 * Every `Result` in this CDK: the same shape as the Candid `variant { Ok : null; Err : text }` (`WsResultIdl` in
 * `ic-websocket-cdk/wire`), so a method can return it as it is.
 *
 * @example
 * const result: WsResult = ws.send(client, { text: 'hi' });
 * if ('Err' in result) console.log(`not sent: ${result.Err}`);
 */
export type WsResult = { Ok: null } | { Err: string };

/**
 * What went wrong, as a name to switch on (see {@link errorKind}); the `Err` text says the same for people and
 * logs. The names are upstream's `WsError` variants, plus this CDK's bounds:
 *
 * - `ClientPrincipalNotConnected`: `send`/`close` to a principal without an open connection (or `ws_message` from one).
 * - `GatewayQueueFull`, `ClientQueueFull`: `maxQueuedMessagesPerGateway` / `maxQueuedMessagesPerClient` messages are
 *   queued already; retry after the ack interval, when old messages are deleted.
 * - `MessageTooLarge`: a message over 2 MiB, which could never fit in a `ws_get_messages` reply.
 * - `PrincipalTooLong`: an argument named a principal over the IC's 29 bytes.
 * - `Unknown`: a text that is not one of this CDK's (e.g. an `Err` your own code made).
 * - The others come from the endpoints the gateway and clients call (`ws_open`, `ws_message`, `ws_close`):
 *   refused callers, unknown keys and gateways, wrong sequence numbers, bad service messages.
 *
 * @example
 * const kind: WsErrorKind | undefined = errorKind(ws.send(client, { text: 'hi' }));
 * if (kind === 'ClientQueueFull' || kind === 'GatewayQueueFull') retryLater(client);
 */
export type WsErrorKind =
    | 'AnonymousPrincipalNotAllowed'
    | 'ClientKeyAlreadyConnected'
    | 'ClientKeyMessageMismatch'
    | 'ClientKeyNotConnected'
    | 'ClientNotRegisteredToGateway'
    | 'ClientPrincipalNotConnected'
    | 'DecodeServiceMessageContent'
    | 'ExpectedIncomingMessageToClientNumNotInitialized'
    | 'GatewayNotRegistered'
    | 'InvalidServiceMessage'
    | 'IncomingSequenceNumberWrong'
    | 'OutgoingMessageToClientNumNotInitialized'
    | 'GatewayQueueFull'
    | 'ClientQueueFull'
    | 'MessageTooLarge'
    | 'PrincipalTooLong'
    | 'Unknown';

/** The success value of a {@link WsResult}. */
export const OK: WsResult = Object.freeze({ Ok: null }) as WsResult;

/** Builds an `Err` result. */
export function err(message: string): WsResult {
    return { Err: message };
}

/**
 * True when `result` is the `Err` variant (the same as `'Err' in result`, as a type guard).
 *
 * @example
 * const result = ws.close(client);
 * if (isErr(result)) console.log(result.Err); // "Client with principal … doesn't have an open connection"
 */
export function isErr(result: WsResult): result is { Err: string } {
    return 'Err' in result;
}

/** The texts, each built from the values it names. The only place they are written. */
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
    /** Trap text of invalid init params (upstream wording); a trap, not an `Err`, so it has no kind. */
    invalidSendAckInterval: () => 'send_ack_interval_ms must be greater than CLIENT_KEEP_ALIVE_TIMEOUT_MS'
} as const;

/** The kind of each `Err` text above. */
const KIND_OF_TEXT = {
    anonymousPrincipalNotAllowed: 'AnonymousPrincipalNotAllowed',
    clientKeyAlreadyConnected: 'ClientKeyAlreadyConnected',
    clientKeyMessageMismatch: 'ClientKeyMessageMismatch',
    clientKeyNotConnected: 'ClientKeyNotConnected',
    clientNotRegisteredToGateway: 'ClientNotRegisteredToGateway',
    clientPrincipalNotConnected: 'ClientPrincipalNotConnected',
    decodeServiceMessageContent: 'DecodeServiceMessageContent',
    expectedIncomingMessageToClientNumNotInitialized: 'ExpectedIncomingMessageToClientNumNotInitialized',
    gatewayNotRegistered: 'GatewayNotRegistered',
    invalidServiceMessage: 'InvalidServiceMessage',
    incomingSequenceNumberWrong: 'IncomingSequenceNumberWrong',
    outgoingMessageToClientNumNotInitialized: 'OutgoingMessageToClientNumNotInitialized',
    gatewayQueueFull: 'GatewayQueueFull',
    clientQueueFull: 'ClientQueueFull',
    messageTooLarge: 'MessageTooLarge',
    principalTooLong: 'PrincipalTooLong'
} as const satisfies Record<Exclude<keyof typeof WsError, 'invalidSendAckInterval'>, WsErrorKind>;

// Every kind but `Unknown` has a text (a compile error here names the one missing).
const everyKindHasAText: Record<Exclude<WsErrorKind, 'Unknown' | (typeof KIND_OF_TEXT)[keyof typeof KIND_OF_TEXT]>, never> = {};
void everyKindHasAText;

/** Stands for a value in a text while its literal parts are found (no text contains it). */
const HOLE = '\u0000';

/** Each kind's text as its literal parts around the values, read off the builders once, on first use. */
let textParts: [WsErrorKind, string[]][] | undefined;

function partsOfTexts(): [WsErrorKind, string[]][] {
    return (textParts ??= Object.entries(KIND_OF_TEXT).map(([name, kind]) => {
        const build = WsError[name as keyof typeof KIND_OF_TEXT] as (...values: unknown[]) => string;
        return [kind, build(...Array.from({ length: build.length }, () => HOLE)).split(HOLE)];
    }));
}

/** Whether `text` is `parts` with any values between them. */
function fitsParts(text: string, parts: string[]): boolean {
    if (parts.length === 1) return text === parts[0];
    const first = parts[0]!;
    const last = parts[parts.length - 1]!;
    if (!text.startsWith(first) || !text.endsWith(last)) return false;
    let at = first.length;
    for (let i = 1; i < parts.length - 1; i++) {
        const found = text.indexOf(parts[i]!, at);
        if (found < 0) return false;
        at = found + parts[i]!.length;
    }
    return at <= text.length - last.length;
}

/**
 * What went wrong, read from an `Err` result (or its text): `undefined` for `{ Ok: null }`, `'Unknown'` for a text
 * this CDK does not write. Works on any result with this CDK's texts, including one decoded from the wire: outside a
 * canister (a gateway, a Node tool or test), import it from `ic-websocket-cdk/wire`, which needs no azle. Classifying costs a few string comparisons; nothing is computed for results you do not classify.
 *
 * @example
 * const result = ws.send(client, { text: 'hi' });
 * switch (errorKind(result)) {
 *     case undefined: break;                                    // queued
 *     case 'ClientPrincipalNotConnected': forget(client); break; // gone: stop sending
 *     case 'ClientQueueFull':
 *     case 'GatewayQueueFull': retryLater(client); break;       // backlog: old messages go after the ack interval
 *     default: console.log(`send failed: ${'Err' in result ? result.Err : ''}`);
 * }
 *
 * @example
 * // Failed recipients of a broadcast carry the text only:
 * const { failed } = ws.broadcast({ text: 'news' });
 * const gone = failed.filter(({ error }) => errorKind(error) === 'ClientPrincipalNotConnected');
 */
export function errorKind(result: { Err: string } | string): WsErrorKind;
export function errorKind(result: WsResult | string): WsErrorKind | undefined;
export function errorKind(result: WsResult | string): WsErrorKind | undefined {
    if (typeof result !== 'string' && !('Err' in result)) return undefined;
    const text = typeof result === 'string' ? result : result.Err;
    for (const [kind, parts] of partsOfTexts()) if (fitsParts(text, parts)) return kind;
    return 'Unknown';
}
