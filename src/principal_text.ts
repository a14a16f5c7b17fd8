/**
 * Principal text (`Principal.toText()`: base32 of `crc32 ‖ bytes`, lower case, unpadded, a dash after every 5
 * characters) written for QuickJS, and the principals handed to the application's handlers, whose `toText()` uses it.
 *
 * Cost note (bench/RESULTS.md): @dfinity/principal's `toText()` costs ~0.82M instructions in a canister (a spread
 * copy, a closure call per byte, a regular expression); handlers call it all the time (`onOpen` of the test
 * canister: ~7% of a `ws_open`). This one is a table CRC and one pass of bit arithmetic, and the text is kept.
 * Byte for byte the same text: test/cdk-unit/principal_text.test.ts compares it with @dfinity/principal.
 */
import { Principal } from '@dfinity/principal';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

const CRC_TABLE = (() => {
    const table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        table[n] = c;
    }
    return table;
})();

/** The text of the principal with these bytes, as `Principal.toText()` writes it. */
export function principalText(bytes: Uint8Array): string {
    let crc = -1;
    for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    crc = ~crc;
    let text = '';
    let written = 0;
    let buffer = 0;
    let bits = 0;
    const total = bytes.length + 4;
    for (let i = 0; i < total; i++) {
        buffer = ((buffer << 8) | (i < 4 ? (crc >>> (24 - 8 * i)) & 0xff : bytes[i - 4])) & 0xfff;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            if (written > 0 && written % 5 === 0) text += '-';
            text += ALPHABET[(buffer >>> bits) & 31];
            written++;
        }
    }
    if (bits > 0) {
        if (written > 0 && written % 5 === 0) text += '-';
        text += ALPHABET[(buffer << (5 - bits)) & 31];
    }
    return text;
}

/** A `Principal` whose `toText()` is {@link principalText}, computed once. */
class HandlerPrincipal extends Principal {
    private text: string | undefined;

    override toText(): string {
        return (this.text ??= principalText(this.toUint8Array()));
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
