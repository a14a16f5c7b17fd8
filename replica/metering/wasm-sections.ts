/**
 * The section layer of the wasm binary format: split a module into sections and put it back together.
 *
 * Sections are kept as views into the input, so untouched sections are copied byte for byte.
 */
import { ByteWriter, readName, readU32, skipLeb128, WasmFormatError } from './bytes.ts';

/** Section ids of the wasm binary format. */
export const SectionId = {
    custom: 0,
    type: 1,
    import: 2,
    function: 3,
    table: 4,
    memory: 5,
    global: 6,
    export: 7,
    start: 8,
    element: 9,
    code: 10,
    data: 11,
    dataCount: 12,
    tag: 13
} as const;

/** Where each known section must appear (the binary format fixes their order; custom sections go anywhere). */
const CANONICAL_ORDER: readonly number[] = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

/** One section: its id, its payload (a view into the module), and for custom sections its name. */
export interface Section {
    id: number;
    payload: Uint8Array;
    /** Byte offset of the payload in the module, for error messages. */
    offset: number;
    customName?: string;
}

const MAGIC_AND_VERSION = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);

/**
 * Splits a wasm module into its sections.
 *
 * @example splitSections(wasm).map((s) => s.id) // [1, 2, 3, 4, 5, 6, 7, 9, 12, 10, 11, 0, 0]
 * @throws WasmFormatError for a missing header (e.g. still gzipped) or a section running past the end.
 */
export function splitSections(wasm: Uint8Array): Section[] {
    if (wasm.length >= 2 && wasm[0] === 0x1f && wasm[1] === 0x8b) {
        throw new WasmFormatError('the module is gzip-compressed; decompress it before instrumenting');
    }
    for (let i = 0; i < MAGIC_AND_VERSION.length; i++) {
        if (wasm[i] !== MAGIC_AND_VERSION[i]) throw new WasmFormatError('not a wasm module (bad magic or version)', i);
    }
    const sections: Section[] = [];
    let pos = MAGIC_AND_VERSION.length;
    while (pos < wasm.length) {
        const id = wasm[pos];
        const { value: size, next } = readU32(wasm, pos + 1);
        if (next + size > wasm.length) throw new WasmFormatError(`section ${id} runs past the end of the module`, pos);
        const section: Section = { id, payload: wasm.subarray(next, next + size), offset: next };
        if (id === SectionId.custom) section.customName = readName(wasm, next).value;
        sections.push(section);
        pos = next + size;
    }
    return sections;
}

/** Finds the (non-custom) section with this id. */
export function findSection(sections: readonly Section[], id: number): Section | undefined {
    return id === SectionId.custom ? undefined : sections.find((section) => section.id === id);
}

/** Returns the section with this id, inserting an empty vector section at its canonical place when missing. */
export function ensureSection(sections: Section[], id: number): Section {
    const existing = findSection(sections, id);
    if (existing) return existing;
    const rank = CANONICAL_ORDER.indexOf(id);
    const at = sections.findIndex((s) => s.id !== SectionId.custom && CANONICAL_ORDER.indexOf(s.id) > rank);
    const created: Section = { id, payload: Uint8Array.of(0), offset: -1 };
    sections.splice(at < 0 ? sections.length : at, 0, created);
    return created;
}

/** Encodes the header and the sections back into a module. */
export function joinSections(sections: readonly Section[]): Uint8Array {
    const out = new ByteWriter(sections.reduce((total, s) => total + s.payload.length + 6, 8));
    out.copy(MAGIC_AND_VERSION);
    for (const section of sections) {
        out.byte(section.id);
        out.u32(section.payload.length);
        out.copy(section.payload);
    }
    return out.toBytes();
}

/** A memory's type: its limits flags (bit 0x04 marks a 64-bit memory) and initial size in pages. */
export interface MemoryType {
    flags: number;
    initialPages: bigint;
}

/**
 * The type of every memory, imported ones first (their index order).
 *
 * @example memories(splitSections(wasm))[0] // { flags: 0, initialPages: 2n } for `(memory 2)`
 */
export function memories(sections: readonly Section[]): MemoryType[] {
    const found: MemoryType[] = [];
    const imports = findSection(sections, SectionId.import);
    if (imports) {
        const payload = imports.payload;
        let { value: count, next: pos } = readU32(payload, 0);
        for (let i = 0; i < count; i++) {
            pos = readName(payload, readName(payload, pos).next).next;
            const kind = payload[pos++];
            if (kind === 0) pos = skipLeb128(payload, pos);
            else if (kind === 1) pos = skipLimits(payload, pos + 1);
            else if (kind === 2) {
                found.push(readMemoryType(payload, pos));
                pos = skipLimits(payload, pos);
            } else if (kind === 3) pos += 2;
            else throw new WasmFormatError(`import kind ${kind} is not supported`, pos - 1);
        }
    }
    const memory = findSection(sections, SectionId.memory);
    if (memory) {
        let { value: count, next: pos } = readU32(memory.payload, 0);
        for (let i = 0; i < count; i++) {
            found.push(readMemoryType(memory.payload, pos));
            pos = skipLimits(memory.payload, pos);
        }
    }
    return found;
}

function readMemoryType(payload: Uint8Array, pos: number): MemoryType {
    let initialPages = 0n;
    let shift = 0n;
    for (let at = pos + 1; ; at++) {
        if (at >= payload.length) throw new WasmFormatError('unexpected end of module in memory limits', at);
        initialPages |= BigInt(payload[at] & 0x7f) << shift;
        shift += 7n;
        if ((payload[at] & 0x80) === 0) break;
    }
    return { flags: payload[pos], initialPages };
}

/** Whether the main memory (memory 0) is 64-bit. */
export function hasMemory64(sections: readonly Section[]): boolean {
    const main = memories(sections)[0];
    return main !== undefined && (main.flags & 0x04) !== 0;
}

/** Skips a limits entry (flags, minimum, optional maximum). */
export function skipLimits(payload: Uint8Array, pos: number): number {
    const flags = payload[pos];
    pos = skipLeb128(payload, pos + 1);
    return flags & 1 ? skipLeb128(payload, pos) : pos;
}
