/**
 * The WebSocket frames between the client and the gateway (spec protocol.md §7-§8), as pure decoders: bytes in,
 * typed values out, or an {@link IcWebSocketError} with reason `handshake-invalid` / `frame-invalid`.
 * - gateway → client, once: the handshake `{gateway_principal: bytes}`;
 * - gateway → client, per canister message: `{key, content, cert, tree}`; `content` is the CBOR of a
 *   {@link WebsocketMessage}, certified by the canister;
 * - client → gateway: `{envelope: <signed call>}` (see signed-call.ts).
 */
import { Cbor } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { IcWebSocketError, messageOf } from './errors.js';
import type { WebsocketMessage } from './idl.js';

/** One canister message as the gateway forwards it: the message, its certification key, certificate and witness. */
export interface ClientIncomingMessage {
    /** `<gateway principal>_<20-digit nonce>`: the message's label in the canister's certified tree. */
    key: string;
    /** CBOR of the {@link WebsocketMessage}: the bytes whose SHA-256 is certified. */
    content: Uint8Array;
    /** The canister's data certificate (CBOR), signed by the subnet. */
    cert: Uint8Array;
    /** The witness (CBOR hash tree) revealing `websocket/<key>`. */
    tree: Uint8Array;
}

/** The bytes of a frame as the WebSocket delivers them (binaryType `arraybuffer`; Node's `ws` may give a Buffer). */
export function frameBytes(data: unknown): Uint8Array {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    throw new IcWebSocketError('frame-invalid', `The gateway sent a ${typeof data === 'string' ? 'text' : typeof data} frame; IC WebSocket frames are binary CBOR`);
}

function decodeCbor(bytes: Uint8Array, what: string, reason: 'handshake-invalid' | 'frame-invalid'): Record<string, unknown> {
    let value: unknown;
    try {
        // A plain Uint8Array view: decoding a Node Buffer (what `ws` delivers) yields Buffer byte strings, whose
        // certificate time then reads wrong in the verifier (a certificate "56 years old").
        value = Cbor.decode(bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (error) {
        throw new IcWebSocketError(reason, `The gateway's ${what} is not valid CBOR: ${messageOf(error)}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
        throw new IcWebSocketError(reason, `The gateway's ${what} is not a CBOR map`);
    }
    return value as Record<string, unknown>;
}

/**
 * The gateway's principal from its handshake frame (the first frame it sends).
 *
 * @example
 * const gatewayPrincipal = decodeHandshake(firstFrame);
 */
export function decodeHandshake(frame: Uint8Array): Principal {
    const value = decodeCbor(frame, 'first frame (handshake)', 'handshake-invalid');
    const principal = value.gateway_principal;
    if (!(principal instanceof Uint8Array) || principal.length > 29) {
        throw new IcWebSocketError('handshake-invalid', "The gateway's first frame is not a handshake {gateway_principal}: is this an IC WebSocket gateway?");
    }
    return Principal.fromUint8Array(principal);
}

/**
 * A canister message frame `{key, content, cert, tree}` (not yet verified).
 *
 * @example
 * const incoming = decodeIncomingMessage(frame);
 * const message = await verifier.verify(incoming); // the WebsocketMessage, certificate checked
 */
export function decodeIncomingMessage(frame: Uint8Array): ClientIncomingMessage {
    const value = decodeCbor(frame, 'message frame', 'frame-invalid');
    const { key, content, cert, tree } = value;
    if (typeof key !== 'string' || !(content instanceof Uint8Array) || !(cert instanceof Uint8Array) || !(tree instanceof Uint8Array)) {
        throw new IcWebSocketError('frame-invalid', 'The gateway sent a frame that is not a canister message {key, content, cert, tree}');
    }
    return { key, content, cert, tree };
}

/**
 * Decodes the CBOR `content` of a canister message into a {@link WebsocketMessage} (any valid CBOR, with or
 * without the self-describe tag). Throws `frame-invalid` on any other shape.
 */
export function decodeWebsocketMessage(content: Uint8Array): WebsocketMessage {
    const value = decodeCbor(content, 'message content', 'frame-invalid');
    const clientKey = value.client_key as Record<string, unknown> | undefined;
    const principal = clientKey?.client_principal;
    if (
        typeof clientKey !== 'object' ||
        clientKey === null ||
        !(principal instanceof Uint8Array) ||
        principal.length > 29 ||
        !isUint(clientKey.client_nonce) ||
        !isUint(value.sequence_num) ||
        !isUint(value.timestamp) ||
        typeof value.is_service_message !== 'boolean' ||
        !(value.content instanceof Uint8Array)
    ) {
        throw new IcWebSocketError('frame-invalid', 'A canister message does not hold a WebsocketMessage {client_key, sequence_num, timestamp, is_service_message, content}');
    }
    return {
        client_key: { client_principal: Principal.fromUint8Array(principal), client_nonce: BigInt(clientKey.client_nonce) },
        sequence_num: BigInt(value.sequence_num),
        timestamp: BigInt(value.timestamp),
        is_service_message: value.is_service_message,
        content: value.content
    };
}

function isUint(value: unknown): value is number | bigint {
    return (typeof value === 'bigint' && value >= 0n) || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);
}
