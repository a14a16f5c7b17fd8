/**
 * The Candid interface of the IC WebSocket protocol 0.4.x (spec protocol.md §1) as `@dfinity/candid` IDL values,
 * and the matching TypeScript types. The field names and shapes are the wire format: do not change them.
 * Published as `ic-websocket-cdk/wire` (with `wire.ts`), so nothing here may import `azle`.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

/**
 * `record { client_principal : principal; client_nonce : nat64 }`: one connection of a client (a principal may
 * open a new connection with another nonce, which replaces the old one).
 *
 * @example
 * IDL.encode([ClientKeyIdl], [{ client_principal: Principal.fromText('2vxsx-fae'), client_nonce: 1n }]);
 */
export const ClientKeyIdl = IDL.Record({ client_principal: IDL.Principal, client_nonce: IDL.Nat64 });

/**
 * One message in either direction; its CBOR (`encodeWebsocketMessage`) is what the canister certifies and what
 * `CanisterOutputMessage.content` carries.
 *
 * @example
 * IDL.encode([WebsocketMessageIdl], [{ client_key, sequence_num: 1n, timestamp: 0n, is_service_message: false, content: new Uint8Array() }]);
 */
export const WebsocketMessageIdl = IDL.Record({
    client_key: ClientKeyIdl,
    sequence_num: IDL.Nat64,
    timestamp: IDL.Nat64,
    is_service_message: IDL.Bool,
    content: IDL.Vec(IDL.Nat8)
});

/**
 * One queued message in a `ws_get_messages` reply: its certification key (`<gateway>_<20-digit nonce>`) and the
 * CBOR of its `WebsocketMessage`.
 *
 * @example
 * const [message] = IDL.decode([CanisterOutputMessageIdl], bytes) as unknown as [CanisterOutputMessage];
 */
export const CanisterOutputMessageIdl = IDL.Record({
    client_key: ClientKeyIdl,
    key: IDL.Text,
    content: IDL.Vec(IDL.Nat8)
});

/**
 * The `Ok` of `ws_get_messages`: messages, plus the certificate and the witness (CBOR hash tree) shared by all of
 * them; `is_end_of_queue` is false when more messages wait (poll again at once).
 *
 * @example
 * const result = IDL.decode([CanisterWsGetMessagesResultIdl], reply)[0] as unknown as CanisterWsGetMessagesResult;
 */
export const CanisterOutputCertifiedMessagesIdl = IDL.Record({
    messages: IDL.Vec(CanisterOutputMessageIdl),
    cert: IDL.Vec(IDL.Nat8),
    tree: IDL.Vec(IDL.Nat8),
    is_end_of_queue: IDL.Bool
});

/**
 * Argument of `ws_open` (called by the client, relayed by the gateway it names).
 *
 * @example
 * const arg = IDL.encode([CanisterWsOpenArgumentsIdl], [{ client_nonce: 42n, gateway_principal: gateway }]);
 */
export const CanisterWsOpenArgumentsIdl = IDL.Record({ client_nonce: IDL.Nat64, gateway_principal: IDL.Principal });

/**
 * Argument of `ws_close` (called by the client's gateway).
 *
 * @example
 * const arg = IDL.encode([CanisterWsCloseArgumentsIdl], [{ client_key }]);
 */
export const CanisterWsCloseArgumentsIdl = IDL.Record({ client_key: ClientKeyIdl });

/**
 * First argument of `ws_message` (called by the client); the second is `opt <application message type>`.
 *
 * @example
 * const arg = IDL.encode([CanisterWsMessageArgumentsIdl, IDL.Opt(AppMessage)], [{ msg }, []]);
 */
export const CanisterWsMessageArgumentsIdl = IDL.Record({ msg: WebsocketMessageIdl });

/**
 * Argument of `ws_get_messages` (a query by the gateway): the nonce of the first message it wants.
 *
 * @example
 * const arg = IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce: 0n }]);
 */
export const CanisterWsGetMessagesArgumentsIdl = IDL.Record({ nonce: IDL.Nat64 });

/**
 * `variant { Ok : null; Err : text }`, the result of `ws_open`, `ws_close`, `ws_message`, `ws.send` and
 * `ws.close`. In a canister, the return type of a method that returns a `WsResult`.
 *
 * @example
 * // A method of yours returning a send result, decorated with `@update([IDL.Principal, IDL.Text], WsResultIdl)`:
 * function notify(client: Principal, text: string): WsResult { return ws.send(client, { text }); }
 */
