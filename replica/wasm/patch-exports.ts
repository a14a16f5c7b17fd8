/**
 * Makes memory 0, table 0 and every mutable global of a module reachable from the host.
 *
 * Azle's wasm neither exports its function table (the replica needs it to run call-back closures, which the IC
 * identifies by table index) nor its stack-pointer global (which a trap leaves wherever it was, so rollback must
 * restore it); modules name their memory as they like (`memory`, Motoko's `mem`) or do not export it at all, which
 * the IC allows. This rewrites only the export section, byte by byte: milliseconds, where binaryen takes a second.
 */

import { concatBytes } from '../bytes.ts';

/** Export name of table 0 after patching. */
export const TABLE_EXPORT = '__replica_table';
/** Export name of memory 0 after patching. */
export const MEMORY_EXPORT = '__replica_memory';
/**
 * Export name of the start function after patching: the start section is removed, so the function runs when the
 * replica calls it, with the instance (and its memory) known to the System API, rather than inside instantiation.
 */
export const START_EXPORT = '__replica_start';
/** Prefix of the export names of mutable globals after patching (followed by the global index). */
export const GLOBAL_EXPORT_PREFIX = '__replica_global_';

const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;
const SECTION_GLOBAL = 6;
const SECTION_EXPORT = 7;
const SECTION_START = 8;
const KIND_FUNCTION = 0;
const KIND_TABLE = 1;
const KIND_MEMORY = 2;
const KIND_GLOBAL = 3;

function readU32(bytes: Uint8Array, pos: number): [value: number, next: number] {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
        if (pos >= bytes.length) throw new Error('wasm: truncated LEB128');
        byte = bytes[pos++];
        result += (byte & 0x7f) * 2 ** shift;
        shift += 7;
    } while (byte & 0x80);
    return [result, pos];
}

function skipLeb(bytes: Uint8Array, pos: number): number {
    while (bytes[pos] & 0x80) pos++;
    return pos + 1;
}

function uleb(value: number): number[] {
    const out: number[] = [];
    do {
        let byte = value % 128;
        value = Math.floor(value / 128);
        if (value) byte |= 0x80;
        out.push(byte);
    } while (value);
    return out;
}

function encodedName(name: string): number[] {
    const bytes = new TextEncoder().encode(name);
    return [...uleb(bytes.length), ...bytes];
}

function skipLimits(bytes: Uint8Array, pos: number): number {
    const flags = bytes[pos++];
    pos = skipLeb(bytes, pos);
    return flags & 1 ? skipLeb(bytes, pos) : pos;
}

/** Counts imported tables, memories and globals (they come first in their index spaces). */
function countImports(payload: Uint8Array): { tables: number; memories: number; globals: number } {
    let [count, pos] = readU32(payload, 0);
    let tables = 0;
    let memories = 0;
    let globals = 0;
    for (; count > 0; count--) {
        for (let part = 0; part < 2; part++) {
            const [length, next] = readU32(payload, pos);
            pos = next + length;
        }
        const kind = payload[pos++];
        if (kind === 0) pos = skipLeb(payload, pos);
        else if (kind === KIND_TABLE) {
            tables++;
            pos = skipLimits(payload, pos + 1);
        } else if (kind === KIND_MEMORY) {
            memories++;
            pos = skipLimits(payload, pos);
        }
        else if (kind === KIND_GLOBAL) {
            globals++;
            pos += 2;
        } else throw new Error(`wasm: unknown import kind ${kind}`);
    }
    return { tables, memories, globals };
}

/** Skips one constant initializer expression, which must be a single constant or global.get, then `end`. */
function skipConstExpr(payload: Uint8Array, pos: number): number {
    const op = payload[pos++];
    if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) pos = skipLeb(payload, pos);
    else if (op === 0x43) pos += 4;
    else if (op === 0x44) pos += 8;
    else if (op === 0xd0) pos += 1;
    else throw new Error(`wasm: unsupported global initializer opcode 0x${op.toString(16)}`);
    if (payload[pos++] !== 0x0b) throw new Error('wasm: global initializer is not a single constant');
    return pos;
}

