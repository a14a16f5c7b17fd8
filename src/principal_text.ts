/**
 * Principal text (`Principal.toText()`: base32 of `crc32 ‖ bytes`, lower case, unpadded, a dash after every 5
 * characters) written for QuickJS, and the principals handed to the application's handlers, whose `toText()` uses it.
 *
 * Cost note (bench/RESULTS.md): @dfinity/principal's `toText()` costs ~0.82M instructions in a canister (a spread
 * copy, a closure call per byte, a regular expression); handlers call it all the time (`onOpen` of the test
 * canister: ~7% of a `ws_open`). This one costs ~0.22M (bench/cdk.ts baselines): a table CRC, 8 characters per
 * 5 bytes into a reused buffer, one `String.fromCharCode`; and a handler's principal keeps its text.
 * Byte for byte the same text: test/cdk-unit/principal_text.test.ts compares it with @dfinity/principal.
 */
import { Principal } from '@dfinity/principal';

/** ASCII codes of the base32 alphabet (`a`–`z`, `2`–`7`). */
const CODES = new Uint8Array([97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 50, 51, 52, 53, 54, 55]);

/**
 * CRC-32 table, where character `p` of the base32 text goes (after every 5 characters a dash, whose slots are never
 * written), and the text's ASCII codes with the dashes pre-filled (29-byte principal: 53 characters and 10 dashes).
 * Built on first use: building the table costs ~6M instructions, which every `post_upgrade` would pay at module load.
 */
let CRC_TABLE: Int32Array | undefined;
let OUTPUT_INDEX: Uint8Array;
let output: Uint8Array;

function prepareTables(): Int32Array {
    const table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        table[n] = c;
    }
    OUTPUT_INDEX = Uint8Array.from({ length: 64 }, (_, p) => p + Math.floor(p / 5));
    output = new Uint8Array(80).fill(0x2d);
    return (CRC_TABLE = table);
}
/** `crc32 (big-endian) ‖ bytes`, zero-padded to whole 5-byte groups. */
const input = new Uint8Array(40);

/**
 * The text of the principal with these bytes (at most 29; `Principal.toText()` for any principal), as
 * `Principal.toText()` writes it: 5 input bytes → 8 characters per step, one string built at the end.
 */
export function principalText(bytes: Uint8Array): string {
    if (bytes.length > 29) return Principal.fromUint8Array(bytes).toText();
    var table = CRC_TABLE ?? prepareTables(), crc = -1, i = 0, length = bytes.length;
    for (i = 0; i < length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    crc = ~crc;
    var total = length + 4;
    input[0] = crc >>> 24;
    input[1] = crc >>> 16;
    input[2] = crc >>> 8;
    input[3] = crc;
    input.set(bytes, 4);
    input.fill(0, total, total + 5);
    var count = Math.ceil((total * 8) / 5), p = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0;
    for (i = 0; p < count; i += 5, p += 8) {
        b0 = input[i];
        b1 = input[i + 1];
        b2 = input[i + 2];
        b3 = input[i + 3];
        b4 = input[i + 4];
        output[OUTPUT_INDEX[p]] = CODES[b0 >> 3];
        output[OUTPUT_INDEX[p + 1]] = CODES[((b0 & 7) << 2) | (b1 >> 6)];
        output[OUTPUT_INDEX[p + 2]] = CODES[(b1 >> 1) & 31];
        output[OUTPUT_INDEX[p + 3]] = CODES[((b1 & 1) << 4) | (b2 >> 4)];
        output[OUTPUT_INDEX[p + 4]] = CODES[((b2 & 15) << 1) | (b3 >> 7)];
        output[OUTPUT_INDEX[p + 5]] = CODES[(b3 >> 2) & 31];
        output[OUTPUT_INDEX[p + 6]] = CODES[((b3 & 3) << 3) | (b4 >> 5)];
        output[OUTPUT_INDEX[p + 7]] = CODES[b4 & 31];
    }
    // One native call builds the string (array-like arguments); characters past `count` are the zero padding's.
    return String.fromCharCode.apply(null, output.subarray(0, count + Math.floor((count - 1) / 5)) as unknown as number[]);
}

/**
 * A `Principal` whose `toText()` is {@link principalText}, computed once. The text is kept in a non-enumerable
 * property (made on first use), so the object has a `Principal`'s own properties: deep equality with a
 * `Principal`, spreads and `Object.keys` see no difference.
 */
class HandlerPrincipal extends Principal {
    declare private readonly text: string | undefined;

    override toText(): string {
        const text = this.text;
        if (text !== undefined) return text;
        const computed = principalText(this.toUint8Array());
        Object.defineProperty(this, 'text', { value: computed });
        return computed;
    }
}

/**
 * The same principal, with the cheap `toText()`: what the handlers (`onOpen`, `onMessage`, `onClose`) receive.
 *
 * @example
 * onOpen({ clientPrincipal: handlerPrincipal(caller) });
 */
export function handlerPrincipal(principal: Principal): Principal {
    return HandlerPrincipal.fromUint8Array(principal.toUint8Array()); // `new this(bytes)`: a HandlerPrincipal
}
