/**
 * The recent posts, kept in stable memory so they survive upgrades: a ring of the last {@link HISTORY_LENGTH} posts
 * keyed by a running number (8 bytes big-endian, so byte order is posting order). Each post is stored as the
 * Candid bytes of the `{ Posted }` chat message, so a newcomer's history is sent with `sendRaw`, without
 * re-encoding (Candid encoding is the expensive part inside a canister).
 */
import { IDL, StableBTreeMap } from 'azle';
import { ChatMessageIdl, type ChatMessage, type ChatPost } from './chat_types';

/** How many posts a newcomer receives, and how many are kept. */
export const HISTORY_LENGTH = 20;

const u64Key = {
    toBytes: (n: bigint): Uint8Array => {
        const bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setBigUint64(0, n);
        return bytes;
    },
    fromBytes: (bytes: Uint8Array): bigint => new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0)
};

const rawBytes = { toBytes: (bytes: Uint8Array) => bytes, fromBytes: (bytes: Uint8Array) => bytes };

/** Candid bytes of `{ Posted: post }`, the message every client receives for a post. */
export function encodePosted(post: ChatPost): Uint8Array {
    return new Uint8Array(IDL.encode([ChatMessageIdl], [{ Posted: post } satisfies ChatMessage]));
}

export class History {
    private readonly posts: StableBTreeMap<bigint, Uint8Array>;

    constructor(memoryId: number) {
        this.posts = new StableBTreeMap<bigint, Uint8Array>(memoryId, u64Key, rawBytes);
    }

    /** Appends an encoded `{ Posted }` message and forgets the oldest beyond {@link HISTORY_LENGTH}. */
    add(posted: Uint8Array): void {
        const last = this.posts.keys(Math.max(0, Number(this.posts.len()) - 1), 1)[0];
        const next = last === undefined ? 0n : last + 1n;
        this.posts.insert(next, posted);
        if (next >= BigInt(HISTORY_LENGTH)) this.posts.remove(next - BigInt(HISTORY_LENGTH));
    }

    /** The kept posts as encoded `{ Posted }` messages, oldest first. */
    recentEncoded(): Uint8Array[] {
        return this.posts.values();
    }

    /** The kept posts, decoded, oldest first. */
    recent(): ChatPost[] {
        return this.recentEncoded().map((bytes) => (IDL.decode([ChatMessageIdl], bytes)[0] as unknown as { Posted: ChatPost }).Posted);
    }
}
