/**
 * Hand-written Candid for the four endpoints. Azle's automatic Candid (`IDL.encode`/`IDL.decode` in QuickJS)
 * measured ~8M instructions for a `ws_message` call whose own work is ~1M, and ~2.6M per message returned by
 * `ws_get_messages` (polled every 100 ms). The type tables ("DIDL" headers) are taken once from `IDL.encode`;
 * values are read and written here following the Candid spec: records and variants in field-hash order, LEB128
 * lengths, nat64 little-endian, principal as `01 ‖ len ‖ bytes`. Arguments whose type table differs from ours
 * (another client library) go through `IDL.decode`. test/cdk-unit/candid_codec.test.ts compares every byte with
 * `IDL.encode`/`IDL.decode`.
 *
 * Prepare the templates in an update context (`prepareCandidTemplates()`, called by `IcWebSocket.init`): a
 * query's heap changes are discarded, so templates first built inside a query would be rebuilt on every poll.
 */
import { IDL } from '@dfinity/candid';
import { ByteWriter, utf8Bytes } from './bytes';
import { Principal } from '@dfinity/principal';
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

/** The Candid field hash of a record field or variant arm name. */
export function candidFieldHash(name: string): number {
    let hash = 0;
    for (let i = 0; i < name.length; i++) hash = (hash * 223 + name.charCodeAt(i)) % 0x1_0000_0000;
    return hash;
}

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

/** Reads Candid values at a moving offset; throws on truncated input. */
class CandidReader {
    offset: number;

    constructor(
        private readonly bytes: Uint8Array,
        offset = 0
    ) {
        this.offset = offset;
    }

    byte(): number {
        if (this.offset >= this.bytes.length) throw new Error('Candid: unexpected end of input');
        return this.bytes[this.offset++];
    }

    leb128(): number {
        let value = 0;
        let scale = 1;
        for (;;) {
            const byte = this.byte();
            value += (byte & 0x7f) * scale;
            if (byte < 0x80) return value;
            scale *= 128;
        }
    }

    /** A signed LEB128 (type references in type tables). */
    sleb128(): number {
        let value = 0;
        let scale = 1;
        for (;;) {
            const byte = this.byte();
            value += (byte & 0x7f) * scale;
            scale *= 128;
            if (byte < 0x80) return byte & 0x40 ? value - scale : value;
        }
    }

    take(length: number): Uint8Array {
        if (this.offset + length > this.bytes.length) throw new Error('Candid: value runs past the end of input');
        const slice = this.bytes.slice(this.offset, this.offset + length);
        this.offset += length;
        return slice;
    }

    blob(): Uint8Array {
        return this.take(this.leb128());
    }

    u64(): bigint {
        return new DataView(this.take(8).buffer).getBigUint64(0, true);
    }

    bool(): boolean {
        const byte = this.byte();
        if (byte > 1) throw new Error(`Candid: invalid bool ${byte}`);
        return byte === 1;
    }

    principal(): Principal {
        if (this.byte() !== 1) throw new Error('Candid: opaque principal reference');
        return Principal.fromUint8Array(this.blob());
    }

    atEnd(): boolean {
        return this.offset === this.bytes.length;
    }
}

/**
 * Length of the "DIDL" header (magic, type table, argument types) of `bytes`. Knows the composite types the
 * protocol uses (record, variant, vec, opt); anything else throws.
 */
export function candidHeaderLength(bytes: Uint8Array): number {
    const reader = new CandidReader(bytes);
    if (String.fromCharCode(reader.byte(), reader.byte(), reader.byte(), reader.byte()) !== 'DIDL') throw new Error('Candid: wrong magic number');
    const types = reader.leb128();
    for (let i = 0; i < types; i++) {
        const opcode = reader.sleb128();
        if (opcode === -20 || opcode === -21) {
            const fields = reader.leb128(); // record (0x6c) or variant (0x6b)
            for (let f = 0; f < fields; f++) {
                reader.leb128();
                reader.sleb128();
            }
        } else if (opcode === -19 || opcode === -18) reader.sleb128(); // vec (0x6d) or opt (0x6e)
        else throw new Error(`Candid: unsupported type opcode ${opcode}`);
    }
    const args = reader.leb128();
    for (let i = 0; i < args; i++) reader.sleb128();
    return reader.offset;
}

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

/**
 * Runs the fast reader when the header is ours; anything it cannot read exactly (other type tables, extra
 * arguments, odd values) goes to `IDL.decode`, whose errors name the endpoint.
 */
function decodeArgs<T>(method: string, header: Uint8Array, bytes: Uint8Array, read: (reader: CandidReader) => T, types: IDL.Type[]): T {
    const reader = readerAfter(header, bytes);
    if (reader !== undefined) {
        try {
            const value = read(reader);
            if (reader.atEnd()) return value;
        } catch {
            // fall through to the full decoder
        }
    }
    try {
        return IDL.decode(types, bytes)[0] as unknown as T;
    } catch (error) {
        throw new Error(`Failed to decode Candid arguments of ${method}: ${error instanceof Error ? error.message : String(error)}`);
    }
}

function readClientKey(reader: CandidReader): ClientKey {
    let client_principal = Principal.anonymous();
    let client_nonce = 0n;
    for (const field of CLIENT_KEY_FIELDS) {
        if (field === 'client_principal') client_principal = reader.principal();
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
            else args.gateway_principal = reader.principal();
        }
        return args;
    }, [CanisterWsOpenArgumentsIdl]);
}

/** Arguments of `ws_close`. */
export function decodeWsCloseArgs(bytes: Uint8Array): CanisterWsCloseArguments {
    return decodeArgs('ws_close', prepareCandidTemplates().closeArgs, bytes, (reader) => ({ client_key: readClientKey(reader) }), [CanisterWsCloseArgumentsIdl]);
}

/** Arguments of `ws_message`; the second (the app type witness, `opt null` from clients) is checked and ignored. */
export function decodeWsMessageArgs(bytes: Uint8Array, appMessage: IDL.Type): CanisterWsMessageArguments {
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
    }, [CanisterWsMessageArgumentsIdl, IDL.Opt(appMessage)]);
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
        } else if (field === 'key') writer.blob(utf8Bytes(message.key));
        else writer.blob(message.content);
    }
}

/** Argument of `ws_get_messages`. */
export function decodeGetMessagesArgs(bytes: Uint8Array): { nonce: bigint } {
    return decodeArgs('ws_get_messages', prepareCandidTemplates().pollArgs, bytes, (reader) => ({ nonce: reader.u64() }), [CanisterWsGetMessagesArgumentsIdl]);
}
