/**
 * Rewrites a wasm module so that it counts IC instructions (see README.md for the cost model).
 *
 * Added to the module:
 * - import `__ic_metering.out_of_instructions: () -> ()`, after the module's own imports;
 * - two exported mutable i64 globals: the counter (starts at 0) and the limit (starts at 2^64-1, i.e. none);
 * - a helper function charging bulk memory/table sizes;
 * - charges at every basic block, limit checks at function entries and loop headers.
 */
import { ByteWriter, readName, readU32, skipLeb128, WasmFormatError } from './bytes.ts';
import { rewriteCodeSection, type CodeRewriteStats } from './code-section.ts';
import {
    exportNames,
    FunctionRenumbering,
    rewriteElements,
    rewriteExports,
    rewriteGlobals,
    rewriteNameSection,
    rewriteStart
} from './function-indices.ts';
import { Op } from './instruction-costs.ts';
import { ensureSection, joinSections, SectionId, splitSections, type Section } from './wasm-sections.ts';

/** Names the instrumented module uses to talk to the host. */
export interface MeteringNames {
    counterGlobal: string;
    limitGlobal: string;
    importModule: string;
    outOfInstructions: string;
}

/** What the rewrite did. */
export interface RewriteStats extends CodeRewriteStats {
    bytesIn: number;
    bytesOut: number;
    milliseconds: number;
}

const EXPORT_KIND_GLOBAL = 3;
const I64 = 0x7e;

/**
 * Returns the metered module, or `undefined` when `wasm` already exports the counter (it was instrumented before).
 *
 * @example
 * const result = rewriteForMetering(wasm, METERING);
 * new WebAssembly.Module(result!.wasm);
 * @throws WasmFormatError when the module is malformed or uses unsupported features (memory64, SIMD, ...).
 */
export function rewriteForMetering(wasm: Uint8Array, names: MeteringNames): { wasm: Uint8Array; stats: RewriteStats } | undefined {
    const started = performance.now();
    const sections = splitSections(wasm);
    for (const id of [SectionId.type, SectionId.import, SectionId.function, SectionId.global, SectionId.export, SectionId.code]) {
        ensureSection(sections, id);
    }
    const section = (id: number) => ensureSection(sections, id);
    if (exportNames(section(SectionId.export).payload).has(names.counterGlobal)) return undefined;

    const imports = readImportCounts(section(SectionId.import).payload);
    rejectMemory64(imports.memoryFlags, findMemoryFlags(sections));
    const typeCount = countFunctionTypes(section(SectionId.type).payload);
    const definedFunctions = readU32(section(SectionId.function).payload, 0).value;
    const definedGlobals = readU32(section(SectionId.global).payload, 0).value;
    if (readU32(section(SectionId.code).payload, 0).value !== definedFunctions) {
        throw new WasmFormatError('function and code sections disagree on the number of functions');
    }

    const outOfInstructionsType = typeCount;
    const chargeSizeType = typeCount + 1;
    const renumbering = new FunctionRenumbering(imports.functions, 1);
    const indices = {
        outOfInstructionsFunction: imports.functions,
        chargeSizeFunction: imports.functions + 1 + definedFunctions,
        counterGlobal: imports.globals + definedGlobals,
        limitGlobal: imports.globals + definedGlobals + 1
    };

    const replaced = new Map<Section, Uint8Array>();
    replaced.set(section(SectionId.type), appendEntries(section(SectionId.type).payload, [
        Uint8Array.of(0x60, 0, 0), // () -> ()
        Uint8Array.of(0x60, 1, 0x7f, 1, 0x7f) // (i32) -> i32
    ]));
    replaced.set(section(SectionId.import), appendEntries(section(SectionId.import).payload, [
        encodeFunctionImport(names.importModule, names.outOfInstructions, outOfInstructionsType)
    ]));
    replaced.set(section(SectionId.function), appendEntries(section(SectionId.function).payload, [encodeU32(chargeSizeType)]));
    replaced.set(section(SectionId.global), rewriteGlobals(section(SectionId.global).payload, renumbering, [
        encodeI64Global(0n), // counter
        encodeI64Global(-1n) // limit: all ones, i.e. no limit until the host sets one (compared unsigned)
    ]));
    replaced.set(section(SectionId.export), rewriteExports(section(SectionId.export).payload, renumbering, [
        { name: names.counterGlobal, kind: EXPORT_KIND_GLOBAL, index: indices.counterGlobal },
        { name: names.limitGlobal, kind: EXPORT_KIND_GLOBAL, index: indices.limitGlobal }
    ]));
    const code = rewriteCodeSection(section(SectionId.code).payload, renumbering, indices);
    replaced.set(section(SectionId.code), code.payload);
    for (const s of sections) {
        if (s.id === SectionId.start) replaced.set(s, rewriteStart(s.payload, renumbering));
        if (s.id === SectionId.element) replaced.set(s, rewriteElements(s.payload, renumbering));
        if (s.id === SectionId.custom && s.customName === 'name') replaced.set(s, rewriteNameSection(s.payload, renumbering));
    }

    const out = joinSections(sections.map((s) => ({ ...s, payload: replaced.get(s) ?? s.payload })));
    return {
        wasm: out,
        stats: { ...code.stats, bytesIn: wasm.length, bytesOut: out.length, milliseconds: performance.now() - started }
    };
}

