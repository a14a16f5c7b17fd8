/**
 * The Candid interface of the IC WebSocket protocol 0.4.x (spec protocol.md §1) as `@dfinity/candid` IDL values,
 * and the matching TypeScript types. The field names and shapes are the wire format: do not change them.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

export const ClientPrincipalIdl = IDL.Principal;
export const GatewayPrincipalIdl = IDL.Principal;

export const ClientKeyIdl = IDL.Record({ client_principal: IDL.Principal, client_nonce: IDL.Nat64 });

export const WebsocketMessageIdl = IDL.Record({
    client_key: ClientKeyIdl,
    sequence_num: IDL.Nat64,
    timestamp: IDL.Nat64,
    is_service_message: IDL.Bool,
    content: IDL.Vec(IDL.Nat8)
});

export const CanisterOutputMessageIdl = IDL.Record({
    client_key: ClientKeyIdl,
    key: IDL.Text,
    content: IDL.Vec(IDL.Nat8)
});

export const CanisterOutputCertifiedMessagesIdl = IDL.Record({
    messages: IDL.Vec(CanisterOutputMessageIdl),
    cert: IDL.Vec(IDL.Nat8),
    tree: IDL.Vec(IDL.Nat8),
    is_end_of_queue: IDL.Bool
});

export const CanisterWsOpenArgumentsIdl = IDL.Record({ client_nonce: IDL.Nat64, gateway_principal: IDL.Principal });
export const CanisterWsCloseArgumentsIdl = IDL.Record({ client_key: ClientKeyIdl });
export const CanisterWsMessageArgumentsIdl = IDL.Record({ msg: WebsocketMessageIdl });
export const CanisterWsGetMessagesArgumentsIdl = IDL.Record({ nonce: IDL.Nat64 });

/** `variant { Ok : null; Err : text }`, the result of ws_open, ws_close, ws_message, send and close. */
export const WsResultIdl = IDL.Variant({ Ok: IDL.Null, Err: IDL.Text });
export const CanisterWsOpenResultIdl = WsResultIdl;
export const CanisterWsCloseResultIdl = WsResultIdl;
export const CanisterWsMessageResultIdl = WsResultIdl;
export const CanisterWsGetMessagesResultIdl = IDL.Variant({ Ok: CanisterOutputCertifiedMessagesIdl, Err: IDL.Text });

export const CloseMessageReasonIdl = IDL.Variant({
    WrongSequenceNumber: IDL.Null,
    InvalidServiceMessage: IDL.Null,
    KeepAliveTimeout: IDL.Null,
    ClosedByApplication: IDL.Null
});

/** The content of a service message (`is_service_message = true`), Candid-encoded as one value. */
export const WebsocketServiceMessageContentIdl = IDL.Variant({
    OpenMessage: IDL.Record({ client_key: ClientKeyIdl }),
    AckMessage: IDL.Record({ last_incoming_sequence_num: IDL.Nat64 }),
    KeepAliveMessage: IDL.Record({ last_incoming_sequence_num: IDL.Nat64 }),
    CloseMessage: IDL.Record({ reason: CloseMessageReasonIdl })
});

export type ClientKey = { client_principal: Principal; client_nonce: bigint };

export type WebsocketMessage = {
    client_key: ClientKey;
    sequence_num: bigint;
    timestamp: bigint;
    is_service_message: boolean;
    content: Uint8Array;
};

export type CanisterOutputMessage = { client_key: ClientKey; key: string; content: Uint8Array };

export type CanisterOutputCertifiedMessages = {
    messages: CanisterOutputMessage[];
    cert: Uint8Array;
    tree: Uint8Array;
    is_end_of_queue: boolean;
};

export type CanisterWsOpenArguments = { client_nonce: bigint; gateway_principal: Principal };
export type CanisterWsCloseArguments = { client_key: ClientKey };
export type CanisterWsMessageArguments = { msg: WebsocketMessage };
export type CanisterWsGetMessagesArguments = { nonce: bigint };
export type CanisterWsGetMessagesResult = { Ok: CanisterOutputCertifiedMessages } | { Err: string };

export type CloseMessageReason =
    | { WrongSequenceNumber: null }
    | { InvalidServiceMessage: null }
    | { KeepAliveTimeout: null }
    | { ClosedByApplication: null };

export type WebsocketServiceMessageContent =
    | { OpenMessage: { client_key: ClientKey } }
    | { AckMessage: { last_incoming_sequence_num: bigint } }
    | { KeepAliveMessage: { last_incoming_sequence_num: bigint } }
    | { CloseMessage: { reason: CloseMessageReason } };
