/**
 * Hand-written Candid for the four endpoints. Azle's automatic Candid (`IDL.encode`/`IDL.decode` in QuickJS)
 * measured ~8M instructions for a `ws_message` call whose own work is ~1M, and ~2.6M per message returned by
 * `ws_get_messages` (polled every 100 ms). The type tables ("DIDL" headers) are taken once from `IDL.encode`;
 * values are read and written here following the Candid spec: records and variants in field-hash order, LEB128
 * lengths, nat64 little-endian, principal as `01 ‖ len ‖ bytes`. Arguments whose type table differs from ours
 * (another client library, extra arguments, a missing trailing `opt`) go through the bounded decoder of
 * `candid_decoder.ts`, never `IDL.decode` (whose cost a 30-byte argument could push to the instruction limit).
 * Principals longer than 29 bytes throw `PrincipalTooLongError` on both paths. test/cdk-unit/candid_codec.test.ts
 * compares every byte with `IDL.encode`/`IDL.decode`.
 *
 * Prepare the templates in an update context (`prepareCandidTemplates()`, called by `IcWebSocket.init`): a
 * query's heap changes are discarded, so templates first built inside a query would be rebuilt on every poll.
 */
import { IDL } from '@dfinity/candid';
import { ByteWriter, utf8Bytes } from './bytes';
import { messageKeyLabel } from './keys';
import { Principal } from '@dfinity/principal';
import { CandidDecodeError, CandidReader, candidFieldHash, candidHeaderLength, checkCandidMessage, decodeCandidArgs, PROTOCOL_CANDID_LIMITS, expectedTypeOf, IGNORED_OPT, PrincipalTooLongError, type CandidLimits, type ExpectedType } from './candid_decoder';
import type { WsResult } from './errors';
import {
    CanisterWsCloseArgumentsIdl,
    CanisterWsGetMessagesArgumentsIdl,
    CanisterWsGetMessagesResultIdl,
    CanisterWsMessageArgumentsIdl,
    CanisterWsOpenArgumentsIdl,
    WsResultIdl,
    type CanisterOutputCertifiedMessages,
    type CanisterOutputMessage,
    type CanisterWsCloseArguments,
    type CanisterWsMessageArguments,
    type CanisterWsOpenArguments,
    type ClientKey,
    type WebsocketMessage
} from './types';

export { candidFieldHash };

/** Field names sorted the way Candid serializes them. */
function inWireOrder(names: string[]): string[] {
    return [...names].sort((a, b) => candidFieldHash(a) - candidFieldHash(b));
}

const RESULT_ARMS = inWireOrder(['Ok', 'Err']);
const REPLY_FIELDS = inWireOrder(['messages', 'cert', 'tree', 'is_end_of_queue']);
const MESSAGE_FIELDS = inWireOrder(['client_key', 'key', 'content']);
const CLIENT_KEY_FIELDS = inWireOrder(['client_principal', 'client_nonce']);
const OPEN_ARGS_FIELDS = inWireOrder(['client_nonce', 'gateway_principal']);
const WEBSOCKET_MESSAGE_FIELDS = inWireOrder(['client_key', 'sequence_num', 'timestamp', 'is_service_message', 'content']);

/** The few Candid value primitives needed here. */
class CandidWriter extends ByteWriter {
    leb128(value: number): void {
        this.reserve(10);
        do {
            let byte = value % 128;
            value = Math.floor(value / 128);
            if (value > 0) byte |= 0x80;
            this.buffer[this.length++] = byte;
        } while (value > 0);
    }

    blob(bytes: Uint8Array): void {
        this.leb128(bytes.length);
        this.raw(bytes);
    }

    u64(value: bigint): void {
        this.reserve(8);
        new DataView(this.buffer.buffer, this.buffer.byteOffset).setBigUint64(this.length, value, true);
        this.length += 8;
    }

}

export { candidHeaderLength };

function headerOf(encoded: ArrayBuffer | Uint8Array): Uint8Array {
    const bytes = new Uint8Array(encoded);
    return bytes.slice(0, candidHeaderLength(bytes));
}

type Templates = { reply: Uint8Array; pollArgs: Uint8Array; openArgs: Uint8Array; closeArgs: Uint8Array; messageArgs: Uint8Array; result: Uint8Array };
let templates: Templates | undefined;

/** Builds the type-table templates (a few `IDL.encode` calls); call from init/post_upgrade. */
export function prepareCandidTemplates(): Templates {
    if (templates !== undefined) return templates;
    const dummyKey: ClientKey = { client_principal: Principal.anonymous(), client_nonce: 0n };
    const dummyMessage: WebsocketMessage = { client_key: dummyKey, sequence_num: 0n, timestamp: 0n, is_service_message: false, content: new Uint8Array() };
    templates = {
        reply: headerOf(IDL.encode([CanisterWsGetMessagesResultIdl], [{ Ok: { messages: [], cert: [], tree: [], is_end_of_queue: true } }])),
        pollArgs: headerOf(IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce: 0n }])),
        openArgs: headerOf(IDL.encode([CanisterWsOpenArgumentsIdl], [{ client_nonce: 0n, gateway_principal: Principal.anonymous() }])),
        closeArgs: headerOf(IDL.encode([CanisterWsCloseArgumentsIdl], [{ client_key: dummyKey }])),
        // What ic-websocket-js sends: the app type slot as `opt null`.
        messageArgs: headerOf(IDL.encode([CanisterWsMessageArgumentsIdl, IDL.Opt(IDL.Null)], [{ msg: dummyMessage }, []])),
        result: headerOf(IDL.encode([WsResultIdl], [{ Ok: null }]))
    };
    return templates;
}

