/**
 * Turns the bytes given to install_code into a compiled module the replica can instantiate:
 * gunzip (dfx and PocketIC accept .wasm.gz) → metering instrumentation → export patching → compile.
 * Compiled modules are cached by the SHA-256 of the given bytes, so installing the same wasm into many canisters
 * (or many test files in one worker) pays for this once.
 */
import { gunzipSync } from 'node:zlib';
import { sha256 } from '../hash.ts';
import { instrumentWasm } from '../metering/index.ts';
import { toHex } from '../bytes.ts';
import { patchExports } from './patch-exports.ts';

/** A module ready to instantiate, plus what the replica needs to know about it. */
export interface LoadedModule {
    module: WebAssembly.Module;
    /** SHA-256 of the bytes as given (what `canister_status.module_hash` reports on the IC). */
    moduleHash: Uint8Array;
    /** Whether the module counts instructions (it exports the metering counter and limit globals). */
    metered: boolean;
    /** Names of the exported functions, for method lookups without touching an instance. */
    exportedFunctions: ReadonlySet<string>;
    /** Custom sections named `icp:public <name>`, by `<name>` (readable by anyone through read_state). */
    publicMetadata: Map<string, Uint8Array>;
}

/** The custom sections (id 0) of a module, by name. */
export function customSections(wasm: Uint8Array): Map<string, Uint8Array> {
    const sections = new Map<string, Uint8Array>();
    const readU32 = (pos: number): [number, number] => {
        let value = 0;
        let shift = 0;
        let byte: number;
        do {
            byte = wasm[pos++];
            value += (byte & 0x7f) * 2 ** shift;
            shift += 7;
        } while (byte & 0x80);
        return [value, pos];
    };
    for (let pos = 8; pos < wasm.length; ) {
        const id = wasm[pos];
        const [size, start] = readU32(pos + 1);
        if (id === 0) {
            const [nameLength, nameStart] = readU32(start);
            const name = new TextDecoder().decode(wasm.subarray(nameStart, nameStart + nameLength));
            sections.set(name, wasm.slice(nameStart + nameLength, start + size));
        }
        pos = start + size;
    }
    return sections;
}

function publicMetadataOf(wasm: Uint8Array): Map<string, Uint8Array> {
    const metadata = new Map<string, Uint8Array>();
    for (const [name, content] of customSections(wasm)) {
        if (name.startsWith('icp:public ')) metadata.set(name.slice('icp:public '.length), content);
    }
    return metadata;
}

/** Thrown for bytes that are not a valid (optionally gzipped) wasm module; the IC answers these with IC0505. */
export class InvalidWasmError extends Error {}

const cache = new Map<string, LoadedModule>();

function isGzip(bytes: Uint8Array): boolean {
    return bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Loads (or fetches from the cache) the module for `bytes`.
 *
 * @example
 * const { module, moduleHash } = loadModule(readFileSync('.azle/hello/hello.wasm'));
 */
export function loadModule(bytes: Uint8Array): LoadedModule {
    const moduleHash = sha256(bytes);
    const key = toHex(moduleHash);
    const cached = cache.get(key);
    if (cached) return cached;
    let wasm: Uint8Array;
    try {
        wasm = isGzip(bytes) ? new Uint8Array(gunzipSync(bytes)) : bytes;
    } catch (error) {
        throw new InvalidWasmError(`Failed to decompress gzipped wasm module: ${(error as Error).message}`);
    }
    let loaded: LoadedModule;
    try {
        const instrumented = instrumentWasm(wasm);
        const module = new WebAssembly.Module(patchExports(instrumented.wasm) as BufferSource);
        const exportedFunctions = new Set(
            WebAssembly.Module.exports(module)
                .filter((e) => e.kind === 'function')
                .map((e) => e.name)
        );
        loaded = { module, moduleHash, metered: instrumented.metered, exportedFunctions, publicMetadata: publicMetadataOf(wasm) };
    } catch (error) {
        throw new InvalidWasmError(`Wasm module is not valid: ${(error as Error).message}`);
    }
    cache.set(key, loaded);
    return loaded;
}
