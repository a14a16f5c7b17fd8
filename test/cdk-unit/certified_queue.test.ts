import { describe, expect, it } from 'vitest';
import { lookup_path, LookupPathStatus, reconstruct } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
import { CertifiedQueue, type QueuedMessage } from '../../src/queue/certified_queue';
import { decodeQueueHead, GatewayKeys } from '../../src/queue/layout';
import { queueParts, type Block } from '../../src/queue/shape';
import { decodeMessageRecord } from '../../src/state/records';
import { encodeHashTree, WEBSOCKET_LABEL_BYTES } from '../../src/hash_tree';
import { decodeWebsocketMessage } from '../../src/cbor';
import { MemoryKvMap } from '../../src/state/kv';
import { SeededRandom } from '../support/prng';
import { agentTree, hex } from './helpers';

const utf8 = (text: string) => new TextEncoder().encode(text);
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
const ds = (name: string) => cat(Uint8Array.of(name.length), utf8(name));
const fork = (l: Uint8Array, r: Uint8Array) => sha256(cat(ds('ic-hashtree-fork'), l, r));
const labeled = (label: Uint8Array, h: Uint8Array) => sha256(cat(ds('ic-hashtree-labeled'), label, h));
const leaf = (v: Uint8Array) => sha256(cat(ds('ic-hashtree-leaf'), v));
const EMPTY = sha256(ds('ic-hashtree-empty'));
const join = (a: Uint8Array | null, b: Uint8Array | null) => (a === null ? b : b === null ? a : fork(a, b));
const key = (text: string, nonce: number) => `${text}_${String(nonce).padStart(20, '0')}`;
const ownHashes = new Map<string, Uint8Array>();

/**
 * The certified data computed from scratch over what is stored (spec-derived, with @noble/hashes): per gateway the
 * tree shape documented in src/queue/shape.ts over its remaining messages, each leaf
 * `labeled(key, leaf(sha256(content)))` recomputed from the stored content; gateways joined by a treap built
 * from their stored priorities.
 */
function referenceCertifiedData(map: MemoryKvMap, gateways: Principal[]): Uint8Array {
    type Node = { sortKey: string; priority: number; root: Uint8Array | null };
    const nodes: Node[] = [];
    for (const gateway of gateways) {
        const keys = new GatewayKeys(gateway);
        const bytes = map.get(keys.head());
        if (bytes === undefined) continue;
        const head = decodeQueueHead(bytes);
        const text = gateway.toText();
        const own = (nonce: number) => {
            const record = decodeMessageRecord(map.get(keys.message(nonce))!);
            const id = `${key(text, nonce)} ${hex(record.contentHash)}`; // the memo's key only; the value is recomputed
            let hash = ownHashes.get(id);
            if (hash === undefined) ownHashes.set(id, (hash = labeled(utf8(key(text, nonce)), leaf(sha256(record.content)))));
            return hash;
        };
        const block = (b: Block): Uint8Array =>
            b.level === 0 ? own(b.start) : fork(block({ level: b.level - 1, start: b.start }), block({ level: b.level - 1, start: b.start + 2 ** (b.level - 1) }));
        let root: Uint8Array | null = null;
        if (head.next - head.oldest === 1) root = own(head.oldest);
        const parts = queueParts(head.oldest, head.next);
        if (parts !== undefined) {
            const left = parts.left.map(block).reduceRight((acc: Uint8Array | null, h) => (acc === null ? h : fork(h, acc)), null)!;
            const right = parts.right.map(block).reduce((acc: Uint8Array | null, h) => (acc === null ? h : fork(acc, h)), null)!;
            root = fork(left, right);
        }
        nodes.push({ sortKey: `${text}_`, priority: head.priority, root });
    }
    nodes.sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1));
    const treap = (items: Node[]): Uint8Array | null => {
        if (items.length === 0) return null;
        let top = 0;
        for (let i = 1; i < items.length; i++) {
            const [a, b] = [items[i], items[top]];
            if (a.priority > b.priority || (a.priority === b.priority && a.sortKey < b.sortKey)) top = i;
        }
        return join(join(treap(items.slice(0, top)), items[top].root), treap(items.slice(top + 1)));
    };
    return labeled(utf8('websocket'), treap(nodes) ?? EMPTY);
}

