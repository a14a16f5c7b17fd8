import { describe, expect, it } from 'vitest';
import { MemoryKvMap } from '../../src/state/kv';
import { scanPage, type ScanCursor } from '../../src/state/scan';
import { SeededRandom } from '../support/prng';

const keyOf = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const numberOf = (key: Uint8Array) => (key[0] << 8) | key[1];

describe('paged scans that continue in later messages', () => {
    it('visit every key present throughout the scan exactly once, in order, while keys come and go between pages', () => {
        const rng = new SeededRandom(0x5ca9n);
        for (let round = 0; round < 60; round++) {
            const map = new MemoryKvMap();
            const present = new Set<number>();
            for (let i = 0; i < rng.intBetween(0, 120); i++) {
                const n = rng.intBetween(0, 999);
                map.insert(keyOf(n), new Uint8Array());
                present.add(n);
            }
            const initial = new Set(present);
            const removedOnce = new Set<number>();
            const seen: number[] = [];
            let cursor: ScanCursor | undefined;
            for (let step = 0; step < 10_000; step++) {
                const page = scanPage(map, cursor, rng.intBetween(1, 7));
                if (page.length === 0) break;
                seen.push(...page.map((entry) => numberOf(entry.key)));
                cursor = page[rng.intBetween(0, page.length - 1)].cursor; // stop anywhere in the page
                seen.splice(seen.length - page.length + page.findIndex((entry) => entry.cursor === cursor) + 1);
                // Other messages run in between: insert and remove keys anywhere.
                for (let change = rng.intBetween(0, 12); change > 0; change--) {
                    const n = rng.intBetween(0, 999);
                    if (present.has(n) && rng.intBetween(0, 1) === 0) {
                        map.remove(keyOf(n));
                        present.delete(n);
                        removedOnce.add(n);
                    } else if (!present.has(n)) {
                        map.insert(keyOf(n), new Uint8Array());
                        present.add(n);
                    }
                }
            }
            for (let i = 1; i < seen.length; i++) expect(seen[i], `round ${round}: ascending, no repeats`).toBeGreaterThan(seen[i - 1]);
            for (const n of initial) if (!removedOnce.has(n)) expect(seen, `round ${round}: ${n} was there all along`).toContain(n);
        }
    });
});
