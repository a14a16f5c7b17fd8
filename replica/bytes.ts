/** Small byte helpers shared by the replica's modules (no Buffer, so the code reads the same everywhere). */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
    return encoder.encode(text);
}

/** Decodes UTF-8 (invalid sequences become U+FFFD, as a lenient host should). */
export function fromUtf8(bytes: Uint8Array): string {
    return decoder.decode(bytes);
}

/** Concatenates chunks into one new array. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
    let total = 0;
    for (const chunk of chunks) total += chunk.length;
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
        out.set(chunk, offset);
        offset += chunk.length;
    }
    return out;
}

/** Lowercase hex of the bytes. */
export function toHex(bytes: Uint8Array): string {
    let out = '';
    for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
    return out;
}

/** Whether two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
}

/** Bytewise lexicographic comparison (the order of labels in IC hash trees). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
}

/** Unsigned LEB128, the encoding of natural numbers in the IC state tree (e.g. `/time`). */
export function leb128(value: bigint): Uint8Array {
    if (value < 0n) throw new RangeError(`leb128: negative value ${value}`);
    const out: number[] = [];
    do {
        let byte = Number(value & 0x7fn);
        value >>= 7n;
        if (value !== 0n) byte |= 0x80;
        out.push(byte);
    } while (value !== 0n);
    return Uint8Array.from(out);
}
