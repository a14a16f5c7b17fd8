/**
 * `buildCanister(name)`: a canister of this repository's dfx.json, built by the dev tools' builder
 * (`dev/src/azle-build.ts`): azle build with the repository's azle, cached by the exact inputs of the build (every
 * file the bundle reads, azle's version and the dfx.json entry), so unchanged canisters are never rebuilt. Safe when
 * several processes (vitest workers) ask at once: one builds under a lock file, the others wait for its result.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAzleCanister } from '../dev/src/azle-build.ts';
import { readProject, selectCanisters } from '../dev/src/project.ts';

/** The repository root (where dfx.json lives). */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Names of the azle canisters in dfx.json. */
export function canisterNames(): string[] {
    return readProject(PROJECT_ROOT).canisters.map((canister) => canister.name);
}

/**
 * Builds (or fetches from the cache) the wasm of canister `name` from dfx.json.
 *
 * @example
 * const wasm = await buildCanister('hello');
 * const id = await replica.installCanister({ wasm });
 */
export async function buildCanister(name: string): Promise<Uint8Array> {
    const project = readProject(PROJECT_ROOT);
    const [canister] = selectCanisters(project, [name]);
    return (await buildAzleCanister(project, canister!)).wasm;
}
