/**
 * LEB128 and byte-buffer helpers for reading and writing the wasm binary format.
 *
 * Readers take a position and return the value plus the next position, so parsers stay explicit about where they
 * are; they throw {@link WasmFormatError} instead of reading past the end.
 */

/** A malformed or unsupported wasm module. The message says what and at which byte offset. */
export class WasmFormatError extends Error {
    constructor(message: string, readonly offset?: number) {
        super(offset === undefined ? message : `${message} (at byte ${offset})`);
        this.name = 'WasmFormatError';
    }
}

/** A value read from a buffer, and the position right after it. */
export interface Read<T> {
    value: T;
    next: number;
}

/**
 * Reads an unsigned LEB128 integer of at most 32 bits.
 *
 * @example readU32(Uint8Array.of(0xe5, 0x8e, 0x26), 0) // { value: 624485, next: 3 }
 */
export function readU32(bytes: Uint8Array, pos: number): Read<number> {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
        if (pos >= bytes.length) throw new WasmFormatError('unexpected end of module in a LEB128 integer', pos);
        const byte = bytes[pos++];
        value += (byte & 0x7f) * 2 ** shift;
        if ((byte & 0x80) === 0) {
            if (value > 0xffff_ffff) throw new WasmFormatError('LEB128 integer does not fit in 32 bits', pos - 1);
            return { value, next: pos };
        }
        shift += 7;
    }
    throw new WasmFormatError('LEB128 integer longer than 5 bytes', pos - 1);
}

/** Returns the position after a LEB128 integer (signed or unsigned, any width) without decoding it. */
export function skipLeb128(bytes: Uint8Array, pos: number): number {
    const start = pos;
    while (pos < bytes.length && bytes[pos] & 0x80) pos++;
    if (pos >= bytes.length) throw new WasmFormatError('unexpected end of module in a LEB128 integer', start);
    return pos + 1;
}

/** Reads a length-prefixed UTF-8 name (import, export and custom-section names). */
export function readName(bytes: Uint8Array, pos: number): Read<string> {
    const { value: length, next } = readU32(bytes, pos);
    if (next + length > bytes.length) throw new WasmFormatError('name runs past the end of the module', pos);
    return { value: new TextDecoder().decode(bytes.subarray(next, next + length)), next: next + length };
}

/**
 * A growable output buffer with wasm encoders. Reuse one writer with {@link ByteWriter.reset} to avoid reallocating.
 *
 * @example
 * const w = new ByteWriter();
 * w.u32(624485); // e5 8e 26
 * w.toBytes();
 */
export class ByteWriter {
    private buffer: Uint8Array;
    length = 0;

    constructor(initialCapacity = 1024) {
        this.buffer = new Uint8Array(initialCapacity);
    }

    /** Forgets the content, keeps the memory. */
    reset(): void {
        this.length = 0;
    }

    private ensure(extra: number): void {
        if (this.length + extra <= this.buffer.length) return;
        let capacity = this.buffer.length * 2;
        while (capacity < this.length + extra) capacity *= 2;
        const grown = new Uint8Array(capacity);
        grown.set(this.buffer.subarray(0, this.length));
        this.buffer = grown;
    }

    byte(value: number): void {
        this.ensure(1);
        this.buffer[this.length++] = value;
    }

    /** Appends `source[start, end)`. */
    copy(source: Uint8Array, start = 0, end = source.length): void {
        const size = end - start;
        this.ensure(size);
        this.buffer.set(source.subarray(start, end), this.length);
        this.length += size;
    }

    /** Unsigned LEB128 (u32). */
    u32(value: number): void {
        this.ensure(5);
        do {
            let byte = value & 0x7f;
            value = Math.floor(value / 128);
            if (value !== 0) byte |= 0x80;
            this.buffer[this.length++] = byte;
        } while (value !== 0);
    }

    /** Signed LEB128 of a safe integer (i32/i64 immediates), without BigInt. */
    sint(value: number): void {
        this.ensure(10);
        for (;;) {
            const byte = value & 0x7f;
            value = Math.floor(value / 128);
            const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
            this.buffer[this.length++] = done ? byte : byte | 0x80;
            if (done) return;
        }
    }

    /** Signed LEB128 (i64 immediates). */
    s64(value: bigint): void {
        this.ensure(10);
        for (;;) {
            const byte = Number(value & 0x7fn);
            value >>= 7n;
            const done = (value === 0n && (byte & 0x40) === 0) || (value === -1n && (byte & 0x40) !== 0);
            this.buffer[this.length++] = done ? byte : byte | 0x80;
            if (done) return;
        }
    }

    /** A length-prefixed UTF-8 name. */
    name(text: string): void {
        const encoded = new TextEncoder().encode(text);
        this.u32(encoded.length);
        this.copy(encoded);
    }

    /** A copy of the content. */
    toBytes(): Uint8Array {
        return this.buffer.slice(0, this.length);
    }

    /** A view of the content, valid until the next write or reset. */
    view(): Uint8Array {
        return this.buffer.subarray(0, this.length);
    }
}

/** The number of bytes `value` takes as unsigned LEB128. */
export function u32Size(value: number): number {
    let size = 1;
    while (value >= 128) {
        value = Math.floor(value / 128);
        size++;
    }
    return size;
}

type TypedArray = Int32Array | Uint8Array | Float64Array;

/**
 * A copy of `array` with room for `capacity` elements (for the reusable struct-of-arrays buffers).
 *
 * @example grownTo(Int32Array.of(1, 2), 4) // Int32Array [1, 2, 0, 0]
 */
export function grownTo<T extends TypedArray>(array: T, capacity: number): T {
    const grown = new (array.constructor as new (length: number) => T)(capacity);
    grown.set(array as never);
    return grown;
}
