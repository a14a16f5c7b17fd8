/**
 * Hand-built Candid messages, for arguments no Candid library would write: extra arguments with huge vector
 * lengths, type tables of thousands of entries, recursive types, over-long principals. Written from the Candid
 * spec (binary format: `DIDL`, type table, argument types, values; LEB128 lengths, field hashes in order), not from
 * the CDK's decoder.
 *
 * @example
 * ```ts
 * // ws_get_messages' argument followed by an extra `vec null` announcing 6,000,000 elements (30 bytes):
 * const arg = appendArgs(IDL.encode([wsTypes.WsGetMessagesArguments], [{ nonce: 0n }]), (first) => ({
 *     entries: [vecOf(NULL)],
 *     args: [first],
 *     values: leb128(6_000_000)
 * }));
 * ```
 */

/** Primitive type opcodes (negative type references). */
export const NULL = -1;
export const BOOL = -2;
export const NAT = -3;
export const NAT8 = -5;
export const NAT64 = -8;
export const TEXT = -15;
export const RESERVED = -16;
export const EMPTY = -17;
export const PRINCIPAL = -24;

/** Unsigned LEB128 bytes of `value`. */
export function leb128(value: number | bigint): number[] {
    let rest = BigInt(value);
    const out: number[] = [];
    do {
        let byte = Number(rest & 0x7fn);
        rest >>= 7n;
        if (rest > 0n) byte |= 0x80;
        out.push(byte);
    } while (rest > 0n);
    return out;
}

/** Signed LEB128 bytes of `value` (type opcodes and references). */
export function sleb128(value: number): number[] {
    let rest = BigInt(value);
    const out: number[] = [];
    for (;;) {
        const byte = Number(rest & 0x7fn);
        rest >>= 7n;
        if ((rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0)) {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/** Type-table entry `vec <element>`. */
export const vecOf = (element: number): number[] => [...sleb128(-19), ...sleb128(element)];
/** Type-table entry `opt <inner>`. */
export const optOf = (inner: number): number[] => [...sleb128(-18), ...sleb128(inner)];
/** Type-table entry `record { <hash>: <type>; … }` (fields given in increasing hash order). */
export const recordOf = (fields: [number, number][]): number[] => [...sleb128(-20), ...leb128(fields.length), ...fields.flatMap(([hash, type]) => [...leb128(hash), ...sleb128(type)])];
/** Type-table entry `variant { … }` (arms in increasing hash order). */
export const variantOf = (arms: [number, number][]): number[] => [...sleb128(-21), ...leb128(arms.length), ...arms.flatMap(([hash, type]) => [...leb128(hash), ...sleb128(type)])];

/** A whole message from its parts. */
export function candidMessage(entries: number[][], args: number[], values: ArrayLike<number>): Uint8Array {
    const head = [0x44, 0x49, 0x44, 0x4c, ...leb128(entries.length), ...entries.flat(), ...leb128(args.length), ...args.flatMap(sleb128)];
    const out = new Uint8Array(head.length + values.length);
    out.set(head);
    out.set(values, head.length);
    return out;
}

/** The parts of a message: its type-table entries (raw bytes each), argument types and value bytes. */
export type CandidParts = { entries: number[][]; args: number[]; values: Uint8Array };

/** Splits a message (e.g. `IDL.encode` output) into its parts. */
export function splitCandid(message: ArrayBuffer | Uint8Array): CandidParts {
    const bytes = new Uint8Array(message);
    if (String.fromCharCode(...bytes.slice(0, 4)) !== 'DIDL') throw new Error('not a Candid message');
    let offset = 4;
    const readLeb = (signed: boolean): number => {
        let value = 0;
        let scale = 1;
        for (;;) {
            const byte = bytes[offset++];
            value += (byte & 0x7f) * scale;
            scale *= 128;
            if (byte < 0x80) return signed && byte & 0x40 ? value - scale : value;
        }
    };
    const leb = () => readLeb(false);
    const sleb = () => readLeb(true);
    const entries: number[][] = [];
    const count = leb();
    for (let i = 0; i < count; i++) {
        const start = offset;
        const op = sleb();
        if (op === -20 || op === -21) {
            const fields = leb();
            for (let f = 0; f < fields; f++) {
                leb();
                sleb();
            }
        } else sleb();
        entries.push([...bytes.slice(start, offset)]);
    }
    const args: number[] = [];
    const argCount = leb();
    for (let i = 0; i < argCount; i++) args.push(sleb());
    return { entries, args, values: bytes.slice(offset) };
}

/**
 * `message` with more arguments: `extra(first)` returns type-table entries to append (the first gets index
 * `first`), the extra argument types and their value bytes.
 */
export function appendArgs(message: ArrayBuffer | Uint8Array, extra: (first: number) => { entries?: number[][]; args: number[]; values: ArrayLike<number> }): Uint8Array {
    const parts = splitCandid(message);
    const more = extra(parts.entries.length);
    const values = new Uint8Array(parts.values.length + more.values.length);
    values.set(parts.values);
    values.set(more.values, parts.values.length);
    return candidMessage([...parts.entries, ...(more.entries ?? [])], [...parts.args, ...more.args], values);
}

/**
 * `message` with an extra `blob` argument that brings it to `size` bytes (valid Candid: a decoder skips extra
 * arguments); at least the message plus the blob's few header bytes.
 */
export function padToSize(message: ArrayBuffer | Uint8Array, size: number): Uint8Array {
    const withBlob = (length: number) => {
        const values = new Uint8Array(leb128(length).length + length);
        values.set(leb128(length));
        return appendArgs(message, (first) => ({ entries: [vecOf(NAT8)], args: [first], values }));
    };
    const empty = withBlob(0).length; // with the blob's 1-byte LEB128 length
    let length = Math.max(0, size - empty + 1);
    while (length > 0 && length + leb128(length).length + empty - 1 > size) length--;
    return withBlob(length);
}
