/**
 * The replica's root key and the certificates it signs: CBOR `{ tree, signature }` (tagged 55799), signed with a
 * BLS12-381 "short signature" (G1 signature, G2 public key) over `ds("ic-state-root") · root_hash`, exactly what
 * @dfinity/agent's `Certificate.create` verifies against `rootKey` (DER). No delegation: the root key signs directly.
 */
import { bls12_381, bls12_381_Fr } from '@noble/curves/bls12-381';
import { sha256 } from '@noble/hashes/sha2';
import { encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { concatBytes, leb128, toHex, utf8 } from './bytes.ts';
import { domainSeparator, fork, type HashTree, labeled, leaf, reconstruct } from './hash-tree.ts';

/** The fixed DER prefix of an IC BLS12-381 public key (the 96-byte G2 key follows). */
export const BLS_DER_PREFIX = Uint8Array.from(
    Buffer.from('308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100', 'hex')
);

const STATE_ROOT_DS = domainSeparator('ic-state-root');

/**
 * A BLS12-381 key that signs state-tree roots.
 *
 * @example
 * const key = RootKey.fromSeed('tests');             // deterministic
 * const cert = key.sign(tree);                        // CBOR certificate bytes
 * await Certificate.create({ certificate: cert, rootKey: key.der, canisterId });
 */
export class RootKey {
    /** DER-encoded public key (133 bytes), the `rootKey` agents verify with. */
    readonly der: Uint8Array;
    /** Raw 96-byte G2 public key. */
    readonly publicKey: Uint8Array;

    private constructor(private readonly secret: Uint8Array) {
        this.publicKey = bls12_381.getPublicKeyForShortSignatures(secret);
        this.der = concatBytes([BLS_DER_PREFIX, this.publicKey]);
    }

    /** A key from a 32-byte secret scalar (big-endian, 1..r-1). */
    static fromSecret(secret: Uint8Array): RootKey {
        if (secret.length !== 32) throw new Error('RootKey.fromSecret: the secret must be 32 bytes');
        return new RootKey(secret);
    }

    /** A deterministic key derived from any seed (text or bytes). */
    static fromSeed(seed: string | Uint8Array): RootKey {
        const digest = sha256(concatBytes([utf8('ic-websocket-cdk replica root key'), typeof seed === 'string' ? utf8(seed) : seed]));
        const scalar = (BigInt(`0x${toHex(digest)}`) % (bls12_381_Fr.ORDER - 1n)) + 1n;
        return new RootKey(Uint8Array.from(Buffer.from(scalar.toString(16).padStart(64, '0'), 'hex')));
    }

    /** A fresh random key. */
    static random(): RootKey {
        return new RootKey(bls12_381.utils.randomPrivateKey());
    }

    /** Signs `tree` and returns the CBOR certificate. */
    sign(tree: HashTree): Uint8Array {
        const message = concatBytes([STATE_ROOT_DS, reconstruct(tree)]);
        const signature = bls12_381.signShortSignature(message, this.secret);
        const signatureBytes = signature instanceof Uint8Array ? signature : bls12_381.ShortSignature.toRawBytes(signature);
        return encodeWithSelfDescribedTag({ tree, signature: signatureBytes } as never);
    }
}

/**
 * The state tree a canister's data certificate reveals: its certified data and the certified time.
 * `canister` sorts before `time`, so the tree is well-formed as built.
 */
export function canisterCertificateTree(canisterId: Uint8Array, certifiedData: Uint8Array, timeNs: bigint): HashTree {
    return fork(
        labeled('canister', labeled(canisterId, labeled('certified_data', leaf(certifiedData)))),
        labeled('time', leaf(leb128(timeNs)))
    );
}

/** Signs data certificates, caching the last one per canister (BLS signing costs ~10 ms). */
export class DataCertificates {
    private readonly cache = new Map<string, { key: string; certificate: Uint8Array }>();

    constructor(private readonly rootKey: RootKey) {}

    /** The certificate for `canisterId` holding `certifiedData` at `timeNs`. */
    get(canisterId: Uint8Array, certifiedData: Uint8Array, timeNs: bigint): Uint8Array {
        const id = toHex(canisterId);
        const key = `${toHex(certifiedData)}@${timeNs}`;
        const hit = this.cache.get(id);
        if (hit?.key === key) return hit.certificate;
        const certificate = this.rootKey.sign(canisterCertificateTree(canisterId, certifiedData, timeNs));
        this.cache.set(id, { key, certificate });
        return certificate;
    }
}
