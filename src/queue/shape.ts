/**
 * The shape of one gateway's certified tree, as a pure function of its queue `[oldest, next)` (nonces as numbers:
 * they start at 0 and grow by one per message, far below 2^53).
 *
 * Nodes are aligned blocks of nonces: node `(level, index)` covers `[index·2^level, (index+1)·2^level)`; a node
 * with level ≥ 1 hashes as `fork(left half, right half)`, a level-0 node is a message's own hash
 * `labeled(key, leaf(sha256(content)))`. A queue of two or more messages is split at `split`, the middle of the
 * smallest aligned node containing it, into
 * - the left part `[oldest, split)`: maximal aligned blocks of growing size, folded from the right:
 *   `L = fork(b1, fork(b2, … fork(bk-1, bk)))`;
 * - the right part `[split, next)`: maximal aligned blocks of shrinking size, folded from the left:
 *   `R = fork(fork(… fork(c1, c2) …, cm-1), cm)`;
 * and the gateway's root is `fork(L, R)`; a single message is its own hash. In-order, the labels are the keys in
 * nonce order, so the tree is sorted and well-formed.
 *
 * Why this shape: appends happen at the right end and expiry at the left end. An append changes only the last
 * blocks of R (merging the trailing ones, like a binary counter) and R's fold over them; an expiry changes only
 * the first block of L and L's fold over it. Each fold is stored per block, so both touch O(1) hashes on average
 * and O(log n) at worst, whatever the queue length, and the shape never depends on hashes or timestamps.
 */

/** An aligned block of nonces: `[start, start + 2^level)`. */
export type Block = { level: number; start: number };

/** The two parts of a queue of at least two messages. */
export type Parts = { split: number; left: Block[]; right: Block[] };

/** 2^level for every level a nonce below 2^53 can have: a table lookup costs less than `**` in QuickJS. */
const POW2: number[] = Array.from({ length: 54 }, (_, level) => 2 ** level);

/** `[start, start + 2^level)` as the node index at `level`. */
export function blockIndex(block: Block): number {
    return block.start / POW2[block.level];
}

/** Level of the smallest aligned node containing both `a` and `b` (a < b). */
function commonLevel(a: number, b: number): number {
    if (b < 0x8000_0000) return 32 - Math.clz32(a ^ b);
    let level = 1;
    while (Math.floor(a / POW2[level]) !== Math.floor(b / POW2[level])) level++;
    return level;
}

/** Level of the largest aligned block that starts at `x` and ends by `end` (x < end). */
function largestBlockAt(x: number, end: number): number {
    if (end <= 0x8000_0000) {
        // Bit tricks: the lowest set bit of x bounds the alignment, the highest of end - x the size.
        const fits = 31 - Math.clz32(end - x);
        return x === 0 ? fits : Math.min(31 - Math.clz32(x & -x), fits);
    }
    let level = 0;
    while (x % POW2[level + 1] === 0 && x + POW2[level + 1] <= end) level++;
    return level;
}

/**
 * The left and right parts of `[oldest, next)`; undefined for fewer than two messages. Runs on every certified
 * change of a queue, so its loops make no function calls.
 *
 * @example
 * queueParts(5, 11); // { split: 8, left: [{level:0,start:5},{level:1,start:6}], right: [{level:1,start:8},{level:0,start:10}] }
 */
export function queueParts(oldest: number, next: number): Parts | undefined {
    if (next - oldest < 2) return undefined;
    const last = next - 1;
    // The smallest aligned node containing [oldest, last] has level h; its halves meet at `split`.
    const h = commonLevel(oldest, last);
    const split = last - (last % POW2[h - 1]);
    const left: Block[] = [];
    for (let x = oldest; x < split; ) {
        const level = largestBlockAt(x, split);
        left.push({ level, start: x });
        x += POW2[level];
    }
    const right: Block[] = [];
    for (let y = split, level = h - 1; y < next && level >= 0; level--) {
        if (y + POW2[level] <= next) {
            right.push({ level, start: y });
            y += POW2[level];
        }
    }
    return { split, left, right };
}

/**
 * Nodes with level ≥ 1 that start at `nonce` and end at or before `next` (the complete nodes a deleted oldest
 * message leaves behind: every one of them is garbage once `nonce` is gone).
 */
export function nodesStartingAt(nonce: number, next: number): Block[] {
    const out: Block[] = [];
    for (let level = 1; nonce % POW2[level] === 0 && nonce + POW2[level] <= next; level++) out.push({ level, start: nonce });
    return out;
}

/** Whether two block lists hold the same block at position `i` (by start and level). */
export function sameBlock(a: Block | undefined, b: Block | undefined): boolean {
    return a !== undefined && b !== undefined && a.start === b.start && a.level === b.level;
}

/** Whether the block intersects `[first, last]`. */
export function intersects(block: Block, first: number, last: number): boolean {
    return block.start <= last && block.start + POW2[block.level] - 1 >= first;
}
