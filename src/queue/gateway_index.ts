/**
 * The top of the certified tree: a treap over the gateways, ordered by key prefix (`<gateway text>_`, the order of
 * their messages' keys), each node contributing its gateway's tree. A node with a left subtree L, its own gateway
 * root O and a right subtree R hashes as `fork(fork(L, O), R)`, absent parts left out (`fork(L, O)` is stored as
 * `leftOwn`, so a change on the right re-hashes one fork per level).
 *
 * Nodes live in the gateways' queue heads in stable memory, so nothing is rebuilt after an upgrade. Priorities are
 * drawn when a gateway registers, from the IC time and its principal: a client can name any gateway, but cannot
 * predict priorities to make the treap deep (expected depth O(log gateways)).
 *
 * Changes mark nodes stale; {@link recomputeIndex} then re-hashes exactly the stale nodes, bottom-up, once per
 * batch, however many gateways changed.
 */
import { forkHash, EMPTY_HASH, type HashTree } from '../hash_tree';
import type { QueueHead } from './layout';

/** A gateway's head while a batch runs, with what changed since it was loaded. */
export type IndexNode = {
    principal: Uint8Array;
    head: QueueHead;
    /** `text + '_'`: compares like the keys of its messages. */
    sortKey: string;
    /** The subtree hash must be recomputed. */
    stale: boolean;
    /** `leftOwn` must be recomputed (own root or left child changed). */
    leftOwnStale: boolean;
    modified: boolean;
};

/** Access to the nodes (the queue's call-local head cache) and the index root. */
export interface IndexNodes {
    node(principal: Uint8Array): IndexNode;
    root(): Uint8Array | null;
    setRoot(principal: Uint8Array | null): void;
}

function outranks(a: IndexNode, b: IndexNode): boolean {
    return a.head.priority > b.head.priority || (a.head.priority === b.head.priority && a.sortKey < b.sortKey);
}

function touch(node: IndexNode, leftChanged = false): void {
    node.stale = true;
    node.modified = true;
    if (leftChanged) node.leftOwnStale = true;
}

/** Inserts `node` (whose left and right must be null). */
export function insertIntoIndex(nodes: IndexNodes, node: IndexNode): void {
    touch(node, true);
    nodes.setRoot(insertAt(nodes, nodes.root(), node));
}

function insertAt(nodes: IndexNodes, at: Uint8Array | null, node: IndexNode): Uint8Array {
    if (at === null) return node.principal;
    const parent = nodes.node(at);
    touch(parent);
    if (node.sortKey < parent.sortKey) {
        parent.head.left = insertAt(nodes, parent.head.left, node);
        parent.leftOwnStale = true;
        return outranks(nodes.node(parent.head.left), parent) ? rotateRight(nodes, parent) : at;
    }
    parent.head.right = insertAt(nodes, parent.head.right, node);
    return outranks(nodes.node(parent.head.right), parent) ? rotateLeft(nodes, parent) : at;
}

/** The left child moves up. Returns the new subtree root. */
function rotateRight(nodes: IndexNodes, node: IndexNode): Uint8Array {
    const pivot = nodes.node(node.head.left!);
    node.head.left = pivot.head.right;
    pivot.head.right = node.principal;
    touch(node, true);
    touch(pivot);
    return pivot.principal;
}

/** The right child moves up. Returns the new subtree root. */
function rotateLeft(nodes: IndexNodes, node: IndexNode): Uint8Array {
    const pivot = nodes.node(node.head.right!);
    node.head.right = pivot.head.left;
    pivot.head.left = node.principal;
    touch(node);
    touch(pivot, true);
    return pivot.principal;
}

/** Removes `node` from the index (its descendants are re-attached). */
export function removeFromIndex(nodes: IndexNodes, node: IndexNode): void {
    nodes.setRoot(removeAt(nodes, nodes.root(), node));
    node.head.left = null;
    node.head.right = null;
}

