/**
 * The storage interface the protocol logic runs on: an ordered map of raw bytes to raw bytes. In a canister it is an
 * Azle `StableBTreeMap` (see `stable_kv.ts`); in Node unit tests it is {@link MemoryKvMap}. Raw bytes are used on
 * purpose: Azle serializes them ~8× cheaper than Candid or JSON values (spec azle.md §2.7).
 */
export interface KvMap {
    get(key: Uint8Array): Uint8Array | undefined;
    insert(key: Uint8Array, value: Uint8Array): void;
    remove(key: Uint8Array): void;
    /** Every entry, in ascending byte order of the keys. O(n): only for rebuilds, timers and wipe. */
    items(): [Uint8Array, Uint8Array][];
    len(): number;
}

/** A heap {@link KvMap} with the same byte ordering as a StableBTreeMap; used by the Node unit tests. */
export class MemoryKvMap implements KvMap {
    private readonly entries = new Map<string, [Uint8Array, Uint8Array]>();

    get(key: Uint8Array): Uint8Array | undefined {
        return this.entries.get(hexKey(key))?.[1].slice();
    }

    insert(key: Uint8Array, value: Uint8Array): void {
        this.entries.set(hexKey(key), [key.slice(), value.slice()]);
    }

    remove(key: Uint8Array): void {
        this.entries.delete(hexKey(key));
    }

    items(): [Uint8Array, Uint8Array][] {
        // Lower-case hex strings compare exactly like the byte strings they encode.
        return [...this.entries.entries()]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([, [key, value]]) => [key.slice(), value.slice()]);
    }

    len(): number {
        return this.entries.size;
    }
}

function hexKey(bytes: Uint8Array): string {
    let out = '';
    for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
}
