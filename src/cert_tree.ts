/**
 * The certified message tree: a sorted, balanced binary tree of `key → sha256(message bytes)` with cached subtree
 * hashes, kept on the heap. It plays the role of the Rust CDK's `ic-certification` RbTree (any sorted,
 * well-formed tree verifies, spec protocol.md §3.4), with a different balancing scheme and fork grouping.
 *
 * Balancing: a treap whose priorities are taken from each node's own hash `labeled(key, leaf(value))`. The shape
 * is therefore a pure function of the set of entries, whatever the order of inserts and deletes, so the tree
 * rebuilt from stable memory after an upgrade has exactly the root hash that was certified before it. Expected
 * depth is O(log n).
 *
 * Hashes are computed lazily: inserts and deletes only mark the path to the root dirty, and {@link CertTree.rootHash}
 * re-hashes dirty nodes once. A broadcast that queues k messages with consecutive keys therefore costs about
 * k + log n fork hashes, not k · log n.
 *
 * Node hash: `own = labeled(key, leaf(value))`; a node without children hashes to `own`, with only a left child L
 * to `fork(L, own)`, with only a right child R to `fork(own, R)`, and with both to `fork(fork(L, own), R)`.
 * (The RbTree groups the last case as `fork(L, fork(own, R))`.) Grouping the left side lets each node cache
 * `fork(L, own)`: new messages are appended at the right end of their gateway's range, which changes only right
 * subtrees, so the nodes on that path re-hash one fork each instead of two.
 */
import { EMPTY_HASH, forkHash, labeledHash, leafHash, type HashTree } from './hash_tree';
import { utf8Bytes } from './bytes';

type Node = {
    key: string;
    label: Uint8Array;
    /** The leaf data: sha256 of the message bytes. */
    value: Uint8Array;
    /** `labeled(label, leaf(value))`, computed once. */
    ownHash: Uint8Array;
    priority: number;
    left: Node | null;
    right: Node | null;
    /** Hash of the subtree rooted here; null when a descendant changed. */
    hash: Uint8Array | null;
    /** Cached `fork(L, own)` and the left hash it was computed from (compared by identity). */
    leftOwn: Uint8Array | null;
    leftOwnOf: Uint8Array | null;
};

/** The first 4 bytes of the node's own hash: uniformly spread, and free (the hash is computed anyway). */
function hashPriority(ownHash: Uint8Array): number {
    return ((ownHash[0] << 24) | (ownHash[1] << 16) | (ownHash[2] << 8) | ownHash[3]) >>> 0;
}

/** Treap order: higher priority nearer the root; ties broken by key so the shape stays deterministic. */
function outranks(a: Node, b: Node): boolean {
    return a.priority > b.priority || (a.priority === b.priority && a.key < b.key);
}

/** Sorted certified map of message keys to 32-byte message hashes. Keys compare as strings (they are ASCII). */
export class CertTree {
    private root: Node | null = null;
    private count = 0;

    /** Number of keys. */
    get size(): number {
        return this.count;
    }

    /**
     * Inserts or replaces `key → value`. `ownHash` (and the key's bytes, `label`) may be passed when known already:
     * each message stores its own hash, so a rebuild after upgrade does not recompute it.
     *
     * @example
     * tree.insert('aaaaa-aa_00000000000000000000', sha256(messageBytes));
     */
    insert(key: string, value: Uint8Array, ownHash?: Uint8Array, label: Uint8Array = utf8Bytes(key)): void {
        const hash = ownHash ?? CertTree.ownHashOf(label, value);
        // A replaced entry may get another priority, so it is re-inserted rather than updated in place.
        this.delete(key);
        const node: Node = {
            key,
            label,
            value,
            ownHash: hash,
            priority: hashPriority(hash),
            left: null,
            right: null,
            hash: null,
            leftOwn: null,
            leftOwnOf: null
        };
        this.root = this.insertAt(this.root, node);
    }

    /** `labeled(key, leaf(value))`, the hash a single node contributes. */
    static ownHashOf(label: Uint8Array, value: Uint8Array): Uint8Array {
        return labeledHash(label, leafHash(value));
    }

    /** Removes `key`; returns whether it was present. */
    delete(key: string): boolean {
        const before = this.count;
        this.root = this.deleteAt(this.root, key);
        return this.count < before;
    }

    /** The value stored for `key`, if any. */
    get(key: string): Uint8Array | undefined {
        let node = this.root;
        while (node !== null) {
            if (key === node.key) return node.value;
            node = key < node.key ? node.left : node.right;
        }
        return undefined;
    }

    /** Removes every key. */
    clear(): void {
        this.root = null;
        this.count = 0;
    }

    /** Root hash of the tree; the empty-tree hash when there are no keys. Re-hashes dirty nodes only. */
    rootHash(): Uint8Array {
        return this.root === null ? EMPTY_HASH : hashOf(this.root);
    }

    /** True when some change has not been hashed yet (the certified data is then out of date). */
    isDirty(): boolean {
        return this.root !== null && this.root.hash === null;
    }

