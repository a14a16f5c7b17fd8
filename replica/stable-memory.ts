/**
 * A canister's 64-bit stable memory: sparse 64 KiB pages (untouched pages cost nothing) with nested undo journals,
 * so a message (or a whole upgrade) can be rolled back without ever copying the memory.
 */

/** Bytes in a wasm / stable memory page. */
export const PAGE_SIZE = 65536;
/** Stable memory cap, as on the IC (500 GiB), in pages. */
export const MAX_STABLE_PAGES = (500n * 1024n * 1024n * 1024n) / BigInt(PAGE_SIZE);

/** One journal layer: page index → page content before the layer began (`undefined` = did not exist). */
type Journal = { pages: Map<number, Uint8Array | undefined>; sizePages: bigint };

/**
 * @example
 * const m = new StableMemory();
 * m.grow(1n);
 * m.begin();
 * m.write(0, Uint8Array.of(1, 2, 3));
 * m.rollback(); // back to zeros
 */
export class StableMemory {
    private pages = new Map<number, Uint8Array>();
    private sizePages = 0n;
    private journals: Journal[] = [];

    /** Size in pages (`ic0.stable64_size`). */
    get size(): bigint {
        return this.sizePages;
    }

    /** Size in bytes. */
    get byteLength(): number {
        return Number(this.sizePages) * PAGE_SIZE;
    }

    /** Grows by `delta` pages; returns the previous size, or -1 when the cap would be exceeded (`ic0.stable64_grow`). */
    grow(delta: bigint): bigint {
        const previous = this.sizePages;
        if (delta < 0n || previous + delta > MAX_STABLE_PAGES) return -1n;
        this.sizePages = previous + delta;
        return previous;
    }

    /** Whether `[offset, offset + length)` lies inside the memory. */
    inBounds(offset: bigint, length: bigint): boolean {
        return offset >= 0n && length >= 0n && offset + length <= BigInt(this.byteLength);
    }

    /** Reads `length` bytes at `offset` into `target` at `targetOffset` (bounds are the caller's job). */
    readInto(offset: number, length: number, target: Uint8Array, targetOffset: number): void {
        for (let done = 0; done < length; ) {
            const index = Math.floor((offset + done) / PAGE_SIZE);
            const within = (offset + done) % PAGE_SIZE;
            const n = Math.min(PAGE_SIZE - within, length - done);
            const page = this.pages.get(index);
            if (page) target.set(page.subarray(within, within + n), targetOffset + done);
            else target.fill(0, targetOffset + done, targetOffset + done + n);
            done += n;
        }
    }

    /** Reads `length` bytes at `offset`. */
    read(offset: number, length: number): Uint8Array {
        const out = new Uint8Array(length);
        this.readInto(offset, length, out, 0);
        return out;
    }

    /** Writes `data` at `offset` (bounds are the caller's job), journaling each page's old content once per layer. */
    write(offset: number, data: Uint8Array): void {
        const journal = this.journals[this.journals.length - 1];
        for (let done = 0; done < data.length; ) {
            const index = Math.floor((offset + done) / PAGE_SIZE);
            const within = (offset + done) % PAGE_SIZE;
            const n = Math.min(PAGE_SIZE - within, data.length - done);
            let page = this.pages.get(index);
            if (journal && !journal.pages.has(index)) journal.pages.set(index, page?.slice());
            if (!page) {
                page = new Uint8Array(PAGE_SIZE);
                this.pages.set(index, page);
            }
            page.set(data.subarray(done, done + n), within);
            done += n;
        }
    }

    /** Starts a journal layer; every change until the matching commit/rollback can be undone. */
    begin(): void {
        this.journals.push({ pages: new Map(), sizePages: this.sizePages });
    }

    /** Keeps the changes of the innermost layer (folding its undo records into the enclosing layer). */
    commit(): void {
        const layer = this.journals.pop();
        if (!layer) throw new Error('StableMemory.commit without begin');
        const parent = this.journals[this.journals.length - 1];
        if (!parent) return;
        for (const [index, old] of layer.pages) if (!parent.pages.has(index)) parent.pages.set(index, old);
    }

    /** Undoes the changes of the innermost layer. */
    rollback(): void {
        const layer = this.journals.pop();
        if (!layer) throw new Error('StableMemory.rollback without begin');
        for (const [index, old] of layer.pages) {
            if (old) this.pages.set(index, old);
            else this.pages.delete(index);
        }
        this.sizePages = layer.sizePages;
    }

    /** The whole memory as one array (for `getStableMemory`). */
    snapshot(): Uint8Array {
        return this.read(0, this.byteLength);
    }

    /** Replaces the whole memory with `bytes` (size rounded up to whole pages), outside any journal. */
    replace(bytes: Uint8Array): void {
        if (this.journals.length > 0) throw new Error('StableMemory.replace during an execution');
        this.pages.clear();
        this.sizePages = BigInt(Math.ceil(bytes.length / PAGE_SIZE));
        this.write(0, bytes);
    }

    /** Empties the memory (reinstall, uninstall), outside any journal. */
    clear(): void {
        this.replace(new Uint8Array(0));
    }
}
