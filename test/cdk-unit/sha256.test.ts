import { describe, expect, it } from 'vitest';
import { sha256 as reference } from '@noble/hashes/sha2';
import { sha256, sha256From, sha256Midstate } from '../../src/sha256';
import { GatewayLabels } from '../../src/queue/message_hashing';
import { labeledHash, leafHash } from '../../src/hash_tree';
import { GATEWAY_1, hex } from './helpers';
import { readFileSync } from 'node:fs';
import { regenerate, roundConstants, SHA256_SOURCE } from '../../scripts/generate-sha256';

describe('sha256 (QuickJS-friendly implementation)', () => {
    it('matches the FIPS 180-4 example and @noble/hashes at every padding boundary', () => {
        expect(hex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
        for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 70_000]) {
            const data = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
            expect(hex(sha256(data)), `length ${length}`).toBe(hex(reference(data)));
        }
    });

    it('hashes the concatenation of its arguments', () => {
        const a = Uint8Array.from({ length: 17 }, (_, i) => i);
        const b = Uint8Array.from({ length: 90 }, (_, i) => 255 - i);
        expect(hex(sha256(a, b))).toBe(hex(reference(new Uint8Array([...a, ...b]))));
        expect(hex(sha256())).toBe(hex(reference(new Uint8Array())));
    });
});

describe('midstates', () => {
    it('resuming from a midstate equals hashing the whole input', () => {
        const prefix = Uint8Array.from({ length: 128 }, (_, i) => i);
        const rest = Uint8Array.from({ length: 77 }, (_, i) => 200 - i);
        expect(hex(sha256From(sha256Midstate(prefix), rest))).toBe(hex(reference(new Uint8Array([...prefix, ...rest]))));
        expect(() => sha256Midstate(new Uint8Array(10))).toThrow(/whole blocks/);
    });

    it('gives the same message hashes as the plain labeled/leaf hashing, for long and short gateway names', () => {
        for (const gateway of [GATEWAY_1.toText(), 'rrkah-fqaaa-aaaaa-aaaaq-cai', 'aaaaa-aa']) {
            const labels = new GatewayLabels(gateway);
            const key = labels.key(123);
            const label = labels.label(key);
            expect(hex(label)).toBe(hex(new TextEncoder().encode(key)));
            const value = reference(new Uint8Array([1, 2, 3]));
            expect(hex(labels.ownHash(label, value))).toBe(hex(labeledHash(label, leafHash(value))));
        }
    });
});

describe('generated code', () => {
    it('src/sha256.ts is exactly what scripts/generate-sha256.ts generates', () => {
        const source = readFileSync(SHA256_SOURCE, 'utf8');
        expect(regenerate(source) === source, 'run: node --import tsx scripts/generate-sha256.ts --write').toBe(true);
    });

    it('derives the FIPS 180-4 round constants', () => {
        const k = roundConstants().map((value) => (value >>> 0).toString(16).padStart(8, '0'));
        expect([k[0], k[1], k[62], k[63]]).toEqual(['428a2f98', '71374491', 'bef9a3f7', 'c67178f2']);
    });
});
