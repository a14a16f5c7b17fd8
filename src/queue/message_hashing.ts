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
import { DS_LABELED, labeledHash, leafHash } from '../hash_tree';
import { formatMessageKey } from '../keys';
import { sha256, sha256From, sha256Midstate, type Sha256Midstate } from '../sha256';

/** Gateways whose label midstates are kept (more only costs one SHA-256 block per message when they alternate). */
const GATEWAY_LABELS_CACHED = 256;

/** Keys, labels and own hashes of one gateway's messages. */
export class GatewayLabels {
    private readonly prefixBytes: Uint8Array;
    private readonly midstate: Sha256Midstate | undefined;
    private readonly midstateKeyBytes = 64 - DS_LABELED.length;

    constructor(readonly gatewayText: string) {
        this.prefixBytes = utf8Bytes(`${gatewayText}_`);
        this.midstate =
            this.prefixBytes.length >= this.midstateKeyBytes
                ? sha256Midstate(concatBytes(DS_LABELED, this.prefixBytes.subarray(0, this.midstateKeyBytes)))
                : undefined;
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

    /** `labeled(label, leaf(contentHash))` for a label of this gateway, using the cached midstate. */
    ownHash(label: Uint8Array, contentHash: Uint8Array): Uint8Array {
        if (this.midstate === undefined) return labeledHash(label, leafHash(contentHash));
        return sha256From(this.midstate, label.subarray(this.midstateKeyBytes), leafHash(contentHash));
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
