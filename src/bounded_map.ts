/**
 * A heap map with a fixed maximum size that forgets its least recently used entries: heap caches (principal
 * texts, SHA-256 midstates, gateway labels) stay bounded whatever the number of clients, gateways or messages.
 */
export class BoundedMap<K, V> {
    private readonly entries = new Map<K, V>();

    constructor(private readonly capacity: number) {}

    get(key: K): V | undefined {
        const value = this.entries.get(key);
        if (value !== undefined) {
            // Re-inserting moves the key to the end of the Map's insertion order (most recently used).
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

    get size(): number {
        return this.entries.size;
    }

    clear(): void {
        this.entries.clear();
    }
}
