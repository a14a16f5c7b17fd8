/**
 * What `ic-websocket dev` runs, as a value a program (or a test) can start and stop:
 *
 * 1. reads dfx.json and picks the Azle canisters (all, or those named);
 * 2. starts the embedded replica, live (clock = wall time, timers fire), on the IC HTTP interface, then the gateway
 *    and, with `frontend`, the page server — every port is bound before anything is built, so a busy port fails fast;
 * 3. builds each canister with the project's azle (cached by inputs), installs it in the replica (in process: no
 *    ingress limit to chunk around, and no HTTP, CBOR or response certificates on the way; controller: anonymous, so
 *    dfx-style tools can manage it over HTTP) and writes its declarations (and the env file);
 * 4. watches the builds' input files: a change rebuilds the canisters that read it and **upgrades them in place** —
 *    stable memory (all of the CDK's state) is kept, the gateway keeps polling, connected clients keep their
 *    sessions and sequence numbers. A build or upgrade that fails is reported and the running version stays.
 *
 * `stop()` ends a running build, closes every server and resolves when their ports are free.
 *
 * @example
 * const session = await startDevSession({ cwd: projectDir, log: (line) => console.error(line) });
 * session.canisters; // [{ name: 'backend', id: 'lxzze-o7777-77777-aaaaa-cai' }]
 * await session.stop();
 */
import type { Principal } from '@dfinity/principal';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startGateway, type Gateway, type LogLevel } from '../../gateway/index.ts';
import { Replica } from '../../replica/index.ts';
import { serveHttp, type HttpInterface } from '../../replica/http/index.ts';
import { buildAzleCanister, BuildError, type AzleBuild } from './azle-build.ts';
import { stopAzleWorkers } from './azle-worker-client.ts';
import { writeDeclarations, canisterIdVariable } from './declarations.ts';
import { updateEnvFile } from './env-file.ts';
import { encodeInitArg, initParameters } from './init-arg.ts';
import { servePage, type PageServer } from './page-server.ts';
import { listenOn, type PortChoice } from './ports.ts';
import { ProjectError, readProject, selectRunnable, SUPPORTED_CANISTERS, type AzleCanister, type PrebuiltCanister, type Project } from './project.ts';
import { TypeChecker, type TypeCheckReport } from './type-check.ts';
import { SourceWatcher } from './watch.ts';

export interface DevSessionOptions {
    /** The project folder (dfx.json here or above). */
    cwd: string;
    /** dfx.json names of the canisters to run; default: every Azle canister. */
    canisters?: readonly string[];
    replicaPort?: PortChoice;
    gatewayPort?: PortChoice;
    pagePort?: PortChoice;
    /** A static frontend folder to serve (with the `/api` proxy and `/config.json`); relative to the project root, or absolute. */
    frontend?: string;
    /** Rebuild and upgrade on source changes (default true). */
    watch?: boolean;
    /** Gateway log level (default `info`). */
    gatewayLogLevel?: LogLevel;
    /** Progress and errors, one line each (default: stderr). */
    log?: (line: string) => void;
    /**
     * Run the project's `tsc --noEmit` (when it has typescript and a tsconfig.json) after the first deploy and after
     * each reload, and log its errors as warnings (esbuild does not check types); default true.
     */
    typeCheck?: boolean;
    /** Called with each type check's outcome (after it was logged). */
    onTypeCheck?: (report: TypeCheckReport) => void;
    /** Called after each reload attempt, with the canister's name and what happened. */
    onReload?: (event: ReloadEvent) => void;
    /** Aborting stops the start (a running build is killed, servers closed); `startDevSession` then rejects. */
    signal?: AbortSignal;
}

export type ReloadEvent =
    | { canister: string; outcome: 'upgraded'; buildMs: number; installMs: number; cached: boolean }
    | { canister: string; outcome: 'failed'; error: string };

export interface DevSession {
    readonly project: Project;
    /** The replica's IC HTTP endpoint (`networkUrl` / agent host). */
    readonly replicaUrl: string;
    /** The gateway's WebSocket URL. */
    readonly gatewayUrl: string;
    /** The page's URL, when a frontend is served. */
    readonly pageUrl?: string;
    /** The deployed canisters, in the order given (or dfx.json's). */
    readonly canisters: readonly { name: string; id: string }[];
    /** The embedded replica (for direct access: logs, time, stable memory). */
    readonly replica: Replica;
    /** Resolves when no rebuild is running or queued (for tests). */
    idle(): Promise<void>;
    stop(): Promise<void>;
}