/** A reader positioned after the header when `bytes` starts with `header`, else undefined. */
function readerAfter(header: Uint8Array, bytes: Uint8Array): CandidReader | undefined {
    if (bytes.length < header.length) return undefined;
    for (let i = 0; i < header.length; i++) if (bytes[i] !== header[i]) return undefined;
    return new CandidReader(bytes, header.length);
}

/** What the general decoder expects of each endpoint's arguments. */
const EXPECTED = {
    ws_open: [expectedTypeOf(CanisterWsOpenArgumentsIdl)],
    ws_close: [expectedTypeOf(CanisterWsCloseArgumentsIdl)],
    ws_message: [expectedTypeOf(CanisterWsMessageArgumentsIdl), IGNORED_OPT],
    ws_get_messages: [expectedTypeOf(CanisterWsGetMessagesArgumentsIdl)]
} satisfies Record<string, ExpectedType[]>;

/**
 * Decoding limits per endpoint, sized so that a hostile argument costs at most ~2× the cheapest well-formed call
 * of the same size (bench/hostile.ts, bench/RESULTS.md): the quota does not grow with the argument (no allowance
 * per byte: a legitimate argument needs the same few units at any size, its content being one blob), and
 * `ws_close` and `ws_message`, whose cheapest call costs ~1.6M against ~0.4M, get more. A legitimate argument needs
 * 5-7 units (`ws_open`, `ws_get_messages`), ~11 (`ws_close`), ~30 (`ws_message`) plus, in `ws_message`'s second
 * argument, the entries and fields of the application type a Rust client describes (ic-websocket-js sends
 * `opt null`): ~60 are left for it.
 */
export const ENDPOINT_CANDID_LIMITS: Record<keyof typeof EXPECTED, CandidLimits> = {
    ws_open: { ...PROTOCOL_CANDID_LIMITS, baseUnits: 16 },
    ws_close: { ...PROTOCOL_CANDID_LIMITS, baseUnits: 96 },
    ws_message: { ...PROTOCOL_CANDID_LIMITS, baseUnits: 96 },
    ws_get_messages: { ...PROTOCOL_CANDID_LIMITS, baseUnits: 16 }
};

/**
 * Runs the fast reader when the header is ours; anything it cannot read exactly (other type tables, extra
 * arguments, a missing trailing opt, odd values) goes to the bounded general decoder, whose errors name the
 * endpoint. A principal longer than 29 bytes throws {@link PrincipalTooLongError} as is (the endpoints answer it
 * with an `Err`).
 */
function decodeArgs<T>(method: keyof typeof EXPECTED, header: Uint8Array, bytes: Uint8Array, read: (reader: CandidReader) => T): T {
    const reader = readerAfter(header, bytes);
    if (reader !== undefined) {
        try {
            const value = read(reader);
            if (reader.atEnd()) return value;
        } catch (error) {
            if (error instanceof PrincipalTooLongError) throw error;
            // anything else: the general decoder decides (and explains)
        }
    }
    try {
        return decodeCandidArgs(bytes, EXPECTED[method], ENDPOINT_CANDID_LIMITS[method])[0] as T;
    } catch (error) {
        if (!(error instanceof CandidDecodeError) || error instanceof PrincipalTooLongError) throw error;
        error.message = `Failed to decode Candid arguments of ${method}: ${error.message}`; // not a new Error: ~66k instructions each in QuickJS
        throw error;
    }
}

function readClientKey(reader: CandidReader): ClientKey {
    let client_principal = Principal.anonymous();
    let client_nonce = 0n;
    for (const field of CLIENT_KEY_FIELDS) {
        if (field === 'client_principal') client_principal = reader.principal('client_principal');
        else client_nonce = reader.u64();
    }
    return { client_principal, client_nonce };
}

/** Arguments of `ws_open`. */
export function decodeWsOpenArgs(bytes: Uint8Array): CanisterWsOpenArguments {
    return decodeArgs('ws_open', prepareCandidTemplates().openArgs, bytes, (reader) => {
        const args = { client_nonce: 0n, gateway_principal: Principal.anonymous() };
        for (const field of OPEN_ARGS_FIELDS) {
            if (field === 'client_nonce') args.client_nonce = reader.u64();
            else args.gateway_principal = reader.principal('gateway_principal');
        }
        return args;
    });
}

/** Arguments of `ws_close`. */
export function decodeWsCloseArgs(bytes: Uint8Array): CanisterWsCloseArguments {
    return decodeArgs('ws_close', prepareCandidTemplates().closeArgs, bytes, (reader) => ({ client_key: readClientKey(reader) }));
}

