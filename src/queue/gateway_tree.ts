/**
 * Hashes and witnesses of one gateway's tree (shape in `shape.ts`), over stored node hashes.
 *
 * Stored: the hash of every complete aligned node inside the queue with level ≥ 1 (level 0 is the message's own
 * hash, kept in its record), the left part's fold from each of its blocks to its end, and the right part's fold
 * from its start to each of its blocks. After a batch of appends and expiries only what changed is hashed: the new
 * blocks at the end of the right part (each new node once, ~1 fork per appended message), the blocks split off
 * the start of the left part, the folds over them, and the root.
 */
import { forkHash, type HashTree } from '../hash_tree';
import { blockIndex, intersects, queueParts, sameBlock, type Block } from './shape';

/** Where a gateway's hashes live (its stable map entries, behind the queue's call-local caches). */
export interface GatewayHashStore {
    /** Own hash `labeled(key, leaf(sha256(content)))` of queued message `nonce`. */
    leaf(nonce: number): Uint8Array;
    node(level: number, index: number): Uint8Array | undefined;
    /** Stores a node hash (a no-op in queries). */
    putNode(level: number, index: number, hash: Uint8Array): void;
    leftFold(position: number): Uint8Array | undefined;
    putLeftFold(position: number, hash: Uint8Array): void;
    deleteLeftFold(position: number): void;
    rightFold(position: number): Uint8Array | undefined;
    putRightFold(position: number, hash: Uint8Array): void;
    deleteRightFold(position: number): void;
}

/** Queue bounds `[oldest, next)`. */
export type Bounds = { oldest: number; next: number };

/** The hashes of a gateway's tree that its head keeps. */
export type GatewayHashes = { leftHash: Uint8Array | null; rightHash: Uint8Array | null; root: Uint8Array | null };

/**
 * Hash of a complete node, read from the store or computed from its children (and stored). Nodes ending after
 * `storedUpTo` were never complete in a certified state, so they are computed without a lookup.
 */
function nodeHash(store: GatewayHashStore, level: number, index: number, storedUpTo: number): Uint8Array {
    if (level === 0) return store.leaf(index);
    if ((index + 1) * 2 ** level <= storedUpTo) {
        const stored = store.node(level, index);
        if (stored !== undefined) return stored;
    }
    const hash = forkHash(nodeHash(store, level - 1, 2 * index, storedUpTo), nodeHash(store, level - 1, 2 * index + 1, storedUpTo));
    store.putNode(level, index, hash);
    return hash;
}

function blockHash(store: GatewayHashStore, block: Block, storedUpTo: number): Uint8Array {
    return nodeHash(store, block.level, blockIndex(block), storedUpTo);
}

/**
 * Brings the stored folds and the head's hashes from the certified state `before` to the queue `after`
 * (appends only move `next` up, expiries only move `oldest` up). Returns the head's new hashes.
 *
 * @example
 * const hashes = updateGatewayHashes(store, { oldest: 0, next: 10 }, { oldest: 0, next: 11 }, head);
 */
export function updateGatewayHashes(store: GatewayHashStore, before: Bounds, after: Bounds, current: GatewayHashes): GatewayHashes {
    const old = queueParts(before.oldest, before.next);
    const parts = queueParts(after.oldest, after.next);
    const oldLeft = old?.left ?? [];
    const oldRight = old?.right ?? [];
    const left = parts?.left ?? [];
    const right = parts?.right ?? [];
    const sameSplit = old !== undefined && parts !== undefined && old.split === parts.split;

    // Left part, folded from its end: positions count from the end, so blocks kept at the end keep their folds.
    let keepLeft = 0;
    if (sameSplit) while (keepLeft < left.length && sameBlock(left[left.length - 1 - keepLeft], oldLeft[oldLeft.length - 1 - keepLeft])) keepLeft++;
    let leftHash = keepLeft === left.length && keepLeft === oldLeft.length ? current.leftHash : null;
    if (leftHash === null && left.length > 0) {
        let fold = keepLeft > 0 ? store.leftFold(keepLeft - 1)! : null;
        for (let position = keepLeft; position < left.length; position++) {
            const hash = blockHash(store, left[left.length - 1 - position], before.next);
            fold = fold === null ? hash : forkHash(hash, fold);
            store.putLeftFold(position, fold);
        }
        leftHash = fold;
    }
    for (let position = left.length; position < oldLeft.length; position++) store.deleteLeftFold(position);

    // Right part, folded from its start: blocks kept at the start keep their folds.
    let keepRight = 0;
    if (sameSplit) while (keepRight < right.length && sameBlock(right[keepRight], oldRight[keepRight])) keepRight++;
    let rightHash = keepRight === right.length && keepRight === oldRight.length ? current.rightHash : null;
    if (rightHash === null && right.length > 0) {
        let fold = keepRight > 0 ? store.rightFold(keepRight - 1)! : null;
        for (let position = keepRight; position < right.length; position++) {
            const hash = blockHash(store, right[position], before.next);
            fold = fold === null ? hash : forkHash(fold, hash);
            store.putRightFold(position, fold);
        }
        rightHash = fold;
    }
    for (let position = right.length; position < oldRight.length; position++) store.deleteRightFold(position);

    let root: Uint8Array | null = null;
    if (leftHash !== null && rightHash !== null) root = forkHash(leftHash, rightHash);
    else if (after.next - after.oldest === 1) root = store.leaf(after.oldest);
    return { leftHash, rightHash, root };
}