const DEFAULT_PORTS = { replica: 4943, gateway: 8080, page: 5173 };

/**
 * Starts everything; rejects (with nothing left running) when a port is busy, a canister does not build, its init
 * argument does not fit or its init fails (each a one-line error: {@link ProjectError}, {@link BuildError},
 * {@link InstallError}, `PortInUseError`).
 */
export async function startDevSession(options: DevSessionOptions): Promise<DevSession> {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const project = readProject(options.cwd);
    const selected = selectRunnable(project, options.canisters ?? []);
    const frontendDir = options.frontend === undefined ? undefined : frontendFolder(project, options.frontend);
    if (!options.canisters?.length && project.others.length > 0) {
        log(`not running ${project.others.map(({ name, type }) => `${name} (${type})`).join(', ')}: ${SUPPORTED_CANISTERS}`);
    }
    const builds = new AbortController();
    options.signal?.addEventListener('abort', () => builds.abort(), { once: true });
    const checkAborted = () => {
        if (builds.signal.aborted) throw new DevStartAborted();
    };
    const cleanups: (() => Promise<void> | void)[] = [() => stopAzleWorkers()];
    const stopAll = async () => {
        builds.abort();
        for (const cleanup of cleanups.reverse()) await cleanup();
        cleanups.length = 0;
    };

    try {
        const replica = await Replica.create({ printLogs: true });
        cleanups.push(() => replica.close());
        const http: HttpInterface = await listenOn(options.replicaPort ?? { port: DEFAULT_PORTS.replica, source: 'default' }, 'replica', (port) => serveHttp(replica, { port, autoProgress: true }), log);
        cleanups.push(() => http.close());
        const gateway: Gateway = await listenOn(
            options.gatewayPort ?? { port: DEFAULT_PORTS.gateway, source: 'default' },
            'gateway',
            (port) => startGateway({ icUrl: http.url, rootKey: replica.rootKey, port, logLevel: options.gatewayLogLevel ?? 'info' }),
            log
        );
        cleanups.push(() => gateway.close());
        const canisterIds: Record<string, string> = {};
        let page: PageServer | undefined;
        if (frontendDir !== undefined) {
            const dir = frontendDir;
            page = await listenOn(options.pagePort ?? { port: DEFAULT_PORTS.page, source: 'default' }, 'page', (port) => servePage({ dir, port, icUrl: http.url, config: { gatewayUrl: gateway.url, canisters: canisterIds } }), log);
            cleanups.push(() => page!.close());
        }

        const running = new Map<string, { canister: AzleCanister; id: Principal; build: AzleBuild }>();
        const deployed: { name: string; id: string }[] = [];
        for (const { kind, canister: selectedCanister } of selected) {
            checkAborted();
            if (kind === 'prebuilt') {
                const id = await installPrebuilt(project, selectedCanister, replica, log);
                canisterIds[selectedCanister.name] = id;
                deployed.push({ name: selectedCanister.name, id });
                continue;
            }
            const canister = selectedCanister;
            log(`building ${canister.name} (${canister.main}) with azle…`);
            const started = performance.now();
            const build = await buildAzleCanister(project, canister, { signal: builds.signal, onOutput: (line) => log(`[azle ${canister.name}] ${line}`) });
            const arg = await encodeInitArg(project, canister, build.candid);
            let id: Principal;
            try {
                id = await replica.installCanister({ wasm: build.wasm, arg });
            } catch (error) {
                throw new InstallError(canister.name, error, arg !== undefined ? undefined : initParameters(build.candid));
            }
            running.set(canister.name, { canister, id, build });
            canisterIds[canister.name] = id.toText();
            deployed.push({ name: canister.name, id: id.toText() });
            await writeDeclarations({ name: canister.name, candid: build.candid, outDir: join(project.root, canister.declarationsDir), bindings: canister.bindings });
            log(`${canister.name} deployed as ${id.toText()} in ${seconds(performance.now() - started)}${build.cached ? ' (build cached)' : ''}; declarations in ${canister.declarationsDir}`);
        }
        checkAborted();
        if (project.envFile) {
            updateEnvFile(join(project.root, project.envFile), {
                DFX_NETWORK: 'local',
                ...Object.fromEntries(Object.entries(canisterIds).map(([name, id]) => [canisterIdVariable(name), id])),
                IC_WEBSOCKET_GATEWAY_URL: gateway.url,
                IC_REPLICA_URL: http.url
            });
        }

        const checker =
            options.typeCheck === false
                ? undefined
                : TypeChecker.forProject(project.root, (report) => {
                      log([report.summary, ...report.lines].join('\n'));
                      options.onTypeCheck?.(report);
                  });
        if (checker) cleanups.push(() => checker.close());
        const reloader = new Reloader(project, running, replica, builds.signal, log, options.onReload, checker);
        if (options.watch !== false) {
            const watcher = new SourceWatcher((changed) => reloader.changed(changed));
            reloader.onInputs = (files) => watcher.watch(files);
            watcher.watch(reloader.inputs());
            cleanups.push(() => watcher.close());
        }
        cleanups.push(() => reloader.settled());
        checker?.run();

        return {
            project,
            replicaUrl: http.url,
            gatewayUrl: gateway.url,
            pageUrl: page?.url,
            canisters: deployed,
            replica,
            idle: () => reloader.settled(),
            stop: stopAll
        };
    } catch (error) {
        const aborted = builds.signal.aborted;
        await stopAll();
        throw aborted ? new DevStartAborted() : error;
    }
}

