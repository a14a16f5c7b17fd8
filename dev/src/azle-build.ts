/**
 * `azle build` of one canister of the user's project, with the project's own azle, cached by the exact inputs of
 * the build: esbuild (azle's own copy, with azle's options) lists every file the canister's bundle reads — the
 * project's sources and the packages they import, this CDK included — and the wasm is rebuilt only when one of them,
 * the dfx.json entry or azle's version changed. Concurrent builds of one canister (vitest workers) build once: one
 * process builds under a lock file, the others wait for its result.
 *
 * Builds run azle's own build steps in a long-lived worker process (azle-worker.ts: no CLI startup, and a rebuild whose
 * methods did not change skips one of azle's two assembly passes), or azle's CLI for other azle versions and
 * experimental canisters; the wasm is azle's, byte for byte, either way (test/dev/azle-build.test.ts).
 *
 * Cost (2 cores, idle): a cache check is one esbuild pass (~0.2 s); azle's CLI takes ~4.3 s (startup ~1 s, bundling
 * 0.2 s, two binaryen passes over the 3 MB canister template ~1.7 + 1.3 s, running the wasm for its Candid 0.5 s);
 * the worker's rebuild ~2 s. Figures: bench/RESULTS.md.
 *
 * @example
 * const project = readProject('.');
 * const { wasm, candid, inputs } = await buildAzleCanister(project, project.canisters[0]);
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildInWorker } from './azle-worker-client.ts';
import { ProjectError, type AzleCanister, type Project } from './project.ts';

/** A finished build. */
export interface AzleBuild {
    /** The canister module, as `azle build` wrote it. */
    wasm: Uint8Array;
    /** Its Candid interface (the `.did` azle generated). */
    candid: string;
    /** Source files of the project the bundle read (absolute paths, node_modules excluded): what to watch. */
    inputs: string[];
    /** Whether the result came from the cache (nothing changed since the last build). */
    cached: boolean;
    /** Whether azle's first assembly pass was skipped because the methods did not change (see azle-worker.ts). */
    shortcut?: boolean;
}

/** A canister that does not build: `message` is azle's (or esbuild's) explanation. */
export class BuildError extends Error {
    override readonly name = 'BuildError';
    constructor(
        readonly canister: string,
        message: string,
        /** Project files named in the error (so a watcher can wait for them to change). */
        readonly files: string[] = []
    ) {
        super(message);
    }
}

export interface AzleBuildOptions {
    /** Where cached builds live; default `<project>/.azle/.ic-websocket-dev`. */
    cacheDir?: string;
    /** Where azle's output goes; receives each line azle prints (default: nowhere). */
    onOutput?: (line: string) => void;
    /** Aborting kills a running azle build (the build then rejects). */
    signal?: AbortSignal;
}

/** A lock older than this belongs to a crashed build and is broken. */
const STALE_LOCK_MS = 5 * 60_000;
/** Node builtins azle refuses outside experimental mode (its esbuild plugin throws on them); here they are external. */
const NODE_BUILTINS = /^(node:)?(internal|util|fs|fs\/promises|assert|buffer|path|stream|process|url|events|string_decoder|punycode|querystring|http|https|os|crypto|zlib|perf_hooks|async_hooks)$/;

interface Azle {
    dir: string;
    version: string;
    /** `node --import <tsx> <azle>/src/build.ts`, without npx's startup (~1.3 s). */
    command: string[];
    /** file: URL of azle's tsx loader (undefined: not found, the CLI is run through its bin). */
    tsxLoader?: string;
}

/** azle versions whose build steps azle-worker.ts runs (it imports them by path); others are built by azle's CLI. */
const WORKER_AZLE_VERSIONS = new Set(['0.33.0']);
/** dfx.json `custom` fields that need azle's experimental mode or its CLI's own handling: such canisters use the CLI. */
const CLI_ONLY_FIELDS = ['assets', 'build_assets', 'esm_aliases', 'esm_externals'];

interface Manifest {
    key: string;
    candid: string;
    inputs: string[];
    /** SHA-256 of the cached wasm: a reader never pairs a manifest with another build's module. */
    wasmSha256: string;
    /** azle's method metadata of that build (lets the next build skip a pass, see azle-worker.ts). */
    methodMeta?: unknown;
}

/**
 * Builds `canister` (or returns the cached build when none of its inputs changed).
 *
 * @throws ProjectError when azle is not installed in the project; BuildError when the canister does not build.
 */
