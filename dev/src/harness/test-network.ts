/**
 * A test harness for IC WebSocket canisters, for vitest (or any test runner): one call starts the embedded replica
 * (real wasm, real certificates, IC instruction limits) on the IC HTTP interface and an in-process gateway;
 * canisters are built from the project's dfx.json (with the project's azle, cached by their inputs) or installed
 * from a wasm; clients speak the real protocol through the gateway and verify every message.
 *
 * Time: by default the replica's clock stands still and moves only with {@link TestNetwork.advanceTime} (which runs
 * a round: due timers fire), so tests are deterministic. Clients check certificates against their own wall clock
 * (at most 5 minutes apart) and the replica refuses calls signed more than ~5 minutes from its clock: keep
 * advances within a few minutes (give the canister short intervals in tests), or pass `live: true` for a clock
 * that follows wall time, as `ic-websocket dev` runs.
 *
 * @example
 * const network = await TestNetwork.start();
 * const app = await network.deploy('backend');          // dfx.json canister, built with azle (cached)
 * const alice = await app.connect<{ text: string }>();
 * expect(await alice.nextMessage()).toEqual({ text: 'welcome' });
 * await app.upgrade();                                   // alice stays connected
 * await network.stop();
 */
import { Actor, HttpAgent, type ActorSubclass, type Identity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startGateway, type Gateway, type GatewayOptions, type LogLevel } from '../../../gateway/index.ts';
import { Replica } from '../../../replica/index.ts';
import { serveHttp, type HttpInterface } from '../../../replica/http/index.ts';
import { buildAzleCanister } from '../azle-build.ts';
import { encodeInitArg } from '../init-arg.ts';
import { readProject, selectCanisters } from '../project.ts';
import { idlFactoryFromCandid } from './candid-idl.ts';
import { DEFAULT_WAIT_MS, TestClient } from './test-client.ts';
import type { _WS_CANISTER_SERVICE } from '../../../client/src/index.ts';

export interface TestNetworkOptions {
    /** The project whose dfx.json names the canisters `deploy(name)` builds (here or above); default the current folder. */
    project?: string;
    /** Clock follows wall time and rounds run every 100 ms (timers fire on their own), as `ic-websocket dev`. Default false. */
    live?: boolean;
    /** Gateway log level; default `warn`. */
    gatewayLogLevel?: LogLevel;
    /** Gateway pause between polls at the end of a queue (ms); default 20, so messages arrive quickly. */
    pollingIntervalMs?: number;
    /** Print canisters' `console.log` output (default: when the environment has SHOW_CANISTER_LOGS=1). */
    printLogs?: boolean;
    /** Root key seed (deterministic keys and `raw_rand`). */
    seed?: string;
    /** More gateway options: a `logger` to keep its log, `openTimeoutMs`, `maxFrameBytes`, a fixed `identity`... */
    gateway?: Omit<GatewayOptions, 'icUrl' | 'rootKey' | 'port'>;
}

/** What to install: a dfx.json canister name, or a wasm with its interface. */
export type CanisterSource =
    | string
    | {
          /** The module: bytes or a file path (gzipped or not). */
          wasm: Uint8Array | string;
          /** Its Candid interface (for `connect()` and `actor()`); or give `idlFactory`. */
          candid?: string;
          idlFactory?: IDL.InterfaceFactory;
      };

export interface DeployOptions {
    /**
     * Candid-encoded init argument, e.g. `IDL.encode([IDL.Nat64], [1000n])`. Default: for a dfx.json canister, its
     * `init_arg` / `init_arg_file` (encoded as dfx does, see `ic-websocket dev`); else none.
     */
    arg?: Uint8Array;
}

export class TestNetwork {
    private readonly clients = new Set<TestClient<any>>();

    private constructor(
        /** The embedded replica: direct access to time, logs, stable memory, calls. */
        readonly replica: Replica,
        private http: HttpInterface,
        private readonly live: boolean,
        /** The in-process gateway. */
        readonly gateway: Gateway,
        private readonly agent: HttpAgent,
        private readonly projectDir: string
    ) {}

    /** Starts a replica (IC HTTP interface on a free loopback port) and a gateway. */
    static async start(options: TestNetworkOptions = {}): Promise<TestNetwork> {
        const replica = await Replica.create({ seed: options.seed, printLogs: options.printLogs ?? process.env.SHOW_CANISTER_LOGS === '1' });
        const http = await serveHttp(replica, { port: 0, autoProgress: options.live ?? false });
        try {
            const gateway = await startGateway({
                icUrl: http.url,
                rootKey: replica.rootKey,
                port: 0,
                pollingIntervalMs: options.pollingIntervalMs ?? 20,
                logLevel: options.gatewayLogLevel ?? 'warn',
                ...options.gateway
            });
            const agent = await HttpAgent.create({ host: http.url, shouldFetchRootKey: false });
            agent.rootKey = replica.rootKey;
            return new TestNetwork(replica, http, options.live ?? false, gateway, agent, resolve(options.project ?? process.cwd()));
        } catch (error) {
            await http.close();
            replica.close();
            throw error;
        }
    }

    /** The replica's IC HTTP endpoint (agents' `host`, clients' `networkUrl`). */
    get replicaUrl(): string {
        return this.http.url;
    }

    /** The gateway's WebSocket URL. */
    get gatewayUrl(): string {
        return this.gateway.url;
    }

    /**
     * Creates a canister and installs `source`: a dfx.json canister (built with the project's azle; unchanged
     * sources reuse the last build, also `ic-websocket dev`'s) or a wasm.
     */
    async deploy(source: CanisterSource, options: DeployOptions = {}): Promise<TestCanister> {
        const { wasm, idlFactory, name, initArg } = await this.load(source);
        const id = await this.replica.installCanister({ wasm, arg: options.arg ?? initArg });
        return new TestCanister(this, id, name, source, idlFactory);
    }

