/**
 * Verifies canister messages as they arrive from the untrusted gateway (spec protocol.md §3.4, §7.2), checking
 * everything ic-websocket-js checks:
 * 1. the certificate: BLS signature against the root key (through a subnet delegation if any, with its canister
 *    ranges), by `@dfinity/agent`'s `Certificate`;
 * 2. its freshness: certificate time within [now − maxCertificateAgeInMinutes, now + 5 min];
 * 3. the witness: `reconstruct(tree)` equals the canister's `certified_data` in the certificate;
 * 4. the message: `sha256(content)` is the leaf at `websocket/<key>` in the witness.
 *
 * Speed: the gateway sends every message of one poll with the same certificate and witness, so both are cached by
 * their bytes. A certificate's BLS check (~25 ms) runs once per distinct certificate and is shared, while in
 * flight too, by every verifier using the same {@link CertificateCache} (the process-wide one by default);
 * freshness is re-checked on every message. A cache entry is keyed by root key, canister id and the SHA-256 of the
 * certificate bytes, so a hit is exactly a certificate that verified before under the same trust anchor.
 */
import { Certificate, lookup_path, lookupResultToBuffer, LookupPathStatus, reconstruct, type HashTree, Cbor } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { IcWebSocketError, messageOf } from './errors.js';
import type { ClientIncomingMessage } from './frames.js';
import { LruMap } from './lru.js';

/** `(publicKey, signature, message) → valid?`: a BLS12-381 short-signature check, as `@dfinity/agent` takes it. */
export type BlsVerify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => boolean | Promise<boolean>;

const MINUTE_MS = 60_000;
/** How far in the future a certificate's time may be (clock skew), as in @dfinity/agent. */
const MAX_MINUTES_IN_FUTURE = 5;

/** What a verified certificate says about the canister. */
export interface VerifiedCertificate {
    /** The canister's certified data (the root of its message tree). */
    certifiedData: Uint8Array;
    /** The certificate's time, ms since the epoch. */
    timeMs: number;
}

/**
 * Verified certificates, by root key, canister and certificate bytes. Share one between verifiers (the default is
 * one per process) so that clients of the same canister pay one BLS check per certificate; give a client its own
 * to measure what one browser pays.
 *
 * @example
 * const cache = new CertificateCache(64);
 * const verifier = new MessageVerifier({ canisterId, rootKey, certificateCache: cache });
 */
export class CertificateCache {
    private readonly entries: LruMap<string, Promise<VerifiedCertificate>>;
    /** How many certificates were verified with a BLS check (cache misses), for measurements. */
    verifications = 0;

    constructor(capacity = 256) {
        this.entries = new LruMap(capacity);
    }

    /** The verified certificate under `key`, verifying it with `verify` once (concurrent callers share the result). */
    resolve(key: string, verify: () => Promise<VerifiedCertificate>): Promise<VerifiedCertificate> {
        const hit = this.entries.get(key);
        if (hit) return hit;
        this.verifications++;
        const pending = verify();
        this.entries.set(key, pending);
        // Only successes stay: a certificate refused now (e.g. from the future) may be checked again later.
        pending.catch(() => this.entries.delete(key));
        return pending;
    }

    clear(): void {
        this.entries.clear();
    }
}

/** The process-wide certificate cache verifiers use unless given another. */
export const sharedCertificateCache = new CertificateCache();

interface Witness {
    tree: HashTree;
    root: Uint8Array;
}

// Decoded witnesses by the SHA-256 of their bytes: pure decoding and hashing, no trust decision, so one cache
// serves every verifier.
const witnesses = new LruMap<string, Promise<Witness>>(64);

function witnessOf(treeBytes: Uint8Array): Promise<Witness> {
    const key = bytesToHex(sha256(treeBytes));
    let witness = witnesses.get(key);
    if (!witness) {
        witness = (async () => {
            let tree: HashTree;
            try {
                tree = Cbor.decode(treeBytes) as HashTree;
            } catch (error) {
                throw new IcWebSocketError('certificate-invalid', `The message's witness is not a CBOR hash tree: ${messageOf(error)}`);
            }
            try {
                return { tree, root: await reconstruct(tree) };
            } catch (error) {
                throw new IcWebSocketError('certificate-invalid', `The message's witness is not a well-formed hash tree: ${messageOf(error)}`);
            }
        })();
        witnesses.set(key, witness);
        witness.catch(() => witnesses.delete(key));
    }
    return witness;
}

export interface MessageVerifierOptions {
    /** The canister whose messages are verified. */
    canisterId: Principal | string;
    /** The IC root key (DER, 133 bytes), or a promise of it (e.g. while it is fetched from a local replica). */
    rootKey: Uint8Array | Promise<Uint8Array>;
    /** Maximum certificate age. @default 5 */
    maxCertificateAgeInMinutes?: number;
    /** Where verified certificates are kept. @default sharedCertificateCache */
    certificateCache?: CertificateCache;
    /** BLS check to use instead of @dfinity/agent's (noble-curves). */
    blsVerify?: BlsVerify;
}

/**
 * Checks that a message frame was certified by the canister. Usable on its own, e.g. by a test harness reading
 * frames from a gateway.
 *
 * @example
 * const verifier = new MessageVerifier({ canisterId, rootKey: replica.rootKey });
 * const incoming = decodeIncomingMessage(frame);
 * await verifier.verify(incoming);                          // throws IcWebSocketError if the gateway tampered
 * const message = decodeWebsocketMessage(incoming.content);  // then check client_key and sequence_num
 */
