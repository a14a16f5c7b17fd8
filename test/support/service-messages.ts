import { IDL } from '@dfinity/candid';
import type { AppMessage, ClientKey } from './test-canister-interface.ts';
import { wsTypes } from './test-canister-interface.ts';

/**
 * Candid codecs for what travels inside `WebsocketMessage.content` (protocol spec §1.3): service messages
 * (`WebsocketServiceMessageContent`, one value, full 4-arm variant) and the test canister's app messages
 * (`record { text : text }`).
 *
 * @example
 * ```ts
 * const keepAlive = encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: 0n } });
 * expect(decodeServiceMessage(message.content)).toEqual({ OpenMessage: { client_key: key } });
 * ```
 */

export type CloseMessageReason =
    | { WrongSequenceNumber: null }
    | { InvalidServiceMessage: null }
    | { KeepAliveTimeout: null }
    | { ClosedByApplication: null };

export type ServiceMessage =
    | { OpenMessage: { client_key: ClientKey } }
    | { AckMessage: { last_incoming_sequence_num: bigint } }
    | { KeepAliveMessage: { last_incoming_sequence_num: bigint } }
    | { CloseMessage: { reason: CloseMessageReason } };

const ServiceMessageIdl = IDL.Variant({
    OpenMessage: IDL.Record({ client_key: wsTypes.ClientKey }),
    AckMessage: IDL.Record({ last_incoming_sequence_num: IDL.Nat64 }),
    KeepAliveMessage: IDL.Record({ last_incoming_sequence_num: IDL.Nat64 }),
    CloseMessage: IDL.Record({
        reason: IDL.Variant({
            WrongSequenceNumber: IDL.Null,
            InvalidServiceMessage: IDL.Null,
            KeepAliveTimeout: IDL.Null,
            ClosedByApplication: IDL.Null
        })
    })
});

export function encodeServiceMessage(message: ServiceMessage): Uint8Array {
    return new Uint8Array(IDL.encode([ServiceMessageIdl], [message]));
}

/** Decodes exactly one `WebsocketServiceMessageContent`, as the client SDK does; throws on anything else. */
export function decodeServiceMessage(content: Uint8Array): ServiceMessage {
    const values = IDL.decode([ServiceMessageIdl], content);
    if (values.length !== 1) throw new Error(`expected one service message value, got ${values.length}`);
    return values[0] as unknown as ServiceMessage;
}

export function encodeAppMessage(message: AppMessage): Uint8Array {
    return new Uint8Array(IDL.encode([wsTypes.AppMessage], [message]));
}

export function decodeAppMessage(content: Uint8Array): AppMessage {
    return IDL.decode([wsTypes.AppMessage], content)[0] as unknown as AppMessage;
}
