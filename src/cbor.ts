/**
 * A small deterministic CBOR writer and reader for the two structures the protocol needs: the `WebsocketMessage`
 * (the bytes that are hashed and certified, spec protocol.md §3.2) and the hash-tree witness (§3.3).
 *
 * Integers are always major type 0 with minimal length, never floats or bignum tags, which is what serde_cbor in
 * the Rust CDK does; generic JS CBOR libraries may not. Only definite lengths are written or read.
 */
import { Principal } from '@dfinity/principal';
import type { WebsocketMessage } from './types';
import { ByteWriter, writeU32 } from './bytes';

/** CBOR tag 55799 ("self-describe"), which the Rust CDK puts in front of every message and witness. */
export const SELF_DESCRIBE_TAG = new Uint8Array([0xd9, 0xd9, 0xf7]);

const MAJOR_UINT = 0;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;
const SIMPLE_FALSE = 0xf4;
const SIMPLE_TRUE = 0xf5;
const SIMPLE_NULL = 0xf6;

/** Growable output buffer with the CBOR primitives. */
export class CborWriter extends ByteWriter {
    /** A head byte with minimal-length argument: ≤ 23 inline, then 1, 2, 4 or 8 big-endian bytes. */
    head(major: number, value: bigint | number): this {
        if (typeof value === 'number' && value >= 0 && value <= 0xffff) {
            // Lengths and small tags (every head of a hash tree): no BigInt, which QuickJS allocates.
            this.reserve(3);
            const b = this.buffer;
            const top = major << 5;
            if (value < 24) b[this.length++] = top | value;
            else if (value <= 0xff) {
                b[this.length++] = top | 24;
                b[this.length++] = value;
            } else {
                b[this.length++] = top | 25;
                b[this.length++] = value >>> 8;
                b[this.length++] = value & 0xff;
            }
            return this;
        }
        const n = BigInt(value);
        if (n < 0n || n > 0xffff_ffff_ffff_ffffn) throw new RangeError(`CBOR argument out of u64 range: ${n}`);
        this.reserve(9);
        const b = this.buffer;
        const top = major << 5;
        if (n < 24n) {
            b[this.length++] = top | Number(n);
        } else if (n <= 0xffn) {
            b[this.length++] = top | 24;
            b[this.length++] = Number(n);
        } else if (n <= 0xffffn) {
            b[this.length++] = top | 25;
            b[this.length++] = Number(n >> 8n);
            b[this.length++] = Number(n & 0xffn);
        } else if (n <= 0xffff_ffffn) {
            b[this.length++] = top | 26;
            new DataView(b.buffer, b.byteOffset).setUint32(this.length, Number(n));
            this.length += 4;
        } else {
            b[this.length++] = top | 27;
            new DataView(b.buffer, b.byteOffset).setBigUint64(this.length, n);
            this.length += 8;
        }
        return this;
    }

    uint(value: bigint | number): this {
        return this.head(MAJOR_UINT, value);
    }

    byteString(bytes: Uint8Array): this {
        return this.head(MAJOR_BYTES, bytes.length).raw(bytes);
    }

    textString(text: string): this {
        return this.byteStringOfMajor(MAJOR_TEXT, new TextEncoder().encode(text));
    }

    arrayHeader(length: number): this {
        return this.head(MAJOR_ARRAY, length);
    }

    mapHeader(length: number): this {
        return this.head(MAJOR_MAP, length);
    }

    bool(value: boolean): this {
        return this.byte(value ? SIMPLE_TRUE : SIMPLE_FALSE);
    }

    private byteStringOfMajor(major: number, bytes: Uint8Array): this {
        return this.head(major, bytes.length).raw(bytes);
    }
}

// Pre-encoded map keys of WebsocketMessage, in struct declaration order (the order serde_cbor writes).
const KEY_CLIENT_KEY = textKey('client_key');
const KEY_CLIENT_PRINCIPAL = textKey('client_principal');
const KEY_CLIENT_NONCE = textKey('client_nonce');
const KEY_SEQUENCE_NUM = textKey('sequence_num');
const KEY_TIMESTAMP = textKey('timestamp');
const KEY_IS_SERVICE_MESSAGE = textKey('is_service_message');
const KEY_CONTENT = textKey('content');

function textKey(text: string): Uint8Array {
    return new CborWriter(32).textString(text).bytes().slice();
}

/**
 * The certified bytes of a message, byte-identical to the Rust CDK:
 * `d9d9f7 a5 {client_key: {client_principal: bytes, client_nonce}, sequence_num, timestamp, is_service_message,
 * content: bytes}`.
 *
 * @example
 * const bytes = encodeWebsocketMessage({ client_key: { client_principal, client_nonce: 7n }, sequence_num: 1n,
 *     timestamp: 1_702_143_738_049_473_644n, is_service_message: true, content: candidBytes });
 */
