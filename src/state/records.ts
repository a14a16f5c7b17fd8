/**
 * Byte layouts of the values in the stable maps (all integers u64 big-endian). Hand-written fixed layouts instead of
 * Candid or JSON: a read or write is a few DataView calls, and the layout is documented in src/README.md.
 *
 * Principals are length-prefixed with one byte and at most 29 bytes long (`storablePrincipalBytes` refuses to
 * write a longer one), and every decoder checks the exact length of what it reads, so no record can be read as
 * another (a 285-byte principal would otherwise be written with length 285 mod 256 = 29).
 */
import type { Principal } from '@dfinity/principal';
import type { ClientKey } from '../types';
import { binaryKey, readU64 } from '../bytes';
import { BoundedMap } from '../bounded_map';
import { MAX_PRINCIPAL_BYTES } from '../constants';
import { readClientKey, readPrincipal, storablePrincipalBytes } from '../keys';

/** A connected client. Stable map `clients`: client key bytes → this. */
export type ClientRecord = {
    gateway: Principal;
    /** ns; set at registration and on every keep-alive. */
    lastKeepAliveTimestamp: bigint;
    /** Sequence number expected in the next client message (starts at 1). */
    nextIncomingSequenceNum: bigint;
    /** Sequence number of the last message sent to the client (starts at 0). */
    lastOutgoingSequenceNum: bigint;
    /** The client was sent an ack and is checked by the next keep-alive check. */
    waitingForKeepAlive: boolean;
    /** Messages queued for it and not deleted yet (for `maxQueuedMessagesPerClient`). */
    queuedMessages: number;
};

// [lastKeepAlive 8][nextIncoming 8][lastOutgoing 8][waiting 1][queued 4][gateway: len 1 + bytes]
// One buffer and one DataView per record: each extra allocation costs ~5-10k instructions in QuickJS.
export function encodeClientRecord(record: ClientRecord): Uint8Array {
    const gateway = storablePrincipalBytes(record.gateway);
    const bytes = new Uint8Array(30 + gateway.length);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, record.lastKeepAliveTimestamp);
    view.setBigUint64(8, record.nextIncomingSequenceNum);
    view.setBigUint64(16, record.lastOutgoingSequenceNum);
    bytes[24] = record.waitingForKeepAlive ? 1 : 0;
    view.setUint32(25, record.queuedMessages);
    bytes[29] = gateway.length;
    bytes.set(gateway, 30);
    return bytes;
}

/**
 * Gateways of recently decoded client records, by their bytes: clients share a few gateways, and handing out the
 * same `Principal` object lets the certified queue recognize its gateway without looking it up by bytes again.
 */
const GATEWAY_PRINCIPALS_CACHED = 64;
const gatewayPrincipals = new BoundedMap<string, Principal>(GATEWAY_PRINCIPALS_CACHED);

function readGateway(bytes: Uint8Array, offset: number): [Principal, number] {
    const length = bytes[offset];
    if (length === undefined || length > MAX_PRINCIPAL_BYTES || offset + 1 + length > bytes.length) return readPrincipal(bytes, offset); // throws
    const id = binaryKey(bytes.subarray(offset + 1, offset + 1 + length));
    let gateway = gatewayPrincipals.get(id);
    if (gateway === undefined) {
        gateway = readPrincipal(bytes, offset)[0];
        gatewayPrincipals.set(id, gateway);
    }
    return [gateway, offset + 1 + length];
}

export function decodeClientRecord(bytes: Uint8Array): ClientRecord {
    if (bytes.length < 30) throw new Error('corrupt client record');
    const [gateway, end] = readGateway(bytes, 29);
    if (end !== bytes.length) throw new Error('corrupt client record');
    const view = viewOf(bytes);
    return {
        lastKeepAliveTimestamp: view.getBigUint64(0),
        nextIncomingSequenceNum: view.getBigUint64(8),
        lastOutgoingSequenceNum: view.getBigUint64(16),
        waitingForKeepAlive: bytes[24] === 1,
        queuedMessages: view.getUint32(25),
        gateway
    };
}

/**
 * A gateway that clients named in ws_open. Stable map `gateways`: gateway principal bytes → this. Its queue (nonces,
 * messages, tree) belongs to the certified queue (`../queue/`).
 */
