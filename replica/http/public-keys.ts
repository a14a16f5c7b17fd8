/**
 * The signature schemes the IC accepts on ingress, identified by the DER prefix of `sender_pubkey` (or of a
 * delegation's `pubkey`): Ed25519, ECDSA secp256k1 and ECDSA P-256 (both over SHA-256 of the message).
 *
 * @example
 * ```ts
 * const key = parsePublicKey(envelope.sender_pubkey); // { scheme: 'ed25519', raw }
 * verifySignature(key, message, signature);           // true / false
 * ```
 */
import { ed25519 } from '@noble/curves/ed25519';
import { secp256k1 } from '@noble/curves/secp256k1';
import { p256 } from '@noble/curves/p256';
import { sha256 } from '@noble/hashes/sha2';
import { bytesEqual, toHex } from '../bytes.ts';

export type SignatureScheme = 'ed25519' | 'secp256k1' | 'p256';

export interface PublicKey {
    scheme: SignatureScheme;
    /** The key without its DER wrapper (32 bytes for Ed25519, 65-byte uncompressed point for ECDSA). */
    raw: Uint8Array;
    der: Uint8Array;
}

const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

const DER_PREFIXES: ReadonlyArray<{ scheme: SignatureScheme; prefix: Uint8Array; keyLength: number }> = [
    { scheme: 'ed25519', prefix: fromHex('302a300506032b6570032100'), keyLength: 32 },
    { scheme: 'secp256k1', prefix: fromHex('3056301006072a8648ce3d020106052b8104000a034200'), keyLength: 65 },
    { scheme: 'p256', prefix: fromHex('3059301306072a8648ce3d020106082a8648ce3d030107034200'), keyLength: 65 }
];

/** Parses a DER public key; throws an Error saying why when the scheme is unknown or the length is wrong. */
export function parsePublicKey(der: Uint8Array): PublicKey {
    for (const { scheme, prefix, keyLength } of DER_PREFIXES) {
        if (der.length !== prefix.length + keyLength || !bytesEqual(der.subarray(0, prefix.length), prefix)) continue;
        return { scheme, raw: der.slice(prefix.length), der };
    }
    throw new Error(`unsupported public key (DER ${toHex(der.subarray(0, 24))}...): only Ed25519, ECDSA secp256k1 and ECDSA P-256 keys are accepted`);
}

/** Whether `signature` by `key` is valid for `message` (ECDSA schemes sign SHA-256 of the message). */
export function verifySignature(key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
    try {
        switch (key.scheme) {
            case 'ed25519':
                return ed25519.verify(signature, message, key.raw);
            case 'secp256k1':
                return secp256k1.verify(signature, sha256(message), key.raw, { lowS: false });
            case 'p256':
                return p256.verify(signature, sha256(message), key.raw, { lowS: false });
        }
    } catch {
        // Malformed signatures or points are simply invalid.
        return false;
    }
}