export async function buildAzleCanister(project: Project, canister: AzleCanister, options: AzleBuildOptions = {}): Promise<AzleBuild> {
    const azle = findAzle(project.root);
    const cacheDir = options.cacheDir ?? join(project.root, '.azle', '.ic-websocket-dev');
    mkdirSync(cacheDir, { recursive: true });
    const files = { manifest: join(cacheDir, `${canister.name}.json`), wasm: join(cacheDir, `${canister.name}.wasm`), lock: join(cacheDir, `${canister.name}.lock`) };

    const allInputs = await bundleInputs(project, canister, azle);
    const key = buildKey(project, canister, azle, allInputs);
    const inputs = allInputs.filter((file) => !file.split(sep).includes('node_modules'));

    for (;;) {
        const hit = readCached(files, key);
        if (hit) return { ...hit, inputs, cached: true };
        if (tryLock(files.lock)) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    try {
        const hit = readCached(files, key);
        if (hit) return { ...hit, inputs, cached: true };
        const { wasm, candid, methodMeta, shortcut } = await runAzleBuild(project, canister, azle, options, previousMethodMeta(files.manifest));
        const temporary = `${files.wasm}.${process.pid}.tmp`;
        writeFileSync(temporary, wasm);
        renameSync(temporary, files.wasm);
        writeAtomically(files.manifest, JSON.stringify({ key, candid, inputs, wasmSha256: sha256Hex(wasm), methodMeta } satisfies Manifest));
        return { wasm, candid, inputs, cached: false, shortcut };
    } finally {
        rmSync(files.lock, { force: true });
    }
}

/** The project's azle: its folder, version and the command that runs its CLI. */
function findAzle(root: string): Azle {
    // Node's lookup of a bare package (azle's "exports" hide its package.json from require.resolve).
    let packageJson: string | undefined;
    for (let dir = root; !packageJson; dir = dirname(dir)) {
        const candidate = join(dir, 'node_modules', 'azle', 'package.json');
        if (existsSync(candidate)) packageJson = candidate;
        else if (dirname(dir) === dir) throw new ProjectError(`azle is not installed in ${root}: run \`npm install --save-exact azle@0.33.0\` there`);
    }
    const dir = dirname(packageJson);
    const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
    const cli = join(dir, 'src', 'build.ts');
    try {
        const tsxLoader = pathToFileURL(createRequire(packageJson).resolve('tsx')).href;
        return { dir, version, command: [process.execPath, '--import', tsxLoader, cli], tsxLoader };
    } catch {
        return { dir, version, command: [join(root, 'node_modules', '.bin', 'azle')] };
    }
}

/**
 * Every file the canister's bundle reads, found by bundling it the way azle does (same esbuild, same entry imports,
 * same options), without writing anything. A file that does not parse is a {@link BuildError} naming it.
 */
async function bundleInputs(project: Project, canister: AzleCanister, azle: Azle): Promise<string[]> {
    const esbuild = (await import(pathToFileURL(createRequire(join(azle.dir, 'package.json')).resolve('esbuild')).href)) as typeof import('esbuild');
    const main = resolve(project.root, canister.main);
    try {
        const result = await esbuild.build({
            stdin: {
                contents: `import 'azle/_internal/globals';\nimport 'azle';\nimport * as CanisterModule from ${JSON.stringify(main)};\n`,
                resolveDir: dirname(main)
            },
            bundle: true,
            format: 'esm',
            target: 'es2024',
            preserveSymlinks: true,
            write: false,
            metafile: true,
            logLevel: 'silent',
            plugins: [{ name: 'node builtins', setup: (build) => build.onResolve({ filter: NODE_BUILTINS }, (args) => ({ path: args.path, external: true })) }]
        });
        return Object.keys(result.metafile.inputs)
            .filter((input) => input !== '<stdin>')
            .map((input) => resolve(process.cwd(), input))
            .sort();
    } catch (error) {
        const failure = error as { errors?: { text: string; location?: { file: string; line: number; column: number; lineText: string } | null }[] };
        if (!failure.errors) throw error;
        const files = failure.errors.flatMap((e) => (e.location ? [resolve(process.cwd(), e.location.file)] : []));
        const text = failure.errors
            .map((e) => (e.location ? `${relative(project.root, resolve(process.cwd(), e.location.file))}:${e.location.line}:${e.location.column}: ${e.text}\n    ${e.location.lineText}` : e.text))
            .join('\n');
        throw new BuildError(canister.name, `${canister.name} does not build:\n${text}`, files);
    }
}

/** Hash of everything the build depends on: the canister's name and dfx.json entry, azle's version, every input. */
function buildKey(project: Project, canister: AzleCanister, azle: Azle, inputs: readonly string[]): string {
    // The init argument is not part of the build (it is passed at install), so changing it reuses the wasm.
    const { init_arg: _arg, init_arg_file: _argFile, ...buildEntry } = canister.entry;
    const hash = createHash('sha256').update(`${canister.name}\n${JSON.stringify(buildEntry)}\nazle ${azle.version}\n`);
    for (const file of inputs) {
        hash.update(`${relative(project.root, file)}\n`);
        hash.update(readFileSync(file));
    }
    return hash.digest('hex');
}

function readCached(files: { manifest: string; wasm: string }, key: string): { wasm: Uint8Array; candid: string } | undefined {
    try {
        const manifest = JSON.parse(readFileSync(files.manifest, 'utf8')) as Manifest;
        if (manifest.key !== key) return undefined;
        const wasm = new Uint8Array(readFileSync(files.wasm));
        return sha256Hex(wasm) === manifest.wasmSha256 ? { wasm, candid: manifest.candid } : undefined;
    } catch {
        return undefined;
    }
}

function previousMethodMeta(manifestPath: string): unknown {
    try {
        return (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest).methodMeta;
    } catch {
        return undefined;
    }
}

/** Whether azle-worker.ts can build this canister (azle 0.33.0, stable mode, automatic Candid). */
function workerCanBuild(azle: Azle, canister: AzleCanister): boolean {
    const custom = (canister.entry.custom ?? {}) as Record<string, unknown>;
    return (
        azle.tsxLoader !== undefined &&
        WORKER_AZLE_VERSIONS.has(azle.version) &&
        process.env.IC_WEBSOCKET_AZLE_CLI !== '1' &&
        process.env.AZLE_EXPERIMENTAL !== 'true' &&
        custom.experimental !== true &&
        custom.candid_gen !== 'custom' &&
        CLI_ONLY_FIELDS.every((field) => custom[field] === undefined)
    );
}

/**
 * Runs azle's build: in the worker process (azle's own steps, loaded once; see azle-worker.ts) when it can, else
 * azle's CLI. Both write `.azle/<name>/<name>.wasm` and the `.did`, byte for byte the same.
 */
async function runAzleBuild(
    project: Project,
    canister: AzleCanister,
    azle: Azle,
    { onOutput, signal }: AzleBuildOptions,
    previous?: unknown
): Promise<{ wasm: Uint8Array; candid: string; methodMeta?: unknown; shortcut?: boolean }> {
    const candidPath = join(project.root, '.azle', canister.name, `${canister.name}.did`);
    const wasmPath = join(project.root, '.azle', canister.name, `${canister.name}.wasm`);
    if (workerCanBuild(azle, canister)) {
        let methodMeta: unknown;
        let shortcut: boolean;
        try {
            ({ methodMeta, shortcut } = await buildInWorker(
                { root: project.root, azleDir: azle.dir, tsxLoader: azle.tsxLoader! },
                { name: canister.name, config: { ...canister.entry }, candidPath, previousMethodMeta: previous },
                onOutput,
                signal
            ));
        } catch (error) {
            if (signal?.aborted) throw error;
            throw new BuildError(canister.name, `${canister.name} does not build (azle build):\nAzle BuildError: ${(error as Error).message}`);
        }
        return { wasm: new Uint8Array(readFileSync(wasmPath)), candid: readFileSync(candidPath, 'utf8'), methodMeta, shortcut };
    }
    const [command, ...args] = azle.command;
    const output: string[] = [];
    const code = await new Promise<number | null>((resolveExit, reject) => {
        const child = spawn(command!, [...args, 'build', canister.name], {
            cwd: project.root,
            env: { ...process.env, CANISTER_CANDID_PATH: candidPath, AZLE_DFX_ROOT: project.root },
            stdio: ['ignore', 'pipe', 'pipe'],
            signal
        });
        for (const stream of [child.stdout, child.stderr]) {
            let pending = '';
            stream.setEncoding('utf8');
            stream.on('data', (chunk: string) => {
                pending += chunk;
                const lines = pending.split('\n');
                pending = lines.pop()!;
                for (const line of lines) {
                    output.push(line);
                    onOutput?.(line);
                }
            });
        }
        child.once('error', reject); // also an abort: AbortError
        child.once('close', resolveExit);
    });
    if (code !== 0) {
        const text = output.join('\n').trim() || `azle build exited with code ${code}`;
        throw new BuildError(canister.name, `${canister.name} does not build (azle build):\n${text}`);
    }
    if (!existsSync(wasmPath)) throw new BuildError(canister.name, `azle build ${canister.name} succeeded but wrote no ${relative(project.root, wasmPath)}`);
    return { wasm: new Uint8Array(readFileSync(wasmPath)), candid: readFileSync(candidPath, 'utf8') };
}

function sha256Hex(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
}

function tryLock(lockPath: string): boolean {
    try {
        closeSync(openSync(lockPath, 'wx'));
        return true;
    } catch {
        try {
            if (Date.now() - statSync(lockPath).mtimeMs > STALE_LOCK_MS) rmSync(lockPath, { force: true });
        } catch {
            // the lock vanished meanwhile: try again next time
        }
        return false;
    }
}

function writeAtomically(path: string, text: string): void {
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, path);
}
