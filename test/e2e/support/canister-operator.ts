/**
 * A canister operator over the IC HTTP interface, doing what `dfx canister stop|start|install --mode upgrade`
 * (and `dfx canister uninstall-code`) does: calls to the management canister (`aaaaa-aa`) with the canister as effective id. Wasm modules over the
 * 2 MiB ingress limit (every Azle canister) are uploaded in 1 MiB chunks and installed with `install_chunked_code`.
 * It also reads the chat canister's `members` and `history` queries, to check what an upgrade kept.
 */
import { Actor, AnonymousIdentity, HttpAgent, type ActorSubclass, type Identity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { createHash } from 'node:crypto';

const CHUNK_SIZE = 1024 * 1024;

const ChunkHash = IDL.Record({ hash: IDL.Vec(IDL.Nat8) });
const CanisterIdRecord = IDL.Record({ canister_id: IDL.Principal });
const UpgradeMode = IDL.Variant({
    install: IDL.Null,
    reinstall: IDL.Null,
    upgrade: IDL.Opt(IDL.Record({ skip_pre_upgrade: IDL.Opt(IDL.Bool) }))
});

const managementIdl: IDL.InterfaceFactory = () =>
    IDL.Service({
        upload_chunk: IDL.Func([IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) })], [ChunkHash], []),
        install_chunked_code: IDL.Func(
            [
                IDL.Record({
                    mode: UpgradeMode,
                    target_canister: IDL.Principal,
                    store_canister: IDL.Opt(IDL.Principal),
                    chunk_hashes_list: IDL.Vec(ChunkHash),
                    wasm_module_hash: IDL.Vec(IDL.Nat8),
                    arg: IDL.Vec(IDL.Nat8)
                })
            ],
            [],
            []
        ),
        clear_chunk_store: IDL.Func([CanisterIdRecord], [], []),
        uninstall_code: IDL.Func([CanisterIdRecord], [], []),
        stop_canister: IDL.Func([CanisterIdRecord], [], []),
        start_canister: IDL.Func([CanisterIdRecord], [], [])
    });

const chatQueriesIdl: IDL.InterfaceFactory = () =>
    IDL.Service({
        members: IDL.Func([], [IDL.Vec(IDL.Text)], ['query']),
        history: IDL.Func([], [IDL.Vec(IDL.Record({ nickname: IDL.Text, text: IDL.Text, timestamp: IDL.Nat64 }))], ['query'])
    });

type Management = ActorSubclass<{
    upload_chunk(args: { canister_id: Principal; chunk: Uint8Array }): Promise<{ hash: Uint8Array }>;
    install_chunked_code(args: {
        mode: { upgrade: [] };
        target_canister: Principal;
        store_canister: [];
        chunk_hashes_list: { hash: Uint8Array }[];
        wasm_module_hash: Uint8Array;
        arg: Uint8Array;
    }): Promise<void>;
    clear_chunk_store(args: { canister_id: Principal }): Promise<void>;
    uninstall_code(args: { canister_id: Principal }): Promise<void>;
    stop_canister(args: { canister_id: Principal }): Promise<void>;
    start_canister(args: { canister_id: Principal }): Promise<void>;
}>;

type ChatQueries = ActorSubclass<{
    members(): Promise<string[]>;
    history(): Promise<{ nickname: string; text: string; timestamp: bigint }[]>;
}>;

/**
 * @example
 * const operator = await CanisterOperator.connect(network.url, network.canisterId); // anonymous: the test controller
 * await operator.stop();
 * await operator.upgrade(wasm);
 * await operator.start();
 * expect(await operator.chatMembers()).toEqual(['ada', 'bob']);
 */
export class CanisterOperator {
    private constructor(
        private readonly management: Management,
        private readonly chat: ChatQueries,
        private readonly canisterId: Principal
    ) {}

    /** An operator of `canisterId` at `networkUrl`, acting as `identity` (a controller; default anonymous). */
    static async connect(networkUrl: string, canisterId: string, identity: Identity = new AnonymousIdentity()): Promise<CanisterOperator> {
        const agent = await HttpAgent.create({ host: networkUrl, identity, shouldFetchRootKey: true });
        const id = Principal.fromText(canisterId);
        const management = Actor.createActor(managementIdl, { agent, canisterId: Principal.managementCanister(), effectiveCanisterId: id }) as Management;
        const chat = Actor.createActor(chatQueriesIdl, { agent, canisterId: id }) as ChatQueries;
        return new CanisterOperator(management, chat, id);
    }

    /** `install_code` in upgrade mode, chunked as dfx does for large modules: pre_upgrade, new wasm, post_upgrade. */
    async upgrade(wasm: Uint8Array): Promise<void> {
        const canister_id = this.canisterId;
        await this.management.clear_chunk_store({ canister_id });
        const chunk_hashes_list: { hash: Uint8Array }[] = [];
        for (let offset = 0; offset < wasm.length; offset += CHUNK_SIZE) {
            chunk_hashes_list.push(await this.management.upload_chunk({ canister_id, chunk: wasm.subarray(offset, offset + CHUNK_SIZE) }));
        }
        await this.management.install_chunked_code({
            mode: { upgrade: [] },
            target_canister: canister_id,
            store_canister: [],
            chunk_hashes_list,
            wasm_module_hash: createHash('sha256').update(wasm).digest(),
            arg: new Uint8Array(IDL.encode([], []))
        });
        await this.management.clear_chunk_store({ canister_id });
    }

    /** `uninstall_code`: the canister keeps its id but loses its code and state; messages to it get IC0537. */
    async uninstall(): Promise<void> {
        await this.management.uninstall_code({ canister_id: this.canisterId });
    }

    async stop(): Promise<void> {
        await this.management.stop_canister({ canister_id: this.canisterId });
    }

    async start(): Promise<void> {
        await this.management.start_canister({ canister_id: this.canisterId });
    }

    /** The chat canister's `members` query: nicknames of connected members. */
    chatMembers(): Promise<string[]> {
        return this.chat.members();
    }

    /** The chat canister's `history` query: recent posts, oldest first. */
    chatHistory(): Promise<{ nickname: string; text: string; timestamp: bigint }[]> {
        return this.chat.history();
    }
}
