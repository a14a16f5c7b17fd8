/**
 * A dfx project as `ic-websocket dev` and the test harness see it: the folder holding `dfx.json`, and its Azle
 * canisters (`"type": "azle"` with a `"main"`). Reading is strict: every problem is a {@link ProjectError} whose
 * message says what to fix.
 *
 * @example
 * const project = readProject(process.cwd());
 * project.canisters.map((c) => c.name); // ['backend']
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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
}

export interface Project {
    /** Absolute path of the folder holding dfx.json. */
    readonly root: string;
    /** The project's Azle canisters, in dfx.json order. */
    readonly canisters: readonly AzleCanister[];
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
    for (const [name, entry] of Object.entries(entries)) {
        if (typeof entry !== 'object' || entry === null) throw new ProjectError(`${file}: canister "${name}" is not an object`);
        const fields = entry as Record<string, unknown>;
        if (fields.type !== 'azle') continue;
        if (typeof fields.main !== 'string' || fields.main === '') throw new ProjectError(`${file}: canister "${name}" has no "main" (its entry file)`);
        if (!existsSync(join(root, fields.main))) throw new ProjectError(`${file}: canister "${name}": its main file ${fields.main} does not exist`);
        canisters.push({ name, main: fields.main, entry: fields, ...declarationSettings(name, fields, file) });
    }
    return { root, canisters, envFile: typeof envFile === 'string' ? envFile : undefined };
}

/**
 * The canisters to run: those named (in the order given), or every Azle canister of the project.
 *
 * @throws ProjectError when a name is not an Azle canister of dfx.json, or the project has none.
 */
export function selectCanisters(project: Project, names: readonly string[]): AzleCanister[] {
    const known = project.canisters.map((canister) => canister.name);
    if (names.length === 0) {
        if (project.canisters.length === 0) throw new ProjectError(`${join(project.root, 'dfx.json')} has no Azle canister ("type": "azle")`);
        return [...project.canisters];
    }
    return names.map((name) => {
        const canister = project.canisters.find((candidate) => candidate.name === name);
        if (!canister) throw new ProjectError(`no Azle canister "${name}" in ${join(project.root, 'dfx.json')} (it has: ${known.join(', ') || 'none'})`);
        return canister;
    });
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
