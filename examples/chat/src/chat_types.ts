/**
 * The chat's application message type: one Candid variant for both directions, which the CDK puts in `ws_message`'s
 * second argument so the client's `IcWebSocket` (ic-websocket-client or ic-websocket-js) can read it. Must match examples/chat/web/src/chat-idl.ts.
 */
import { IDL } from 'azle';

export const ChatPostIdl = IDL.Record({ nickname: IDL.Text, text: IDL.Text, timestamp: IDL.Nat64 });

export const ChatMessageIdl = IDL.Variant({
    /** client → canister: take this nickname and receive the recent history. */
    Join: IDL.Record({ nickname: IDL.Text }),
    /** client → canister: post to everyone. */
    Post: IDL.Record({ text: IDL.Text }),
    /** canister → clients: a post (live, or history for a newcomer). */
    Posted: ChatPostIdl,
    /** canister → clients: someone joined. */
    Joined: IDL.Record({ nickname: IDL.Text, timestamp: IDL.Nat64 }),
    /** canister → clients: someone left. */
    Left: IDL.Record({ nickname: IDL.Text, timestamp: IDL.Nat64 })
});

/** A post; `timestamp` is the canister's time in ns. */
export type ChatPost = { nickname: string; text: string; timestamp: bigint };

export type ChatMessage =
    | { Join: { nickname: string } }
    | { Post: { text: string } }
    | { Posted: ChatPost }
    | { Joined: { nickname: string; timestamp: bigint } }
    | { Left: { nickname: string; timestamp: bigint } };