export const WsResultIdl = IDL.Variant({ Ok: IDL.Null, Err: IDL.Text });

/**
 * Result of `ws_open` (upstream's name for {@link WsResultIdl}).
 *
 * @example
 * const [result] = IDL.decode([CanisterWsOpenResultIdl], reply) as unknown as [WsResult];
 */
export const CanisterWsOpenResultIdl = WsResultIdl;

/**
 * Result of `ws_close` (upstream's name for {@link WsResultIdl}).
 *
 * @example
 * const [result] = IDL.decode([CanisterWsCloseResultIdl], reply) as unknown as [WsResult];
 */
export const CanisterWsCloseResultIdl = WsResultIdl;

/**
 * Result of `ws_message` (upstream's name for {@link WsResultIdl}).
 *
 * @example
 * const [result] = IDL.decode([CanisterWsMessageResultIdl], reply) as unknown as [WsResult];
 */
export const CanisterWsMessageResultIdl = WsResultIdl;

/**
 * Result of `ws_get_messages`: `variant { Ok : CanisterOutputCertifiedMessages; Err : text }` (this CDK never
 * answers `Err`; ic-websocket-gateway treats one as fatal for the canister's clients).
 *
 * @example
 * const [result] = IDL.decode([CanisterWsGetMessagesResultIdl], reply) as unknown as [CanisterWsGetMessagesResult];
 * if ('Ok' in result) for (const message of result.Ok.messages) forward(message);
 */
export const CanisterWsGetMessagesResultIdl = IDL.Variant({ Ok: CanisterOutputCertifiedMessagesIdl, Err: IDL.Text });

/**
 * Why the canister closed a client (in a `CloseMessage` service message).
 *
 * @example
 * IDL.encode([CloseMessageReasonIdl], [{ KeepAliveTimeout: null }]);
 */
export const CloseMessageReasonIdl = IDL.Variant({
    WrongSequenceNumber: IDL.Null,
    InvalidServiceMessage: IDL.Null,
    KeepAliveTimeout: IDL.Null,
    ClosedByApplication: IDL.Null
});

/**
 * The content of a service message (`is_service_message = true`), Candid-encoded as one value: Open, Ack and
 * Close come from the canister, KeepAlive from the client.
 *
 * @example
 * const [content] = IDL.decode([WebsocketServiceMessageContentIdl], message.content) as unknown as [WebsocketServiceMessageContent];
 * if ('AckMessage' in content) checkAcked(content.AckMessage.last_incoming_sequence_num); // received up to it
 */
export const WebsocketServiceMessageContentIdl = IDL.Variant({
    OpenMessage: IDL.Record({ client_key: ClientKeyIdl }),
    AckMessage: IDL.Record({ last_incoming_sequence_num: IDL.Nat64 }),
    KeepAliveMessage: IDL.Record({ last_incoming_sequence_num: IDL.Nat64 }),
    CloseMessage: IDL.Record({ reason: CloseMessageReasonIdl })
});

/**
 * The service of the four endpoints every canister using this CDK has, as the canister's `.did` declares them
 * (`ws_message`'s second argument is `opt appMessage`). For an agent's `Actor.createActor` in a gateway or a tool.
 *
 * @example
 * const actor = Actor.createActor(() => wsServiceIdl(), { agent, canisterId });
 * const result = await actor.ws_get_messages({ nonce: 0n });
 */
export function wsServiceIdl(appMessage: IDL.Type = IDL.Null): IDL.ServiceClass {
    return IDL.Service({
        ws_open: IDL.Func([CanisterWsOpenArgumentsIdl], [CanisterWsOpenResultIdl], []),
        ws_close: IDL.Func([CanisterWsCloseArgumentsIdl], [CanisterWsCloseResultIdl], []),
        ws_message: IDL.Func([CanisterWsMessageArgumentsIdl, IDL.Opt(appMessage)], [CanisterWsMessageResultIdl], []),
        ws_get_messages: IDL.Func([CanisterWsGetMessagesArgumentsIdl], [CanisterWsGetMessagesResultIdl], ['query'])
    });
}

