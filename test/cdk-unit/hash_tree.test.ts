import { describe, expect, it } from 'vitest';
import { lookup_path, LookupPathStatus, reconstruct } from '@dfinity/agent';
import { encodeHashTree, EMPTY_HASH, labeledHash, leafHash, websocketCertifiedData, reconstruct as ourReconstruct, WEBSOCKET_LABEL_BYTES, type HashTree } from '../../src/hash_tree';
import { fromHex, utf8Bytes } from '../../src/bytes';
import { agentTree, hex } from './helpers';

// The SDK fixture (spec protocol.md §3.1): one message under this key, whose content hashes to FIXTURE_SHA.
const FIXTURE_KEY = 'sqdfl-mr4km-2hfjy-gajqo-xqvh7-hf4mf-nra4i-3it6l-neaw4-soolw-tae_00000000000000000000';
const FIXTURE_SHA = fromHex('17591ba8714082846a76a1709b8fe042c894ce2f371a5e1c68907afe88c0ba5e');
const FIXTURE_CERTIFIED_DATA = 'e17d2f5533250b07d0cac69dd789e9b123aabf7663e3f91817567a0fe789a302';
/** The tree of a queue holding only that message: one labeled leaf. */
const FIXTURE_TREE: HashTree = { kind: 'labeled', label: utf8Bytes(FIXTURE_KEY), subtree: { kind: 'leaf', value: FIXTURE_SHA } };

describe('hash tree', () => {
    it('reproduces the certified data of the SDK fixture', async () => {
        expect(hex(websocketCertifiedData(labeledHash(utf8Bytes(FIXTURE_KEY), leafHash(FIXTURE_SHA))))).toBe(FIXTURE_CERTIFIED_DATA);
        expect(hex(websocketCertifiedData(ourReconstruct(FIXTURE_TREE)))).toBe(FIXTURE_CERTIFIED_DATA);
    });

    it('encodes the single-message witness with the fixture layout', async () => {
        const bytes = encodeHashTree({ kind: 'labeled', label: WEBSOCKET_LABEL_BYTES, subtree: FIXTURE_TREE });
        // d9d9f7 83 02 49 "websocket" 83 02 58 54 <84-byte key> 82 03 58 20 <sha256>
        const expected = 'd9d9f7' + '8302' + '49' + hex(utf8Bytes('websocket')) + '8302' + '5854' + hex(utf8Bytes(FIXTURE_KEY)) + '82035820' + hex(FIXTURE_SHA);
        expect(hex(bytes)).toBe(expected);
        expect(hex(await reconstruct(agentTree(bytes)))).toBe(FIXTURE_CERTIFIED_DATA);
    });

    it('hashes the empty tree as the IC does and agrees with @dfinity/agent on every node kind', async () => {
        expect(hex(EMPTY_HASH)).toBe(hex(await reconstruct(agentTree(encodeHashTree({ kind: 'empty' })))));
        const sample = {
            kind: 'fork' as const,
            left: { kind: 'labeled' as const, label: utf8Bytes('a'), subtree: { kind: 'leaf' as const, value: utf8Bytes('x') } },
            right: { kind: 'pruned' as const, hash: new Uint8Array(32).fill(7) }
        };
        expect(hex(ourReconstruct(sample))).toBe(hex(await reconstruct(agentTree(encodeHashTree(sample)))));
        const found = lookup_path(['a'], agentTree(encodeHashTree(sample)));
        expect(found.status).toBe(LookupPathStatus.Found);
    });
});
