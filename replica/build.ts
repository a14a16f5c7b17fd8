/**
 * `buildCanister(name)`: builds a canister of dfx.json with `azle build`, cached by a hash of everything the
 * build reads (the canister's folder, src/ — the CDK canisters import —, azle's version and the dfx.json entry),
 * so unchanged canisters are never rebuilt. Safe when several processes (vitest workers) ask at once: one builds
 * under a lock file, the others wait for the cached result.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sha256 } from '@noble/hashes/sha2';
import { toHex, utf8 } from './bytes.ts';

/** The repository root (where dfx.json lives). */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE_DIR = join(PROJECT_ROOT, '.cache', 'canisters');
/** A lock older than this belongs to a crashed build and is broken. */
const STALE_LOCK_MS = 5 * 60_000;
/** Cached builds kept per canister (older ones are deleted: src/ changes often, and each build is ~3.5 MB). */
const KEEP_BUILDS = 3;

interface DfxCanister {
    type: string;
    main?: string;
    [key: string]: unknown;
}

function readDfxCanisters(): Record<string, DfxCanister> {
    const dfx = JSON.parse(readFileSync(join(PROJECT_ROOT, 'dfx.json'), 'utf8')) as { canisters?: Record<string, DfxCanister> };
    return dfx.canisters ?? {};
}

/** Names of the azle canisters in dfx.json. */
export function canisterNames(): string[] {
    return Object.entries(readDfxCanisters())
        .filter(([, entry]) => entry.type === 'azle')
        .map(([name]) => name);
}

function filesUnder(dir: string): string[] {
    if (!existsSync(dir)) return [];
    const out: string[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) out.push(...filesUnder(path));
        else if (entry.isFile()) out.push(path);
    }
    return out.sort();
}

/** Hash of the build's inputs. */
function sourceHash(name: string, entry: DfxCanister): string {
    const azleVersion = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', 'azle', 'package.json'), 'utf8')) as { version: string }).version;
    const hash = sha256.create();
    hash.update(utf8(`${name}\n${JSON.stringify(entry)}\nazle ${azleVersion}\n`));
    const files = [...filesUnder(dirname(join(PROJECT_ROOT, entry.main!))), ...filesUnder(join(PROJECT_ROOT, 'src'))];
    for (const file of files) {
        hash.update(utf8(`${relative(PROJECT_ROOT, file)}\n`));
        hash.update(readFileSync(file));
    }
    return toHex(hash.digest()).slice(0, 24);
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

/** Deletes all but the newest {@link KEEP_BUILDS} cached builds of `name`. */
function pruneOldBuilds(name: string): void {
    const builds = readdirSync(CACHE_DIR)
        .filter((file) => file.length === name.length + 30 && file.startsWith(`${name}-`) && /^[0-9a-f]{24}\.wasm$/.test(file.slice(name.length + 1)))
        .map((file) => ({ path: join(CACHE_DIR, file), mtime: statSync(join(CACHE_DIR, file)).mtimeMs }))
        .sort((a, b) => b.mtime - a.mtime);
    for (const old of builds.slice(KEEP_BUILDS)) rmSync(old.path, { force: true });
}

/**
 * Builds (or fetches from the cache) the wasm of canister `name` from dfx.json.
 *
 * @example
 * const wasm = await buildCanister('hello');
 * const id = await replica.installCanister({ wasm });
 */
export async function buildCanister(name: string): Promise<Uint8Array> {
    const entry = readDfxCanisters()[name];
    if (!entry) throw new Error(`buildCanister: no canister '${name}' in dfx.json`);
    if (entry.type !== 'azle' || !entry.main) throw new Error(`buildCanister: '${name}' is not an azle canister with a "main"`);
    mkdirSync(CACHE_DIR, { recursive: true });
    const cached = join(CACHE_DIR, `${name}-${sourceHash(name, entry)}.wasm`);
    const lock = join(CACHE_DIR, `${name}.lock`);
    for (;;) {
        if (existsSync(cached)) return new Uint8Array(readFileSync(cached));
        if (tryLock(lock)) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    try {
        if (existsSync(cached)) return new Uint8Array(readFileSync(cached));
        const outDir = join(PROJECT_ROOT, '.azle', name);
        await promisify(execFile)(join(PROJECT_ROOT, 'node_modules', '.bin', 'azle'), ['build', name], {
            cwd: PROJECT_ROOT,
            env: { ...process.env, CANISTER_CANDID_PATH: join(outDir, `${name}.did`) },
            maxBuffer: 64 * 1024 * 1024
        }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
            throw new Error(`azle build ${name} failed: ${error.stderr || error.stdout || error.message}`);
        });
        const wasm = readFileSync(join(outDir, `${name}.wasm`));
        const temporary = `${cached}.${process.pid}.tmp`;
        writeFileSync(temporary, wasm);
        renameSync(temporary, cached); // atomic: readers never see a partial file
        pruneOldBuilds(name);
        return new Uint8Array(wasm);
    } finally {
        rmSync(lock, { force: true });
    }
}
