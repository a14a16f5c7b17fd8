/**
 * The recent posts, kept in stable memory so they survive upgrades: a ring of the last {@link HISTORY_LENGTH} posts
 * keyed by a running number (8 bytes big-endian, so byte order is posting order).
 */
import { IDL, StableBTreeMap } from 'azle';
import { ChatPostIdl, type ChatPost } from './chat_types';

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

const postValue = {
    toBytes: (post: ChatPost): Uint8Array => new Uint8Array(IDL.encode([ChatPostIdl], [post])),
    fromBytes: (bytes: Uint8Array): ChatPost => IDL.decode([ChatPostIdl], bytes)[0] as unknown as ChatPost
};

export class History {
    private readonly posts: StableBTreeMap<bigint, ChatPost>;

    constructor(memoryId: number) {
        this.posts = new StableBTreeMap<bigint, ChatPost>(memoryId, u64Key, postValue);
    }

    /** Appends a post and forgets the oldest beyond {@link HISTORY_LENGTH}. */
    add(post: ChatPost): void {
        const last = this.posts.keys(Math.max(0, this.posts.len() - 1), 1)[0];
        const next = last === undefined ? 0n : last + 1n;
        this.posts.insert(next, post);
        if (next >= BigInt(HISTORY_LENGTH)) this.posts.remove(next - BigInt(HISTORY_LENGTH));
    }

    /** The kept posts, oldest first. */
    recent(): ChatPost[] {
        return this.posts.values();
    }
}
