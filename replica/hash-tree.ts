/**
 * IC hash trees (the `tree` of a certificate): types, constructors, root hashing and lookup.
 * Nodes are the CBOR arrays themselves (`[1, left, right]` ...), so a tree can be CBOR-encoded as is.
 *
 * @example
 * const tree = fork(labeled('canister', labeled(id, labeled('certified_data', leaf(data)))),
 *                   labeled('time', leaf(leb128(timeNs))));
 * reconstruct(tree);                                  // 32-byte root hash
 * lookupPath(tree, ['time']);                         // { status: 'found', value: ... }
 */
import { sha256 } from '@noble/hashes/sha2';
import { compareBytes, concatBytes, utf8 } from './bytes.ts';

export type EmptyNode = [0];
export type ForkNode = [1, HashTree, HashTree];
export type LabeledNode = [2, Uint8Array, HashTree];
export type LeafNode = [3, Uint8Array];
export type PrunedNode = [4, Uint8Array];
/** A hash tree node, in its CBOR shape. */
export type HashTree = EmptyNode | ForkNode | LabeledNode | LeafNode | PrunedNode;

/** A path segment: text labels are UTF-8 encoded, byte labels (principals, request ids) used as is. */
export type Label = string | Uint8Array;

const toLabel = (label: Label): Uint8Array => (typeof label === 'string' ? utf8(label) : label);

/** `ds(s)`: the one-byte length followed by the ASCII domain separator. */
export function domainSeparator(text: string): Uint8Array {
    const bytes = utf8(text);
    return concatBytes([Uint8Array.of(bytes.length), bytes]);
}

const EMPTY_DS = domainSeparator('ic-hashtree-empty');
const FORK_DS = domainSeparator('ic-hashtree-fork');
const LABELED_DS = domainSeparator('ic-hashtree-labeled');
const LEAF_DS = domainSeparator('ic-hashtree-leaf');

/** The empty tree (`[0]`). */
export const empty = (): EmptyNode => [0];
/** Two subtrees side by side; siblings' labels must be in increasing order, left to right. */
export const fork = (left: HashTree, right: HashTree): ForkNode => [1, left, right];
/** A subtree under a label, e.g. `labeled('time', leaf(leb128(t)))`. */
export const labeled = (label: Label, subtree: HashTree): LabeledNode => [2, toLabel(label), subtree];
/** A value, e.g. `leaf(certifiedData)`. */
export const leaf = (value: Uint8Array): LeafNode => [3, value];
/** A subtree replaced by its hash (it stays part of the root hash without being revealed). */
export const pruned = (hash: Uint8Array): PrunedNode => [4, hash];

/** The root hash of a tree. */
export function reconstruct(tree: HashTree): Uint8Array {
    switch (tree[0]) {
        case 0:
            return sha256(EMPTY_DS);
        case 1:
            return sha256(concatBytes([FORK_DS, reconstruct(tree[1]), reconstruct(tree[2])]));
        case 2:
            return sha256(concatBytes([LABELED_DS, tree[1], reconstruct(tree[2])]));
        case 3:
            return sha256(concatBytes([LEAF_DS, tree[1]]));
        case 4:
            return tree[1];
    }
}

/**
 * Builds a well-formed tree (labels sorted bytewise at every level, balanced forks) holding `value` at each path.
 * Paths must not be prefixes of one another.
 *
 * @example
 * treeFromPaths([{ path: ['time'], value: leb128(t) }, { path: ['request_status', id, 'status'], value: utf8('replied') }]);
 */
export function treeFromPaths(entries: readonly { path: readonly Label[]; value: Uint8Array }[]): HashTree {
    type Node = { value?: Uint8Array; children: Map<string, { label: Uint8Array; node: Node }> };
    const root: Node = { children: new Map() };
    for (const { path, value } of entries) {
        let node = root;
        for (const segment of path) {
            const label = toLabel(segment);
            const key = Array.from(label).join(',');
            let child = node.children.get(key);
            if (!child) {
                child = { label, node: { children: new Map() } };
                node.children.set(key, child);
            }
            node = child.node;
        }
        node.value = value;
    }
    const build = (node: Node): HashTree => {
        if (node.value !== undefined) {
            if (node.children.size > 0) throw new Error('treeFromPaths: a path is a prefix of another path');
            return leaf(node.value);
        }
        const children = [...node.children.values()].sort((a, b) => compareBytes(a.label, b.label));
        return forkAll(children.map((c) => labeled(c.label, build(c.node))));
    };
    return build(root);
}

/** Joins sibling nodes (already in label order) into a balanced fork tree; no siblings gives Empty. */
export function forkAll(nodes: readonly HashTree[]): HashTree {
    if (nodes.length === 0) return empty();
    if (nodes.length === 1) return nodes[0];
    const middle = Math.ceil(nodes.length / 2);
    return fork(forkAll(nodes.slice(0, middle)), forkAll(nodes.slice(middle)));
}

export type LookupResult =
    | { status: 'found'; value: Uint8Array }
    | { status: 'absent' }
    | { status: 'unknown' }
    | { status: 'error' };

type LabelSearch = { status: 'found'; subtree: HashTree } | { status: 'absent' } | { status: 'unknown' };

function findLabel(tree: HashTree, label: Uint8Array): LabelSearch {
    switch (tree[0]) {
        case 2: {
            const order = compareBytes(label, tree[1]);
            return order === 0 ? { status: 'found', subtree: tree[2] } : { status: 'absent' };
        }
        case 1: {
            const left = findLabel(tree[1], label);
            if (left.status === 'found') return left;
            const right = findLabel(tree[2], label);
            if (right.status === 'found') return right;
            return left.status === 'unknown' || right.status === 'unknown' ? { status: 'unknown' } : { status: 'absent' };
        }
        case 4:
            return { status: 'unknown' };
        default:
            return { status: 'absent' };
    }
}

/** Looks a path up as the IC specification defines it (found / absent / unknown / error). */
export function lookupPath(tree: HashTree, path: readonly Label[]): LookupResult {
    if (path.length === 0) {
        if (tree[0] === 3) return { status: 'found', value: tree[1] };
        if (tree[0] === 0) return { status: 'absent' };
        if (tree[0] === 4) return { status: 'unknown' };
        return { status: 'error' };
    }
    const search = findLabel(tree, toLabel(path[0]));
    if (search.status !== 'found') return search;
    return lookupPath(search.subtree, path.slice(1));
}
