/**
 * Broadcasts that did not fit in one message's instruction budget: the content and the recipients not reached
 * yet, in stable memory so that an upgrade loses none of them. Stable map `pendingBroadcasts`:
 * id (u64 big-endian, FIFO) → [content length u32][content][recipient count u32][recipients, length-prefixed].
 */
import type { Principal } from '@dfinity/principal';
import { concatBytes, readU64, u64ToBytes } from '../bytes';
import { isStorablePrincipal, principalKeyBytes, readPrincipal } from '../keys';
import type { KvMap } from './kv';

export type PendingBroadcast = { id: Uint8Array; content: Uint8Array; recipients: Principal[] };

export class PendingBroadcasts {
    constructor(private readonly map: KvMap) {}

    /** Appends a broadcast behind the pending ones. */
    push(content: Uint8Array, recipients: Principal[]): void {
        const last = this.map.last();
        this.map.insert(u64ToBytes(last === undefined ? 0n : readU64(last[0], 0) + 1n), encodePending(content, recipients));
    }

    /** The oldest pending broadcast (only it is decoded). */
    first(): PendingBroadcast | undefined {
        const entry = this.map.first();
        return entry === undefined ? undefined : { id: entry[0], ...decodePending(entry[1]) };
    }

    /** Keeps only `recipients` of a pending broadcast (removes it when none are left). */
    update(id: Uint8Array, content: Uint8Array, recipients: Principal[]): void {
        if (recipients.length === 0) this.map.remove(id);
        else this.map.insert(id, encodePending(content, recipients));
    }

    isEmpty(): boolean {
        return this.map.len() === 0;
    }

    clear(): void {
        for (const [id] of this.map.items()) this.map.remove(id);
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
