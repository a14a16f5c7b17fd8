/**
 * Decodes the instruction sequence of a function body (or a constant expression) into flat typed arrays: where each
 * instruction starts, its opcode and its 0xfc sub-opcode. Immediates are skipped, not interpreted; the rewriter
 * only needs to know instruction boundaries.
 *
 * Supported: the wasm 2.0 instruction set without SIMD (what Azle and Rust canisters emit). SIMD, threads,
 * exception handling, typed function references and GC instructions are refused with a clear error.
 */
import { grownTo, readU32, skipLeb128, WasmFormatError } from './bytes.ts';
import { Op } from './instruction-costs.ts';

/** Decoded instructions of one body. Arrays are reused between bodies; only the first `count` entries are valid. */
export class DecodedInstructions {
    count = 0;
    /** Byte offset of each instruction; `starts[count]` is the end of the last one. */
    starts = new Int32Array(1024);
    opcodes = new Uint8Array(1024);
    /** Sub-opcode for 0xfc-prefixed instructions, -1 otherwise. */
    subOps = new Int32Array(1024);

    private grow(): void {
        const capacity = this.starts.length * 2;
        this.starts = grownTo(this.starts, capacity);
        this.opcodes = grownTo(this.opcodes, capacity);
        this.subOps = grownTo(this.subOps, capacity);
    }

    /**
     * Decodes `bytes[start, end)`, replacing the previous content.
     *
     * @example
     * const decoded = new DecodedInstructions();
     * decoded.decode(Uint8Array.of(0x41, 0x2a, 0x1a, 0x0b), 0, 4); // i32.const 42; drop; end
     * decoded.count; // 3
     */
    decode(bytes: Uint8Array, start: number, end: number): void {
        let count = 0;
        let pos = start;
        while (pos < end) {
            if (count + 1 >= this.starts.length) this.grow();
            const opcode = bytes[pos];
            this.starts[count] = pos;
            this.opcodes[count] = opcode;
            const subOp = opcode === Op.prefixFC ? readU32(bytes, pos + 1).value : -1;
            pos = instructionEnd(bytes, pos);
            this.subOps[count] = subOp;
            count++;
        }
        if (pos !== end) throw new WasmFormatError('the last instruction runs past the end of its body', start);
        this.starts[count] = pos;
        this.count = count;
    }
}

/**
 * The position right after the instruction starting at `pos`.
 *
 * @example instructionEnd(Uint8Array.of(0x41, 0xe5, 0x8e, 0x26), 0) // 4 (i32.const 624485)
 */
export function instructionEnd(bytes: Uint8Array, pos: number): number {
    if (pos >= bytes.length) throw new WasmFormatError('unexpected end of code', pos);
    const opcode = bytes[pos];
    if (opcode !== Op.prefixFC) return skipImmediates(bytes, pos + 1, opcode, pos);
    const { value: subOp, next } = readU32(bytes, pos + 1);
    return skipPrefixedImmediates(bytes, next, subOp, pos);
}

