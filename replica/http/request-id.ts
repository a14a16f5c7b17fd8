/**
 * The representation-independent hash of the IC interface spec: the request id of an envelope's `content`,
 * and the hash signed in delegations and query responses.
 *
 * For a map: hash each present field as `H(utf8(key)) · H(value)`, sort those 64-byte strings bytewise, and
 * hash their concatenation. Values: blobs as is, text as UTF-8, naturals as unsigned LEB128, arrays as the hash
 * of their elements' hashes concatenated, maps recursively.
 *
 * @example
 * ```ts
 * const id = requestIdOf({ request_type: 'call', canister_id, method_name: 'greet', arg, sender, ingress_expiry });
 * ```
 */
import { sha256 } from '@noble/hashes/sha2';
import { compareBytes, concatBytes, leb128, utf8 } from '../bytes.ts';

/** A value as CBOR-decoded envelopes hold them. */
export type HashableValue = Uint8Array | string | number | bigint | HashableValue[] | { [key: string]: HashableValue | undefined };

/** The request id (32 bytes) of a content map. */
export function requestIdOf(content: Record<string, HashableValue | undefined>): Uint8Array {
    return hashOfMap(content);
}

/** Hash of a map; fields whose value is `undefined` are absent. */
export function hashOfMap(map: Record<string, HashableValue | undefined>): Uint8Array {
    const fieldHashes = Object.entries(map)
        .filter((entry): entry is [string, HashableValue] => entry[1] !== undefined)
        .map(([key, value]) => concatBytes([sha256(utf8(key)), hashOfValue(value)]))
        .sort(compareBytes);
    return sha256(concatBytes(fieldHashes));
}

/** Hash of one value; throws a TypeError for values the spec cannot hash (negative or fractional numbers). */
export function hashOfValue(value: HashableValue): Uint8Array {
    if (value instanceof Uint8Array) return sha256(value);
    if (typeof value === 'string') return sha256(utf8(value));
    if (typeof value === 'number' || typeof value === 'bigint') {
        if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new TypeError(`cannot hash the number ${value}`);
        return sha256(leb128(BigInt(value)));
    }
    if (Array.isArray(value)) return sha256(concatBytes(value.map(hashOfValue)));
    if (value !== null && typeof value === 'object') return hashOfMap(value);
    throw new TypeError(`cannot hash a value of type ${typeof value}`);
}
