import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

/**
 * The test canister's Candid interface (protocol spec §1 and §6.1), written by hand from the spec so that the
 * conformance suite does not trust the CDK's own type definitions.
 *
 * `idlFactory` is what @dfinity/pic's `setupCanister`/`createActor` take; the TS types below describe what its
 * actors return. `wsCandidTypes(IDL)` builds the same types for any `IDL` namespace (pic passes its own).
 *
 * @example
 * ```ts
 * const actor = pic.createActor<TestCanisterService>(idlFactory, canisterId);
 * actor.setPrincipal(CLIENT_1);
 * const result = await actor.ws_open({ client_nonce: 1n, gateway_principal: GATEWAY_1 });
 * ```
 */

type IdlNamespace = typeof IDL;

export interface ClientKey {
    client_principal: Principal;
    client_nonce: bigint;
}

export interface WebsocketMessage {
    client_key: ClientKey;
    sequence_num: bigint;
    timestamp: bigint;
    is_service_message: boolean;
    content: Uint8Array;
}

export interface CanisterOutputMessage {
    client_key: ClientKey;
    key: string;
    content: Uint8Array;
}

export interface CanisterOutputCertifiedMessages {
    messages: CanisterOutputMessage[];
    cert: Uint8Array;
    tree: Uint8Array;
    is_end_of_queue: boolean;
}

/** `variant { Ok : null; Err : text }`, the result of every endpoint except `ws_get_messages`. */
export type WsResult = { Ok: null } | { Err: string };

export type GetMessagesResult = { Ok: CanisterOutputCertifiedMessages } | { Err: string };

/** The application message type of the test canister: `record { text : text }`. */
export interface AppMessage {
    text: string;
}

export interface TestCanisterService {
    ws_open(args: { client_nonce: bigint; gateway_principal: Principal }): Promise<WsResult>;
    ws_close(args: { client_key: ClientKey }): Promise<WsResult>;
    ws_message(args: { msg: WebsocketMessage }, appMessageWitness: [] | [AppMessage]): Promise<WsResult>;
    ws_get_messages(args: { nonce: bigint }): Promise<GetMessagesResult>;
    send(client: Principal, messages: Uint8Array[]): Promise<WsResult>;
    close(client: Principal): Promise<WsResult>;
    wipe(maxNumberOfReturnedMessages: bigint, sendAckIntervalMs: bigint): Promise<void>;
}

/** Builds the spec §1 Candid types with the given `IDL` namespace. */
export function wsCandidTypes(idl: IdlNamespace) {
    const ClientKey = idl.Record({ client_principal: idl.Principal, client_nonce: idl.Nat64 });
    const WebsocketMessage = idl.Record({
        client_key: ClientKey,
        sequence_num: idl.Nat64,
        timestamp: idl.Nat64,
        is_service_message: idl.Bool,
        content: idl.Vec(idl.Nat8)
    });
    const CanisterOutputMessage = idl.Record({ client_key: ClientKey, key: idl.Text, content: idl.Vec(idl.Nat8) });
    const CanisterOutputCertifiedMessages = idl.Record({
        messages: idl.Vec(CanisterOutputMessage),
        cert: idl.Vec(idl.Nat8),
        tree: idl.Vec(idl.Nat8),
        is_end_of_queue: idl.Bool
    });
    const WsResult = idl.Variant({ Ok: idl.Null, Err: idl.Text });
    return {
        ClientKey,
        WebsocketMessage,
        CanisterOutputCertifiedMessages,
        WsResult,
        AppMessage: idl.Record({ text: idl.Text }),
        WsOpenArguments: idl.Record({ client_nonce: idl.Nat64, gateway_principal: idl.Principal }),
        WsCloseArguments: idl.Record({ client_key: ClientKey }),
        WsMessageArguments: idl.Record({ msg: WebsocketMessage }),
        WsGetMessagesArguments: idl.Record({ nonce: idl.Nat64 }),
        WsGetMessagesResult: idl.Variant({ Ok: CanisterOutputCertifiedMessages, Err: idl.Text })
    };
}

/** The pic-js/agent interface factory of the test canister (spec §6.1). */
export const idlFactory = ({ IDL: idl }: { IDL: IdlNamespace }) => {
    const t = wsCandidTypes(idl);
    return idl.Service({
        ws_open: idl.Func([t.WsOpenArguments], [t.WsResult], []),
        ws_close: idl.Func([t.WsCloseArguments], [t.WsResult], []),
        ws_message: idl.Func([t.WsMessageArguments, idl.Opt(t.AppMessage)], [t.WsResult], []),
        ws_get_messages: idl.Func([t.WsGetMessagesArguments], [t.WsGetMessagesResult], ['query']),
        send: idl.Func([idl.Principal, idl.Vec(idl.Vec(idl.Nat8))], [t.WsResult], []),
        close: idl.Func([idl.Principal], [t.WsResult], []),
        wipe: idl.Func([idl.Nat64, idl.Nat64], [], [])
    });
};

/** The init arguments `(nat64 max_number_of_returned_messages, nat64 send_ack_interval_ms)`, Candid-encoded. */
export function encodeInitArgs(maxNumberOfReturnedMessages: bigint, sendAckIntervalMs: bigint): Uint8Array {
    return new Uint8Array(IDL.encode([IDL.Nat64, IDL.Nat64], [maxNumberOfReturnedMessages, sendAckIntervalMs]));
}

/** The same types built with @dfinity/candid, for encoding raw arguments and decoding raw replies in tests. */
export const wsTypes = wsCandidTypes(IDL);

/**
 * Our test canister's test-only methods beyond spec §6.1 (hidden from its Candid): handler events and gateway
 * bookkeeping, for the §6.3 invariants about handlers and gateway client counts.
 */
export interface TestCanisterIntrospection {
    test_state(): Promise<{
        clients: Principal[];
        /** `[gateway, connected clients, queued messages]` for every registered gateway. */
        gateways: [Principal, number, number][];
        /** The last 100 handler calls: `open <principal>`, `message <principal> <byte length>`, `close <principal>`. */
        events: string[];
    }>;
}

export const introspectionIdlFactory = ({ IDL: idl }: { IDL: IdlNamespace }) =>
    idl.Service({
        test_state: idl.Func(
            [],
            [
                idl.Record({
                    clients: idl.Vec(idl.Principal),
                    gateways: idl.Vec(idl.Tuple(idl.Principal, idl.Nat32, idl.Nat32)),
                    events: idl.Vec(idl.Text)
                })
            ],
            ['query']
        )
    });
