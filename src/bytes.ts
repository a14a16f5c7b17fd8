/** Small byte helpers (no `Buffer`: it does not exist inside Azle canisters). */

/** 8-byte big-endian encoding of a u64, so byte order equals numeric order in StableBTreeMap keys. */
export function u64ToBytes(value: bigint): Uint8Array {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, value);
    return bytes;
}

/** Writes `value` (below 2^32) as 4 big-endian bytes at `at`: no DataView, which costs ~10k instructions in QuickJS. */
export function writeU32(out: Uint8Array, at: number, value: number): void {
    out[at] = value >>> 24;
    out[at + 1] = (value >>> 16) & 0xff;
    out[at + 2] = (value >>> 8) & 0xff;
    out[at + 3] = value & 0xff;
}

/** Reads a big-endian u64 at `offset`. */
export function readU64(bytes: Uint8Array, offset: number): bigint {
    return new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getBigUint64(0);
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
    let length = 0;
    for (const part of parts) length += part.length;
    const out = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
    }
    return out;
}

/**
 * A string with one char per byte: a heap map key for byte strings. One native call, where {@link toHex} runs a
 * JS loop with a `toString(16)` per byte (~0.1M instructions for a principal in QuickJS).
 *
 * @example
 * new Map<string, number>().set(binaryKey(principal.toUint8Array()), 1);
 */
export function binaryKey(bytes: Uint8Array): string {
    return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** Lower-case hex, used for test output and error texts. */
export function toHex(bytes: Uint8Array): string {
    let out = '';
    for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
}

/** Parses lower- or upper-case hex. */
export function fromHex(hex: string): Uint8Array {
    if (hex.length % 2 !== 0 || /[^0-9a-fA-F]/.test(hex)) throw new Error(`invalid hex string: ${hex}`);
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return out;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
}

const utf8 = new TextEncoder();

/**
 * UTF-8 bytes of a string. ASCII (every key and label of the protocol) is copied directly: Azle's polyfilled
 * TextEncoder costs ~1.2M instructions for an 84-character key.
 */
export function utf8Bytes(text: string): Uint8Array {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code > 0x7f) return utf8.encode(text);
        out[i] = code;
    }
    return out;
}

/** Lexicographic byte order (the order of StableBTreeMap keys): negative, 0 or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
    const length = Math.min(a.length, b.length);
    for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
}

/** A growable output buffer: the base of the CBOR and Candid writers. */
export class ByteWriter {
    protected buffer: Uint8Array;
    protected length = 0;

    constructor(initialCapacity = 256) {
        this.buffer = new Uint8Array(Math.max(16, initialCapacity));
    }

    /** The bytes written so far (a copy-free view). */
    bytes(): Uint8Array {
        return this.buffer.subarray(0, this.length);
    }

    raw(bytes: Uint8Array): this {
        this.reserve(bytes.length);
        this.buffer.set(bytes, this.length);
        this.length += bytes.length;
        return this;
    }

    byte(value: number): this {
        this.reserve(1);
        this.buffer[this.length++] = value;
        return this;
    }

    /** Makes room for `extra` more bytes. */
    protected reserve(extra: number): void {
        if (this.length + extra <= this.buffer.length) return;
        let capacity = this.buffer.length * 2;
        while (capacity < this.length + extra) capacity *= 2;
        const next = new Uint8Array(capacity);
        next.set(this.buffer.subarray(0, this.length));
        this.buffer = next;
    }
}
