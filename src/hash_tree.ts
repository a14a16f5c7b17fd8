/**
 * IC hash trees (the IC interface spec's "certificate" trees): node hashing, witness encoding and reconstruction.
 * Hash functions, with `H` = SHA-256 and `ds(s)` = one length byte followed by the ASCII bytes of `s`:
 * `empty = H(ds("ic-hashtree-empty"))`, `fork(l,r) = H(ds("ic-hashtree-fork") ‖ l ‖ r)`,
 * `labeled(lbl,t) = H(ds("ic-hashtree-labeled") ‖ lbl ‖ t)`, `leaf(v) = H(ds("ic-hashtree-leaf") ‖ v)`,
 * `pruned(h) = h`.
 */
import { sha256, Sha256Layout } from './sha256';
import { CborWriter, SELF_DESCRIBE_TAG } from './cbor';
import { utf8Bytes } from './bytes';
import { LABEL_WEBSOCKET } from './constants';

/** A hash tree, as in the IC interface spec; labels, leaf data and pruned hashes are raw bytes. */
export type HashTree =
    | { kind: 'empty' }
    | { kind: 'fork'; left: HashTree; right: HashTree }
    | { kind: 'labeled'; label: Uint8Array; subtree: HashTree }
    | { kind: 'leaf'; value: Uint8Array }
    | { kind: 'pruned'; hash: Uint8Array };

function domainSeparator(name: string): Uint8Array {
    const text = utf8Bytes(name);
    const out = new Uint8Array(text.length + 1);
    out[0] = text.length;
    out.set(text, 1);
    return out;
}

const DS_EMPTY = domainSeparator('ic-hashtree-empty');
const DS_FORK = domainSeparator('ic-hashtree-fork');
/** `ds("ic-hashtree-labeled")`, the first 20 bytes of every labeled-node hash input. */
export const DS_LABELED = domainSeparator('ic-hashtree-labeled');
const DS_LEAF = domainSeparator('ic-hashtree-leaf');

/** Hash of the empty tree. */
export const EMPTY_HASH: Uint8Array = sha256(DS_EMPTY);

/** `ds("ic-hashtree-fork") ‖ left ‖ right`: both hashes are 32 bytes, so only they are copied per fork. */
const FORK = new Sha256Layout(DS_FORK, 64);

/** `fork(left, right)` of two 32-byte hashes. */
export function forkHash(left: Uint8Array, right: Uint8Array): Uint8Array {
    FORK.bytes.set(left, FORK.at);
    FORK.bytes.set(right, FORK.at + 32);
    return FORK.digest();
}

export function labeledHash(label: Uint8Array, subtreeHash: Uint8Array): Uint8Array {
    return sha256(DS_LABELED, label, subtreeHash);
}

/** `ds("ic-hashtree-leaf") ‖ value` for a 32-byte value (a content hash). */
export const LEAF_OF_HASH = new Sha256Layout(DS_LEAF, 32);

export function leafHash(value: Uint8Array): Uint8Array {
    if (value.length !== 32) return sha256(DS_LEAF, value);
    LEAF_OF_HASH.bytes.set(value, LEAF_OF_HASH.at);
    return LEAF_OF_HASH.digest();
}

/** The root hash ("reconstruct") of a tree or witness. */
export function reconstruct(tree: HashTree): Uint8Array {
    switch (tree.kind) {
        case 'empty':
            return EMPTY_HASH;
        case 'fork':
            return forkHash(reconstruct(tree.left), reconstruct(tree.right));
        case 'labeled':
            return labeledHash(tree.label, reconstruct(tree.subtree));
        case 'leaf':
            return leafHash(tree.value);
        case 'pruned':
            return tree.hash;
    }
}

/** The label `websocket` as bytes. */
export const WEBSOCKET_LABEL_BYTES = utf8Bytes(LABEL_WEBSOCKET);

const WEBSOCKET_LABELED = new Sha256Layout(Uint8Array.from([...DS_LABELED, ...WEBSOCKET_LABEL_BYTES]), 32);

/** Certified data of the CDK: `labeled("websocket", innerRoot)`. */
export function websocketCertifiedData(innerRootHash: Uint8Array): Uint8Array {
    WEBSOCKET_LABELED.bytes.set(innerRootHash, WEBSOCKET_LABELED.at);
    return WEBSOCKET_LABELED.digest();
}

/**
 * CBOR of a tree as the IC encodes it, with the 55799 tag in front as the Rust CDK does:
 * `[0]` empty, `[1, l, r]` fork, `[2, label, t]` labeled, `[3, data]` leaf, `[4, hash]` pruned.
 *
 * @example
 * encodeHashTree({ kind: 'labeled', label: utf8Bytes('websocket'), subtree: { kind: 'pruned', hash } });
 */
export function encodeHashTree(tree: HashTree): Uint8Array {
    const writer = new CborWriter(512);
    writer.raw(SELF_DESCRIBE_TAG);
    writeTree(writer, tree);
    return writer.bytes();
}

function writeTree(writer: CborWriter, tree: HashTree): void {
    switch (tree.kind) {
        case 'empty':
            writer.arrayHeader(1).uint(0);
            return;
        case 'fork':
            writer.arrayHeader(3).uint(1);
            writeTree(writer, tree.left);
            writeTree(writer, tree.right);
            return;
        case 'labeled':
            writer.arrayHeader(3).uint(2).byteString(tree.label);
            writeTree(writer, tree.subtree);
            return;
        case 'leaf':
            writer.arrayHeader(2).uint(3).byteString(tree.value);
            return;
        case 'pruned':
            writer.arrayHeader(2).uint(4).byteString(tree.hash);
            return;
    }
}
