import { describe, expect, it } from 'vitest';
import { sha256 as reference } from '@noble/hashes/sha2';
import { createHash } from 'node:crypto';
import { sha256, sha256From, sha256Midstate, Sha256Layout } from '../../src/sha256';
import { GatewayLabels } from '../../src/queue/message_hashing';
import { forkHash, labeledHash, leafHash, websocketCertifiedData } from '../../src/hash_tree';
import { GATEWAY_1, hex } from './helpers';
import { readFileSync } from 'node:fs';
import { regenerate, roundConstants, SHA256_SOURCE } from '../../scripts/generate-sha256';

describe('sha256 (QuickJS-friendly implementation)', () => {
    it('matches the FIPS 180-4 example and @noble/hashes at every padding boundary', () => {
        expect(hex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
        for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 70_000]) {
            const data = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
            expect(hex(sha256(data)), `length ${length}`).toBe(hex(reference(data)));
            expect(hex(sha256(data)), `length ${length}`).toBe(nodeSha256(data));
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
            // In order (digits incremented in place, across carries), then jumps back and forth.
            for (const nonce of [0, 1, 2, 9, 10, 11, 99, 100, 123, 124, 999_999, 1_000_000, 5, 2 ** 53 - 1, 7, 8]) {
                const key = labels.key(nonce);
                const label = labels.label(key);
                expect(hex(label)).toBe(hex(new TextEncoder().encode(key)));
                const value = reference(new Uint8Array([1, 2, nonce & 0xff]));
                expect(hex(labels.ownHash(nonce, value)), `${gateway} ${nonce}`).toBe(hex(labeledHash(label, leafHash(value))));
            }
        }
    });
});

/** SHA-256 by Node's OpenSSL: an oracle independent of both our code and @noble/hashes. */
const nodeSha256 = (...parts: Uint8Array[]): string => {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part);
    return hash.digest('hex');
};
const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * seed + 13) & 0xff);
const ds = (tag: string) => new Uint8Array([tag.length, ...new TextEncoder().encode(tag)]);

describe('fixed layouts', () => {
    it('Sha256Layout hashes prefix ‖ variable bytes at every padding boundary, with and without a midstate', () => {
        for (const constantLength of [0, 1, 17, 55, 63, 64, 70]) {
            for (const variableLength of [0, 1, 32, 38, 46, 47, 64, 100]) {
                const constant = bytes(constantLength, 7);
                const layout = new Sha256Layout(constant, variableLength);
                const prefix = bytes(64, 11);
                const resumed = new Sha256Layout(constant, variableLength, sha256Midstate(prefix));
                for (const seed of [3, 5]) {
                    const variable = bytes(variableLength, seed);
                    layout.bytes.set(variable, layout.at);
                    resumed.bytes.set(variable, resumed.at);
                    expect(hex(layout.digest()), `${constantLength}+${variableLength}`).toBe(nodeSha256(constant, variable));
                    expect(hex(resumed.digest()), `64+${constantLength}+${variableLength}`).toBe(nodeSha256(prefix, constant, variable));
                }
            }
        }
    });

    it('digestInto writes the digest where another layout reads it', () => {
        const inner = new Sha256Layout(bytes(17, 3), 32);
        const outer = new Sha256Layout(bytes(20, 9), 40);
        inner.bytes.set(bytes(32, 5), inner.at);
        outer.bytes.fill(0xee, outer.at, outer.at + 40);
        inner.digestInto(outer, outer.at + 4);
        const expectedInner = Buffer.from(nodeSha256(bytes(17, 3), bytes(32, 5)), 'hex');
        expect(hex(outer.digest())).toBe(nodeSha256(bytes(20, 9), new Uint8Array(4).fill(0xee), expectedInner, new Uint8Array(4).fill(0xee)));
    });

    it('fork, leaf and certified-data hashes equal their definitions, call after call', () => {
        for (const seed of [1, 2, 3]) {
            const left = bytes(32, seed);
            const right = bytes(32, seed + 10);
            expect(hex(forkHash(left, right))).toBe(nodeSha256(ds('ic-hashtree-fork'), left, right));
            expect(hex(leafHash(left))).toBe(nodeSha256(ds('ic-hashtree-leaf'), left));
            expect(hex(leafHash(bytes(5, seed)))).toBe(nodeSha256(ds('ic-hashtree-leaf'), bytes(5, seed)));
            expect(hex(websocketCertifiedData(right))).toBe(nodeSha256(ds('ic-hashtree-labeled'), new TextEncoder().encode('websocket'), right));
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
