/**
 * What the certified queue keeps in its stable map (`messages`, memory id 253 by default), all raw bytes:
 *
 * | key | value |
 * |---|---|
 * | gateway ‖ nonce (u64) | a queued message: {@link MessageRecord} (`../state/records.ts`) |
 * | `FF 00` | {@link QueueMeta}: the root node of the gateway index |
 * | `FF 01` ‖ gateway | {@link QueueHead}: the gateway's queue bounds, tree hashes and index node |
 * | `FF 02` ‖ gateway ‖ level (u8) ‖ index (u64) | 32-byte hash of a complete aligned node (level ≥ 1) |
 * | `FF 03` ‖ gateway ‖ position (u8) | 32-byte fold of the left part from block `position` (counted from its end) |
 * | `FF 04` ‖ gateway ‖ position (u8) | 32-byte fold of the right part up to block `position` (counted from its start) |
 * | `FF 05` | {@link Reclaim} list: storage of removed gateways not deleted yet |
 *
 * `gateway` is the length-prefixed principal (`len ‖ bytes`, at most 29 bytes), so message keys never start with
 * `FF`. Integers are big-endian.
 */
import type { Principal } from '@dfinity/principal';
import { principalKeyBytes } from '../keys';
import { writeU32 } from '../bytes';

const TAG = 0xff;
const META = 0x00;
const HEAD = 0x01;
const NODE = 0x02;
const LEFT_FOLD = 0x03;
const RIGHT_FOLD = 0x04;
const RECLAIM = 0x05;

/** The bytes of every tagged key of one gateway up to the tag, reused for all its keys. */
export class GatewayKeys {
    /** `len ‖ principal`. */
    readonly principal: Uint8Array;

    constructor(gateway: Principal | Uint8Array) {
        this.principal = gateway instanceof Uint8Array ? lengthPrefixed(gateway) : principalKeyBytes(gateway);
    }

    head(): Uint8Array {
        return this.tagged(HEAD, 0);
    }

    node(level: number, index: number): Uint8Array {
        const key = this.tagged(NODE, 9);
        const at = key.length - 9;
        key[at] = level;
        new DataView(key.buffer).setBigUint64(at + 1, BigInt(index));
        return key;
    }

    leftFold(position: number): Uint8Array {
        const key = this.tagged(LEFT_FOLD, 1);
        key[key.length - 1] = position;
        return key;
    }

    rightFold(position: number): Uint8Array {
        const key = this.tagged(RIGHT_FOLD, 1);
        key[key.length - 1] = position;
        return key;
    }

    /** `len ‖ principal ‖ nonce`: the key of a queued message. */
    message(nonce: number): Uint8Array {
        const at = this.principal.length;
        const key = new Uint8Array(at + 8);
        key.set(this.principal);
        // Big-endian u64 of a nonce below 2^53, without a BigInt and a DataView (~15k instructions in QuickJS).
        writeU32(key, at, Math.floor(nonce / 0x1_0000_0000));
        writeU32(key, at + 4, nonce >>> 0);
        return key;
    }

    private tagged(tag: number, extra: number): Uint8Array {
        const key = new Uint8Array(2 + this.principal.length + extra);
        key[0] = TAG;
        key[1] = tag;
        key.set(this.principal, 2);
        return key;
    }
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
    const out = new Uint8Array(bytes.length + 1);
    out[0] = bytes.length;
    out.set(bytes, 1);
    return out;
}

export const META_KEY = new Uint8Array([TAG, META]);
export const RECLAIM_KEY = new Uint8Array([TAG, RECLAIM]);

/**
 * One gateway's queue: its bounds, the hashes of its tree, and its node in the gateway index (a treap ordered by
 * key prefix, see `gateway_index.ts`).
 */
export type QueueHead = {
    /** Principal text of the gateway (its keys are `<text>_<20-digit nonce>`), and its ASCII bytes. */
    text: string;
    textBytes: Uint8Array;
    /** Nonce of the oldest queued message; equals `next` when the queue is empty. */
    oldest: number;
    /** Nonce of the next message. */
    next: number;
    /** Timestamp of the message at `oldest` (meaningless when the queue is empty). */
    oldestTimestamp: bigint;
    /** Fold of the left part, of the right part, and the gateway's root (null when absent). */
    leftHash: Uint8Array | null;
    rightHash: Uint8Array | null;
    root: Uint8Array | null;
    /** Treap priority in the gateway index. */
    priority: number;
    /** Principal bytes of the index children. */
    left: Uint8Array | null;
    right: Uint8Array | null;
    /** Hash of this index node's subtree, and of its left subtree combined with its own root. */
    subtree: Uint8Array | null;
    leftOwn: Uint8Array | null;
};

const HASH_SLOTS = ['leftHash', 'rightHash', 'root', 'subtree', 'leftOwn'] as const;
const HASHES_AT = 29;
const VARIABLE_AT = HASHES_AT + 32 * HASH_SLOTS.length;
const NO_CHILD = 0xff;

