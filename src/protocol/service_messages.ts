/**
 * Candid encoding of service messages (spec protocol.md §1.3): one value of the full 4-arm
 * `WebsocketServiceMessageContent` variant, as Rust's `encode_one` writes it.
 */
import { IDL } from '@dfinity/candid';
import { WebsocketServiceMessageContentIdl, type CloseMessageReason, type ClientKey, type WebsocketServiceMessageContent } from '../types';

export function encodeServiceMessage(content: WebsocketServiceMessageContent): Uint8Array {
    return new Uint8Array(IDL.encode([WebsocketServiceMessageContentIdl], [content]));
}

/** Decodes a service message; throws the Candid decoder's error on bytes that are not exactly one such value. */
export function decodeServiceMessage(bytes: Uint8Array): WebsocketServiceMessageContent {
    const values = IDL.decode([WebsocketServiceMessageContentIdl], bytes);
    if (values.length !== 1) throw new Error(`expected 1 value, got ${values.length}`);
    return values[0] as unknown as WebsocketServiceMessageContent;
}

export const openMessage = (clientKey: ClientKey): Uint8Array => encodeServiceMessage({ OpenMessage: { client_key: clientKey } });

export const ackMessage = (lastIncomingSequenceNum: bigint): Uint8Array =>
    encodeServiceMessage({ AckMessage: { last_incoming_sequence_num: lastIncomingSequenceNum } });

export const closeMessage = (reason: CloseMessageReason): Uint8Array => encodeServiceMessage({ CloseMessage: { reason } });
