import { describe, expect, it } from 'vitest';
import { lookup_path, LookupPathStatus, reconstruct } from '@dfinity/agent';
import { sha256 } from '@noble/hashes/sha2';
import { CertTree } from '../../src/cert_tree';
import { encodeHashTree, WEBSOCKET_LABEL_BYTES, websocketCertifiedData } from '../../src/hash_tree';
import { formatMessageKey } from '../../src/keys';
import { utf8Bytes } from '../../src/bytes';
import { agentTree, GATEWAY_1, GATEWAY_2, hex } from './helpers';

const g1 = GATEWAY_1.toText();
const g2 = GATEWAY_2.toText();
const valueOf = (key: string) => sha256(utf8Bytes(`content of ${key}`));

function treeWith(keys: string[]): CertTree {
    const tree = new CertTree();
    for (const key of keys) tree.insert(key, valueOf(key));
    return tree;
}

function websocketWitness(tree: CertTree, first: string, last: string): Uint8Array {
    return encodeHashTree({ kind: 'labeled', label: WEBSOCKET_LABEL_BYTES, subtree: tree.witnessRange(first, last) });
}

describe('certified tree', () => {
    const keys = [
        ...Array.from({ length: 120 }, (_, i) => formatMessageKey(g1, BigInt(i))),
        ...Array.from({ length: 80 }, (_, i) => formatMessageKey(g2, BigInt(i)))
    ];

    it('reveals exactly the range, which the agent finds and which reconstructs to the certified root', async () => {
        const tree = treeWith(keys);
        const first = formatMessageKey(g1, 37n);
        const last = formatMessageKey(g1, 86n);
        const witness = agentTree(websocketWitness(tree, first, last));
        expect(hex(await await reconstruct(witness))).toBe(hex(websocketCertifiedData(tree.rootHash())));
        for (const key of keys) {
            const result = lookup_path(['websocket', key], witness);
            const inRange = key >= first && key <= last;
            // Out of range keys are pruned away: the agent answers Unknown or Absent, never Found.
            if (!inRange) expect(result.status).not.toBe(LookupPathStatus.Found);
            else expect(result.status).toBe(LookupPathStatus.Found);
            if (inRange && result.status === LookupPathStatus.Found) expect(hex(result.value as Uint8Array)).toBe(hex(valueOf(key)));
        }
    });

    it('has a shape that depends only on the key set, so a rebuild reproduces the root', async () => {
        const forward = treeWith(keys);
        const shuffled = treeWith([...keys].sort((a, b) => (sha256(utf8Bytes(a))[0] ?? 0) - (sha256(utf8Bytes(b))[0] ?? 0)));
        expect(hex(shuffled.rootHash())).toBe(hex(forward.rootHash()));

        // Deleting then re-inserting, in any order, lands on the same tree too.
        for (const key of keys.slice(0, 50)) forward.delete(key);
        const rebuilt = treeWith(keys.slice(50).reverse());
        expect(hex(forward.rootHash())).toBe(hex(rebuilt.rootHash()));
        expect(forward.keys()).toEqual(keys.slice(50).sort());
    });

    it('keeps keys sorted and depth logarithmic for sequential inserts', async () => {
        const many = Array.from({ length: 10_000 }, (_, i) => formatMessageKey(g1, BigInt(i)));
        const tree = new CertTree();
        for (const key of many) tree.insert(key, new Uint8Array(32));
        expect(tree.size).toBe(10_000);
        expect(tree.height()).toBeLessThan(45); // ~3 × log2(10 000); a degenerate tree would be 10 000 deep
        expect(tree.keys()).toEqual(many);
    });

    it('updates cached hashes after deletes (root equals a fresh tree of the remaining keys)', async () => {
        const tree = treeWith(keys);
        tree.rootHash();
        for (const key of keys.filter((_, i) => i % 3 === 0)) expect(tree.delete(key)).toBe(true);
        expect(tree.delete('not-a-key')).toBe(false);
        const remaining = keys.filter((_, i) => i % 3 !== 0);
        expect(hex(tree.rootHash())).toBe(hex(treeWith(remaining).rootHash()));
        expect(tree.isDirty()).toBe(false);
    });

    it('empties back to the empty-tree hash', async () => {
        const tree = treeWith(keys.slice(0, 3));
        for (const key of keys.slice(0, 3)) tree.delete(key);
        expect(hex(tree.rootHash())).toBe(hex(new CertTree().rootHash()));
        expect(tree.witnessRange('a', 'z')).toEqual({ kind: 'empty' });
    });
});