function removeAt(nodes: IndexNodes, at: Uint8Array | null, target: IndexNode): Uint8Array | null {
    if (at === null) return null;
    const node = nodes.node(at);
    if (node === target) return merge(nodes, node.head.left, node.head.right);
    touch(node);
    if (target.sortKey < node.sortKey) {
        node.head.left = removeAt(nodes, node.head.left, target);
        node.leftOwnStale = true;
    } else node.head.right = removeAt(nodes, node.head.right, target);
    return at;
}

/** Joins two subtrees whose keys are all smaller in `a` than in `b`. */
function merge(nodes: IndexNodes, a: Uint8Array | null, b: Uint8Array | null): Uint8Array | null {
    if (a === null) return b;
    if (b === null) return a;
    const left = nodes.node(a);
    const right = nodes.node(b);
    if (outranks(left, right)) {
        touch(left);
        left.head.right = merge(nodes, left.head.right, b);
        return a;
    }
    touch(right, true);
    right.head.left = merge(nodes, a, right.head.left);
    return b;
}

/** Marks `node` and its ancestors stale: its own root changed. */
export function markChanged(nodes: IndexNodes, node: IndexNode): void {
    node.leftOwnStale = true;
    for (let at = nodes.root(); at !== null; ) {
        const current = nodes.node(at);
        touch(current);
        if (current === node) return;
        at = node.sortKey < current.sortKey ? current.head.left : current.head.right;
    }
}

/** Re-hashes the stale nodes and returns the root hash of the whole tree (the empty hash without messages). */
export function recomputeIndex(nodes: IndexNodes): Uint8Array {
    const root = nodes.root();
    return (root === null ? null : subtreeHash(nodes, root)) ?? EMPTY_HASH;
}

function subtreeHash(nodes: IndexNodes, principal: Uint8Array): Uint8Array | null {
    const node = nodes.node(principal);
    const head = node.head;
    if (!node.stale) return head.subtree;
    // A left subtree that changed changes `leftOwn` too.
    const leftChanged = head.left !== null && nodes.node(head.left).stale;
    const left = head.left === null ? null : subtreeHash(nodes, head.left);
    const right = head.right === null ? null : subtreeHash(nodes, head.right);
    if (node.leftOwnStale || leftChanged) head.leftOwn = join(left, head.root);
    head.subtree = join(head.leftOwn, right);
    node.stale = false;
    node.leftOwnStale = false;
    node.modified = true;
    return head.subtree;
}

function join(a: Uint8Array | null, b: Uint8Array | null): Uint8Array | null {
    if (a === null) return b;
    if (b === null) return a;
    return forkHash(a, b);
}

/**
 * Wraps the witness of `target`'s gateway tree into the index: every other part is pruned. It reconstructs to
 * the root hash.
 */
export function indexWitness(nodes: IndexNodes, target: IndexNode, inner: HashTree): HashTree {
    const path: IndexNode[] = [];
    for (let at = nodes.root(); at !== null; ) {
        const node = nodes.node(at);
        path.push(node);
        if (node === target) break;
        at = target.sortKey < node.sortKey ? node.head.left : node.head.right;
    }
    let witness = inner;
    for (let i = path.length - 1; i >= 0; i--) {
        const node = path[i];
        const head = node.head;
        const child = path[i + 1];
        const pruned = (hash: Uint8Array | null): HashTree | null => (hash === null ? null : { kind: 'pruned', hash });
        const subtreeOf = (principal: Uint8Array | null) => (principal === null ? null : pruned(nodes.node(principal).head.subtree));
        let leftOwn: HashTree | null;
        let right: HashTree | null;
        if (node === target) {
            leftOwn = joinWitness(subtreeOf(head.left), witness);
            right = subtreeOf(head.right);
        } else if (child.sortKey < node.sortKey) {
            leftOwn = joinWitness(witness, pruned(head.root));
            right = subtreeOf(head.right);
        } else {
            leftOwn = pruned(head.leftOwn);
            right = witness;
        }
        witness = joinWitness(leftOwn, right)!;
    }
    return witness;
}

function joinWitness(a: HashTree | null, b: HashTree | null): HashTree | null {
    if (a === null) return b;
    if (b === null) return a;
    return { kind: 'fork', left: a, right: b };
}
