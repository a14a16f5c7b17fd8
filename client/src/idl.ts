/**
 * The Candid side of the protocol (spec protocol.md §1): the `ws_open` / `ws_message` arguments the client sends,
 * the service messages inside `WebsocketMessage.content`, and the application message type read from the
 * canister actor's `ws_message`.
 */
import { Actor, type ActorMethod, type ActorSubclass } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

/** Identifies one connection: the client's principal and a random nonce chosen per connection. */
export interface ClientKey {
    client_principal: Principal;
    client_nonce: bigint;
}

/** One message in either direction; `content` is Candid (application) or a service message. */
export interface WebsocketMessage {
    client_key: ClientKey;
    sequence_num: bigint;
    /** Nanoseconds since the epoch. */
    timestamp: bigint;
    is_service_message: boolean;
    content: Uint8Array | number[];
}

export interface CanisterWsMessageArguments {
    msg: WebsocketMessage;
}
export interface CanisterWsOpenArguments {
    client_nonce: bigint;
    gateway_principal: Principal;
}
export type CanisterWsMessageResult = { Ok: null } | { Err: string };
export type CanisterWsOpenResult = { Ok: null } | { Err: string };

/**
 * The part of a canister's service the client needs: `ws_open`, and `ws_message` whose second argument names the
 * application message type `T`. Actors of `dfx generate` declarations of a canister using the CDK satisfy it.
 */
export interface _WS_CANISTER_SERVICE<T = any> {
    ws_message: ActorMethod<[CanisterWsMessageArguments, [] | [T]], CanisterWsMessageResult>;
    ws_open: ActorMethod<[CanisterWsOpenArguments], CanisterWsOpenResult>;
}

/** The inner type of an `ActorMethod`'s arguments. */
export type GetInnerType<S> = S extends ActorMethod<infer T> ? T : never;

/** The application message type of a service: the `T` of `ws_message`'s `opt T` argument. */
export type GetApplicationMessageType<Service extends _WS_CANISTER_SERVICE> = Exclude<GetInnerType<Service['ws_message']>[1], []>[0];

export type CloseMessageReason =
    | { WrongSequenceNumber: null }
    | { InvalidServiceMessage: null }
    | { KeepAliveTimeout: null }
    | { ClosedByApplication: null };

/** Service messages (spec §1.3): Open, Ack and Close come from the canister, KeepAlive from the client. */
export type WebsocketServiceMessageContent =
    | { OpenMessage: { client_key: ClientKey } }
    | { AckMessage: { last_incoming_sequence_num: bigint } }
    | { KeepAliveMessage: { last_incoming_sequence_num: bigint } }
    | { CloseMessage: { reason: CloseMessageReason } };

const ClientKeyIdl = IDL.Record({ client_principal: IDL.Principal, client_nonce: IDL.Nat64 });
const WebsocketMessageIdl = IDL.Record({
    client_key: ClientKeyIdl,
    sequence_num: IDL.Nat64,
    timestamp: IDL.Nat64,
    is_service_message: IDL.Bool,
    content: IDL.Vec(IDL.Nat8)
});
const CanisterWsOpenArgumentsIdl = IDL.Record({ client_nonce: IDL.Nat64, gateway_principal: IDL.Principal });
const CanisterWsMessageArgumentsIdl = IDL.Record({ msg: WebsocketMessageIdl });
const WebsocketServiceMessageContentIdl = IDL.Variant({
    OpenMessage: IDL.Record({ client_key: ClientKeyIdl }),
    AckMessage: IDL.Record({ last_incoming_sequence_num: IDL.Nat64 }),
    KeepAliveMessage: IDL.Record({ last_incoming_sequence_num: IDL.Nat64 }),
    CloseMessage: IDL.Record({
        reason: IDL.Variant({ WrongSequenceNumber: IDL.Null, InvalidServiceMessage: IDL.Null, KeepAliveTimeout: IDL.Null, ClosedByApplication: IDL.Null })
    })
});

/** Candid argument of `ws_open`. */
export function encodeWsOpenArguments(args: CanisterWsOpenArguments): Uint8Array {
    return new Uint8Array(IDL.encode([CanisterWsOpenArgumentsIdl], [args]));
}

/** Candid arguments of `ws_message`: the message, then `opt null` = none, as every IC WebSocket client sends it. */
export function encodeWsMessageArguments(args: CanisterWsMessageArguments): Uint8Array {
    return new Uint8Array(IDL.encode([CanisterWsMessageArgumentsIdl, IDL.Opt(IDL.Null)], [args, []]));
}

/**
 * Decodes a service message (the `content` of a message with `is_service_message`). Throws on anything else.
 *
 * @example
 * const service = decodeServiceMessage(message.content); // { AckMessage: { last_incoming_sequence_num: 3n } }
 */
export function decodeServiceMessage(bytes: Uint8Array): WebsocketServiceMessageContent {
    const decoded = IDL.decode([WebsocketServiceMessageContentIdl], bytes);
    if (decoded.length !== 1) throw new Error('a service message must hold exactly one value');
    return decoded[0] as unknown as WebsocketServiceMessageContent;
}

/** Encodes a service message (the client sends `KeepAliveMessage`s). */
export function encodeServiceMessage(message: WebsocketServiceMessageContent): Uint8Array {
    return new Uint8Array(IDL.encode([WebsocketServiceMessageContentIdl], [message]));
}

/** Whether two client keys are the same connection. */
export function isSameClientKey(a: ClientKey, b: ClientKey): boolean {
    return a.client_nonce === b.client_nonce && a.client_principal.toText() === b.client_principal.toText();
}

/**
 * The application message type of a canister, read from its actor's `ws_message(args, opt T)`.
 * Throws if the actor has no such method.
 *
 * @example
 * const appIdl = extractApplicationMessageIdl(actor);
 * IDL.decode([appIdl], bytes);
 */
export function extractApplicationMessageIdl<T>(actor: ActorSubclass<_WS_CANISTER_SERVICE<T>>): IDL.Type<T> {
    const method = Actor.interfaceOf(actor as unknown as Actor)._fields.find(([name]) => name === 'ws_message');
    if (!method) throw new Error("The canister actor has no ws_message method: pass an actor created from the canister's IDL factory");
    const argTypes = method[1].argTypes;
    if (argTypes.length !== 2) throw new Error(`ws_message must take 2 arguments (CanisterWsMessageArguments, opt AppMessage), it takes ${argTypes.length}`);
    // Duck-typed rather than `instanceof IDL.OptClass`: the actor's IDL may come from another copy of @dfinity/candid.
    const appArgument = argTypes[1] as IDL.Type & { _type?: IDL.Type<T> };
    if (!appArgument.display().startsWith('opt ') || !appArgument._type) {
        throw new Error(`ws_message's second argument must be opt <application message type>, it is ${appArgument.display()}`);
    }
    return appArgument._type;
}
