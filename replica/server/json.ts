/**
 * JSON as PocketIC speaks it: integers may exceed 2^53 (nanosecond times, cycles), bytes travel as base64.
 *
 * @example
 * ```ts
 * parseJson('{"nanos_since_epoch":1700000000000000001}'); // { nanos_since_epoch: 1700000000000000001n }
 * stringifyJson({ cycles: 10n ** 18n });                  // '{"cycles":1000000000000000000}'
 * ```
 */

/** Integers with this many digits or more cannot be trusted to a JS number: they are parsed as bigint. */
const UNSAFE_INTEGER_DIGITS = 16;
// A marker no PocketIC payload contains (an invisible separator), used only between rewrite and revive.
const BIG_INTEGER_MARK = 'bigint\u2063';

/**
 * Parses JSON, turning integer literals of 16+ digits into `bigint` so no precision is lost.
 * Throws a SyntaxError on malformed input.
 */
export function parseJson(text: string): unknown {
    // Quote long integer literals outside strings, then turn them back into bigints in the reviver.
    const marked = rewriteOutsideStrings(text, (chunk) =>
        chunk.replace(new RegExp(`-?\\d{${UNSAFE_INTEGER_DIGITS},}(?![.eE\\d])`, 'g'), (digits) => `"${BIG_INTEGER_MARK}${digits}"`)
    );
    return JSON.parse(marked, (_key, value) =>
        typeof value === 'string' && value.startsWith(BIG_INTEGER_MARK) ? BigInt(value.slice(BIG_INTEGER_MARK.length)) : value
    );
}

/** Serializes to JSON, writing `bigint` values as plain integer literals. */
export function stringifyJson(value: unknown): string {
    const marked = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${BIG_INTEGER_MARK}${v}` : v));
    return marked.replace(new RegExp(`"${BIG_INTEGER_MARK}(-?\\d+)"`, 'g'), '$1');
}

/** Reads a JSON number or bigint as a bigint; throws if it is neither an integer nor integral. */
export function toBigInt(value: unknown, what: string): bigint {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
    throw new TypeError(`${what} must be an integer, got ${JSON.stringify(value)}`);
}

/** Decodes a base64 field; throws a TypeError naming the field when it is not a string. */
export function fromBase64(value: unknown, what: string): Uint8Array {
    if (typeof value !== 'string') throw new TypeError(`${what} must be a base64 string`);
    return new Uint8Array(Buffer.from(value, 'base64'));
}

export function toBase64(bytes: Uint8Array): string {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Applies `rewrite` to the parts of a JSON text that are not inside string literals. */
function rewriteOutsideStrings(text: string, rewrite: (chunk: string) => string): string {
    let out = '';
    let chunkStart = 0;
    let i = 0;
    while (i < text.length) {
        if (text[i] !== '"') {
            i++;
            continue;
        }
        out += rewrite(text.slice(chunkStart, i));
        const stringStart = i++;
        while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
        i++;
        out += text.slice(stringStart, i);
        chunkStart = i;
    }
    return out + rewrite(text.slice(chunkStart));
}
