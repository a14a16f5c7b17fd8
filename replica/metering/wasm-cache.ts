/**
 * A content-addressed cache for rewritten modules: in memory for the process, and on disk (best effort) so that
 * test workers and later runs skip the rewrite. Keys include a rewriter version, so a change of the rewriter never
 * serves stale output.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bump when the rewriter's output changes, to invalidate disk caches. */
export const REWRITER_VERSION = 2;

/** How many rewritten modules the disk cache keeps (each is a few MB); the least recently written go first. */
export const DISK_CACHE_ENTRIES = 24;

/** Hex SHA-256 of the input plus the rewriter version. */
export function cacheKey(wasm: Uint8Array): string {
    return createHash('sha256').update(`ic-metering-v${REWRITER_VERSION}\0`).update(wasm).digest('hex');
}

/**
 * Memory cache in front of an optional directory.
 *
 * @example
 * const cache = new WasmCache('.cache/metering');
 * const out = cache.get(key) ?? cache.put(key, rewrite(wasm));
 */
export class WasmCache<T extends { wasm: Uint8Array }> {
    private readonly memory = new Map<string, T>();

    constructor(private readonly directory?: string) {}

    /** The cached entry, from memory or disk; `fromDisk` builds the entry from bytes read back. */
    get(key: string, fromDisk: (wasm: Uint8Array) => T): T | undefined {
        const hit = this.memory.get(key);
        if (hit) return hit;
        if (!this.directory) return undefined;
        try {
            const entry = fromDisk(new Uint8Array(readFileSync(join(this.directory, `${key}.wasm`))));
            this.memory.set(key, entry);
            return entry;
        } catch {
            return undefined; // missing or unreadable: rewrite again
        }
    }

    /** Stores the entry in memory and, atomically (write then rename), on disk; disk errors are ignored. */
    put(key: string, entry: T): T {
        this.memory.set(key, entry);
        if (this.directory) {
            try {
                mkdirSync(this.directory, { recursive: true });
                const temporary = join(this.directory, `${key}.${process.pid}.${Date.now()}.tmp`);
                writeFileSync(temporary, entry.wasm);
                renameSync(temporary, join(this.directory, `${key}.wasm`));
                pruneOldest(this.directory, DISK_CACHE_ENTRIES);
            } catch {
                // A read-only checkout still works, just without the disk cache.
            }
        }
        return entry;
    }

    /** Drops the in-memory entries (the disk copies stay). */
    clearMemory(): void {
        this.memory.clear();
    }
}

/** Deletes the oldest `.wasm` files beyond `keep` (another process may delete the same ones: errors are ignored). */
function pruneOldest(directory: string, keep: number): void {
    const files = readdirSync(directory).filter((name) => name.endsWith('.wasm'));
    if (files.length <= keep) return;
    const byAge = files
        .map((name) => ({ name, written: statSync(join(directory, name), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
        .sort((a, b) => a.written - b.written);
    for (const { name } of byAge.slice(0, files.length - keep)) {
        try {
            unlinkSync(join(directory, name));
        } catch {
            // already gone
        }
    }
}
