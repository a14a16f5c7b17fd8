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

/**
 * Azle's native stable-map calls in stable mode (what `StableBTreeMap` itself calls after checking which mode runs
 * and converting keys and values): the hot point operations call them directly, which saves ~10-15k instructions
 * per call in QuickJS (bench/RESULTS.md); undefined outside a canister and in experimental mode.
 */
function nativeMaps(): AzleNativeMaps | undefined {
    return globalThis._azleIcExperimental === undefined ? (globalThis._azleIc as AzleNativeMaps | undefined) : undefined;
}

type AzleNativeMaps = {
    stableBTreeMapGet(memoryId: number, key: Uint8Array): Uint8Array | undefined;
    stableBTreeMapInsert(memoryId: number, key: Uint8Array, value: Uint8Array): Uint8Array | undefined;
    stableBTreeMapRemove(memoryId: number, key: Uint8Array): Uint8Array | undefined;
};

/** A stable map in Azle memory `memoryId` (0–253; 254 and 255 are Azle's). */
export class StableKvMap implements KvMap {
    private readonly map: StableBTreeMap<Uint8Array, Uint8Array>;

    constructor(private readonly memoryId: number) {
        this.map = new StableBTreeMap<Uint8Array, Uint8Array>(memoryId, rawBytes, rawBytes);
    }

    get(key: Uint8Array): Uint8Array | undefined {
        const native = nativeMaps();
        if (native === undefined) return this.map.get(key) ?? undefined;
        const value = native.stableBTreeMapGet(this.memoryId, key);
        return value === undefined || value instanceof Uint8Array ? value : new Uint8Array(value);
    }

    insert(key: Uint8Array, value: Uint8Array): void {
        const native = nativeMaps();
        if (native === undefined) this.map.insert(key, value);
        else native.stableBTreeMapInsert(this.memoryId, key, value);
    }

    remove(key: Uint8Array): void {
        const native = nativeMaps();
        if (native === undefined) this.map.remove(key);
        else native.stableBTreeMapRemove(this.memoryId, key);
    }

    items(): [Uint8Array, Uint8Array][] {
        return this.map.items();
    }

    keys(start?: number, count?: number): Uint8Array[] {
        return this.map.keys(start, count);
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