/** Skips the immediates of the instruction with this opcode; `pos` is right after the opcode byte. */
function skipImmediates(bytes: Uint8Array, pos: number, opcode: number, at: number): number {
    if (opcode >= 0x45 && opcode <= 0xc4) return pos; // numeric instructions have no immediates
    if (opcode >= 0x28 && opcode <= 0x3e) return skipMemoryArgument(bytes, pos);
    switch (opcode) {
        case 0x00: // unreachable
        case 0x01: // nop
        case 0x05: // else
        case 0x0b: // end
        case 0x0f: // return
        case 0x1a: // drop
        case 0x1b: // select
        case 0xd1: // ref.is_null
            return pos;
        case 0x02: // block
        case 0x03: // loop
        case 0x04: // if
            return skipBlockType(bytes, pos);
        case 0x0c: // br
        case 0x0d: // br_if
        case 0x10: // call
        case 0x12: // return_call
        case 0x20: // local.get
        case 0x21: // local.set
        case 0x22: // local.tee
        case 0x23: // global.get
        case 0x24: // global.set
        case 0x25: // table.get
        case 0x26: // table.set
        case 0x3f: // memory.size
        case 0x40: // memory.grow
        case 0x41: // i32.const
        case 0x42: // i64.const
        case 0xd2: // ref.func
            return skipLeb128(bytes, pos);
        case 0x0e: {
            // br_table: a vector of labels plus the default label
            const { value: labels, next } = readU32(bytes, pos);
            pos = next;
            for (let i = 0; i <= labels; i++) pos = skipLeb128(bytes, pos);
            return pos;
        }
        case 0x11: // call_indirect: type index, table index
        case 0x13: // return_call_indirect
            return skipLeb128(bytes, skipLeb128(bytes, pos));
        case 0x1c: {
            // select with explicit value types
            const { value: types, next } = readU32(bytes, pos);
            return next + types;
        }
        case 0x43: // f32.const
            return pos + 4;
        case 0x44: // f64.const
            return pos + 8;
        case 0xd0: // ref.null: a heap type (funcref/externref)
            return pos + 1;
        default:
            throw unsupportedOpcode(opcode, at);
    }
}

function skipPrefixedImmediates(bytes: Uint8Array, pos: number, subOp: number, at: number): number {
    if (subOp <= 7) return pos; // saturating truncation
    switch (subOp) {
        case 8: // memory.init: data index, memory index
        case 10: // memory.copy: two memory indices
        case 12: // table.init: element index, table index
        case 14: // table.copy: two table indices
            return skipLeb128(bytes, skipLeb128(bytes, pos));
        case 9: // data.drop
        case 11: // memory.fill
        case 13: // elem.drop
        case 15: // table.grow
        case 16: // table.size
        case 17: // table.fill
            return skipLeb128(bytes, pos);
        default:
            throw new WasmFormatError(`unknown instruction 0xfc ${subOp}`, at);
    }
}

function skipBlockType(bytes: Uint8Array, pos: number): number {
    const first = bytes[pos];
    if (first === 0x40 || (first >= 0x6f && first <= 0x7f)) return pos + 1; // empty or a single value type
    if (first === 0x63 || first === 0x64) throw new WasmFormatError('typed function references are not supported', pos);
    return skipLeb128(bytes, pos); // a type index (s33)
}

function skipMemoryArgument(bytes: Uint8Array, pos: number): number {
    const { value: align, next } = readU32(bytes, pos);
    pos = next;
    if (align & 0x40) pos = skipLeb128(bytes, pos); // multi-memory: explicit memory index
    return skipLeb128(bytes, pos); // offset
}

const UNSUPPORTED: Record<number, string> = {
    0xfd: 'SIMD',
    0xfe: 'threads (atomics)',
    0xfb: 'GC',
    0x06: 'exception handling',
    0x07: 'exception handling',
    0x08: 'exception handling',
    0x09: 'exception handling',
    0x0a: 'exception handling',
    0x18: 'exception handling',
    0x19: 'exception handling',
    0x1f: 'exception handling',
    0x14: 'typed function references',
    0x15: 'typed function references',
    0xd3: 'typed function references',
    0xd4: 'typed function references',
    0xd5: 'typed function references',
    0xd6: 'typed function references'
};

function unsupportedOpcode(opcode: number, at: number): WasmFormatError {
    const feature = UNSUPPORTED[opcode];
    const hex = `0x${opcode.toString(16).padStart(2, '0')}`;
    return new WasmFormatError(
        feature ? `${feature} instruction ${hex} is not supported by the metering rewriter` : `unknown opcode ${hex}`,
        at
    );
}

/** Reads the function index immediate of `call`, `return_call` or `ref.func` starting at `start` (the opcode). */
export function readFunctionIndex(bytes: Uint8Array, start: number): number {
    return readU32(bytes, start + 1).value;
}
