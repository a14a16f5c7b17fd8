import { toHex } from '../bytes';

/**
 * The storage interface the protocol logic runs on: an ordered map of raw bytes to raw bytes. In a canister it is an
 * Azle `StableBTreeMap` (see `stable_kv.ts`); in Node unit tests it is {@link MemoryKvMap}. Raw bytes are used on
 * purpose: Azle serializes them ~8× cheaper than Candid or JSON values (spec azle.md §2.7).
 */
export interface KvMap {
    get(key: Uint8Array): Uint8Array | undefined;
    insert(key: Uint8Array, value: Uint8Array): void;
    remove(key: Uint8Array): void;
    /** Every entry, in ascending byte order of the keys. O(n): only for timers and wipe. */
    items(): [Uint8Array, Uint8Array][];
    /**
     * Keys in ascending byte order (values are not copied out): all of them, or up to `count` from position `start`
     * (a StableBTreeMap skips the first `start` entries one by one, in Rust).
     */
    keys(start?: number, count?: number): Uint8Array[];
    /**
     * Up to `count` entries from position `start` in key order. A StableBTreeMap skips the first `start` entries
     * one by one (in Rust, without copying them to JS).
     */
    page(start: number, count: number): [Uint8Array, Uint8Array][];
    /** The entry with the smallest key. */
    first(): [Uint8Array, Uint8Array] | undefined;
    /** The entry with the largest key (a StableBTreeMap walks to it in Rust: for small maps). */
    last(): [Uint8Array, Uint8Array] | undefined;
    len(): number;
}

/** A heap {@link KvMap} with the same byte ordering as a StableBTreeMap; used by the Node unit tests. */
export class MemoryKvMap implements KvMap {
    private readonly entries = new Map<string, [Uint8Array, Uint8Array]>();

    get(key: Uint8Array): Uint8Array | undefined {
        return this.entries.get(toHex(key))?.[1].slice();
    }

    insert(key: Uint8Array, value: Uint8Array): void {
        this.entries.set(toHex(key), [key.slice(), value.slice()]);
    }

    remove(key: Uint8Array): void {
        this.entries.delete(toHex(key));
    }

    items(): [Uint8Array, Uint8Array][] {
        // Lower-case hex strings compare exactly like the byte strings they encode.
        return [...this.entries.entries()]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([, [key, value]]) => [key.slice(), value.slice()]);
    }

    keys(start = 0, count = Infinity): Uint8Array[] {
        return this.items().slice(start, start + count).map(([key]) => key);
    }

    page(start: number, count: number): [Uint8Array, Uint8Array][] {
        return this.items().slice(start, start + count);
    }

    first(): [Uint8Array, Uint8Array] | undefined {
        return this.items()[0];
    }

    last(): [Uint8Array, Uint8Array] | undefined {
        return this.items().at(-1);
    }

    len(): number {
        return this.entries.size;
    }
}
