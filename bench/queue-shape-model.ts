/**
 * Fork hashes per appended message of a gateway's certified tree, counted without a canister (issue #10, "every
 * lone send within 10% of its median"). A fork is ~1.19M instructions in the canister (bench/cdk.ts baselines), ~9%
 * of a lone `send`, so the spread of lone sends is the spread of this count.
 *
 * - "current": the shape in `src/queue/shape.ts`, run through the real `updateGatewayHashes` over a counting store.
 * - "lagged, C": a design not implemented yet. The current shape covers only `[oldest, E)`, where `E` lags `next` by
 *   one to two chunks of C messages; the last complete chunk and the current one are left folds over their
 *   messages (each append extends one fold). The gateway root is `fork(fork(X, previous chunk), current chunk)`, so
 *   a lone append does 2 forks, plus the work that extends X by one chunk (its new nodes, folds and root, counted
 *   here by the real `updateGatewayHashes`), spread over the C appends of the following chunk, which is possible
 *   because that chunk was complete before they start.
 *
 * Command: `node --import tsx bench/queue-shape-model.ts [largest queue, default 20000]`.
 */
import { updateGatewayHashes, type GatewayHashes, type GatewayHashStore } from '../src/queue/gateway_tree';

/** A store on the heap that counts the forks `updateGatewayHashes` computes (all of them are stored but the root). */
function countingStore(): { store: GatewayHashStore; forks: { count: number } } {
    const forks = { count: 0 };
    const nodes = new Map<string, Uint8Array>();
    const leftFolds = new Map<number, Uint8Array>();
    const rightFolds = new Map<number, Uint8Array>();
    const leaf = new Uint8Array(32);
    // A fold at position 0 is its block's hash, not a fork.
    const store: GatewayHashStore = {
        leaf: () => leaf,
        node: (level, index) => nodes.get(`${level}/${index}`),
        putNode: (level, index, hash) => {
            forks.count++;
            nodes.set(`${level}/${index}`, hash);
        },
        leftFold: (position) => leftFolds.get(position),
        putLeftFold: (position, hash) => {
            if (position > 0) forks.count++;
            leftFolds.set(position, hash);
        },
        deleteLeftFold: (position) => leftFolds.delete(position),
        rightFold: (position) => rightFolds.get(position),
        putRightFold: (position, hash) => {
            if (position > 0) forks.count++;
            rightFolds.set(position, hash);
        },
        deleteRightFold: (position) => rightFolds.delete(position)
    };
    return { store, forks };
}

const EMPTY: GatewayHashes = { leftHash: null, rightHash: null, root: null };

/** Forks of each lone append to a queue starting at 0, index i = the append that makes the queue i + 1 long. */
function currentShape(largest: number): number[] {
    const { store, forks } = countingStore();
    let hashes = EMPTY;
    const perAppend: number[] = [];
    for (let next = 1; next <= largest; next++) {
        forks.count = 0;
        hashes = updateGatewayHashes(store, { oldest: 0, next: next - 1 }, { oldest: 0, next }, hashes);
        perAppend.push(forks.count + (next >= 2 ? 1 : 0)); // + the root
    }
    return perAppend;
}

function laggedShape(largest: number, chunk: number): number[] {
    const { store, forks } = countingStore();
    let hashes = EMPTY;
    let covered = 0; // X covers [0, covered)
    let background = 0; // forks of X's extension still to do in this chunk
    const perAppend: number[] = [];
    for (let next = 1; next <= largest; next++) {
        const nonce = next - 1;
        const offset = nonce % chunk;
        let count = 0;
        if (offset === 0 && nonce >= chunk) {
            // A new chunk starts: X is extended over the chunk before the one just completed, in the background.
            const target = nonce - chunk;
            if (target > covered) {
                forks.count = 0;
                hashes = updateGatewayHashes(store, { oldest: 0, next: covered }, { oldest: 0, next: target }, hashes);
                background += forks.count + 1; // + X's root
                covered = target;
            }
            if (nonce >= 2 * chunk) count += 1; // fork(X, previous chunk), with X as extended during the last chunk
        } else if (offset !== 0) count += 1; // the current chunk's fold
        count += 1; // the gateway root: fork(fork(X, previous chunk), current chunk)
        const now = Math.ceil(background / (chunk - offset)); // spread evenly over the chunk's remaining appends
        background -= now;
        perAppend.push(count + now);
    }
    return perAppend;
}

function summary(samples: number[]): string {
    const sorted = [...samples].sort((a, b) => a - b);
    const histogram = new Map<number, number>();
    for (const value of samples) histogram.set(value, (histogram.get(value) ?? 0) + 1);
    const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
    const counts = [...histogram].sort((a, b) => a[0] - b[0]).map(([forks, calls]) => `${forks}×${calls}`).join(' ');
    return `median ${sorted[sorted.length >> 1]}, ${sorted[0]}–${sorted[sorted.length - 1]}, mean ${mean.toFixed(2)} (forks×appends: ${counts})`;
}

const largest = Number(process.argv[2] ?? 20_000);
/**
 * The windows of bench/cdk.ts's lone sends on its gateway B (20 appends each; the "1k" and "10k" rows count the 21
 * messages of gateway A too), and all appends.
 */
const windows: [string, number, number][] = [
    ['bench "1 queued" (B: 2..21 long)', 1, 21],
    ['bench "1k queued" (B: 980..999 long)', 979, 999],
    ['bench "10k queued" (B: 9,980..9,999 long)', 9979, 9999],
    [`2..${largest.toLocaleString('en-US')} queued (every append)`, 1, largest]
].filter(([, , end]) => (end as number) <= largest) as [string, number, number][];
const designs: [string, number[]][] = [['current', currentShape(largest)], ...[8, 16, 32].map((chunk): [string, number[]] => [`lagged, C = ${chunk}`, laggedShape(largest, chunk)])];
for (const [name, perAppend] of designs) for (const [label, start, end] of windows) console.log(`${name}, ${label}: ${summary(perAppend.slice(start, end))}`);