/** Checks a witness like the client: it reconstructs to the certified data and reveals every message's sha256. */
async function verifyWitness(queue: CertifiedQueue, gateway: Principal, first: bigint, count: number, certified: Uint8Array): Promise<void> {
    const reader = queue.reader(gateway)!;
    const messages: QueuedMessage[] = [];
    for (let n = first; n < first + BigInt(count); n++) messages.push(reader.read(n)!);
    const tree = agentTree(encodeHashTree({ kind: 'labeled', label: WEBSOCKET_LABEL_BYTES, subtree: reader.witness(messages) }));
    expect(hex(await reconstruct(tree)), `witness of ${count} from ${first}`).toBe(hex(certified));
    for (const message of messages) {
        const found = lookup_path(['websocket', message.key], tree);
        expect(found.status, message.key).toBe(LookupPathStatus.Found);
        expect(hex((found as { value: Uint8Array }).value)).toBe(hex(sha256(message.content)));
    }
}

function messageFor(client: Principal, sequence: number) {
    return {
        client_key: { client_principal: client, client_nonce: 7n },
        sequence_num: BigInt(sequence),
        timestamp: 1_700_000_000_000_000_000n + BigInt(sequence),
        is_service_message: false,
        content: utf8(`message ${sequence}`)
    };
}

describe('queue shape', () => {
    it('splits any queue into aligned blocks that tile it, growing on the left and shrinking on the right', () => {
        const rng = new SeededRandom(0x5a9en);
        for (let i = 0; i < 500; i++) {
            const oldest = rng.intBetween(0, 5000);
            const next = oldest + rng.intBetween(2, 3000);
            const parts = queueParts(oldest, next)!;
            const blocks = [...parts.left, ...parts.right];
            let at = oldest;
            for (const block of blocks) {
                expect(block.start).toBe(at);
                expect(block.start % 2 ** block.level).toBe(0);
                at += 2 ** block.level;
            }
            expect(at).toBe(next);
            expect(parts.left.at(-1)!.start + 2 ** parts.left.at(-1)!.level).toBe(parts.split);
            for (let j = 1; j < parts.left.length; j++) expect(parts.left[j].level).toBeGreaterThan(parts.left[j - 1].level);
            for (let j = 1; j < parts.right.length; j++) expect(parts.right[j].level).toBeLessThan(parts.right[j - 1].level);
        }
    });
});

