/**
 * Per-gateway precomputation for certifying its messages. Every key of a gateway starts with the same
 * `<gateway text>_`, so its label bytes are a cached prefix plus 20 digits, and the first SHA-256 block of every
 * labeled-node hash (`ds("ic-hashtree-labeled") ‖ key ‖ …`, 20 + 44 bytes) is the same: its midstate is computed
 * once, saving one of the three blocks of that hash.
 */
import { concatBytes, utf8Bytes } from './bytes';
import { DS_LABELED, leafHash, labeledHash } from './hash_tree';
import { formatMessageKey } from './keys';
import { sha256From, sha256Midstate, type Sha256Midstate } from './sha256';

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
    key(nonce: bigint): string {
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
