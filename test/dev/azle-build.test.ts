// The dev tools' builder (dev/src/azle-build.ts) against azle's own CLI: the worker process that runs azle's build
// steps, including its shortcut for rebuilds whose methods did not change, must produce azle's wasm byte for byte.
// A project inside .azle/ (ignored by git) so the canister resolves this repository's azle and CDK.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildAzleCanister, readProject } from '../../dev/src/index.ts';
import { stopAzleWorkers } from '../../dev/src/azle-worker-client.ts';
import { PROJECT_ROOT } from '../../replica/build.ts';

const run = promisify(execFile);
let root: string;
let source: string;
const original = readFileSync(join(PROJECT_ROOT, 'test', 'canisters', 'readme_example', 'index.ts'), 'utf8');

beforeAll(() => {
    mkdirSync(join(PROJECT_ROOT, '.azle'), { recursive: true });
    root = mkdtempSync(join(PROJECT_ROOT, '.azle', 'builder-test-'));
    writeFileSync(join(root, 'dfx.json'), JSON.stringify({ canisters: { app: { type: 'azle', main: 'src/index.ts' } } }));
    mkdirSync(join(root, 'src'));
    source = join(root, 'src', 'index.ts');
});
afterAll(() => {
    stopAzleWorkers();
    rmSync(root, { recursive: true, force: true });
});

/** The builder's result, and azle's CLI's wasm for the same sources. */
async function buildBoth(): Promise<{ ours: Uint8Array; azles: Uint8Array; shortcut?: boolean; candid: string }> {
    const project = readProject(root);
    const build = await buildAzleCanister(project, project.canisters[0]!);
    const did = join(root, '.azle', 'app.cli.did');
    await run(join(PROJECT_ROOT, 'node_modules', '.bin', 'azle'), ['build', 'app'], { cwd: root, env: { ...process.env, CANISTER_CANDID_PATH: did } });
    expect(readFileSync(did, 'utf8')).toBe(build.candid);
    return { ours: build.wasm, azles: new Uint8Array(readFileSync(join(root, '.azle', 'app', 'app.wasm'))), shortcut: build.shortcut, candid: build.candid };
}

it('builds azle\'s wasm: first build, a rebuild with the same methods (shortcut), a rebuild with a new method (full)', async () => {
    writeFileSync(source, original);
    const first = await buildBoth();
    expect(first.shortcut).toBe(false);
    expect(Buffer.compare(first.ours, first.azles)).toBe(0);

    writeFileSync(source, original.replace("text: 'welcome'", "text: 'welcome again'"));
    const edited = await buildBoth();
    expect(edited.shortcut).toBe(true);
    expect(Buffer.compare(edited.ours, first.ours)).not.toBe(0);
    expect(Buffer.compare(edited.ours, edited.azles)).toBe(0);

    // A new method changes azle's method metadata: the shortcut's check sees it and the full build runs.
    writeFileSync(source, original.replace('@query([], IDL.Nat32) connected()', '@query([], IDL.Text) hello() { return "hi"; }\n    @query([], IDL.Nat32) connected()'));
    const withMethod = await buildBoth();
    expect(withMethod.shortcut).toBe(false);
    expect(withMethod.candid).toMatch(/hello: \(\) -> \(text\) query/);
    expect(Buffer.compare(withMethod.ours, withMethod.azles)).toBe(0);
}, 300_000);
