/**
 * A dfx project as `ic-websocket dev` and the test harness see it: the folder holding `dfx.json`, and its Azle
 * canisters (`"type": "azle"` with a `"main"`, and optionally `init_arg` or `init_arg_file`), its custom canisters
 * with a prebuilt `"wasm"` (installed as they are by `ic-websocket dev`), and the others (motoko, rust, assets, ...),
 * listed so that messages can say what is supported. Reading is strict: every problem is a {@link ProjectError}
 * whose message says what to fix.
 *
 * @example
 * const project = readProject(process.cwd());
 * project.canisters.map((c) => c.name); // ['backend']
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { InitArgSource } from './init-arg.ts';

/** A problem with the user's project (missing dfx.json, unknown canister, ...): printed as is, without a stack. */
export class ProjectError extends Error {
    override readonly name = 'ProjectError';
}

/** One Azle canister of dfx.json. */
export interface AzleCanister {
    /** Its dfx.json name. */
    readonly name: string;
    /** The entry file, relative to the project root (dfx.json's `main`). */
    readonly main: string;
    /** The dfx.json entry, as written (part of the build's identity). */
    readonly entry: Readonly<Record<string, unknown>>;
    /** Where its declarations go, relative to the project root (dfx's `declarations.output`, default `src/declarations/<name>`). */
    readonly declarationsDir: string;
    /** Which declaration files to write (dfx's `declarations.bindings`, default js, ts and did). */
    readonly bindings: readonly ('js' | 'ts' | 'did')[];
    /** dfx.json's `init_arg` (Candid text) or `init_arg_file` (relative to the root), passed to init and post_upgrade. */
    readonly initArg?: InitArgSource;
}

/**
 * A `"type": "custom"` canister of dfx.json with a prebuilt `"wasm"` (and optionally its `"candid"`): `ic-websocket
 * dev` installs the module as it is (it does not run dfx.json's `build` command, nor rebuild it on changes).
 */
export interface PrebuiltCanister {
    readonly name: string;
    /** The module (plain or gzipped), relative to the project root. */
    readonly wasm: string;
    /** Its Candid interface, relative to the project root (for the init argument and the declarations). */
    readonly candid?: string;
    readonly declarationsDir: string;
    readonly bindings: readonly ('js' | 'ts' | 'did')[];
    readonly initArg?: InitArgSource;
}

/** A canister `ic-websocket dev` runs: built with azle, or installed from a prebuilt wasm. */
export type RunnableCanister = { readonly kind: 'azle'; readonly canister: AzleCanister } | { readonly kind: 'prebuilt'; readonly canister: PrebuiltCanister };

/** A canister of dfx.json that the tools neither build nor install (motoko, rust, assets, custom without wasm, ...). */
export interface OtherCanister {
    readonly name: string;
    /** Its dfx.json `type` (`motoko`, `rust`, `custom`, `assets`, ...; `(none)` when absent). */
    readonly type: string;
}

/** What the tools run, for messages: which dfx.json canisters are supported and what to do with the others. */
export const SUPPORTED_CANISTERS =
    'ic-websocket dev and the test harness build and run Azle canisters ("type": "azle" with "main"), and ic-websocket dev installs "type": "custom" canisters with a prebuilt "wasm" as they are; ' +
    'deploy other canisters with dfx, or install a prebuilt wasm with the test harness (network.deploy({ wasm, candid }))';

export interface Project {
    /** Absolute path of the folder holding dfx.json. */
    readonly root: string;
    /** The project's Azle canisters, in dfx.json order. */
    readonly canisters: readonly AzleCanister[];
    /** dfx.json's custom canisters with a prebuilt wasm, in dfx.json order. */
    readonly prebuilt: readonly PrebuiltCanister[];
    /** dfx.json's other canisters (neither built nor installed by these tools), in dfx.json order. */
    readonly others: readonly OtherCanister[];
    /** dfx's `output_env_file` (relative to the root), where canister ids are written as `CANISTER_ID_<NAME>=...`. */
    readonly envFile?: string;
}

/** Finds dfx.json in `start` or the nearest folder above it. */
export function findProjectRoot(start: string): string {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
        if (existsSync(join(dir, 'dfx.json'))) return dir;
        if (dirname(dir) === dir) {
            throw new ProjectError(
                `no dfx.json in ${resolve(start)} or any folder above it. Run this in your project's folder, or create a dfx.json such as:\n` +
                    `{ "canisters": { "backend": { "type": "azle", "main": "src/backend/index.ts" } } }`
            );
        }
    }
}

/** Reads the project whose dfx.json is in `start` or above. */
export function readProject(start: string): Project {
    const root = findProjectRoot(start);
    const file = join(root, 'dfx.json');
    let dfx: unknown;
    try {
        dfx = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
        throw new ProjectError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof dfx !== 'object' || dfx === null || typeof (dfx as { canisters?: unknown }).canisters !== 'object' || (dfx as { canisters?: unknown }).canisters === null) {
        throw new ProjectError(`${file} has no "canisters" object`);
    }
    const { canisters: entries, output_env_file: envFile } = dfx as { canisters: Record<string, unknown>; output_env_file?: unknown };
    const canisters: AzleCanister[] = [];
    const others: OtherCanister[] = [];
    const prebuilt: PrebuiltCanister[] = [];
    for (const [name, entry] of Object.entries(entries)) {
        if (typeof entry !== 'object' || entry === null) throw new ProjectError(`${file}: canister "${name}" is not an object`);
        const fields = entry as Record<string, unknown>;
        if (fields.type === 'custom' && typeof fields.wasm === 'string' && fields.wasm !== '') {
            const initArg = initArgSource(root, name, fields, file);
            const candid = typeof fields.candid === 'string' && fields.candid !== '' ? fields.candid : undefined;
            prebuilt.push({ name, wasm: fields.wasm, ...(candid ? { candid } : {}), ...declarationSettings(name, fields, file), ...(initArg ? { initArg } : {}) });
            continue;
        }
        if (fields.type !== 'azle') {
            others.push({ name, type: typeof fields.type === 'string' ? fields.type : '(none)' });
            continue;
        }
        if (typeof fields.main !== 'string' || fields.main === '') throw new ProjectError(`${file}: canister "${name}" has no "main" (its entry file)`);
        if (!existsSync(join(root, fields.main))) throw new ProjectError(`${file}: canister "${name}": its main file ${fields.main} does not exist`);
        const initArg = initArgSource(root, name, fields, file);
        canisters.push({ name, main: fields.main, entry: fields, ...declarationSettings(name, fields, file), ...(initArg ? { initArg } : {}) });
    }
    return { root, canisters, prebuilt, others, envFile: typeof envFile === 'string' ? envFile : undefined };
}