export class MessageVerifier {
    readonly canisterId: Principal;
    private readonly canisterIdBytes: Uint8Array;
    private readonly rootKey: Promise<{ der: Uint8Array; hex: string }>;
    private readonly maxAgeMinutes: number;
    private readonly cache: CertificateCache;
    private readonly blsVerify?: BlsVerify;

    constructor(options: MessageVerifierOptions) {
        this.canisterId = Principal.from(options.canisterId);
        this.canisterIdBytes = this.canisterId.toUint8Array();
        this.rootKey = Promise.resolve(options.rootKey).then((der) => ({ der, hex: bytesToHex(der) }));
        this.rootKey.catch(() => undefined); // reported by verify()
        this.maxAgeMinutes = options.maxCertificateAgeInMinutes ?? 5;
        this.cache = options.certificateCache ?? sharedCertificateCache;
        this.blsVerify = options.blsVerify;
    }

    /**
     * Resolves if `message` is certified by the canister and its certificate is fresh; otherwise rejects with an
     * {@link IcWebSocketError} (`certificate-invalid`, `certificate-expired`, or `root-key-unavailable`).
     */
    async verify(message: ClientIncomingMessage): Promise<void> {
        const certificate = await this.verifyCertificate(message.cert);
        const witness = await witnessOf(message.tree);
        if (!equalBytes(witness.root, certificate.certifiedData)) {
            throw new IcWebSocketError('certificate-invalid', "The message's witness does not match the canister's certified data: the gateway altered the message or its witness");
        }
        const leaf = lookup_path(['websocket', message.key], witness.tree);
        if (leaf.status !== LookupPathStatus.Found || !(leaf.value instanceof Uint8Array)) {
            throw new IcWebSocketError('certificate-invalid', `The message's key ${message.key} is not certified by the canister (${leaf.status})`);
        }
        if (!equalBytes(leaf.value, sha256(message.content))) {
            throw new IcWebSocketError('certificate-invalid', 'The message content does not match its certified hash: the gateway altered it');
        }
    }

    /** Verifies a certificate (cached by its bytes) and checks its freshness now. */
    async verifyCertificate(cert: Uint8Array): Promise<VerifiedCertificate> {
        let rootKey: { der: Uint8Array; hex: string };
        try {
            rootKey = await this.rootKey;
        } catch (error) {
            throw error instanceof IcWebSocketError ? error : new IcWebSocketError('root-key-unavailable', `No root key to verify certificates with: ${messageOf(error)}`);
        }
        const key = `${rootKey.hex}/${this.canisterId.toText()}/${bytesToHex(sha256(cert))}`;
        const verified = await this.cache.resolve(key, () => this.verifyUncached(cert, rootKey.der));
        this.checkFreshness(verified.timeMs);
        return verified;
    }

    private async verifyUncached(cert: Uint8Array, rootKey: Uint8Array): Promise<VerifiedCertificate> {
        // The time is read first, so that a stale certificate is refused as such, without a BLS check.
        let tree: HashTree;
        try {
            tree = (Cbor.decode(cert) as { tree: HashTree }).tree;
        } catch (error) {
            throw new IcWebSocketError('certificate-invalid', `The message's certificate is not valid CBOR: ${messageOf(error)}`);
        }
        const time = Array.isArray(tree) ? lookupResultToBuffer(lookup_path(['time'], tree)) : undefined;
        if (!time) throw new IcWebSocketError('certificate-invalid', "The message's certificate has no time");
        const timeMs = Number(decodeLeb128(time) / 1_000_000n);
        this.checkFreshness(timeMs);
        let certificate: Certificate;
        try {
            certificate = await Certificate.create({
                certificate: cert,
                rootKey,
                canisterId: this.canisterId,
                maxAgeInMinutes: this.maxAgeMinutes,
                ...(this.blsVerify ? { blsVerify: this.blsVerify } : {})
            });
        } catch (error) {
            throw new IcWebSocketError('certificate-invalid', `The message's certificate does not verify against the IC root key: ${messageOf(error)}`, { cause: error });
        }
        const certifiedData = lookupResultToBuffer(certificate.lookup_path(['canister', this.canisterIdBytes, 'certified_data']));
        if (!certifiedData) {
            throw new IcWebSocketError('certificate-invalid', `The message's certificate holds no certified data of canister ${this.canisterId.toText()}`);
        }
        return { certifiedData, timeMs };
    }

    private checkFreshness(timeMs: number): void {
        const now = Date.now();
        if (timeMs < now - this.maxAgeMinutes * MINUTE_MS) {
            throw new IcWebSocketError(
                'certificate-expired',
                `The message's certificate is ${Math.round((now - timeMs) / 1000)} s old (at most ${this.maxAgeMinutes} min are accepted): the gateway held it back or replayed it, or this device's clock is wrong`
            );
        }
        if (timeMs > now + MAX_MINUTES_IN_FUTURE * MINUTE_MS) {
            throw new IcWebSocketError('certificate-expired', `The message's certificate is dated ${Math.round((timeMs - now) / 1000)} s in the future: this device's clock is wrong`);
        }
    }
}

function decodeLeb128(bytes: Uint8Array): bigint {
    let value = 0n;
    let shift = 0n;
    for (const byte of bytes) {
        value |= BigInt(byte & 0x7f) << shift;
        shift += 7n;
    }
    return value;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
}