export type GatewayRecord = {
    connectedClientsCount: bigint;
    /** ns when the client count dropped to 0 (the gateway is then removed one ack interval later); null if not. */
    emptySince: bigint | null;
};

// [count 8][hasEmptySince 1][emptySince 8]
const GATEWAY_RECORD_BYTES = 17;

export function encodeGatewayRecord(record: GatewayRecord): Uint8Array {
    const bytes = new Uint8Array(GATEWAY_RECORD_BYTES);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, record.connectedClientsCount);
    bytes[8] = record.emptySince === null ? 0 : 1;
    view.setBigUint64(9, record.emptySince ?? 0n);
    return bytes;
}

export function decodeGatewayRecord(bytes: Uint8Array): GatewayRecord {
    if (bytes.length !== GATEWAY_RECORD_BYTES) throw new Error('corrupt gateway record');
    const view = viewOf(bytes);
    return {
        connectedClientsCount: view.getBigUint64(0),
        emptySince: bytes[8] === 1 ? view.getBigUint64(9) : null
    };
}

/** A queued, certified message. Stable map `messages`: gateway principal bytes ‖ nonce → this (`../queue/layout.ts`). */
export type MessageRecord = {
    /** sha256(content): the certified leaf value. */
    contentHash: Uint8Array;
    /** labeled(key, leaf(contentHash)): the message's node in the certified tree. */
    ownHash: Uint8Array;
    /** ns when it was queued; drives deletion of old messages. */
    timestamp: bigint;
    clientKey: ClientKey;
    /** The CBOR of the WebsocketMessage, exactly as served. */
    content: Uint8Array;
};

const TIMESTAMP_OFFSET = 64;

// [contentHash 32][ownHash 32][timestamp 8][client key: len 1 + principal + nonce 8][content ...]
export function encodeMessageRecord(record: MessageRecord): Uint8Array {
    const principal = storablePrincipalBytes(record.clientKey.client_principal);
    const contentOffset = TIMESTAMP_OFFSET + 8 + 1 + principal.length + 8;
    const bytes = new Uint8Array(contentOffset + record.content.length);
    const view = new DataView(bytes.buffer);
    bytes.set(record.contentHash, 0);
    bytes.set(record.ownHash, 32);
    view.setBigUint64(TIMESTAMP_OFFSET, record.timestamp);
    bytes[TIMESTAMP_OFFSET + 8] = principal.length;
    bytes.set(principal, TIMESTAMP_OFFSET + 9);
    view.setBigUint64(contentOffset - 8, record.clientKey.client_nonce);
    bytes.set(record.content, contentOffset);
    return bytes;
}

export function decodeMessageRecord(bytes: Uint8Array): MessageRecord {
    const [clientKey, contentOffset] = readClientKey(bytes, TIMESTAMP_OFFSET + 8);
    return {
        contentHash: bytes.slice(0, 32),
        ownHash: bytes.slice(32, 64),
        timestamp: readU64(bytes, TIMESTAMP_OFFSET),
        clientKey,
        content: bytes.slice(contentOffset)
    };
}

/** What a poll needs of a message record: views into `bytes`, no copies of hashes or content. */
export function readQueuedMessage(bytes: Uint8Array): { contentHash: Uint8Array; clientKey: ClientKey; content: Uint8Array } {
    const [clientKey, contentOffset] = readClientKey(bytes, TIMESTAMP_OFFSET + 8);
    return { contentHash: bytes.subarray(0, 32), clientKey, content: bytes.subarray(contentOffset) };
}

/** Only the client key of a message record. */
export function messageRecordClientKey(bytes: Uint8Array): ClientKey {
    return readClientKey(bytes, TIMESTAMP_OFFSET + 8)[0];
}

/** Only the own hash of a message record (a view). */
export function messageRecordOwnHash(bytes: Uint8Array): Uint8Array {
    return bytes.subarray(32, 64);
}

/** Only the timestamp of a message record (no copies). */
export function messageRecordTimestamp(bytes: Uint8Array): bigint {
    return readU64(bytes, TIMESTAMP_OFFSET);
}

function viewOf(bytes: Uint8Array): DataView {
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