// [oldest 8][next 8][oldestTimestamp 8][priority 4][presence bits 1][5 × 32 hashes]
// [left child: len (FF = none) + bytes][right child: same][text: len + ASCII]
export function encodeQueueHead(head: QueueHead): Uint8Array {
    const size = VARIABLE_AT + 1 + (head.left?.length ?? 0) + 1 + (head.right?.length ?? 0) + 1 + head.textBytes.length;
    const bytes = new Uint8Array(size);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(head.oldest));
    view.setBigUint64(8, BigInt(head.next));
    view.setBigUint64(16, head.oldestTimestamp);
    view.setUint32(24, head.priority);
    let presence = 0;
    for (let i = 0; i < HASH_SLOTS.length; i++) {
        const hash = head[HASH_SLOTS[i]];
        if (hash === null) continue;
        presence |= 1 << i;
        bytes.set(hash, HASHES_AT + 32 * i);
    }
    bytes[28] = presence;
    let at = VARIABLE_AT;
    for (const child of [head.left, head.right]) {
        if (child === null) bytes[at++] = NO_CHILD;
        else {
            bytes[at++] = child.length;
            bytes.set(child, at);
            at += child.length;
        }
    }
    bytes[at++] = head.textBytes.length;
    bytes.set(head.textBytes, at);
    return bytes;
}

export function decodeQueueHead(bytes: Uint8Array): QueueHead {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const presence = bytes[28];
    // Views, not copies: a head's hashes are replaced, never written in place.
    const hash = (i: number) => ((presence >> i) & 1 ? bytes.subarray(HASHES_AT + 32 * i, HASHES_AT + 32 * i + 32) : null);
    let at = VARIABLE_AT;
    const child = (): Uint8Array | null => {
        const length = bytes[at++];
        if (length === NO_CHILD) return null;
        at += length;
        return bytes.subarray(at - length, at);
    };
    const left = child();
    const right = child();
    const textBytes = bytes.subarray(at + 1, at + 1 + bytes[at]);
    return {
        oldest: Number(view.getBigUint64(0)),
        next: Number(view.getBigUint64(8)),
        oldestTimestamp: view.getBigUint64(16),
        priority: view.getUint32(24),
        leftHash: hash(0),
        rightHash: hash(1),
        root: hash(2),
        subtree: hash(3),
        leftOwn: hash(4),
        left,
        right,
        text: String.fromCharCode.apply(null, textBytes as unknown as number[]),
        textBytes
    };
}

/** Only the bounds of a head, for polls (no copies). */
export function queueHeadBounds(bytes: Uint8Array): { oldest: number; next: number } {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { oldest: Number(view.getBigUint64(0)), next: Number(view.getBigUint64(8)) };
}

/** The gateway index's root node (its subtree hash is the root certified under `websocket`). */
export type QueueMeta = { indexRoot: Uint8Array | null };

export function encodeQueueMeta(meta: QueueMeta): Uint8Array {
    const root = meta.indexRoot;
    const bytes = new Uint8Array(1 + (root?.length ?? 0));
    bytes[0] = root === null ? NO_CHILD : root.length;
    if (root !== null) bytes.set(root, 1);
    return bytes;
}

export function decodeQueueMeta(bytes: Uint8Array): QueueMeta {
    return { indexRoot: bytes[0] === NO_CHILD ? null : bytes.slice(1, 1 + bytes[0]) };
}

/** Storage of a removed gateway still to delete: nonces `[oldest, next)` and everything derived from them. */
export type Reclaim = { gateway: Uint8Array; oldest: number; next: number };

// count u32, then per entry: [len 1][principal][oldest 8][next 8]
export function encodeReclaims(reclaims: Reclaim[]): Uint8Array {
    let size = 4;
    for (const reclaim of reclaims) size += 17 + reclaim.gateway.length;
    const bytes = new Uint8Array(size);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, reclaims.length);
    let at = 4;
    for (const reclaim of reclaims) {
        bytes[at] = reclaim.gateway.length;
        bytes.set(reclaim.gateway, at + 1);
        at += 1 + reclaim.gateway.length;
        view.setBigUint64(at, BigInt(reclaim.oldest));
        view.setBigUint64(at + 8, BigInt(reclaim.next));
        at += 16;
    }
    return bytes;
}

export function decodeReclaims(bytes: Uint8Array): Reclaim[] {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: Reclaim[] = [];
    let at = 4;
    for (let i = view.getUint32(0); i > 0; i--) {
        const length = bytes[at];
        const gateway = bytes.slice(at + 1, at + 1 + length);
        at += 1 + length;
        out.push({ gateway, oldest: Number(view.getBigUint64(at)), next: Number(view.getBigUint64(at + 8)) });
        at += 16;
    }
    return out;
}
