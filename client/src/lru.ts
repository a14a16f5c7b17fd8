/** A bounded map that forgets its least recently used entry when full. */
export class LruMap<K, V> {
    private readonly entries = new Map<K, V>();

    constructor(readonly capacity: number) {
        if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`LruMap: capacity must be a positive integer, got ${capacity}`);
    }

    get size(): number {
        return this.entries.size;
    }

    get(key: K): V | undefined {
        const value = this.entries.get(key);
        if (value !== undefined) {
            this.entries.delete(key);
            this.entries.set(key, value);
        }
        return value;
    }

    set(key: K, value: V): void {
        this.entries.delete(key);
        this.entries.set(key, value);
        if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
    }

    delete(key: K): void {
        this.entries.delete(key);
    }

    clear(): void {
        this.entries.clear();
    }
}