/**
 * Arguments of `ws_message`. The second (the app type witness, `opt null` from ic-websocket-js) is skipped within
 * the decoding quota, whatever its type, and may be missing altogether (Candid: a missing trailing `opt` is null).
 */
export function decodeWsMessageArgs(bytes: Uint8Array): CanisterWsMessageArguments {
    return decodeArgs('ws_message', prepareCandidTemplates().messageArgs, bytes, (reader) => {
        const msg: WebsocketMessage = { client_key: { client_principal: Principal.anonymous(), client_nonce: 0n }, sequence_num: 0n, timestamp: 0n, is_service_message: false, content: new Uint8Array() };
        for (const field of WEBSOCKET_MESSAGE_FIELDS) {
            if (field === 'client_key') msg.client_key = readClientKey(reader);
            else if (field === 'sequence_num') msg.sequence_num = reader.u64();
            else if (field === 'timestamp') msg.timestamp = reader.u64();
            else if (field === 'is_service_message') msg.is_service_message = reader.bool();
            else msg.content = reader.blob();
        }
        if (reader.byte() !== 0) throw new Error('opt null with a value');
        return { msg };
    });
}

/** The Candid reply `(variant { Ok } | variant { Err : text })` of ws_open, ws_close and ws_message. */
export function encodeWsResult(result: WsResult): Uint8Array {
    const writer = new CandidWriter(prepareCandidTemplates().result.length + 64);
    writer.raw(templates!.result);
    if ('Ok' in result) writer.leb128(RESULT_ARMS.indexOf('Ok'));
    else {
        writer.leb128(RESULT_ARMS.indexOf('Err'));
        writer.blob(utf8Bytes(result.Err));
    }
    return writer.bytes();
}

/**
 * The Candid reply of `ws_get_messages`: `(variant { Ok = record { messages; cert; tree; is_end_of_queue } })`.
 *
 * @example
 * msgReply(encodeGetMessagesReply(wsGetMessages(ctx, caller, nonce)));
 */
export function encodeGetMessagesReply(reply: CanisterOutputCertifiedMessages): Uint8Array {
    const header = prepareCandidTemplates().reply;
    let size = header.length + reply.cert.length + reply.tree.length + 32;
    for (const message of reply.messages) size += message.content.length + message.key.length + 64;
    const writer = new CandidWriter(size);
    writer.raw(header);
    writer.leb128(RESULT_ARMS.indexOf('Ok'));
    for (const field of REPLY_FIELDS) {
        if (field === 'messages') {
            writer.leb128(reply.messages.length);
            for (const message of reply.messages) writeMessage(writer, message);
        } else if (field === 'cert') writer.blob(reply.cert);
        else if (field === 'tree') writer.blob(reply.tree);
        else writer.byte(reply.is_end_of_queue ? 1 : 0);
    }
    return writer.bytes();
}

function writeMessage(writer: CandidWriter, message: CanisterOutputMessage): void {
    for (const field of MESSAGE_FIELDS) {
        if (field === 'client_key') {
            for (const keyField of CLIENT_KEY_FIELDS) {
                if (keyField === 'client_principal') {
                    writer.byte(1); // a principal reference, not opaque
                    writer.blob(message.client_key.client_principal.toUint8Array());
                } else writer.u64(message.client_key.client_nonce);
            }
        } else if (field === 'key') writer.blob(messageKeyLabel(message.key));
        else writer.blob(message.content);
    }
}

/** Argument of `ws_get_messages`. */
export function decodeGetMessagesArgs(bytes: Uint8Array): { nonce: bigint } {
    return decodeArgs('ws_get_messages', prepareCandidTemplates().pollArgs, bytes, (reader) => ({ nonce: reader.u64() }));
}

/**
 * Limits for application messages (`onMessage`'s `message`): their type is the application's, so the quota grows
 * with the content (3 units per byte covers any legitimate value: each costs at most ~2 units per byte it
 * occupies), the type table is capped (`IDL.decode` rebuilds every type it is sent: a 40 KB nested table cost
 * 3.6B instructions) and recursive values may nest 256 deep.
 */
export const APP_MESSAGE_CANDID_LIMITS: Readonly<CandidLimits> = Object.freeze({ baseUnits: 64, unitsPerByte: 3, maxTypeTable: 1024, maxDepth: 256 });

/**
 * Decodes a client's application message with `IDL.decode`, after checking with the bounded decoder that its cost
 * is bounded by its size (`APP_MESSAGE_CANDID_LIMITS`): a few hundred bytes announcing millions of `null`s or a
 * huge type table are refused before `IDL.decode` materializes them. Throws on invalid or refused content.
 *
 * @example
 * const message = decodeAppMessage(IDL.Record({ text: IDL.Text }), bytes) as { text: string };
 */
export function decodeAppMessage(appMessage: IDL.Type, bytes: Uint8Array): unknown {
    checkCandidMessage(bytes, APP_MESSAGE_CANDID_LIMITS);
    return IDL.decode([appMessage], bytes)[0];
}
