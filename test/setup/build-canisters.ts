/**
 * vitest globalSetup: builds every azle canister of dfx.json once, before the suites run, so suites (and their
 * parallel workers) only read cached wasm. Builds are cached by source hash (see replica/build.ts): an unchanged
 * canister costs a hash, not a build. A canister that fails to build is reported here and fails again, with the
 * same error, in the suites that use it; it does not stop the others.
 */
import { buildCanister, canisterNames } from '../../replica/build.ts';

export default async function buildAllCanisters(): Promise<void> {
    const started = performance.now();
    const failures: string[] = [];
    for (const name of canisterNames()) {
        try {
            await buildCanister(name);
        } catch (error) {
            failures.push(`${name}: ${(error as Error).message.split('\n').slice(0, 5).join('\n')}`);
        }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`[build-canisters] ${canisterNames().length} canisters ready in ${seconds} s`);
    for (const failure of failures) console.warn(`[build-canisters] build failed: ${failure}`);
}