/**
 * The canisters to run: those named (in the order given), or every Azle canister of the project.
 *
 * @throws ProjectError when a name is not an Azle canister of dfx.json, or the project has none.
 */
export function selectCanisters(project: Project, names: readonly string[]): AzleCanister[] {
    const file = join(project.root, 'dfx.json');
    const known = project.canisters.map((canister) => canister.name);
    if (names.length === 0) {
        if (project.canisters.length === 0) {
            const others = project.others.map(({ name, type }) => `${name} (${type})`).join(', ');
            throw new ProjectError(`${file} has no Azle canister${others ? `, only ${others}` : ''}. ${SUPPORTED_CANISTERS}.`);
        }
        return [...project.canisters];
    }
    return names.map((name) => {
        const canister = project.canisters.find((candidate) => candidate.name === name);
        if (canister) return canister;
        if (project.prebuilt.some((candidate) => candidate.name === name)) {
            throw new ProjectError(`canister "${name}" of ${file} is a custom canister with a prebuilt wasm: ic-websocket dev installs it; here, install its wasm with network.deploy({ wasm, candid })`);
        }
        const other = project.others.find((candidate) => candidate.name === name);
        if (other) throw new ProjectError(`canister "${name}" of ${file} is of type ${other.type}, not azle. ${SUPPORTED_CANISTERS}.`);
        throw new ProjectError(`no Azle canister "${name}" in ${file} (it has: ${known.join(', ') || 'none'})`);
    });
}

/**
 * What `ic-websocket dev` runs: the canisters named (in that order), or every Azle and prebuilt custom canister of
 * the project (dfx.json order).
 *
 * @throws ProjectError when a name is neither, or the project has none.
 */
export function selectRunnable(project: Project, names: readonly string[]): RunnableCanister[] {
    const file = join(project.root, 'dfx.json');
    const entries = Object.keys(JSON.parse(readFileSync(file, 'utf8')).canisters as Record<string, unknown>);
    const find = (name: string): RunnableCanister | undefined => {
        const azle = project.canisters.find((candidate) => candidate.name === name);
        if (azle) return { kind: 'azle', canister: azle };
        const prebuilt = project.prebuilt.find((candidate) => candidate.name === name);
        return prebuilt ? { kind: 'prebuilt', canister: prebuilt } : undefined;
    };
    if (names.length === 0) {
        const all = entries.map(find).filter((runnable): runnable is RunnableCanister => runnable !== undefined);
        if (all.length === 0) selectCanisters(project, []); // throws, saying what is supported
        return all;
    }
    return names.map((name) => find(name) ?? selectCanisters(project, [name]).map((canister) => ({ kind: 'azle' as const, canister }))[0]!);
}

/** dfx.json's `init_arg` / `init_arg_file` of a canister, checked as dfx checks them (one of the two, a string; the file exists). */
function initArgSource(root: string, name: string, fields: Record<string, unknown>, file: string): InitArgSource | undefined {
    const { init_arg: text, init_arg_file: argFile } = fields;
    if (text !== undefined && argFile !== undefined) throw new ProjectError(`${file}: canister "${name}" has both "init_arg" and "init_arg_file": keep one`);
    if (text !== undefined) {
        if (typeof text !== 'string') throw new ProjectError(`${file}: canister "${name}": "init_arg" must be Candid text in a string, e.g. "(\"hello\", 5 : nat32)"`);
        return { text };
    }
    if (argFile !== undefined) {
        if (typeof argFile !== 'string' || argFile === '') throw new ProjectError(`${file}: canister "${name}": "init_arg_file" must be a file path (relative to dfx.json's folder)`);
        if (!existsSync(join(root, argFile))) throw new ProjectError(`${file}: canister "${name}": its init_arg_file ${argFile} does not exist`);
        return { file: argFile };
    }
    return undefined;
}

function declarationSettings(name: string, fields: Record<string, unknown>, file: string): Pick<AzleCanister, 'declarationsDir' | 'bindings'> {
    const declarations = (fields.declarations ?? {}) as { output?: unknown; bindings?: unknown };
    const declarationsDir = typeof declarations.output === 'string' ? declarations.output : join('src', 'declarations', name);
    let bindings: AzleCanister['bindings'] = ['js', 'ts', 'did'];
    if (declarations.bindings !== undefined) {
        if (!Array.isArray(declarations.bindings)) throw new ProjectError(`${file}: canister "${name}": declarations.bindings must be a list such as ["js", "ts", "did"]`);
        // dfx also knows "mo" (Motoko bindings); that one is skipped here.
        bindings = declarations.bindings.filter((binding): binding is 'js' | 'ts' | 'did' => binding === 'js' || binding === 'ts' || binding === 'did');
    }
    return { declarationsDir, bindings };
}
