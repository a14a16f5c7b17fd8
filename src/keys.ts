/**
 * Key formats: the certification key of a message (`<gateway principal text>_<20-digit nonce>`, spec §2.9), the
 * display form of a client key used in error texts, and the byte keys of the stable maps.
 */
import { Principal } from '@dfinity/principal';
import type { ClientKey } from './types';
import { bytesEqual, readU64, utf8Bytes } from './bytes';
import { MAX_PRINCIPAL_BYTES } from './constants';

export const NONCE_DIGITS = 20;

/**
 * The certification key of the message with `nonce` in `gatewayText`'s queue. Zero-padding makes string order equal
 * nonce order within one gateway.
 *
 * @example
 * formatMessageKey('aaaaa-aa', 2n); // 'aaaaa-aa_00000000000000000002'
 */
export function formatMessageKey(gatewayText: string, nonce: bigint | number): string {
    return `${gatewayText}_${String(nonce).padStart(NONCE_DIGITS, '0')}`;
}

/**
 * The nonce at the end of a message key (what the gateway parses: the part after the last `_`); the gateway's next
 * poll asks for the last one it received plus one.
 *
 * @example
 * nonceOfMessageKey('aaaaa-aa_00000000000000000002'); // 2n
 */
export function nonceOfMessageKey(key: string): bigint {
    return BigInt(key.slice(key.lastIndexOf('_') + 1));
}

/**
 * The display form of a client key used in error texts: `<principal text>_<nonce decimal>` (no padding).
 *
 * @example
 * clientKeyToText({ client_principal: Principal.anonymous(), client_nonce: 5n }); // '2vxsx-fae_5'
 */
export function clientKeyToText(key: ClientKey): string {
    return `${key.client_principal.toText()}_${key.client_nonce}`;
}

/**
 * Whether `principal` can be stored: at most 29 bytes, as every principal on the IC. Stored principals are
 * length-prefixed with one byte, and the decoders of arguments refuse longer ones, so a 285-byte principal can
 * never be written as (and read back as) a 29-byte one.
 */
export function isStorablePrincipal(principal: Principal): boolean {
    return principal.toUint8Array().length <= MAX_PRINCIPAL_BYTES;
}

/** The bytes of a principal about to be stored; throws for one longer than 29 bytes (a bug: inputs are checked). */
export function storablePrincipalBytes(principal: Principal): Uint8Array {
    const raw = principal.toUint8Array();
    if (raw.length > MAX_PRINCIPAL_BYTES) throw new Error(`a principal of ${raw.length} bytes cannot be stored (at most ${MAX_PRINCIPAL_BYTES})`);
    return raw;
}

/** Length-prefixed principal bytes: the stable-map key of a principal, and the prefix of composite keys. */
export function principalKeyBytes(principal: Principal): Uint8Array {
    const raw = storablePrincipalBytes(principal);
    const out = new Uint8Array(raw.length + 1);
    out[0] = raw.length;
    out.set(raw, 1);
    return out;
}

/** Reads a length-prefixed principal at `offset`; returns it and the offset after it. Throws on corrupt bytes. */
export function readPrincipal(bytes: Uint8Array, offset: number): [Principal, number] {
    const length = bytes[offset];
    if (length === undefined || length > MAX_PRINCIPAL_BYTES || offset + 1 + length > bytes.length) throw new Error('corrupt principal bytes');
    return [Principal.fromUint8Array(bytes.slice(offset + 1, offset + 1 + length)), offset + 1 + length];
}

/** Inverse of {@link principalKeyBytes}: the key must be exactly one length-prefixed principal. */
export function decodePrincipalKey(bytes: Uint8Array): Principal {
    const [principal, end] = readPrincipal(bytes, 0);
    if (end !== bytes.length) throw new Error('corrupt principal key');
    return principal;
}

/** Stable-map key of a client: length-prefixed principal ‖ nonce (8 bytes, big-endian). */
export function clientKeyBytes(key: ClientKey): Uint8Array {
    return principalAndU64(storablePrincipalBytes(key.client_principal), key.client_nonce);
}

/**
 * `len ‖ principal ‖ u64` in one buffer: these keys are built several times per queued message, and every extra
 * allocation or DataView costs ~5-10k instructions in QuickJS.
 */
function principalAndU64(principal: Uint8Array, value: bigint): Uint8Array {
    const out = new Uint8Array(principal.length + 9);
    out[0] = principal.length;
    out.set(principal, 1);
    new DataView(out.buffer).setBigUint64(principal.length + 1, value);
    return out;
}

/** Inverse of {@link clientKeyBytes}, reading at `offset`; returns the key and the offset after it. */
export function readClientKey(bytes: Uint8Array, offset: number): [ClientKey, number] {
    const [principal, next] = readPrincipal(bytes, offset);
    if (next + 8 > bytes.length) throw new Error('corrupt client key');
    return [{ client_principal: principal, client_nonce: readU64(bytes, next) }, next + 8];
}

/** Inverse of {@link clientKeyBytes} and {@link messageKeyBytes}: exactly a length-prefixed principal and a u64. */
export function decodePrincipalAndU64Key(bytes: Uint8Array): [Principal, bigint] {
    const [key, end] = readClientKey(bytes, 0);
    if (end !== bytes.length) throw new Error('corrupt key');
    return [key.client_principal, key.client_nonce];
}

/** Stable-map key of a queued message: length-prefixed gateway principal ‖ nonce (8 bytes, big-endian). */
export function messageKeyBytes(gateway: Principal, nonce: bigint): Uint8Array {
    return principalAndU64(storablePrincipalBytes(gateway), nonce);
}

let cachedPrefix = '';
let cachedPrefixBytes: Uint8Array = new Uint8Array();

/**
 * The ASCII bytes of a message key (its label in the certified tree, and a blob in ws_get_messages replies). The
 * `<gateway text>_` part is converted once and reused while keys share it: a JS loop costs ~3k instructions per
 * character in QuickJS, so only the 20 digits are converted per key.
 *
 * @example
 * messageKeyLabel('aaaaa-aa_00000000000000000002'); // the 29 ASCII bytes
 */
export function messageKeyLabel(key: string): Uint8Array {
    const digitsAt = key.length - NONCE_DIGITS;
    if (digitsAt < 0) return utf8Bytes(key);
    if (cachedPrefix.length !== digitsAt || !key.startsWith(cachedPrefix)) {
        cachedPrefix = key.slice(0, digitsAt);
        cachedPrefixBytes = utf8Bytes(cachedPrefix);
        if (cachedPrefixBytes.length !== digitsAt) return utf8Bytes(key); // not ASCII
    }
    const out = new Uint8Array(key.length);
    out.set(cachedPrefixBytes);
    for (let i = digitsAt; i < key.length; i++) out[i] = key.charCodeAt(i);
    return out;
}

/** True when both client keys name the same principal and nonce. */
export function clientKeysEqual(a: ClientKey, b: ClientKey): boolean {
    return a.client_nonce === b.client_nonce && bytesEqual(a.client_principal.toUint8Array(), b.client_principal.toUint8Array());
}
