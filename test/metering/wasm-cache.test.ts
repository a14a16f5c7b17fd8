// The rewrite cache: a second process (a fresh cache over the same directory) reads the rewritten module back
// instead of rewriting; a broken cache directory never fails a rewrite; old entries are pruned.
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { instrumentWasm } from '../../replica/metering/index.ts';
import { cacheKey, DISK_CACHE_ENTRIES, WasmCache } from '../../replica/metering/wasm-cache.ts';
import { compileWat } from './support/metered-module.ts';

const directory = mkdtempSync(join(tmpdir(), 'metering-cache-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('rewrite cache', () => {
    const wasm = compileWat('(module (func (export "f") (result i32) (i32.const 42)))');

    it('serves a rewritten module from disk to a fresh cache, byte for byte', () => {
        const written = instrumentWasm(wasm, { cacheDirectory: directory });
        expect(written.stats).toBeDefined(); // rewritten now
        expect(readdirSync(directory)).toContain(`${cacheKey(wasm)}.wasm`);
        const fresh = new WasmCache<{ wasm: Uint8Array }>(directory);
        const read = fresh.get(cacheKey(wasm), (bytes) => ({ wasm: bytes }));
        expect(read?.wasm).toEqual(written.wasm);
    });

    it('keys by content: another module misses', () => {
        const other = compileWat('(module (func (export "f") (result i32) (i32.const 43)))');
        expect(cacheKey(other)).not.toBe(cacheKey(wasm));
        expect(new WasmCache(directory).get(cacheKey(other), (bytes) => ({ wasm: bytes }))).toBeUndefined();
    });

    it('still rewrites when the cache directory cannot be created', () => {
        const blocked = join(directory, 'a-file');
        writeFileSync(blocked, 'not a directory');
        const result = instrumentWasm(wasm, { cacheDirectory: join(blocked, 'cache') });
        expect(result.metered).toBe(true);
        expect(WebAssembly.validate(result.wasm as BufferSource)).toBe(true);
    });

    it(`keeps at most ${DISK_CACHE_ENTRIES} entries, dropping the oldest`, () => {
        const pruned = mkdtempSync(join(tmpdir(), 'metering-prune-'));
        try {
            for (let i = 0; i < DISK_CACHE_ENTRIES + 3; i++) {
                const name = join(pruned, `old-${i}.wasm`);
                writeFileSync(name, 'x');
                utimesSync(name, 1000 + i, 1000 + i);
            }
            new WasmCache(pruned).put('newest', { wasm: Uint8Array.of(0) });
            const left = readdirSync(pruned);
            expect(left).toHaveLength(DISK_CACHE_ENTRIES);
            expect(left).toContain('newest.wasm');
            expect(left).not.toContain('old-0.wasm');
            expect(left).not.toContain('old-3.wasm');
            expect(left).toContain('old-4.wasm');
        } finally {
            rmSync(pruned, { recursive: true, force: true });
        }
    });
});