function mutableGlobalIndices(payload: Uint8Array, importedGlobals: number): number[] {
    let [count, pos] = readU32(payload, 0);
    const indices: number[] = [];
    for (let i = 0; i < count; i++) {
        const mutable = payload[pos + 1] === 1;
        if (mutable) indices.push(importedGlobals + i);
        pos = skipConstExpr(payload, pos + 2);
    }
    return indices;
}

/**
 * Returns a copy of `wasm` whose export section also exports memory 0 (as {@link MEMORY_EXPORT}), table 0 (as
 * {@link TABLE_EXPORT}, when the module defines it), each mutable global (as `${GLOBAL_EXPORT_PREFIX}<index>`) and the
 * start function (as {@link START_EXPORT}, its start section removed).
 *
 * @example
 * const module = new WebAssembly.Module(patchExports(bytes));
 * // instance.exports.__replica_table is the function table; __replica_global_0 the stack pointer
 */
export function patchExports(wasm: Uint8Array): Uint8Array {
    if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
        throw new Error('not a wasm module (bad magic)');
    }
    const sections: { id: number; start: number; payloadStart: number; end: number }[] = [];
    for (let pos = 8; pos < wasm.length; ) {
        const id = wasm[pos];
        const [size, payloadStart] = readU32(wasm, pos + 1);
        const end = payloadStart + size;
        if (end > wasm.length) throw new Error('wasm: section runs past the end of the module');
        sections.push({ id, start: pos, payloadStart, end });
        pos = end;
    }
    const payloadOf = (id: number) => {
        const s = sections.find((section) => section.id === id);
        return s && wasm.subarray(s.payloadStart, s.end);
    };
    const imports = payloadOf(SECTION_IMPORT);
    const { tables, memories, globals } = imports ? countImports(imports) : { tables: 0, memories: 0, globals: 0 };
    const globalSection = payloadOf(SECTION_GLOBAL);
    const mutable = globalSection ? mutableGlobalIndices(globalSection, globals) : [];
    const hasOwnTable = sections.some((s) => s.id === 4) && tables === 0;
    const hasMemory = memories > 0 || sections.some((s) => s.id === SECTION_MEMORY);

    const startSection = payloadOf(SECTION_START);

    const extra: number[] = [];
    let added = 0;
    if (startSection) {
        extra.push(...encodedName(START_EXPORT), KIND_FUNCTION, ...uleb(readU32(startSection, 0)[0]));
        added++;
    }
    if (hasMemory) {
        extra.push(...encodedName(MEMORY_EXPORT), KIND_MEMORY, 0);
        added++;
    }
    if (hasOwnTable) {
        extra.push(...encodedName(TABLE_EXPORT), KIND_TABLE, 0);
        added++;
    }
    for (const index of mutable) {
        extra.push(...encodedName(`${GLOBAL_EXPORT_PREFIX}${index}`), KIND_GLOBAL, ...uleb(index));
        added++;
    }

    const exportSection = sections.find((s) => s.id === SECTION_EXPORT);
    let newExport: Uint8Array;
    if (exportSection) {
        const payload = wasm.subarray(exportSection.payloadStart, exportSection.end);
        const [count, rest] = readU32(payload, 0);
        const body = Uint8Array.from([...uleb(count + added), ...payload.subarray(rest), ...extra]);
        newExport = Uint8Array.from([SECTION_EXPORT, ...uleb(body.length), ...body]);
    } else {
        const body = [...uleb(added), ...extra];
        newExport = Uint8Array.from([SECTION_EXPORT, ...uleb(body.length), ...body]);
    }

    // The export section goes where it was, or right before the first section that must follow it.
    const parts: Uint8Array[] = [wasm.subarray(0, 8)];
    let placed = false;
    const followsExport = new Set([8, 9, 12, 10, 11]);
    for (const section of sections) {
        if (section.id === SECTION_START) continue; // exported instead (START_EXPORT)
        if (section.id === SECTION_EXPORT) {
            parts.push(newExport);
            placed = true;
            continue;
        }
        if (!placed && !exportSection && followsExport.has(section.id)) {
            parts.push(newExport);
            placed = true;
        }
        parts.push(wasm.subarray(section.start, section.end));
    }
    if (!placed) parts.push(newExport);
    return concatBytes(parts);
}