/** A canister built but could not be installed (its init trapped, e.g. on its init argument): one line, with what to check. */
export class InstallError extends Error {
    override readonly name = 'InstallError';
    /**
     * @param cause the replica's refusal (a trap's message keeps only its first line: no canister stack frames)
     * @param initParametersWithoutArg the init's parameters when dfx.json gave no init argument (undefined: it gave one)
     */
    constructor(
        readonly canister: string,
        cause: unknown,
        initParametersWithoutArg?: string
    ) {
        const text = (cause instanceof Error ? cause.message : String(cause)).replace(/\s+/g, ' ').trim();
        const trap = /with message: '(.*?)(?: at [^ ]+ \(.*)?'\./.exec(text)?.[1];
        const reason = trap === undefined ? text : `its init trapped: ${trap.trim()}`;
        const hint =
            initParametersWithoutArg === undefined
                ? "check its init code and dfx.json's init_arg / init_arg_file"
                : initParametersWithoutArg === '()'
                  ? 'check its init code'
                  : `its init takes ${initParametersWithoutArg}: give it in dfx.json as "init_arg" (Candid text) or "init_arg_file"`;
        super(`canister "${canister}" could not be installed: ${reason}. Fix: ${hint}.`, { cause });
    }
}

/**
 * Installs a custom canister's prebuilt wasm as it is (dfx.json's `build` command is not run: build it first), with
 * its init argument typed by its `candid` file, and writes declarations from that file. Not rebuilt on changes.
 */
async function installPrebuilt(project: Project, canister: PrebuiltCanister, replica: Replica, log: (line: string) => void): Promise<string> {
    const wasmPath = join(project.root, canister.wasm);
    if (!existsSync(wasmPath)) throw new ProjectError(`canister "${canister.name}": its wasm ${canister.wasm} does not exist: build it first (ic-websocket dev installs custom canisters' wasm as it is, without running dfx.json's "build")`);
    const candidPath = canister.candid === undefined ? undefined : join(project.root, canister.candid);
    if (candidPath !== undefined && !existsSync(candidPath)) throw new ProjectError(`canister "${canister.name}": its candid ${canister.candid} does not exist`);
    const candid = candidPath === undefined ? undefined : readFileSync(candidPath, 'utf8');
    if (canister.initArg && candid === undefined) throw new ProjectError(`canister "${canister.name}": an init argument needs its Candid interface to be typed: add "candid": "<file>.did" to it in dfx.json`);
    const arg = candid === undefined ? undefined : await encodeInitArg(project, canister, candid);
    let id: Principal;
    try {
        const bytes = readFileSync(wasmPath);
        const wasm = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes; // dfx's .wasm.gz
        id = await replica.installCanister({ wasm: new Uint8Array(wasm), arg });
    } catch (error) {
        throw new InstallError(canister.name, error, arg !== undefined || candid === undefined ? undefined : initParameters(candid));
    }
    if (candid !== undefined) await writeDeclarations({ name: canister.name, candid, outDir: join(project.root, canister.declarationsDir), bindings: canister.bindings });
    log(`${canister.name} (custom) installed from ${canister.wasm} as ${id.toText()}${candid !== undefined ? `; declarations in ${canister.declarationsDir}` : ''}; it is not rebuilt on changes`);
    return id.toText();
}

