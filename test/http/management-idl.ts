/** The slice of the management canister's Candid interface a dfx-style deploy uses (IC interface spec, ic.did). */
import type { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

export const managementIdlFactory: IDL.InterfaceFactory = ({ IDL }) => {
    const CanisterIdRecord = IDL.Record({ canister_id: IDL.Principal });
    const ChunkHash = IDL.Record({ hash: IDL.Vec(IDL.Nat8) });
    const InstallMode = IDL.Variant({ install: IDL.Null, reinstall: IDL.Null, upgrade: IDL.Opt(IDL.Record({ skip_pre_upgrade: IDL.Opt(IDL.Bool) })) });
    return IDL.Service({
        provisional_create_canister_with_cycles: IDL.Func(
            [
                IDL.Record({
                    amount: IDL.Opt(IDL.Nat),
                    settings: IDL.Opt(IDL.Record({ controllers: IDL.Opt(IDL.Vec(IDL.Principal)) })),
                    specified_id: IDL.Opt(IDL.Principal),
                    sender_canister_version: IDL.Opt(IDL.Nat64)
                })
            ],
            [CanisterIdRecord],
            []
        ),
        upload_chunk: IDL.Func([IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) })], [ChunkHash], []),
        install_chunked_code: IDL.Func(
            [
                IDL.Record({
                    mode: InstallMode,
                    target_canister: IDL.Principal,
                    store_canister: IDL.Opt(IDL.Principal),
                    chunk_hashes_list: IDL.Vec(ChunkHash),
                    wasm_module_hash: IDL.Vec(IDL.Nat8),
                    arg: IDL.Vec(IDL.Nat8),
                    sender_canister_version: IDL.Opt(IDL.Nat64)
                })
            ],
            [],
            []
        ),
        canister_status: IDL.Func(
            [CanisterIdRecord],
            [IDL.Record({ status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }), module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)) })],
            []
        )
    });
};

export interface ManagementService {
    provisional_create_canister_with_cycles(args: {
        amount: [] | [bigint];
        settings: [] | [{ controllers: [] | [Principal[]] }];
        specified_id: [] | [Principal];
        sender_canister_version: [] | [bigint];
    }): Promise<{ canister_id: Principal }>;
    upload_chunk(args: { canister_id: Principal; chunk: Uint8Array }): Promise<{ hash: Uint8Array }>;
    install_chunked_code(args: {
        mode: { install: null } | { reinstall: null } | { upgrade: [] | [{ skip_pre_upgrade: [] | [boolean] }] };
        target_canister: Principal;
        store_canister: [] | [Principal];
        chunk_hashes_list: Array<{ hash: Uint8Array }>;
        wasm_module_hash: Uint8Array;
        arg: Uint8Array;
        sender_canister_version: [] | [bigint];
    }): Promise<void>;
    canister_status(args: { canister_id: Principal }): Promise<{
        status: { running: null } | { stopping: null } | { stopped: null };
        module_hash: [] | [Uint8Array];
    }>;
}
