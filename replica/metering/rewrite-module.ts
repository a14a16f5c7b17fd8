/**
 * Rewrites a wasm module so that it counts IC instructions and keeps the IC's stack limit (see README.md for the
 * cost model and the stack estimate).
 *
 * Added to the module:
 * - imports `__ic_metering.out_of_instructions: () -> ()` and `__ic_metering.stack_overflow: () -> ()`, after the
 *   module's own imports;
 * - three exported mutable globals: the instruction counter (i64, starts at 0), the instruction limit (i64, starts at
 *   2^64-1, i.e. none) and the stack depth (i32, estimated bytes in use); one immutable i32 global, the stack limit;
 * - two helper functions charging bulk memory/table sizes (i32 and i64 sizes);
 * - charges at every basic block, limit checks at function entries and loop headers, stack accounting in every
 *   function that calls another wasm function.
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
import { readFunctionTypeIndices, readFunctionTypes } from './function-types.ts';
import { Op } from './instruction-costs.ts';
import { IC_WASM_STACK_BYTES } from './stack-depth.ts';
import { ensureSection, hasMemory64, joinSections, SectionId, skipLimits, splitSections, type Section } from './wasm-sections.ts';

/** Names the instrumented module uses to talk to the host. */
export interface MeteringNames {
    counterGlobal: string;
    limitGlobal: string;
    stackGlobal: string;
    importModule: string;
    outOfInstructions: string;
    stackOverflow: string;
}

/** What the rewrite did. */
export interface RewriteStats extends CodeRewriteStats {
    bytesIn: number;
    bytesOut: number;
    milliseconds: number;
    /** Whether the main memory is 64-bit. */
    memory64: boolean;
}

const EXPORT_KIND_GLOBAL = 3;
const I32 = 0x7f;
const I64 = 0x7e;
/** Function imports the rewriter adds (out_of_instructions, stack_overflow). */
const ADDED_IMPORTS = 2;