    /** Moves the replica's clock forward and runs a round: due timers fire (see the module comment on time). */
    async advanceTime(ms: number): Promise<void> {
        await this.replica.advanceTime(ms);
    }

    /**
     * An outage of the IC endpoint: the replica's HTTP interface is down for `ms`, then serves again on the same
     * port. The gateway keeps its clients and retries its polls; clients' calls fail meanwhile.
     */
    async interruptHttp(ms: number): Promise<void> {
        const port = this.http.port;
        await this.http.close();
        await new Promise((resolve) => setTimeout(resolve, ms));
        this.http = await serveHttp(this.replica, { port, autoProgress: this.live });
    }

    /** Closes every client, the gateway and the replica's HTTP interface. */
    async stop(): Promise<void> {
        await Promise.all([...this.clients].map((client) => client.close(2000).catch(() => undefined)));
        await this.gateway.close();
        await this.http.close();
        this.replica.close();
    }

    /** @internal */
    async load(source: CanisterSource): Promise<{ wasm: Uint8Array; idlFactory?: IDL.InterfaceFactory; name: string; initArg?: Uint8Array }> {
        if (typeof source === 'string') {
            const project = readProject(this.projectDir);
            const [canister] = selectCanisters(project, [source]);
            const build = await buildAzleCanister(project, canister!);
            return { wasm: build.wasm, idlFactory: await idlFactoryFromCandid(build.candid), name: source, initArg: await encodeInitArg(project, canister!, build.candid) };
        }
        const wasm = typeof source.wasm === 'string' ? new Uint8Array(readFileSync(resolve(this.projectDir, source.wasm))) : source.wasm;
        const idlFactory = source.idlFactory ?? (source.candid !== undefined ? await idlFactoryFromCandid(source.candid) : undefined);
        return { wasm, idlFactory, name: typeof source.wasm === 'string' ? source.wasm : 'wasm' };
    }

    /** @internal */
    async connect<M>(canister: TestCanister, idlFactory: IDL.InterfaceFactory, options: ConnectOptions): Promise<TestClient<M>> {
        const actor = Actor.createActor<_WS_CANISTER_SERVICE>(idlFactory, { agent: this.agent, canisterId: canister.id });
        const client = await TestClient.connect<M>(
            {
                gatewayUrl: this.gateway.url,
                networkUrl: this.http.url,
                canisterId: canister.id,
                actor,
                rootKey: this.replica.rootKey,
                identity: options.identity,
                ackMessageIntervalMs: options.ackMessageIntervalMs
            },
            options.timeoutMs
        );
        this.clients.add(client);
        return client;
    }

    /** @internal */
    actor<T>(canister: TestCanister, idlFactory: IDL.InterfaceFactory, identity?: Identity): ActorSubclass<T> {
        if (!identity) return Actor.createActor<T>(idlFactory, { agent: this.agent, canisterId: canister.id });
        const agent = HttpAgent.createSync({ host: this.http.url, identity, shouldFetchRootKey: false });
        agent.rootKey = this.replica.rootKey;
        return Actor.createActor<T>(idlFactory, { agent, canisterId: canister.id });
    }
}

export interface ConnectOptions {
    /** Who the client is (a `SignIdentity`); default a fresh random one. */
    identity?: import('@dfinity/agent').SignIdentity;
    /** Must equal the canister's `sendAckIntervalMs` (default 300 000). */
    ackMessageIntervalMs?: number;
    /** How long the opening may take (default 10 s). */
    timeoutMs?: number;
}

/** A canister installed by {@link TestNetwork.deploy}. */
export class TestCanister {
    /** @internal */
    constructor(
        private readonly network: TestNetwork,
        /** The canister's id. */
        readonly id: Principal,
        /** Its dfx.json name (or the wasm's file name). */
        readonly name: string,
        private readonly source: CanisterSource,
        private idlFactory: IDL.InterfaceFactory | undefined
    ) {}

    /**
     * Opens a verifying WebSocket client through the gateway; resolves once the canister confirmed it. `M` is the
     * application message type (the second argument of the canister's `ws_message`).
     */
    connect<M = unknown>(options: ConnectOptions = {}): Promise<TestClient<M>> {
        return this.network.connect<M>(this, this.requireIdl(), { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS });
    }

    /** An actor of the canister, to call its other methods (anonymous unless `identity` is given). */
    actor<T = Record<string, (...args: any[]) => Promise<any>>>(identity?: Identity): ActorSubclass<T> {
        return this.network.actor<T>(this, this.requireIdl(), identity);
    }

    /**
     * Upgrades the canister in place: its stable memory (all of the CDK's state) is kept and connected clients stay
     * connected. Without `source`, a dfx.json canister is rebuilt from its current sources.
     */
    async upgrade(source: CanisterSource = this.source, options: DeployOptions = {}): Promise<void> {
        const { wasm, idlFactory, initArg } = await this.network.load(source);
        await this.network.replica.upgradeCanister(this.id, wasm, { arg: options.arg ?? initArg });
        if (idlFactory) this.idlFactory = idlFactory;
    }

    /** The canister's log lines (its `console.log` output and traps). */
    logs(): string[] {
        return this.network.replica.logs(this.id);
    }

    private requireIdl(): IDL.InterfaceFactory {
        if (!this.idlFactory) throw new Error(`${this.name}: its interface is unknown; deploy it with { wasm, candid } or { wasm, idlFactory }`);
        return this.idlFactory;
    }
}