interface ImportCounts {
    functions: number;
    globals: number;
    memoryFlags: number[];
}

function readImportCounts(payload: Uint8Array): ImportCounts {
    const counts: ImportCounts = { functions: 0, globals: 0, memoryFlags: [] };
    let { value: count, next: pos } = readU32(payload, 0);
    for (let i = 0; i < count; i++) {
        pos = readName(payload, readName(payload, pos).next).next;
        const kind = payload[pos++];
        if (kind === 0) {
            counts.functions++;
            pos = skipLeb128(payload, pos);
        } else if (kind === 1) {
            pos = skipLimits(payload, pos + 1); // reference type, then limits
        } else if (kind === 2) {
            counts.memoryFlags.push(payload[pos]);
            pos = skipLimits(payload, pos);
        } else if (kind === 3) {
            counts.globals++;
            pos += 2; // value type, mutability
        } else {
            throw new WasmFormatError(`import kind ${kind} is not supported`, pos - 1);
        }
    }
    return counts;
}

function skipLimits(payload: Uint8Array, pos: number): number {
    const flags = payload[pos];
    pos = skipLeb128(payload, pos + 1);
    return flags & 1 ? skipLeb128(payload, pos) : pos;
}

function findMemoryFlags(sections: readonly Section[]): number[] {
    const memory = sections.find((s) => s.id === SectionId.memory);
    if (!memory) return [];
    const flags: number[] = [];
    let { value: count, next: pos } = readU32(memory.payload, 0);
    for (let i = 0; i < count; i++) {
        flags.push(memory.payload[pos]);
        pos = skipLimits(memory.payload, pos);
    }
    return flags;
}

function rejectMemory64(...flagLists: number[][]): void {
    // Bulk-memory sizes are i64 with memory64, and the IC charges loads/stores differently there.
    if (flagLists.flat().some((flags) => flags & 0x04)) {
        throw new WasmFormatError('64-bit memories are not supported by the metering rewriter');
    }
}

/** Counts type section entries, checking each is a plain function type (no GC recursion groups). */
function countFunctionTypes(payload: Uint8Array): number {
    let { value: count, next: pos } = readU32(payload, 0);
    for (let i = 0; i < count; i++) {
        if (payload[pos] !== 0x60) throw new WasmFormatError('only function types are supported in the type section', pos);
        pos++;
        for (let list = 0; list < 2; list++) {
            const { value: length, next } = readU32(payload, pos);
            pos = next + length; // value types are single bytes without typed references
        }
    }
    return count;
}

/** Appends encoded entries to a vector section payload (`count` then entries). */
function appendEntries(payload: Uint8Array, entries: readonly Uint8Array[]): Uint8Array {
    const { value: count, next } = readU32(payload, 0);
    const out = new ByteWriter(payload.length + 64);
    out.u32(count + entries.length);
    out.copy(payload, next);
    for (const entry of entries) out.copy(entry);
    return out.toBytes();
}

function encodeFunctionImport(module: string, name: string, typeIndex: number): Uint8Array {
    const w = new ByteWriter(64);
    w.name(module);
    w.name(name);
    w.byte(0); // function
    w.u32(typeIndex);
    return w.toBytes();
}

function encodeI64Global(initial: bigint): Uint8Array {
    const w = new ByteWriter(16);
    w.byte(I64);
    w.byte(1); // mutable
    w.byte(Op.i64Const);
    w.s64(initial);
    w.byte(Op.end);
    return w.toBytes();
}

function encodeU32(value: number): Uint8Array {
    const w = new ByteWriter(8);
    w.u32(value);
    return w.toBytes();
}
