/**
 * Broadcasts that did not fit in one message's instruction budget, in stable memory so that an upgrade loses none
 * of them. Stable map `pendingBroadcasts`, two kinds of entries:
 *
 * | key | value |
 * |---|---|
 * | id (u64 big-endian, FIFO) | a broadcast to a list: [content length u32][content][recipient count u32][recipients, length-prefixed] |
 * | id | a broadcast to everyone: [`FF`][content length u32][content][position u32][key of the last client served, or nothing] |
 * | id ‖ client key | a newcomer: a client registered while broadcast `id` was the last pending one (empty value) |
 *
 * A broadcast to everyone keeps a scan cursor into the clients map instead of a list of recipients, so neither the
 * call that starts it nor any later message lists the clients it does not serve (listing 10,000 keys had cost
 * ~0.15M instructions per recipient served in the call, bench/RESULTS.md). Its recipients are the clients
 * connected when it was made: clients registered later are recorded as newcomers (under the last pending id, which
 * covers that broadcast and every earlier one) and skipped. A list's first byte is 0 (contents are under 16 MiB),
 * so the two value kinds cannot be confused.
 */
import type { Principal } from '@dfinity/principal';
import { binaryKey, compareBytes, concatBytes, readU64, u64ToBytes } from '../bytes';
import { isStorablePrincipal, principalKeyBytes, readPrincipal } from '../keys';
import type { KvMap } from './kv';
import type { ScanCursor } from './scan';

/**
 * A pending broadcast: to `recipients`, or with `toAll` (and no `recipients`) to every client connected when it was
 * made, after `after` (from the first when undefined).
 */
export type PendingBroadcast = { id: Uint8Array; content: Uint8Array; recipients: Principal[]; toAll?: { after: ScanCursor | undefined } };

const ID_BYTES = 8;
const TO_ALL = 0xff;
/** Newcomer keys read per page when a broadcast finishes: 8, doubling up to this. */
const MAX_FINISH_PAGE = 1_024;

export class PendingBroadcasts {
    constructor(private readonly map: KvMap) {}

    /** Appends a broadcast to `recipients` behind the pending ones. */
    push(content: Uint8Array, recipients: Principal[]): void {
        this.map.insert(this.nextId(), encodePending(content, recipients));
    }

    /** Appends a broadcast to every client connected now, continuing after `after` (from the first when undefined). */
    pushToAll(content: Uint8Array, after: ScanCursor | undefined): void {
        this.map.insert(this.nextId(), encodeToAll(content, after));
    }

    /** The oldest pending broadcast (only it is decoded). */
    first(): PendingBroadcast | undefined {
        const entry = this.map.first();
        if (entry === undefined) return undefined;
        const [id, value] = entry;
        return value[0] === TO_ALL ? { id, ...decodeToAll(value) } : { id, ...decodePending(value) };
    }

    /** Keeps only `recipients` of a pending broadcast (removes it when none are left). */
    update(id: Uint8Array, content: Uint8Array, recipients: Principal[]): void {
        if (recipients.length === 0) this.finish(id);
        else this.map.insert(id, encodePending(content, recipients));
    }

    /** Moves a broadcast to everyone on to `after`, or removes it when `after` is undefined (every client served). */
    updateToAll(id: Uint8Array, content: Uint8Array, after: ScanCursor | undefined): void {
        if (after === undefined) this.finish(id);
        else this.map.insert(id, encodeToAll(content, after));
    }

    /**
     * Records that `clientKey` (client-map key bytes) registered now, so that pending broadcasts to everyone skip it.
     * One insert, and only while something is pending.
     */
    noteNewcomer(clientKey: Uint8Array): void {
        const last = this.lastKey();
        if (last === undefined) return;
        this.map.insert(concatBytes(last.subarray(0, ID_BYTES), clientKey), new Uint8Array(0));
    }

    /**
     * Client keys (as {@link binaryKey} strings) that registered after broadcast `id` was made: newcomers recorded
     * under `id` or a later id. The map holds only pending broadcasts and these, so reading its keys is cheap.
     */
    newcomersSince(id: Uint8Array): Set<string> {
        const newcomers = new Set<string>();
        for (const key of this.map.keys()) {
            if (key.length > ID_BYTES && compareBytes(key.subarray(0, ID_BYTES), id) >= 0) newcomers.add(binaryKey(key.subarray(ID_BYTES)));
        }
        return newcomers;
    }

