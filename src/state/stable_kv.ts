/**
 * {@link KvMap} over an Azle `StableBTreeMap` with raw byte keys and values (no serialization cost beyond a copy).
 * Imports `azle`, so it only runs inside a canister.
 */
import { StableBTreeMap } from 'azle';
import type { KvMap } from './kv';

const rawBytes = {
    toBytes: (bytes: Uint8Array): Uint8Array => bytes,
    fromBytes: (bytes: Uint8Array): Uint8Array => bytes
};

/** A stable map in Azle memory `memoryId` (0–253; 254 and 255 are Azle's). */
export class StableKvMap implements KvMap {
    private readonly map: StableBTreeMap<Uint8Array, Uint8Array>;

    constructor(memoryId: number) {
        this.map = new StableBTreeMap<Uint8Array, Uint8Array>(memoryId, rawBytes, rawBytes);
    }

    get(key: Uint8Array): Uint8Array | undefined {
        return this.map.get(key) ?? undefined;
    }

    insert(key: Uint8Array, value: Uint8Array): void {
        this.map.insert(key, value);
    }

    remove(key: Uint8Array): void {
        this.map.remove(key);
    }

    items(): [Uint8Array, Uint8Array][] {
        return this.map.items();
    }

    page(start: number, count: number): [Uint8Array, Uint8Array][] {
        return this.map.items(start, count);
    }

    first(): [Uint8Array, Uint8Array] | undefined {
        return this.map.items(0, 1)[0];
    }

    last(): [Uint8Array, Uint8Array] | undefined {
        const length = Number(this.map.len());
        return length === 0 ? undefined : this.map.items(length - 1, 1)[0];
    }

    len(): number {
        return Number(this.map.len());
    }
}