/**
 * The names of the four endpoints (e.g. to tell WebSocket calls from your own in `@inspectMessage`).
 *
 * @example
 * if (!WS_METHOD_NAMES.includes(msgMethodName())) return myOwnRules();
 */
export const WS_METHOD_NAMES: readonly string[] = Object.freeze(['ws_open', 'ws_close', 'ws_message', 'ws_get_messages']);

/**
 * TS type of {@link ClientKeyIdl}.
 *
 * @example
 * const key: ClientKey = { client_principal: identity.getPrincipal(), client_nonce: 7n };
 */
export type ClientKey = { client_principal: Principal; client_nonce: bigint };

/**
 * TS type of {@link WebsocketMessageIdl}.
 *
 * @example
 * const message: WebsocketMessage = decodeWebsocketMessage(output.content);
 * if (!message.is_service_message) handle(IDL.decode([AppMessage], message.content));
 */
export type WebsocketMessage = {
    client_key: ClientKey;
    sequence_num: bigint;
    /** Nanoseconds since the epoch, when the canister queued it. */
    timestamp: bigint;
    is_service_message: boolean;
    content: Uint8Array;
};

/**
 * TS type of {@link CanisterOutputMessageIdl}.
 *
 * @example
 * const nonce = nonceOfMessageKey((output as CanisterOutputMessage).key);
 */
export type CanisterOutputMessage = { client_key: ClientKey; key: string; content: Uint8Array };

/**
 * TS type of {@link CanisterOutputCertifiedMessagesIdl}.
 *
 * @example
 * function nextNonce(batch: CanisterOutputCertifiedMessages, current: bigint): bigint {
 *     const last = batch.messages.at(-1);
 *     return last ? nonceOfMessageKey(last.key) + 1n : current;
 * }
 */
export type CanisterOutputCertifiedMessages = {
    messages: CanisterOutputMessage[];
    cert: Uint8Array;
    tree: Uint8Array;
    is_end_of_queue: boolean;
};

/**
 * TS type of {@link CanisterWsOpenArgumentsIdl}.
 *
 * @example
 * const [args] = IDL.decode([CanisterWsOpenArgumentsIdl], arg) as unknown as [CanisterWsOpenArguments];
 */
export type CanisterWsOpenArguments = { client_nonce: bigint; gateway_principal: Principal };

/**
 * TS type of {@link CanisterWsCloseArgumentsIdl}.
 *
 * @example
 * const args: CanisterWsCloseArguments = { client_key };
 */
export type CanisterWsCloseArguments = { client_key: ClientKey };

/**
 * TS type of {@link CanisterWsMessageArgumentsIdl}.
 *
 * @example
 * const args: CanisterWsMessageArguments = { msg: { client_key, sequence_num: 2n, timestamp, is_service_message: false, content } };
 */
export type CanisterWsMessageArguments = { msg: WebsocketMessage };

/**
 * TS type of {@link CanisterWsGetMessagesArgumentsIdl}.
 *
 * @example
 * const args: CanisterWsGetMessagesArguments = { nonce: 0n };
 */
export type CanisterWsGetMessagesArguments = { nonce: bigint };

/**
 * TS type of {@link CanisterWsGetMessagesResultIdl}.
 *
 * @example
 * const result = (await actor.ws_get_messages({ nonce })) as CanisterWsGetMessagesResult;
 * if ('Err' in result) throw new Error(result.Err);
 */
export type CanisterWsGetMessagesResult = { Ok: CanisterOutputCertifiedMessages } | { Err: string };

/**
 * TS type of {@link CloseMessageReasonIdl}.
 *
 * @example
 * const reason: CloseMessageReason = { ClosedByApplication: null };
 */
export type CloseMessageReason =
    | { WrongSequenceNumber: null }
    | { InvalidServiceMessage: null }
    | { KeepAliveTimeout: null }
    | { ClosedByApplication: null };

/**
 * TS type of {@link WebsocketServiceMessageContentIdl}.
 *
 * @example
 * const keepAlive: WebsocketServiceMessageContent = { KeepAliveMessage: { last_incoming_sequence_num: 5n } };
 */
export type WebsocketServiceMessageContent =
    | { OpenMessage: { client_key: ClientKey } }
    | { AckMessage: { last_incoming_sequence_num: bigint } }
    | { KeepAliveMessage: { last_incoming_sequence_num: bigint } }
    | { CloseMessage: { reason: CloseMessageReason } };
