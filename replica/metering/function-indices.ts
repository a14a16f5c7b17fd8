/**
 * Renumbering functions outside the code section. Adding the `out_of_instructions` import after the module's own
 * function imports moves every defined function up by one, so every place that names a defined function (exports,
 * start, element segments, constant expressions, the name section) is re-encoded with the new index.
 */
import { ByteWriter, readName, readU32, skipLeb128, WasmFormatError } from './bytes.ts';
import { DecodedInstructions, instructionEnd, readFunctionIndex } from './instruction-decoder.ts';
import { Op } from './instruction-costs.ts';

/** Maps old function indices to new ones: indices from `firstMoved` on move up by `distance`. */
export class FunctionRenumbering {
    constructor(
        readonly firstMoved: number,
        readonly distance: number
    ) {}

    map(index: number): number {
        return index >= this.firstMoved ? index + this.distance : index;
    }
}

/**
 * Copies the constant expression starting at `pos` (through its `end`), renumbering `ref.func`.
 * Returns the position after the expression.
 */
export function copyConstantExpression(
    bytes: Uint8Array,
    pos: number,
    out: ByteWriter,
    renumbering: FunctionRenumbering,
    decoded: DecodedInstructions
): number {
    const end = findConstantExpressionEnd(bytes, pos);
    decoded.decode(bytes, pos, end);
    let copied = pos;
    for (let i = 0; i < decoded.count; i++) {
        if (decoded.opcodes[i] !== Op.refFunc) continue;
        const start = decoded.starts[i];
        out.copy(bytes, copied, start);
        out.byte(Op.refFunc);
        out.u32(renumbering.map(readFunctionIndex(bytes, start)));
        copied = decoded.starts[i + 1];
    }
    out.copy(bytes, copied, end);
    return end;
}

/** Constant expressions have no nested blocks, so the first `end` closes them. */
function findConstantExpressionEnd(bytes: Uint8Array, pos: number): number {
    let cursor = pos;
    for (;;) {
        const next = instructionEnd(bytes, cursor);
        if (bytes[cursor] === Op.end) return next;
        cursor = next;
    }
}

/** Re-encodes the export section payload with renumbered function exports, then appends `extra` entries. */
export function rewriteExports(
    payload: Uint8Array,
    renumbering: FunctionRenumbering,
    extra: readonly { name: string; kind: number; index: number }[]
): Uint8Array {
    const out = new ByteWriter(payload.length + 64);
    let { value: count, next: pos } = readU32(payload, 0);
    out.u32(count + extra.length);
    for (let i = 0; i < count; i++) {
        const name = readName(payload, pos);
        out.copy(payload, pos, name.next);
        const kind = payload[name.next];
        const index = readU32(payload, name.next + 1);
        out.byte(kind);
        out.u32(kind === 0 ? renumbering.map(index.value) : index.value);
        pos = index.next;
    }
    for (const entry of extra) {
        out.name(entry.name);
        out.byte(entry.kind);
        out.u32(entry.index);
    }
    return out.toBytes();
}

/** The names the module exports (to detect an already instrumented module). */
export function exportNames(payload: Uint8Array): Set<string> {
    const names = new Set<string>();
    let { value: count, next: pos } = readU32(payload, 0);
    for (let i = 0; i < count; i++) {
        const name = readName(payload, pos);
        names.add(name.value);
        pos = skipLeb128(payload, name.next + 1);
    }
    return names;
}

/** Re-encodes the start section payload. */
export function rewriteStart(payload: Uint8Array, renumbering: FunctionRenumbering): Uint8Array {
    const out = new ByteWriter(8);
    out.u32(renumbering.map(readU32(payload, 0).value));
    return out.toBytes();
}

