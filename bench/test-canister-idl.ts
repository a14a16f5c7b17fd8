/**
 * The test canister's `ws_message` interface as ic-websocket-js needs it (spec protocol.md §6.1: application
 * messages are `record { text }`), as an import-free IDL factory usable with any @dfinity/candid version.
 */
export type TextMessage = { text: string };

export const testCanisterIdlFactory = ({ IDL }: { IDL: any }) => {
    const ClientKey = IDL.Record({ client_principal: IDL.Principal, client_nonce: IDL.Nat64 });
    const WebsocketMessage = IDL.Record({ client_key: ClientKey, sequence_num: IDL.Nat64, timestamp: IDL.Nat64, is_service_message: IDL.Bool, content: IDL.Vec(IDL.Nat8) });
    return IDL.Service({
        ws_message: IDL.Func([IDL.Record({ msg: WebsocketMessage }), IDL.Opt(IDL.Record({ text: IDL.Text }))], [IDL.Variant({ Ok: IDL.Null, Err: IDL.Text })], [])
    });
};
