/** The `ws_get_messages` query (spec protocol.md §2.6, §3.3); the caller is the gateway. Never returns `Err`. */
import type { Principal } from '@dfinity/principal';
import { encodeHashTree, WEBSOCKET_LABEL_BYTES } from '../hash_tree';
import type { QueuedMessage } from '../queue/certified_queue';
import type { CanisterOutputCertifiedMessages } from '../types';
import type { WsContext } from './context';

/** Bytes a message adds to a reply besides its content: key (twice: output and witness), client key, hashes. */
const PER_MESSAGE_OVERHEAD_BYTES = 160;

/** The reply when there is nothing to return, including to unknown callers. */
function emptyMessagesReply(): CanisterOutputCertifiedMessages {
    return { messages: [], cert: new Uint8Array(), tree: new Uint8Array(), is_end_of_queue: true };
}

/** The range of nonces one poll returns (pure; see {@link wsGetMessages}). */
export type PollRange = { start: bigint; end: bigint; isEndOfQueue: boolean };

/**
 * Nonces `[start, end)` to return for a poll at `nonce` over a queue holding `[oldest, next)`, with at most `max`
 * messages; `sizeOf(n)` gives the reply bytes of message n, and the messages stop before exceeding `byteBudget`
 * (always at least one, so a large message is never stuck).
 *
 * @example
 * pollRange(0n, 0n, 4n, 50, () => 10, 1000); // { start: 0n, end: 4n, isEndOfQueue: true }
 */
export function pollRange(nonce: bigint, oldest: bigint, next: bigint, max: number, sizeOf: (nonce: bigint) => number, byteBudget: number): PollRange {
    const start = nonce > oldest ? nonce : oldest;
    if (start >= next || max <= 0) return { start, end: start, isEndOfQueue: true };
    let end = start;
    let bytes = 0;
    while (end < next && end - start < BigInt(max)) {
        const size = sizeOf(end);
        if (end > start && bytes + size > byteBudget) break;
        bytes += size;
        end++;
    }
    return { start, end, isEndOfQueue: end === next };
}

/**
 * Returns the gateway's queued messages from `nonce` on (or from its oldest retained message), at most
 * `maxNumberOfReturnedMessages` and at most the reply byte budget, with the data certificate and a witness
 * revealing exactly the returned keys.
 */
export function wsGetMessages(ctx: WsContext, caller: Principal, nonce: bigint): CanisterOutputCertifiedMessages {
    const bounds = ctx.queue.bounds(caller);
    if (bounds === undefined || nonce >= bounds.next) return emptyMessagesReply(); // the idle poll ends here
    const reader = ctx.queue.reader(caller)!;
    const loaded = new Map<bigint, QueuedMessage>();
    const load = (n: bigint): QueuedMessage | undefined => {
        let message = loaded.get(n);
        if (message === undefined) {
            message = reader.read(n);
            if (message !== undefined) loaded.set(n, message);
        }
        return message;
    };
    const sizeOf = (n: bigint) => (load(n)?.content.length ?? 0) + PER_MESSAGE_OVERHEAD_BYTES;
    const range = pollRange(nonce, bounds.oldest, bounds.next, ctx.params.maxNumberOfReturnedMessages, sizeOf, ctx.params.maxReplyMessagesBytes);

    const messages: QueuedMessage[] = [];
    for (let n = range.start; n < range.end; n++) {
        const message = load(n);
        if (message !== undefined) messages.push(message);
    }
    if (messages.length === 0) return emptyMessagesReply();

    return {
        messages: messages.map((message) => ({ client_key: message.clientKey, key: message.key, content: message.content })),
        cert: ctx.env.dataCertificate() ?? new Uint8Array(),
        tree: encodeHashTree({ kind: 'labeled', label: WEBSOCKET_LABEL_BYTES, subtree: reader.witness(messages) }),
        is_end_of_queue: range.isEndOfQueue
    };
}
