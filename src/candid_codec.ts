/**
 * Hand-written Candid for the hottest call, `ws_get_messages`: the gateway polls it every 100 ms, and Azle's
 * automatic encoding of the reply (`IDL.encode` in QuickJS) measured ~2.6M instructions per returned message,
 * six times the CDK's own work. The type table ("DIDL" header) is taken once from `IDL.encode`; the value is
 * written here following the Candid spec: records and variants in field-hash order, LEB128 lengths, nat64
 * little-endian, principal as `01 ‖ len ‖ bytes`. test/cdk-unit/candid_codec.test.ts compares every byte with
 * `IDL.encode`/`IDL.decode`.
 *
 * Prepare the templates in an update context (`prepare()`, called by `IcWebSocket.init`): a query's heap changes
 * are discarded, so templates first built inside a query would be rebuilt on every poll.
 */
import { IDL } from '@dfinity/candid';
import { ByteWriter, utf8Bytes } from './bytes';
import { CanisterWsGetMessagesArgumentsIdl, CanisterWsGetMessagesResultIdl, type CanisterOutputCertifiedMessages, type CanisterOutputMessage } from './types';

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

let replyPrefix: Uint8Array | undefined;
let argsPrefix: Uint8Array | undefined;

/** Builds the type-table templates (~two `IDL.encode` calls); call from init/post_upgrade. */
export function prepareCandidTemplates(): void {
    if (replyPrefix === undefined) {
        const empty = new Uint8Array(IDL.encode([CanisterWsGetMessagesResultIdl], [{ Ok: { messages: [], cert: [], tree: [], is_end_of_queue: true } }]));
        // The empty value is 5 bytes: Ok's index, three empty vectors and `true`.
        replyPrefix = empty.slice(0, empty.length - 5);
    }
    if (argsPrefix === undefined) {
        const args = new Uint8Array(IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce: 0n }]));
        argsPrefix = args.slice(0, args.length - 8);
    }
}

/**
 * The Candid reply of `ws_get_messages`: `(variant { Ok = record { messages; cert; tree; is_end_of_queue } })`.
 *
 * @example
 * msgReply(encodeGetMessagesReply(wsGetMessages(ctx, caller, nonce)));
 */
export function encodeGetMessagesReply(reply: CanisterOutputCertifiedMessages): Uint8Array {
    prepareCandidTemplates();
    let size = replyPrefix!.length + reply.cert.length + reply.tree.length + 32;
    for (const message of reply.messages) size += message.content.length + message.key.length + 64;
    const writer = new CandidWriter(size);
    writer.raw(replyPrefix!);
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

/**
 * Decodes the argument of `ws_get_messages`. Arguments encoded like ours (what the gateway sends) are read
 * directly; anything else goes through `IDL.decode`, which throws a clear error on bad input.
 */
export function decodeGetMessagesArgs(bytes: Uint8Array): { nonce: bigint } {
    prepareCandidTemplates();
    const prefix = argsPrefix!;
    if (bytes.length === prefix.length + 8) {
        let same = true;
        for (let i = 0; i < prefix.length && same; i++) same = bytes[i] === prefix[i];
        if (same) return { nonce: new DataView(bytes.buffer, bytes.byteOffset + prefix.length, 8).getBigUint64(0, true) };
    }
    const values = IDL.decode([CanisterWsGetMessagesArgumentsIdl], bytes);
    if (values.length !== 1) throw new Error(`ws_get_messages expects 1 argument, got ${values.length}`);
    return values[0] as unknown as { nonce: bigint };
}