describe('certified queue', () => {
    it('certifies the same root as a tree built from scratch after any appends, expiries, removals and upgrades; every witness verifies', async () => {
        const rng = new SeededRandom(0xc0ffeen);
        const map = new MemoryKvMap();
        let certified: Uint8Array | undefined;
        let queue = new CertifiedQueue(map, (data) => (certified = data));
        // Principals of several lengths, incl. one whose text is a prefix of others' texts (the management canister).
        const gateways = [Principal.fromText('aaaaa-aa'), Principal.fromUint8Array(Uint8Array.of(1)), rng.principal(), rng.principal(), rng.principal()];
        const client = rng.principal();
        let sequence = 0;
        let now = 1n;
        for (let step = 0; step < 120; step++) {
            queue.transaction(() => {
                for (let op = rng.intBetween(1, 4); op > 0; op--) {
                    const gateway = gateways[rng.intBetween(0, gateways.length - 1)];
                    const roll = rng.intBetween(0, 99);
                    if (!queue.hasGateway(gateway)) {
                        if (roll < 70) queue.addGateway(gateway, now++);
                    } else if (roll < 55) {
                        for (let n = rng.intBetween(1, rng.intBetween(1, 3) === 1 ? 120 : 8); n > 0; n--) queue.append(gateway, messageFor(client, ++sequence));
                    } else if (roll < 85) {
                        queue.deleteExpired(gateway, 1n << 62n, 0n, rng.intBetween(1, 40));
                    } else if (roll < 93) {
                        queue.removeGateway(gateway);
                    }
                }
            });
            if (rng.intBetween(0, 3) === 0) {
                let budget = rng.intBetween(1, 300);
                queue.reclaim(() => --budget < 0);
            }
            const expected = referenceCertifiedData(map, gateways);
            if (certified !== undefined) expect(hex(certified), `step ${step}`).toBe(hex(expected));
            expect(hex(queue.certifiedData())).toBe(hex(expected));
            if (rng.intBetween(0, 9) === 0) {
                // An upgrade: a new queue over the same storage, no heap state, nothing rebuilt.
                certified = undefined;
                queue = new CertifiedQueue(map, (data) => (certified = data));
                queue.recertify();
                expect(hex(certified!)).toBe(hex(expected));
            }
            for (const gateway of gateways) {
                const bounds = queue.bounds(gateway);
                if (bounds === undefined || bounds.next === bounds.oldest) continue;
                const depth = Number(bounds.next - bounds.oldest);
                const first = bounds.oldest + BigInt(rng.intBetween(0, depth - 1));
                const count = rng.intBetween(1, Math.min(50, Number(bounds.next - first)));
                await verifyWitness(queue, gateway, first, count, expected);
            }
        }

        // Everything gone: nothing but the root record is left in storage.
        queue.transaction(() => {
            for (const gateway of gateways) queue.removeGateway(gateway);
        });
        expect(queue.reclaim().left).toBe(0);
        expect(hex(certified!)).toBe(hex(labeled(utf8('websocket'), EMPTY)));
        expect(map.len()).toBe(1);
    });

    it('keeps a bounded number of stored hashes per message, and deletes them with the messages they cover', () => {
        const map = new MemoryKvMap();
        const queue = new CertifiedQueue(map, () => {});
        const gateway = Principal.fromUint8Array(new Uint8Array(29).fill(3));
        const client = Principal.fromUint8Array(new Uint8Array(29).fill(4));
        queue.transaction(() => queue.addGateway(gateway, 1n));
        let sequence = 0;
        for (let round = 0; round < 40; round++) {
            queue.transaction(() => {
                for (let i = 0; i < 50; i++) queue.append(gateway, messageFor(client, ++sequence));
                if (round >= 10) queue.deleteExpired(gateway, 1n << 62n, 0n, 50);
            });
            const depth = queue.depthOf(gateway);
            // messages + one node per message at most + folds (≤ 2 per level) + head + root record
            expect(map.len()).toBeLessThanOrEqual(2 * depth + 2 * 12 + 2);
        }
        queue.transaction(() => queue.deleteExpired(gateway, 1n << 62n, 0n, 10_000));
        expect(queue.depthOf(gateway)).toBe(0);
        expect(map.len(), 'head and root record').toBe(2);
    });

    it('refuses changes outside a transaction', () => {
        const queue = new CertifiedQueue(new MemoryKvMap(), () => {});
        expect(() => queue.addGateway(Principal.fromText('aaaaa-aa'), 1n)).toThrow(/inside transaction/);
    });

    it('resumes the nonces of a gateway registered again while its old storage is still being reclaimed', () => {
        const map = new MemoryKvMap();
        const queue = new CertifiedQueue(map, () => {});
        const gateway = Principal.fromUint8Array(new Uint8Array(29).fill(5));
        const client = Principal.fromUint8Array(new Uint8Array(29).fill(6));
        queue.transaction(() => {
            queue.addGateway(gateway, 1n);
            for (let i = 0; i < 10; i++) queue.append(gateway, messageFor(client, i));
        });
        queue.transaction(() => queue.removeGateway(gateway));
        expect(queue.bounds(gateway)).toBeUndefined();
        let budget = 3;
        expect(queue.reclaim(() => --budget < 0)).toEqual({ deleted: 4, left: 6 });
        queue.transaction(() => {
            queue.addGateway(gateway, 2n);
            queue.append(gateway, messageFor(client, 10));
        });
        expect(queue.bounds(gateway)).toEqual({ oldest: 10n, next: 11n });
        expect(queue.reclaim().left).toBe(0);
        expect(decodeWebsocketMessage(queue.reader(gateway)!.read(10n)!.content).content).toEqual(utf8('message 10'));
        queue.transaction(() => queue.addGateway(gateway, 3n));
        queue.transaction(() => queue.removeGateway(gateway));
        queue.transaction(() => queue.addGateway(gateway, 4n));
        expect(queue.bounds(gateway), 'old storage pending again: resumed').toEqual({ oldest: 11n, next: 11n });
        expect(queue.reclaim().left).toBe(0);
        queue.transaction(() => queue.removeGateway(gateway));
        expect(queue.reclaim().left).toBe(0);
        queue.transaction(() => queue.addGateway(gateway, 5n));
        expect(queue.bounds(gateway), 'nothing pending: a fresh queue').toEqual({ oldest: 0n, next: 0n });
    });
});