export function encodeWebsocketMessage(message: WebsocketMessage): Uint8Array {
    // Written in one exact-size buffer without the writer: this runs for every queued message, and each method
    // call, DataView or BigInt operation counts in QuickJS (bench/RESULTS.md).
    const principal = message.client_key.client_principal.toUint8Array();
    const content = message.content;
    const nonce = message.client_key.client_nonce;
    const sequence = message.sequence_num;
    const timestamp = message.timestamp;
    const size =
        MESSAGE_PREFIX.length + headLength(principal.length) + principal.length + KEY_CLIENT_NONCE.length + uintLength(nonce) + KEY_SEQUENCE_NUM.length +
        uintLength(sequence) + KEY_TIMESTAMP.length + uintLength(timestamp) + KEY_IS_SERVICE_MESSAGE.length + 1 + KEY_CONTENT.length +
        headLength(content.length) + content.length;
    const out = new Uint8Array(size);
    out.set(MESSAGE_PREFIX);
    let at = writeHead(out, MESSAGE_PREFIX.length, MAJOR_BYTES, principal.length);
    out.set(principal, at);
    at += principal.length;
    out.set(KEY_CLIENT_NONCE, at);
    at = writeUint(out, at + KEY_CLIENT_NONCE.length, nonce);
    out.set(KEY_SEQUENCE_NUM, at);
    at = writeUint(out, at + KEY_SEQUENCE_NUM.length, sequence);
    out.set(KEY_TIMESTAMP, at);
    at = writeUint(out, at + KEY_TIMESTAMP.length, timestamp);
    out.set(KEY_IS_SERVICE_MESSAGE, at);
    at += KEY_IS_SERVICE_MESSAGE.length;
    out[at++] = message.is_service_message ? SIMPLE_TRUE : SIMPLE_FALSE;
    out.set(KEY_CONTENT, at);
    at = writeHead(out, at + KEY_CONTENT.length, MAJOR_BYTES, content.length);
    out.set(content, at);
    return out;
}

/** `d9d9f7 a5 "client_key" a2 "client_principal"`: what every message starts with. */
const MESSAGE_PREFIX = new CborWriter(64).raw(SELF_DESCRIBE_TAG).mapHeader(5).raw(KEY_CLIENT_KEY).mapHeader(2).raw(KEY_CLIENT_PRINCIPAL).bytes().slice();

/** Bytes of a minimal head with argument `length` (a byte count: a number). */
function headLength(length: number): number {
    return length < 24 ? 1 : length <= 0xff ? 2 : length <= 0xffff ? 3 : length <= 0xffff_ffff ? 5 : 9;
}

/** Writes a minimal head with a number argument below 2^32 at `at`; returns the offset after it. */
function writeHead(out: Uint8Array, at: number, major: number, value: number): number {
    const top = major << 5;
    if (value < 24) {
        out[at] = top | value;
        return at + 1;
    }
    if (value <= 0xff) {
        out[at] = top | 24;
        out[at + 1] = value;
        return at + 2;
    }
    if (value <= 0xffff) {
        out[at] = top | 25;
        out[at + 1] = value >>> 8;
        out[at + 2] = value & 0xff;
        return at + 3;
    }
    out[at] = top | 26;
    writeU32(out, at + 1, value);
    return at + 5;
}

/** Bytes of a u64 as a minimal major-0 item. */
function uintLength(value: bigint): number {
    if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new RangeError(`CBOR argument out of u64 range: ${value}`);
    return value < 24n ? 1 : value <= 0xffn ? 2 : value <= 0xffffn ? 3 : value <= 0xffff_ffffn ? 5 : 9;
}

/** Writes a u64 (checked by {@link uintLength}) as a minimal major-0 item at `at`; returns the offset after it. */
function writeUint(out: Uint8Array, at: number, value: bigint): number {
    if (value <= 0xffff_ffffn) return writeHead(out, at, MAJOR_UINT, Number(value));
    out[at] = (MAJOR_UINT << 5) | 27;
    writeU32(out, at + 1, Number(value >> 32n));
    writeU32(out, at + 5, Number(value & 0xffff_ffffn));
    return at + 9;
}

/** A decoded CBOR value: what {@link decodeCbor} returns. */
export type CborValue =
    | bigint
    | Uint8Array
    | string
    | boolean
    | null
    | CborValue[]
    | Map<CborValue, CborValue>
    | { tag: bigint; value: CborValue };

/**
 * Decodes one CBOR item (definite lengths; uints, byte and text strings, arrays, maps, tags, true/false/null).
 * Integers come back as `bigint`, maps as `Map` (text keys as strings). A leading 55799 tag is dropped.
 * Throws a clear error on anything else or on trailing bytes.
 *
 * @example
 * decodeCbor(new Uint8Array([0x82, 0x01, 0x41, 0xff])); // [1n, Uint8Array [255]]
 */