/** The frontend folder to serve, checked: it must exist and be a folder. */
function frontendFolder(project: Project, frontend: string): string {
    const dir = resolve(project.root, frontend);
    let isDir = false;
    try {
        isDir = statSync(dir).isDirectory();
    } catch {
        // missing: reported below
    }
    if (!isDir) throw new ProjectError(`the frontend folder ${dir} does not exist or is not a folder: give --frontend the folder holding your page's index.html`);
    return dir;
}

/** `startDevSession` was stopped (its `signal` aborted) before it was ready. */
export class DevStartAborted extends Error {
    override readonly name = 'DevStartAborted';
    constructor() {
        super('stopped before it was ready');
    }
}

/** Rebuilds and upgrades canisters whose inputs changed, one batch at a time. */
class Reloader {
    onInputs: (files: string[]) => void = () => undefined;
    private readonly dirty = new Set<string>();
    private current: Promise<void> = Promise.resolve();
    private busy = false;
    /** Files named by the last failed build of each canister (watched too, so fixing them triggers a rebuild). */
    private readonly errorFiles = new Map<string, string[]>();

    constructor(
        private readonly project: Project,
        private readonly running: Map<string, { canister: AzleCanister; id: Principal; build: AzleBuild }>,
        private readonly replica: Replica,
        private readonly signal: AbortSignal,
        private readonly log: (line: string) => void,
        private readonly onReload?: (event: ReloadEvent) => void,
        private readonly checker?: TypeChecker
    ) {}

    /** Every file a rebuild may depend on. */
    inputs(): string[] {
        const files = new Set<string>();
        for (const { canister, build } of this.running.values()) {
            for (const file of build.inputs) files.add(file);
            for (const file of this.errorFiles.get(canister.name) ?? []) files.add(file);
        }
        return [...files];
    }

    changed(files: string[]): void {
        for (const [name, { build }] of this.running) {
            const reads = new Set([...build.inputs, ...(this.errorFiles.get(name) ?? [])]);
            if (files.some((file) => reads.has(file))) this.dirty.add(name);
        }
        if (this.dirty.size === 0) return;
        this.checker?.cancel(); // the sources changed under it; a new check follows the reload
        if (!this.busy) this.current = this.drain();
    }

    settled(): Promise<void> {
        return this.current;
    }

    private async drain(): Promise<void> {
        this.busy = true;
        try {
            while (this.dirty.size > 0 && !this.signal.aborted) {
                const [name] = this.dirty;
                this.dirty.delete(name!);
                await this.reload(this.running.get(name!)!);
            }
        } finally {
            this.busy = false;
        }
        if (!this.signal.aborted) this.checker?.run();
    }

    private async reload(entry: { canister: AzleCanister; id: Principal; build: AzleBuild }): Promise<void> {
        const { canister } = entry;
        const started = performance.now();
        this.log(`${canister.name}: source changed, rebuilding…`);
        try {
            const build = await buildAzleCanister(this.project, canister, { signal: this.signal, onOutput: (line) => this.log(`[azle ${canister.name}] ${line}`) });
            this.errorFiles.delete(canister.name);
            const built = performance.now();
            const arg = await encodeInitArg(this.project, canister, build.candid);
            await this.replica.upgradeCanister(entry.id, build.wasm, { arg });
            entry.build = build;
            const installed = performance.now();
            await writeDeclarations({ name: canister.name, candid: build.candid, outDir: join(this.project.root, canister.declarationsDir), bindings: canister.bindings });
            const how = build.cached ? ', cached' : build.shortcut ? ', methods unchanged: one assembly pass' : '';
            this.log(`${canister.name} upgraded in ${seconds(installed - started)} (build ${seconds(built - started)}${how}, upgrade ${seconds(installed - built)}); clients stay connected`);
            this.onReload?.({ canister: canister.name, outcome: 'upgraded', buildMs: built - started, installMs: installed - built, cached: build.cached });
        } catch (error) {
            if (this.signal.aborted) return;
            if (error instanceof BuildError) this.errorFiles.set(canister.name, error.files);
            const message = error instanceof Error ? error.message : String(error);
            this.log(`${canister.name} was NOT upgraded (the previous version keeps running):\n${message}`);
            this.onReload?.({ canister: canister.name, outcome: 'failed', error: message });
        }
        this.onInputs(this.inputs());
    }
}

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