    /**
     * A witness revealing every key in `[first, last]` as `labeled(key, leaf(value))`, everything else pruned.
     * It reconstructs to {@link CertTree.rootHash}.
     *
     * @example
     * const witness = tree.witnessRange('gw_00000000000000000003', 'gw_00000000000000000052');
     */
    witnessRange(first: string, last: string): HashTree {
        if (this.root === null) return { kind: 'empty' };
        return witnessOf(this.root, first, last);
    }

    /** All keys in ascending order (for tests and introspection; O(n)). */
    keys(): string[] {
        const out: string[] = [];
        const walk = (node: Node | null): void => {
            if (node === null) return;
            walk(node.left);
            out.push(node.key);
            walk(node.right);
        };
        walk(this.root);
        return out;
    }

    /** Height of the tree (for tests of the balancing). */
    height(): number {
        const depth = (node: Node | null): number => (node === null ? 0 : 1 + Math.max(depth(node.left), depth(node.right)));
        return depth(this.root);
    }

    private insertAt(at: Node | null, node: Node): Node {
        if (at === null) {
            this.count++;
            return node;
        }
        at.hash = null;
        if (node.key < at.key) {
            at.left = this.insertAt(at.left, node);
            return outranks(at.left, at) ? rotateRight(at) : at;
        }
        at.right = this.insertAt(at.right, node);
        return outranks(at.right, at) ? rotateLeft(at) : at;
    }

    private deleteAt(at: Node | null, key: string): Node | null {
        if (at === null) return null;
        if (key === at.key) {
            this.count--;
            return merge(at.left, at.right);
        }
        if (key < at.key) {
            const left = this.deleteAt(at.left, key);
            if (left !== at.left) at.hash = null;
            at.left = left;
        } else {
            const right = this.deleteAt(at.right, key);
            if (right !== at.right) at.hash = null;
            at.right = right;
        }
        // A deletion below changes the subtree hash even when the child pointer stays the same.
        if (at.hash !== null && !isClean(at)) at.hash = null;
        return at;
    }
}

/** A node is clean when its hash is cached and both children are clean. */
function isClean(node: Node): boolean {
    return node.hash !== null && (node.left === null || node.left.hash !== null) && (node.right === null || node.right.hash !== null);
}

function rotateRight(node: Node): Node {
    const pivot = node.left!;
    node.left = pivot.right;
    pivot.right = node;
    node.hash = null;
    pivot.hash = null;
    return pivot;
}

function rotateLeft(node: Node): Node {
    const pivot = node.right!;
    node.right = pivot.left;
    pivot.left = node;
    node.hash = null;
    pivot.hash = null;
    return pivot;
}

/** Joins two treaps where every key of `left` is smaller than every key of `right`. */
function merge(left: Node | null, right: Node | null): Node | null {
    if (left === null) return right;
    if (right === null) return left;
    if (outranks(left, right)) {
        left.right = merge(left.right, right);
        left.hash = null;
        return left;
    }
    right.left = merge(left, right.left);
    right.hash = null;
    return right;
}

/** `fork(L, own)` of a node with a left child, reused while the left subtree's hash is the same object. */
function leftOwnHash(node: Node, left: Uint8Array): Uint8Array {
    if (node.leftOwn === null || node.leftOwnOf !== left) {
        node.leftOwn = forkHash(left, node.ownHash);
        node.leftOwnOf = left;
    }
    return node.leftOwn;
}

function hashOf(node: Node): Uint8Array {
    if (node.hash !== null) return node.hash;
    const right = node.right && hashOf(node.right);
    if (node.left === null) node.hash = right === null ? node.ownHash : forkHash(node.ownHash, right);
    else {
        const leftOwn = leftOwnHash(node, hashOf(node.left));
        node.hash = right === null ? leftOwn : forkHash(leftOwn, right);
    }
    return node.hash;
}

function combineWitness(left: HashTree | null, own: HashTree, right: HashTree | null): HashTree {
    if (left === null && right === null) return own;
    if (left === null) return { kind: 'fork', left: own, right: right! };
    if (right === null) return { kind: 'fork', left, right: own };
    return { kind: 'fork', left: { kind: 'fork', left, right: own }, right };
}

function pruned(node: Node): HashTree {
    return { kind: 'pruned', hash: hashOf(node) };
}

function witnessOf(node: Node, first: string, last: string): HashTree {
    // Subtrees entirely outside the range are pruned whole; keys in range are revealed.
    const left = node.left === null ? null : first < node.key ? witnessOf(node.left, first, last) : pruned(node.left);
    const right = node.right === null ? null : last > node.key ? witnessOf(node.right, first, last) : pruned(node.right);
    const inRange = first <= node.key && node.key <= last;
    const own: HashTree = inRange
        ? { kind: 'labeled', label: node.label, subtree: { kind: 'leaf', value: node.value } }
        : { kind: 'pruned', hash: node.ownHash };
    if (!inRange && (left === null || left.kind === 'pruned') && (right === null || right.kind === 'pruned')) {
        return pruned(node);
    }
    if (!inRange && left !== null && left.kind === 'pruned' && right !== null) {
        // Only the right side is revealed: `fork(L, own)` collapses to one pruned hash.
        return { kind: 'fork', left: { kind: 'pruned', hash: leftOwnHash(node, hashOf(node.left!)) }, right };
    }
    return combineWitness(left, own, right);
}