export function decodeCbor(bytes: Uint8Array): CborValue {
    const reader = { bytes, offset: 0 };
    let value = readItem(reader);
    if (typeof value === 'object' && value !== null && 'tag' in value && value.tag === 55799n) value = value.value;
    if (reader.offset !== bytes.length) throw new Error(`CBOR: ${bytes.length - reader.offset} trailing bytes`);
    return value;
}

type Reader = { bytes: Uint8Array; offset: number };

function readArgument(reader: Reader, info: number): bigint {
    const { bytes } = reader;
    const need = (n: number) => {
        if (reader.offset + n > bytes.length) throw new Error('CBOR: unexpected end of input');
    };
    if (info < 24) return BigInt(info);
    const widths: Record<number, number> = { 24: 1, 25: 2, 26: 4, 27: 8 };
    const width = widths[info];
    if (width === undefined) throw new Error(`CBOR: unsupported additional info ${info}`);
    need(width);
    let value = 0n;
    for (let i = 0; i < width; i++) value = (value << 8n) | BigInt(bytes[reader.offset + i]);
    reader.offset += width;
    return value;
}

function readItem(reader: Reader): CborValue {
    if (reader.offset >= reader.bytes.length) throw new Error('CBOR: unexpected end of input');
    const initial = reader.bytes[reader.offset++];
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) {
        if (initial === SIMPLE_FALSE) return false;
        if (initial === SIMPLE_TRUE) return true;
        if (initial === SIMPLE_NULL) return null;
        throw new Error(`CBOR: unsupported simple value or float 0x${initial.toString(16)}`);
    }
    const argument = readArgument(reader, info);
    switch (major) {
        case MAJOR_UINT:
            return argument;
        case MAJOR_BYTES:
        case MAJOR_TEXT: {
            const end = reader.offset + Number(argument);
            if (end > reader.bytes.length) throw new Error('CBOR: string runs past the end of input');
            const slice = reader.bytes.slice(reader.offset, end);
            reader.offset = end;
            return major === MAJOR_BYTES ? slice : new TextDecoder().decode(slice);
        }
        case MAJOR_ARRAY: {
            const items: CborValue[] = [];
            for (let i = 0n; i < argument; i++) items.push(readItem(reader));
            return items;
        }
        case MAJOR_MAP: {
            const map = new Map<CborValue, CborValue>();
            for (let i = 0n; i < argument; i++) map.set(readItem(reader), readItem(reader));
            return map;
        }
        case MAJOR_TAG:
            return { tag: argument, value: readItem(reader) };
        default:
            throw new Error(`CBOR: unsupported major type ${major}`);
    }
}

/**
 * Decodes the certified bytes of a message (the inverse of {@link encodeWebsocketMessage}); accepts the bytes with
 * or without the 55799 tag, as the client does. Throws on a missing or mistyped field, and on bytes that are not
 * CBOR (the work is bounded by their length).
 *
 * @example
 * const message = decodeWebsocketMessage(output.content); // output: a CanisterOutputMessage
 * if (message.is_service_message) console.log(IDL.decode([WebsocketServiceMessageContentIdl], message.content));
 */
export function decodeWebsocketMessage(bytes: Uint8Array): WebsocketMessage {
    const root = decodeCbor(bytes);
    const map = asMap(root, 'WebsocketMessage');
    const clientKey = asMap(map.get('client_key'), 'client_key');
    return {
        client_key: {
            client_principal: Principal.fromUint8Array(asBytes(clientKey.get('client_principal'), 'client_principal')),
            client_nonce: asUint(clientKey.get('client_nonce'), 'client_nonce')
        },
        sequence_num: asUint(map.get('sequence_num'), 'sequence_num'),
        timestamp: asUint(map.get('timestamp'), 'timestamp'),
        is_service_message: asBool(map.get('is_service_message'), 'is_service_message'),
        content: asBytes(map.get('content'), 'content')
    };
}

function asMap(value: CborValue | undefined, what: string): Map<CborValue, CborValue> {
    if (value instanceof Map) return value;
    throw new Error(`CBOR: ${what} is not a map`);
}

function asBytes(value: CborValue | undefined, what: string): Uint8Array {
    if (value instanceof Uint8Array) return value;
    throw new Error(`CBOR: ${what} is not a byte string`);
}

function asUint(value: CborValue | undefined, what: string): bigint {
    if (typeof value === 'bigint') return value;
    throw new Error(`CBOR: ${what} is not an unsigned integer`);
}

function asBool(value: CborValue | undefined, what: string): boolean {
    if (typeof value === 'boolean') return value;
    throw new Error(`CBOR: ${what} is not a boolean`);
}
