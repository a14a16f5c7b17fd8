/**
 * Hashing of queued messages, with the precomputation that makes it affordable in QuickJS:
 * - content: `sha256(cbor)`. The CBOR's first 64 bytes are the same for every message to a client with a 29-byte
 *   (self-authenticating) principal (35 bytes of header, then the principal), so their SHA-256 midstate is kept
 *   per client until the client leaves, saving one of ~4 blocks;
 * - labels: every key of a gateway starts with `<gateway text>_`, so the first block of every labeled-node hash
 *   (`ds("ic-hashtree-labeled") ‖ key ‖ …`, 20 + 44 bytes) is the same: its midstate is kept per gateway, saving
 *   one of the three blocks of `labeled(key, leaf(sha256(content)))`.
 */
import type { Principal } from '@dfinity/principal';
import { binaryKey, concatBytes, utf8Bytes } from '../bytes';
import { BoundedMap } from '../bounded_map';
import { DS_LABELED, LEAF_OF_HASH } from '../hash_tree';
import { formatMessageKey, NONCE_DIGITS } from '../keys';
import { sha256, sha256From, sha256Midstate, Sha256Layout, type Sha256Midstate } from '../sha256';

/** Gateways whose label midstates are kept (more only costs one SHA-256 block per message when they alternate). */
const GATEWAY_LABELS_CACHED = 256;

/** Keys, labels and own hashes of one gateway's messages. */
export class GatewayLabels {
    private readonly prefixBytes: Uint8Array;
    /**
     * `labeled(key, h)` input after the cached midstate: the rest of the key prefix (constant), the 20 nonce digits
     * and `h`, written in place; `digits` holds the nonce whose digits are there now.
     */
    private readonly labeled: Sha256Layout;
    private readonly digitsAt: number;
    private readonly hashAt: number;
    private digits = -1;

    constructor(readonly gatewayText: string) {
        this.prefixBytes = utf8Bytes(`${gatewayText}_`);
        const midstateKeyBytes = 64 - DS_LABELED.length;
        this.labeled =
            this.prefixBytes.length >= midstateKeyBytes
                ? new Sha256Layout(this.prefixBytes.subarray(midstateKeyBytes), NONCE_DIGITS + 32, sha256Midstate(concatBytes(DS_LABELED, this.prefixBytes.subarray(0, midstateKeyBytes))))
                : new Sha256Layout(concatBytes(DS_LABELED, this.prefixBytes), NONCE_DIGITS + 32);
        this.digitsAt = this.labeled.at;
        this.hashAt = this.digitsAt + NONCE_DIGITS;
    }

    /** The certification key of the message with `nonce` (see `formatMessageKey`). */
    key(nonce: number): string {
        return formatMessageKey(this.gatewayText, nonce);
    }

    /** The key's bytes, i.e. the label of the message in the tree (the key is ASCII). */
    label(key: string): Uint8Array {
        const label = new Uint8Array(key.length);
        label.set(this.prefixBytes);
        for (let i = this.prefixBytes.length; i < key.length; i++) label[i] = key.charCodeAt(i);
        return label;
    }

    /**
     * The own hash `labeled(key(nonce), leaf(contentHash))` of a message, from the cached midstate, without
     * building the key: its nonce digits are written into the hash input, usually by incrementing the previous
     * nonce's digits (appends come in nonce order).
     */
    ownHash(nonce: number, contentHash: Uint8Array): Uint8Array {
        this.writeDigits(nonce);
        LEAF_OF_HASH.bytes.set(contentHash, LEAF_OF_HASH.at);
        if ((this.hashAt & 3) === 0) LEAF_OF_HASH.digestInto(this.labeled, this.hashAt);
        else this.labeled.bytes.set(LEAF_OF_HASH.digest(), this.hashAt);
        return this.labeled.digest();
    }

    private writeDigits(nonce: number): void {
        const bytes = this.labeled.bytes;
        const last = this.digitsAt + NONCE_DIGITS - 1;
        if (nonce === this.digits + 1 && this.digits >= 0) {
            // Decimal increment in place: ...x9..9 -> ...(x+1)0..0.
            let at = last;
            while (bytes[at] === 0x39) bytes[at--] = 0x30;
            bytes[at]++;
        } else {
            let rest = nonce;
            for (let at = last; at >= this.digitsAt; at--) {
                bytes[at] = 0x30 + (rest % 10);
                rest = Math.floor(rest / 10);
            }
        }
        this.digits = nonce;
    }
}

/** The hashing caches of a queue: per-client content midstates and per-gateway labels. */
export class MessageHashing {
    private readonly labels = new BoundedMap<string, GatewayLabels>(GATEWAY_LABELS_CACHED);
    private readonly clientMidstates = new Map<string, Sha256Midstate>();

    /** The key/label/hash helper of the gateway whose principal text is `gatewayText`. */
    labelsOf(gatewayText: string): GatewayLabels {
        let labels = this.labels.get(gatewayText);
        if (labels === undefined) {
            labels = new GatewayLabels(gatewayText);
            this.labels.set(gatewayText, labels);
        }
        return labels;
    }

    /** sha256 of a message's CBOR to `client`, using the client's midstate when the first block is per-client. */
    contentHash(client: Principal, cbor: Uint8Array): Uint8Array {
        const principal = client.toUint8Array();
        // 35 bytes of CBOR header + a 29-byte principal fill exactly the first block.
        if (principal.length !== 29 || cbor.length < 64) return sha256(cbor);
        const id = binaryKey(principal);
        let midstate = this.clientMidstates.get(id);
        if (midstate === undefined) {
            midstate = sha256Midstate(cbor.subarray(0, 64));
            this.clientMidstates.set(id, midstate);
        }
        return sha256From(midstate, cbor.subarray(64));
    }

    /** Drops the midstate of a client that left (the only per-client heap state). */
    forgetClient(client: Principal): void {
        this.clientMidstates.delete(binaryKey(client.toUint8Array()));
    }
}