    isEmpty(): boolean {
        return this.map.len() === 0;
    }

    clear(): void {
        for (const [id] of this.map.items()) this.map.remove(id);
    }

    /**
     * Removes broadcast `id` and the newcomers recorded under it. Broadcasts finish oldest first (FIFO), so its
     * newcomers (`id ‖ client key`) are then the smallest keys: they are read in pages from the start, and the work
     * grows with them only, not with the broadcasts pending behind it (reading every key here made draining n
     * pending broadcasts in one timer message read n² keys).
     */
    private finish(id: Uint8Array): void {
        this.map.remove(id);
        for (let count = 8; ; count = Math.min(count * 2, MAX_FINISH_PAGE)) {
            const page = this.map.keys(0, count);
            if (page.length > 0 && compareBytes(page[0].subarray(0, ID_BYTES), id) < 0) return this.removeNewcomersAnywhere(id);
            const own = page.filter((key) => compareBytes(key.subarray(0, ID_BYTES), id) === 0);
            for (const key of own) this.map.remove(key);
            if (own.length < count) return;
        }
    }

    /** The newcomers of `id` when it was not the oldest broadcast (not reached from `continue`): every key is read. */
    private removeNewcomersAnywhere(id: Uint8Array): void {
        for (const key of this.map.keys()) {
            if (key.length > ID_BYTES && compareBytes(key.subarray(0, ID_BYTES), id) === 0) this.map.remove(key);
        }
    }

    private nextId(): Uint8Array {
        const last = this.lastKey();
        return u64ToBytes(last === undefined ? 0n : readU64(last, 0) + 1n);
    }

    /** The largest key (its first 8 bytes are the last pending id), without copying a value. */
    private lastKey(): Uint8Array | undefined {
        const length = this.map.len();
        return length === 0 ? undefined : this.map.keys(length - 1, 1)[0];
    }
}

function u32(value: number): Uint8Array {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value);
    return bytes;
}

/**
 * Recipients longer than 29 bytes (which no client can have: `ws_open` refuses them) are dropped here, as their
 * send would fail anyway: a length-prefixed 285-byte principal would corrupt the record.
 */
function encodePending(content: Uint8Array, recipients: Principal[]): Uint8Array {
    const storable = recipients.filter(isStorablePrincipal);
    return concatBytes(u32(content.length), content, u32(storable.length), ...storable.map(principalKeyBytes));
}

function decodePending(bytes: Uint8Array): { content: Uint8Array; recipients: Principal[] } {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const contentLength = view.getUint32(0);
    if (8 + contentLength > bytes.length) throw new Error('corrupt pending broadcast');
    const content = bytes.slice(4, 4 + contentLength);
    const count = view.getUint32(4 + contentLength);
    const recipients: Principal[] = [];
    let offset = 8 + contentLength;
    for (let i = 0; i < count; i++) {
        const [principal, next] = readPrincipal(bytes, offset);
        recipients.push(principal);
        offset = next;
    }
    if (offset !== bytes.length) throw new Error('corrupt pending broadcast');
    return { content, recipients };
}

function encodeToAll(content: Uint8Array, after: ScanCursor | undefined): Uint8Array {
    return concatBytes(Uint8Array.of(TO_ALL), u32(content.length), content, u32(after?.position ?? 0), after?.after ?? new Uint8Array(0));
}

function decodeToAll(bytes: Uint8Array): { content: Uint8Array; recipients: Principal[]; toAll: { after: ScanCursor | undefined } } {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const contentLength = view.getUint32(1);
    if (9 + contentLength > bytes.length) throw new Error('corrupt pending broadcast');
    const content = bytes.slice(5, 5 + contentLength);
    const position = view.getUint32(5 + contentLength);
    const key = bytes.slice(9 + contentLength);
    return { content, recipients: [], toAll: { after: key.length === 0 ? undefined : { after: key, position } } };
}