/**
 * Returns the metered module, or `undefined` when `wasm` already exports the counter (it was instrumented before).
 *
 * @example
 * const result = rewriteForMetering(wasm, METERING);
 * new WebAssembly.Module(result!.wasm);
 * @throws WasmFormatError when the module is malformed or uses unsupported features (SIMD, threads, ...).
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
    const memory64 = hasMemory64(sections);
    const types = readFunctionTypes(section(SectionId.type).payload);
    const typeOfFunction = readFunctionTypeIndices(section(SectionId.function).payload);
    const definedFunctions = typeOfFunction.length;
    const definedGlobals = readU32(section(SectionId.global).payload, 0).value;
    if (readU32(section(SectionId.code).payload, 0).value !== definedFunctions) {
        throw new WasmFormatError('function and code sections disagree on the number of functions');
    }

    const addedTypes = new TypeAppender(types.length);
    const outOfInstructionsType = addedTypes.add(Uint8Array.of(0x60, 0, 0)); // () -> ()
    const chargeSizeType = addedTypes.add(Uint8Array.of(0x60, 1, I32, 1, I32)); // (i32) -> i32
    const chargeSize64Type = addedTypes.add(Uint8Array.of(0x60, 1, I64, 1, I64)); // (i64) -> i64
    const blockTypes = new Map<number, Uint8Array>();
    const resultBlockType = (typeIndex: number): Uint8Array => {
        let encoded = blockTypes.get(typeIndex);
        if (!encoded) {
            const results = types[typeIndex].results;
            if (results.length <= 1) {
                encoded = Uint8Array.of(results.length === 0 ? 0x40 : results[0]);
            } else {
                const w = new ByteWriter(8);
                w.sint(addedTypes.add(encodeFunctionType(results))); // multi-value: a type index (s33)
                encoded = w.toBytes();
            }
            blockTypes.set(typeIndex, encoded);
        }
        return encoded;
    };

    const renumbering = new FunctionRenumbering(imports.functions, ADDED_IMPORTS);
    const firstHelper = imports.functions + ADDED_IMPORTS + definedFunctions;
    const firstAddedGlobal = imports.globals + definedGlobals;
    const indices = {
        outOfInstructionsFunction: imports.functions,
        stackOverflowFunction: imports.functions + 1,
        chargeSizeFunction: firstHelper,
        chargeSize64Function: firstHelper + 1,
        counterGlobal: firstAddedGlobal,
        limitGlobal: firstAddedGlobal + 1,
        stackGlobal: firstAddedGlobal + 2,
        stackLimitGlobal: firstAddedGlobal + 3
    };

    const code = rewriteCodeSection(section(SectionId.code).payload, renumbering, indices, {
        importedFunctions: imports.functions,
        types,
        typeOfFunction,
        resultBlockType,
        memory64
    });
    const replaced = new Map<Section, Uint8Array>();
    replaced.set(section(SectionId.code), code.payload);
    replaced.set(section(SectionId.type), appendEntries(section(SectionId.type).payload, addedTypes.entries));
    replaced.set(section(SectionId.import), appendEntries(section(SectionId.import).payload, [
        encodeFunctionImport(names.importModule, names.outOfInstructions, outOfInstructionsType),
        encodeFunctionImport(names.importModule, names.stackOverflow, outOfInstructionsType)
    ]));
    replaced.set(section(SectionId.function), appendEntries(section(SectionId.function).payload, [encodeU32(chargeSizeType), encodeU32(chargeSize64Type)]));
    replaced.set(section(SectionId.global), rewriteGlobals(section(SectionId.global).payload, renumbering, [
        encodeI64Global(0n), // counter
        encodeI64Global(-1n), // limit: all ones, i.e. no limit until the host sets one (compared unsigned)
        encodeI32Global(0, true), // stack bytes in use
        encodeI32Global(IC_WASM_STACK_BYTES - code.stats.largestLeafFrame, false) // stack limit of non-leaf frames
    ]));
    replaced.set(section(SectionId.export), rewriteExports(section(SectionId.export).payload, renumbering, [
        { name: names.counterGlobal, kind: EXPORT_KIND_GLOBAL, index: indices.counterGlobal },
        { name: names.limitGlobal, kind: EXPORT_KIND_GLOBAL, index: indices.limitGlobal },
        { name: names.stackGlobal, kind: EXPORT_KIND_GLOBAL, index: indices.stackGlobal }
    ]));
    for (const s of sections) {
        if (s.id === SectionId.start) replaced.set(s, rewriteStart(s.payload, renumbering));
        if (s.id === SectionId.element) replaced.set(s, rewriteElements(s.payload, renumbering));
        if (s.id === SectionId.custom && s.customName === 'name') replaced.set(s, rewriteNameSection(s.payload, renumbering));
    }

    const out = joinSections(sections.map((s) => ({ ...s, payload: replaced.get(s) ?? s.payload })));
    return {
        wasm: out,
        stats: { ...code.stats, bytesIn: wasm.length, bytesOut: out.length, milliseconds: performance.now() - started, memory64 }
    };
}

/** Types appended to the type section, deduplicated by encoding; `add` returns the new type's index. */
class TypeAppender {
    readonly entries: Uint8Array[] = [];
    private readonly byEncoding = new Map<string, number>();

    constructor(private readonly firstIndex: number) {}

    add(encoded: Uint8Array): number {
        const key = encoded.join(',');
        let index = this.byEncoding.get(key);
        if (index === undefined) {
            index = this.firstIndex + this.entries.length;
            this.entries.push(encoded);
            this.byEncoding.set(key, index);
        }
        return index;
    }
}

/** `[] -> results` */
function encodeFunctionType(results: Uint8Array): Uint8Array {
    const w = new ByteWriter(16);
    w.byte(0x60);
    w.u32(0);
    w.u32(results.length);
    w.copy(results);
    return w.toBytes();
}

interface ImportCounts {
    functions: number;
    globals: number;
}

function readImportCounts(payload: Uint8Array): ImportCounts {
    const counts: ImportCounts = { functions: 0, globals: 0 };
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

function encodeI32Global(initial: number, mutable: boolean): Uint8Array {
    const w = new ByteWriter(16);
    w.byte(I32);
    w.byte(mutable ? 1 : 0);
    w.byte(Op.i32Const);
    w.sint(initial);
    w.byte(Op.end);
    return w.toBytes();
}

function encodeU32(value: number): Uint8Array {
    const w = new ByteWriter(8);
    w.u32(value);
    return w.toBytes();
}