/**
 * A witness of the gateway's tree revealing exactly the messages `[first, last]` (with `reveal(nonce)`, the
 * labeled leaf), everything else pruned. It reconstructs to the gateway's root.
 */
export function gatewayWitness(
    store: GatewayHashStore,
    bounds: Bounds,
    hashes: GatewayHashes,
    first: number,
    last: number,
    reveal: (nonce: number) => HashTree
): HashTree {
    const parts = queueParts(bounds.oldest, bounds.next);
    if (parts === undefined) return reveal(bounds.oldest);
    const prune = (block: Block): HashTree => ({ kind: 'pruned', hash: blockHash(store, block, bounds.next) });
    const blockWitness = (block: Block): HashTree => (intersects(block, first, last) ? revealIn(store, block.level, block.start, first, last, bounds.next, reveal) : prune(block));

    // Left part: fork(b1, fork(b2, …)); everything after the last block in range is one pruned fold.
    const { left, right } = parts;
    let leftWitness: HashTree = { kind: 'pruned', hash: hashes.leftHash! };
    const lastLeft = lastIndexWhere(left, (block) => intersects(block, first, last));
    if (lastLeft >= 0) {
        let fold: HashTree | null = lastLeft < left.length - 1 ? { kind: 'pruned', hash: store.leftFold(left.length - 2 - lastLeft)! } : null;
        for (let i = lastLeft; i >= 0; i--) {
            const witness = blockWitness(left[i]);
            fold = fold === null ? witness : { kind: 'fork', left: witness, right: fold };
        }
        leftWitness = fold!;
    }

    // Right part: fork(fork(…, c_m-1), c_m); everything before the first block in range is one pruned fold.
    let rightWitness: HashTree = { kind: 'pruned', hash: hashes.rightHash! };
    const firstRight = right.findIndex((block) => intersects(block, first, last));
    if (firstRight >= 0) {
        let fold: HashTree | null = firstRight > 0 ? { kind: 'pruned', hash: store.rightFold(firstRight - 1)! } : null;
        for (let i = firstRight; i < right.length; i++) {
            const witness = blockWitness(right[i]);
            fold = fold === null ? witness : { kind: 'fork', left: fold, right: witness };
        }
        rightWitness = fold!;
    }
    return { kind: 'fork', left: leftWitness, right: rightWitness };
}

/** Witness of the node `(level, start)` that intersects `[first, last]`; children outside the range are pruned. */
function revealIn(store: GatewayHashStore, level: number, start: number, first: number, last: number, storedUpTo: number, reveal: (nonce: number) => HashTree): HashTree {
    if (level === 0) return reveal(start);
    const half = 2 ** (level - 1);
    const middle = start + half;
    const left: HashTree = first < middle ? revealIn(store, level - 1, start, first, last, storedUpTo, reveal) : { kind: 'pruned', hash: nodeHash(store, level - 1, start / half, storedUpTo) };
    const right: HashTree = last >= middle ? revealIn(store, level - 1, middle, first, last, storedUpTo, reveal) : { kind: 'pruned', hash: nodeHash(store, level - 1, middle / half, storedUpTo) };
    return { kind: 'fork', left, right };
}

function lastIndexWhere<T>(items: T[], predicate: (item: T) => boolean): number {
    for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i])) return i;
    return -1;
}
