/**
 * The section layer of the wasm binary format: split a module into sections and put it back together.
 *
 * Sections are kept as views into the input, so untouched sections are copied byte for byte.
 */
import { ByteWriter, readName, readU32, WasmFormatError } from './bytes.ts';

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
