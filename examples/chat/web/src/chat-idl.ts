/**
 * The chat canister's interface as the client needs it: only `ws_message`, whose second argument names the
 * application message type (`IcWebSocket` of ic-websocket-client, like ic-websocket-js, reads it from there).
 * Written as an IDL factory that receives `IDL` instead of importing it, so the browser bundle and the Node tests each use their own @dfinity/candid.
 * Keep in sync with examples/chat/src (the canister).
 */
import type { ActorMethod } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type IdlModule = any;

/** What clients send and receive; the canister decodes and encodes the same Candid type. */
export type ChatMessage =
    | { Join: { nickname: string } }
    | { Post: { text: string } }
    | { Posted: ChatPost }
    | { Joined: { nickname: string; timestamp: bigint } }
    | { Left: { nickname: string; timestamp: bigint } };

export interface ChatPost {
    nickname: string;
    text: string;
    /** Nanoseconds since the epoch, from the canister's clock. */
    timestamp: bigint;
}

/** The Candid type of {@link ChatMessage}. */
export function chatMessageIdl({ IDL }: { IDL: IdlModule }): IdlModule {
    return IDL.Variant({
        Join: IDL.Record({ nickname: IDL.Text }),
        Post: IDL.Record({ text: IDL.Text }),
        Posted: IDL.Record({ nickname: IDL.Text, text: IDL.Text, timestamp: IDL.Nat64 }),
        Joined: IDL.Record({ nickname: IDL.Text, timestamp: IDL.Nat64 }),
        Left: IDL.Record({ nickname: IDL.Text, timestamp: IDL.Nat64 })
    });
}

type WsResult = { Ok: null } | { Err: string };
interface WebsocketMessage {
    client_key: { client_principal: Principal; client_nonce: bigint };
    sequence_num: bigint;
    timestamp: bigint;
    is_service_message: boolean;
    content: Uint8Array | number[];
}

/** The part of the chat canister's service that `IcWebSocket` uses, typed: its app message type is {@link ChatMessage}. */
export interface ChatService {
    ws_open: ActorMethod<[{ client_nonce: bigint; gateway_principal: Principal }], WsResult>;
    ws_message: ActorMethod<[{ msg: WebsocketMessage }, [] | [ChatMessage]], WsResult>;
}

/**
 * IDL factory for `Actor.createActor`: enough for `IcWebSocket`'s `canisterActor`.
 *
 * @example
 * const actor = Actor.createActor<ChatService>(chatIdlFactory, { agent, canisterId });
 * const ws = new IcWebSocket(gatewayUrl, undefined, createWsConfig({ canisterId, canisterActor: actor, identity, networkUrl }));
 */
export function chatIdlFactory({ IDL }: { IDL: IdlModule }): IdlModule {
    const ClientKey = IDL.Record({ client_principal: IDL.Principal, client_nonce: IDL.Nat64 });
    const WebsocketMessage = IDL.Record({
        client_key: ClientKey,
        sequence_num: IDL.Nat64,
        timestamp: IDL.Nat64,
        is_service_message: IDL.Bool,
        content: IDL.Vec(IDL.Nat8)
    });
    const Result = IDL.Variant({ Ok: IDL.Null, Err: IDL.Text });
    const CanisterWsOpenArguments = IDL.Record({ client_nonce: IDL.Nat64, gateway_principal: IDL.Principal });
    return IDL.Service({
        ws_open: IDL.Func([CanisterWsOpenArguments], [Result], []),
        ws_message: IDL.Func([IDL.Record({ msg: WebsocketMessage }), IDL.Opt(chatMessageIdl({ IDL }))], [Result], [])
    });
}
