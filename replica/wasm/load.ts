/**
 * Turns the bytes given to install_code into a compiled module the replica can instantiate:
 * gunzip (dfx and PocketIC accept .wasm.gz) → the IC's import checks → metering instrumentation → export patching
 * → compile. Compiled modules are cached by the SHA-256 of the given bytes, so installing the same wasm into many
 * canisters (or many test files in one worker) pays for this once.
 *
 * 64-bit memories (Motoko's enhanced orthogonal persistence) need V8's memory64 support: Node 20 has it behind
 * `--experimental-wasm-memory64`, which is switched on (process-wide, at run time) the first time such a module loads.
 */
import { setFlagsFromString } from 'node:v8';
import { gunzipSync } from 'node:zlib';
import { sha256 } from '../hash.ts';
import { instrumentWasm } from '../metering/index.ts';
import { memories, splitSections } from '../metering/wasm-sections.ts';
import { toHex } from '../bytes.ts';
import { patchExports } from './patch-exports.ts';
import { InvalidImportError, validateImports } from './validate-imports.ts';

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
    /** Whether the main memory is 64-bit (System API pointers and sizes are i64 then). */
    memory64: boolean;
    /** Whether the module declares `icp:private enhanced-orthogonal-persistence` (Motoko keeps its heap on upgrade). */
    enhancedOrthogonalPersistence: boolean;
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

function publicMetadataOf(sections: Map<string, Uint8Array>): Map<string, Uint8Array> {
    const metadata = new Map<string, Uint8Array>();
    for (const [name, content] of sections) {
        if (name.startsWith('icp:public ')) metadata.set(name.slice('icp:public '.length), content);
    }
    return metadata;
}

/** The most wasm memory V8 (Node 20) gives an instance, 32- or 64-bit: 4 GiB. */
const MAX_WASM_PAGES = 65536n;

/** A minimal module with a 64-bit memory: `(module (memory i64 0))`. */
const MEMORY64_PROBE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x04, 0x00);

/** Makes sure V8 compiles 64-bit memories (Node 20: an experimental flag, switched on here). */
function enableMemory64(): void {
    if (WebAssembly.validate(MEMORY64_PROBE)) return;
    setFlagsFromString('--experimental-wasm-memory64');
    if (!WebAssembly.validate(MEMORY64_PROBE)) {
        throw new InvalidWasmError(
            `64-bit memories are not supported by Node.js ${process.version} (V8 ${process.versions.v8}); build the canister with a 32-bit memory ` +
                '(Motoko: moc --legacy-persistence)'
        );
    }
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
        const main = memories(splitSections(wasm))[0];
        const memory64 = main !== undefined && (main.flags & 0x04) !== 0;
        if (memory64) enableMemory64();
        if (main && main.initialPages > MAX_WASM_PAGES) {
            throw new InvalidWasmError(
                `the module's memory starts at ${main.initialPages} pages (${Number(main.initialPages) / 16384} GiB); Node.js's V8 runs at most ` +
                    `${MAX_WASM_PAGES} pages (4 GiB) of wasm memory`
            );
        }
        validateImports(wasm, memory64);
        const instrumented = instrumentWasm(wasm);
        const module = new WebAssembly.Module(patchExports(instrumented.wasm) as BufferSource);
        const exportedFunctions = new Set(
            WebAssembly.Module.exports(module)
                .filter((e) => e.kind === 'function')
                .map((e) => e.name)
        );
        const sections = customSections(wasm);
        loaded = {
            module,
            moduleHash,
            metered: instrumented.metered,
            exportedFunctions,
            publicMetadata: publicMetadataOf(sections),
            memory64,
            enhancedOrthogonalPersistence: sections.has('icp:private enhanced-orthogonal-persistence')
        };
    } catch (error) {
        if (error instanceof InvalidWasmError) throw error;
        if (error instanceof InvalidImportError) throw new InvalidWasmError(error.message);
        throw new InvalidWasmError(`Wasm module is not valid: ${(error as Error).message}`);
    }
    cache.set(key, loaded);
    return loaded;
}
