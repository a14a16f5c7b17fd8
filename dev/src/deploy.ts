/**
 * Deploys canisters over the IC HTTP interface as dfx does, through the management canister (`aaaaa-aa`): creates
 * them with cycles (`provisional_create_canister_with_cycles`, local networks only) and installs or upgrades their
 * wasm. A module whose install message would exceed the 2 MiB ingress limit (every Azle canister: ~3.6 MB) is
 * uploaded in 1 MiB chunks (`upload_chunk`) and installed with `install_chunked_code`; the chunk store is cleared
 * before and after.
 *
 * @example
 * const deployer = await CanisterDeployer.connect({ icUrl: 'http://127.0.0.1:4943', creationRange: replica.canisterRange.start });
 * const id = await deployer.createCanister();
 * await deployer.install(id, wasm);                      // first install
 * await deployer.install(id, newWasm, { mode: 'upgrade' }); // keeps stable memory
 */
import { Actor, AnonymousIdentity, HttpAgent, type ActorSubclass, type Identity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { createHash } from 'node:crypto';

/** Largest chunk `upload_chunk` takes. */
export const CHUNK_BYTES = 1024 * 1024;
/** Modules (plus argument) up to this size go in one `install_code` message; above, chunked (ingress limit 2 MiB, minus envelope room). */
export const SINGLE_MESSAGE_INSTALL_BYTES = 2 * 1024 * 1024 - 64 * 1024;
/** Cycles a new canister gets (as dfx's local default). */
const DEFAULT_CYCLES = 100_000_000_000_000n;

export type InstallMode = 'install' | 'reinstall' | 'upgrade';

const CanisterIdRecord = IDL.Record({ canister_id: IDL.Principal });
const ChunkHash = IDL.Record({ hash: IDL.Vec(IDL.Nat8) });
const Mode = IDL.Variant({
    install: IDL.Null,
    reinstall: IDL.Null,
    upgrade: IDL.Opt(IDL.Record({ skip_pre_upgrade: IDL.Opt(IDL.Bool), wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })) }))
});
const Settings = IDL.Record({ controllers: IDL.Opt(IDL.Vec(IDL.Principal)) });

const managementIdl: IDL.InterfaceFactory = () =>
    IDL.Service({
        provisional_create_canister_with_cycles: IDL.Func(
            [IDL.Record({ amount: IDL.Opt(IDL.Nat), settings: IDL.Opt(Settings), specified_id: IDL.Opt(IDL.Principal) })],
            [CanisterIdRecord],
            []
        ),
        install_code: IDL.Func([IDL.Record({ mode: Mode, canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8) })], [], []),
        upload_chunk: IDL.Func([IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) })], [ChunkHash], []),
        install_chunked_code: IDL.Func(
            [
                IDL.Record({
                    mode: Mode,
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
        clear_chunk_store: IDL.Func([CanisterIdRecord], [], [])
    });

type ModeValue = { install: null } | { reinstall: null } | { upgrade: [] };
interface Management {
    provisional_create_canister_with_cycles(args: { amount: [bigint]; settings: [{ controllers: [Principal[]] }] | []; specified_id: [] }): Promise<{ canister_id: Principal }>;
    install_code(args: { mode: ModeValue; canister_id: Principal; wasm_module: Uint8Array; arg: Uint8Array }): Promise<void>;
    upload_chunk(args: { canister_id: Principal; chunk: Uint8Array }): Promise<{ hash: Uint8Array }>;
    install_chunked_code(args: {
        mode: ModeValue;
        target_canister: Principal;
        store_canister: [];
        chunk_hashes_list: { hash: Uint8Array }[];
        wasm_module_hash: Uint8Array;
        arg: Uint8Array;
    }): Promise<void>;
    clear_chunk_store(args: { canister_id: Principal }): Promise<void>;
}

export interface DeployerOptions {
    /** The IC HTTP endpoint (a local replica). */
    icUrl: string;
    /** Who deploys (and controls what it creates); default anonymous. */
    identity?: Identity;
    /** DER root key; fetched from the endpoint when omitted. */
    rootKey?: Uint8Array;
    /** A canister id of the replica's subnet: creation calls are routed by it (e.g. `replica.canisterRange.start`). */
    creationRange: Principal;
}

export class CanisterDeployer {
    private constructor(
        private readonly agent: HttpAgent,
        private readonly creationRange: Principal
    ) {}

    static async connect(options: DeployerOptions): Promise<CanisterDeployer> {
        const agent = await HttpAgent.create({
            host: options.icUrl,
            identity: options.identity ?? new AnonymousIdentity(),
            shouldFetchRootKey: options.rootKey === undefined
        });
        if (options.rootKey) agent.rootKey = options.rootKey;
        return new CanisterDeployer(agent, options.creationRange);
    }

    /** Creates an empty canister controlled by the deployer; returns its id. */
    async createCanister(): Promise<Principal> {
        const { canister_id } = await this.management(this.creationRange).provisional_create_canister_with_cycles({
            amount: [DEFAULT_CYCLES],
            settings: [],
            specified_id: []
        });
        return canister_id;
    }

    /**
     * Installs `wasm` (mode `install` by default; `upgrade` keeps stable memory, `reinstall` wipes it). `arg` is the
     * Candid-encoded init/post_upgrade argument (default: no arguments). Chunked when over the ingress limit.
     */
    async install(canisterId: Principal, wasm: Uint8Array, options: { mode?: InstallMode; arg?: Uint8Array } = {}): Promise<void> {
        const mode: ModeValue = options.mode === 'upgrade' ? { upgrade: [] } : options.mode === 'reinstall' ? { reinstall: null } : { install: null };
        const arg = options.arg ?? new Uint8Array(IDL.encode([], []));
        const management = this.management(canisterId);
        if (wasm.length + arg.length <= SINGLE_MESSAGE_INSTALL_BYTES) {
            await management.install_code({ mode, canister_id: canisterId, wasm_module: wasm, arg });
            return;
        }
        await management.clear_chunk_store({ canister_id: canisterId });
        const chunk_hashes_list: { hash: Uint8Array }[] = [];
        for (let offset = 0; offset < wasm.length; offset += CHUNK_BYTES) {
            chunk_hashes_list.push(await management.upload_chunk({ canister_id: canisterId, chunk: wasm.subarray(offset, offset + CHUNK_BYTES) }));
        }
        try {
            await management.install_chunked_code({
                mode,
                target_canister: canisterId,
                store_canister: [],
                chunk_hashes_list,
                wasm_module_hash: createHash('sha256').update(wasm).digest(),
                arg
            });
        } finally {
            await management.clear_chunk_store({ canister_id: canisterId }).catch(() => undefined);
        }
    }

    private management(effectiveCanisterId: Principal): ActorSubclass<Management> {
        return Actor.createActor<Management>(managementIdl, {
            agent: this.agent,
            canisterId: Principal.managementCanister(),
            effectiveCanisterId
        });
    }
}
