/**
 * Candid encoding of service messages (spec protocol.md §1.3). The canister's (Open, Ack, Close) are one value of
 * the variant with only the message's own arm: a subtype of the full 4-arm `WebsocketServiceMessageContent`
 * (Candid variant subtyping: fewer arms), which every decoder of the full type accepts (@dfinity/candid 2.x in
 * ic-websocket-js, 3.x in ic-websocket-client, Rust's candid: checked in test/e2e and
 * test/cdk-unit/service_messages.test.ts). Rust's `encode_one` writes the full type table instead: 60 bytes more for
 * an OpenMessage (137 vs 77), 74 more for an AckMessage (106 vs 32). The client hashes the bytes it received, so byte
 * equality with Rust is not needed (protocol.md §3.2); the shorter content saves a SHA-256 block (~0.56M
 * instructions) for the 29-byte principals of real clients, on every `ws_open` and on every client's ack each round.
 *
 * `IDL.encode` of this type costs ~15M instructions inside a canister (QuickJS rebuilds the type table each time),
 * and every client gets an ack per interval. So each message shape is encoded once with `IDL.encode` into a
 * template, and later messages copy the template and patch the value bytes in place: the u64 fields are 8-byte
 * little-endian at a fixed offset, the principal bytes sit at a fixed offset for a given principal length.
 * Incoming keep-alives are recognized against their template the same way; anything else goes through the bounded
 * Candid decoder (`../candid_decoder.ts`: a client's service message is untrusted input, and `IDL.decode` of a
 * hostile one could burn the whole instruction limit). test/cdk-unit/service_messages.test.ts checks templates
 * against `IDL.encode`.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { decodeCandidArgs, expectedTypeOf } from '../candid_decoder';
import { WebsocketServiceMessageContentIdl, type CloseMessageReason, type ClientKey, type WebsocketServiceMessageContent } from '../types';

/** The full 4-arm encoding, as Rust's `encode_one` writes it (what clients send: keep-alives are recognized against it). */
export function encodeServiceMessage(content: WebsocketServiceMessageContent): Uint8Array {
    return new Uint8Array(IDL.encode([WebsocketServiceMessageContentIdl], [content]));
}

/** Each canister message kind as the variant with only its arm, taken from the full type (not spelled again). */
const ARM_TYPES: Record<string, IDL.Type> = Object.fromEntries(
    WebsocketServiceMessageContentIdl._fields.filter(([name]) => name !== 'KeepAliveMessage').map(([name, type]) => [name, IDL.Variant({ [name]: type })])
);

/**
 * A canister service message as the one-arm variant of its own kind (see the header). Decodes as the full type.
 *
 * @example
 * IDL.decode([WebsocketServiceMessageContentIdl], encodeOwnServiceMessage({ AckMessage: { last_incoming_sequence_num: 3n } }));
 */
export function encodeOwnServiceMessage(content: WebsocketServiceMessageContent): Uint8Array {
    const type = ARM_TYPES[Object.keys(content)[0]];
    if (type === undefined) throw new Error(`not a canister service message: ${Object.keys(content)[0]}`);
    return new Uint8Array(IDL.encode([type], [content]));
}

const EXPECTED_SERVICE_MESSAGE = [expectedTypeOf(WebsocketServiceMessageContentIdl)];

/** Decodes a service message (bounded: see `../candid_decoder.ts`); throws on bytes that are not one such value. */
export function decodeServiceMessage(bytes: Uint8Array): WebsocketServiceMessageContent {
    return decodeCandidArgs(bytes, EXPECTED_SERVICE_MESSAGE)[0] as WebsocketServiceMessageContent;
}

/** Sentinel u64 whose little-endian bytes locate a nat64 field in a template. */
const SENTINEL_U64 = 0x8877665544332211n;
const SENTINEL_BYTES = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];

type U64Template = { bytes: Uint8Array; u64Offset: number };
type OpenTemplate = U64Template & { principalOffset: number };

let ackTemplate: U64Template | undefined;
let keepAliveTemplate: U64Template | undefined;
const openTemplates = new Map<number, OpenTemplate>();
const closeTemplates = new Map<string, Uint8Array>();

function findBytes(haystack: Uint8Array, needle: ArrayLike<number>): number {
    outer: for (let i = haystack.length - needle.length; i >= 0; i--) {
        for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
        return i;
    }
    throw new Error('service message template: sentinel not found');
}

function u64Template(content: WebsocketServiceMessageContent, encode = encodeOwnServiceMessage): U64Template {
    const bytes = encode(content);
    return { bytes, u64Offset: findBytes(bytes, SENTINEL_BYTES) };
}

function withU64(template: U64Template, value: bigint): Uint8Array {
    const bytes = template.bytes.slice();
    new DataView(bytes.buffer).setBigUint64(template.u64Offset, value, true);
    return bytes;
}

/** `OpenMessage{client_key}`. */
export function openMessage(clientKey: ClientKey): Uint8Array {
    const principal = clientKey.client_principal.toUint8Array();
    let template = openTemplates.get(principal.length);
    if (template === undefined) {
        const sentinel = Principal.fromUint8Array(new Uint8Array(principal.length).fill(0xa5));
        const base = u64Template({ OpenMessage: { client_key: { client_principal: sentinel, client_nonce: SENTINEL_U64 } } });
        template = { ...base, principalOffset: findBytes(base.bytes, sentinel.toUint8Array()) };
        openTemplates.set(principal.length, template);
    }
    const bytes = withU64(template, clientKey.client_nonce);
    bytes.set(principal, template.principalOffset);
    return bytes;
}

/** `AckMessage{last_incoming_sequence_num}`. */
export function ackMessage(lastIncomingSequenceNum: bigint): Uint8Array {
    ackTemplate ??= u64Template({ AckMessage: { last_incoming_sequence_num: SENTINEL_U64 } });
    return withU64(ackTemplate, lastIncomingSequenceNum);
}

/** `CloseMessage{reason}`. */
export function closeMessage(reason: CloseMessageReason): Uint8Array {
    const name = Object.keys(reason)[0];
    let bytes = closeTemplates.get(name);
    if (bytes === undefined) {
        bytes = encodeOwnServiceMessage({ CloseMessage: { reason } });
        closeTemplates.set(name, bytes);
    }
    return bytes.slice();
}

/**
 * Decodes a client's service message. A keep-alive encoded like ours (what ic-websocket-js sends) is recognized
 * by comparing with the template; any other bytes go through the Candid decoder (which throws on bad input).
 */
export function decodeClientServiceMessage(bytes: Uint8Array): WebsocketServiceMessageContent {
    keepAliveTemplate ??= u64Template({ KeepAliveMessage: { last_incoming_sequence_num: SENTINEL_U64 } }, encodeServiceMessage);
    const template = keepAliveTemplate;
    if (bytes.length === template.bytes.length) {
        let same = true;
        for (let i = 0; i < bytes.length && same; i++) {
            if ((i < template.u64Offset || i >= template.u64Offset + 8) && bytes[i] !== template.bytes[i]) same = false;
        }
        if (same) {
            const value = new DataView(bytes.buffer, bytes.byteOffset + template.u64Offset, 8).getBigUint64(0, true);
            return { KeepAliveMessage: { last_incoming_sequence_num: value } };
        }
    }
    return decodeServiceMessage(bytes);
}
