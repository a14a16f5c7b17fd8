/**
 * A long-lived `azle build` for azle 0.33.0 (stable mode), run in a child process started with azle's own tsx loader
 * (see azle-build.ts): azle's build steps are loaded once, then each request runs them as `azle build <name>` does —
 * the same functions in the same order, writing the same `.azle/<name>/` files — so the wasm is byte for byte azle's.
 *
 * Rebuilds take a shortcut that reaches the same wasm: azle assembles the module twice (first without the method
 * exports, only to run the JavaScript for the Candid and the method metadata; then with them). When the previous
 * build's method metadata is given, the final module is assembled with it right away and run for its metadata; if
 * that equals the metadata given, the module is exactly what azle's second pass produces from it, so the first pass
 * is skipped (~1.5 s of the ~4 s). Otherwise the full build runs. Either way the caller gets azle's bytes.
 *
 * Protocol (IPC): request { id, name, config, candidPath, previousMethodMeta? } → { id, ok: true, methodMeta,
 * shortcut } | { id, ok: false, error }. Exits when its parent goes.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface BuildRequest {
    id: number;
    name: string;
    config: Record<string, any>;
    candidPath: string;
    previousMethodMeta?: unknown;
}

const steps = join(process.env.IC_WEBSOCKET_AZLE_DIR!, 'src', 'stable', 'build', 'commands', 'build');
const load = (file: string) => import(pathToFileURL(join(steps, file)).href);
const [{ getContext }, { compile }, { getCandidAndMethodMeta }, { getWasmBinary }, { execute }] = await Promise.all([
    load('get_context.ts'),
    load('javascript.ts'),
    load('candid_and_method_meta/index.ts'),
    load('wasm_binary/index.ts'),
    load('candid_and_method_meta/execute.ts')
]);

async function build(request: BuildRequest): Promise<{ methodMeta: unknown; shortcut: boolean }> {
    process.env.CANISTER_CANDID_PATH = request.candidPath; // azle's getContext reads it, as dfx sets it
    const { candidPath, canisterPath, main, wasmBinaryPath, wasmData } = await getContext(request.name, request.config);
    await rm(canisterPath, { recursive: true, force: true });
    const javaScript: string = await compile(main);
    const mainJsPath = join(canisterPath, 'main.js');
    await mkdir(dirname(mainJsPath), { recursive: true });
    await writeFile(mainJsPath, javaScript);

    let result: { candid: string; methodMeta: unknown; wasm: Uint8Array } | undefined;
    if (request.previousMethodMeta !== undefined) {
        const wasm: Uint8Array = await getWasmBinary('pipe', javaScript, wasmData, request.previousMethodMeta);
        const found: { candid: string; methodMeta: unknown } = await execute(wasm);
        if (JSON.stringify(found.methodMeta) === JSON.stringify(request.previousMethodMeta)) result = { ...found, wasm };
    }
    const shortcut = result !== undefined;
    if (!result) {
        const { candid, methodMeta } = await getCandidAndMethodMeta(request.config.custom?.candid_gen, candidPath, javaScript, 'pipe', wasmData);
        result = { candid, methodMeta, wasm: await getWasmBinary('pipe', javaScript, wasmData, methodMeta) };
    }
    await mkdir(dirname(candidPath), { recursive: true });
    await writeFile(candidPath, result.candid);
    await mkdir(dirname(wasmBinaryPath), { recursive: true });
    await writeFile(wasmBinaryPath, result.wasm);
    return { methodMeta: result.methodMeta, shortcut };
}

process.on('message', (request: BuildRequest) => {
    build(request).then(
        (result) => process.send!({ id: request.id, ok: true, ...result }),
        (error: unknown) => process.send!({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) })
    );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
