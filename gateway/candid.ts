/**
 * The part of the IC WebSocket Candid interface (CDK 0.4.x, spec protocol.md §1) that the gateway itself speaks:
 * it decodes the client's `ws_open` arguments, polls `ws_get_messages` and calls `ws_close`.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

export const ClientKeyIdl = IDL.Record({ client_principal: IDL.Principal, client_nonce: IDL.Nat64 });
export const CanisterWsOpenArgumentsIdl = IDL.Record({ client_nonce: IDL.Nat64, gateway_principal: IDL.Principal });
export const CanisterWsCloseArgumentsIdl = IDL.Record({ client_key: ClientKeyIdl });
export const CanisterWsCloseResultIdl = IDL.Variant({ Ok: IDL.Null, Err: IDL.Text });
export const CanisterWsGetMessagesArgumentsIdl = IDL.Record({ nonce: IDL.Nat64 });
export const CanisterOutputMessageIdl = IDL.Record({ client_key: ClientKeyIdl, key: IDL.Text, content: IDL.Vec(IDL.Nat8) });
export const CanisterOutputCertifiedMessagesIdl = IDL.Record({
    messages: IDL.Vec(CanisterOutputMessageIdl),
    cert: IDL.Vec(IDL.Nat8),
    tree: IDL.Vec(IDL.Nat8),
    is_end_of_queue: IDL.Bool
});
export const CanisterWsGetMessagesResultIdl = IDL.Variant({ Ok: CanisterOutputCertifiedMessagesIdl, Err: IDL.Text });

/** A client's identity in the protocol: its principal plus the random nonce it chose for this connection. */
export interface ClientKey {
    client_principal: Principal;
    client_nonce: bigint;
}

export interface CanisterWsOpenArguments {
    client_nonce: bigint;
    gateway_principal: Principal;
}

/** One queued canister message, as `ws_get_messages` returns it. */
export interface CanisterOutputMessage {
    client_key: ClientKey;
    key: string;
    content: Uint8Array;
}

/** One `ws_get_messages` reply: up to N messages plus the certificate and witness shared by all of them. */
export interface CanisterOutputCertifiedMessages {
    messages: CanisterOutputMessage[];
    cert: Uint8Array;
    tree: Uint8Array;
    is_end_of_queue: boolean;
}

/** The text form used as a map key and in logs: `<principal>_<nonce>`, as the CDK prints client keys. */
export function clientKeyText(key: ClientKey): string {
    return `${key.client_principal.toText()}_${key.client_nonce}`;
}