/** Re-encodes the element section payload: function index vectors and `ref.func` in element expressions. */
export function rewriteElements(payload: Uint8Array, renumbering: FunctionRenumbering): Uint8Array {
    const out = new ByteWriter(payload.length + 64);
    const decoded = new DecodedInstructions();
    let { value: count, next: pos } = readU32(payload, 0);
    out.u32(count);
    for (let i = 0; i < count; i++) {
        const flags = readU32(payload, pos);
        if (flags.value > 7) throw new WasmFormatError(`unknown element segment kind ${flags.value}`, pos);
        out.u32(flags.value);
        pos = flags.next;
        const explicitTable = (flags.value & 0b010) !== 0 && (flags.value & 0b001) === 0;
        const active = (flags.value & 0b001) === 0;
        const usesExpressions = (flags.value & 0b100) !== 0;
        if (explicitTable) pos = copyU32(payload, pos, out);
        if (active) pos = copyConstantExpression(payload, pos, out, renumbering, decoded);
        if (flags.value !== 0 && flags.value !== 4) {
            out.byte(payload[pos]); // element kind (0x00 = funcref) or reference type
            pos++;
        }
        const items = readU32(payload, pos);
        out.u32(items.value);
        pos = items.next;
        for (let j = 0; j < items.value; j++) {
            if (usesExpressions) {
                pos = copyConstantExpression(payload, pos, out, renumbering, decoded);
            } else {
                const index = readU32(payload, pos);
                out.u32(renumbering.map(index.value));
                pos = index.next;
            }
        }
    }
    return out.toBytes();
}

function copyU32(payload: Uint8Array, pos: number, out: ByteWriter): number {
    const read = readU32(payload, pos);
    out.u32(read.value);
    return read.next;
}

/**
 * Re-encodes the global section payload (renumbering `ref.func` in initializers) and appends `extra` globals, each
 * given as its encoded type and initializer bytes.
 */
export function rewriteGlobals(payload: Uint8Array, renumbering: FunctionRenumbering, extra: readonly Uint8Array[]): Uint8Array {
    const out = new ByteWriter(payload.length + 32);
    const decoded = new DecodedInstructions();
    let { value: count, next: pos } = readU32(payload, 0);
    out.u32(count + extra.length);
    for (let i = 0; i < count; i++) {
        const valueType = payload[pos];
        if (valueType === 0x63 || valueType === 0x64) throw new WasmFormatError('typed reference globals are not supported', pos);
        out.byte(valueType);
        out.byte(payload[pos + 1]); // mutability
        pos = copyConstantExpression(payload, pos + 2, out, renumbering, decoded);
    }
    for (const global of extra) out.copy(global);
    return out.toBytes();
}

/**
 * Re-encodes a `name` custom section payload: function names, local names and label names are keyed by function
 * index. Other subsections are copied.
 */
export function rewriteNameSection(payload: Uint8Array, renumbering: FunctionRenumbering): Uint8Array {
    const out = new ByteWriter(payload.length + 16);
    let pos = readName(payload, 0).next; // the section name "name"
    out.copy(payload, 0, pos);
    const entry = new ByteWriter(256);
    while (pos < payload.length) {
        const id = payload[pos];
        const size = readU32(payload, pos + 1);
        const end = size.next + size.value;
        if (end > payload.length) throw new WasmFormatError('name subsection runs past its section', pos);
        if (id < 1 || id > 3) {
            out.copy(payload, pos, end);
            pos = end;
            continue;
        }
        entry.reset();
        let cursor = size.next;
        const { value: count, next } = readU32(payload, cursor);
        entry.u32(count);
        cursor = next;
        for (let i = 0; i < count; i++) {
            const index = readU32(payload, cursor);
            entry.u32(renumbering.map(index.value));
            const valueEnd = id === 1 ? readName(payload, index.next).next : skipNameMap(payload, index.next);
            entry.copy(payload, index.next, valueEnd);
            cursor = valueEnd;
        }
        out.byte(id);
        out.u32(entry.length);
        out.copy(entry.view());
        pos = end;
    }
    return out.toBytes();
}

function skipNameMap(payload: Uint8Array, pos: number): number {
    const { value: count, next } = readU32(payload, pos);
    pos = next;
    for (let i = 0; i < count; i++) pos = readName(payload, skipLeb128(payload, pos)).next;
    return pos;
}
