/**
 * The WebSocket frames between an `ic-websocket-js` client and the gateway (spec protocol.md §7-§8):
 * - gateway → client, once on connect: the handshake, CBOR `{gateway_principal: bytes}` with the self-describe tag;
 * - client → gateway: CBOR `{envelope: <signed IC call envelope>}`, relayed byte for byte to the IC;
 * - gateway → client: CBOR `{key, content, cert, tree}`, one frame per canister message.
 * Everything here is pure: bytes in, values out, or a {@link ProtocolViolation} saying what is wrong.
 */
import { decode, encode, encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { CanisterWsOpenArgumentsIdl, type CanisterWsOpenArguments } from '../src/wire.js';

/** A client broke the protocol; the message is the close reason the client receives. */
export class ProtocolViolation extends Error {
    override name = 'ProtocolViolation';
}

/** A client's signed call, ready to be submitted to `/api/v2/canister/<canisterId>/call`. */
export interface RelayedCall {
    canisterId: Principal;
    sender: Principal;
    methodName: string;
    /** The Candid argument of the call (not re-encoded; part of what the client signed). */
    arg: Uint8Array;
    /** The client's envelope as CBOR: the exact bytes it sent, behind the self-describe tag. */
    envelope: Uint8Array;
    /** When the envelope expires (its `ingress_expiry`, in ms since the epoch): the IC refuses it afterwards. */
    ingressExpiryMs: number;
}

/** What the gateway forwards to a client for each canister message (spec protocol.md §7.2). */
export interface CanisterToClientMessage {
    key: string;
    content: Uint8Array;
    cert: Uint8Array;
    tree: Uint8Array;
}

const SELF_DESCRIBE_TAG = Uint8Array.of(0xd9, 0xd9, 0xf7);
// A one-entry CBOR map (0xa1) whose key is the 8-byte text "envelope" (0x68 + ASCII): the value follows it.
const ENVELOPE_MAP_PREFIX = Uint8Array.of(0xa1, 0x68, ...new TextEncoder().encode('envelope'));

/**
 * The handshake frame telling the client which principal to name as gateway in `ws_open`.
 *
 * @example
 * socket.send(encodeHandshake(identity.getPrincipal()));
 */
export function encodeHandshake(gatewayPrincipal: Principal): Uint8Array {
    return encodeWithSelfDescribedTag({ gateway_principal: gatewayPrincipal.toUint8Array() });
}

/**
 * Encodes one canister message for its client, without the self-describe tag (as ic-websocket-gateway does).
 *
 * @example
 * socket.send(encodeCanisterToClientMessage({ key, content, cert, tree }));
 */
export function encodeCanisterToClientMessage(message: CanisterToClientMessage): Uint8Array {
    return encode({ key: message.key, content: message.content, cert: message.cert, tree: message.tree });
}

/**
 * Parses a client frame carrying a signed call envelope. Throws {@link ProtocolViolation} when the frame is not
 * CBOR, is not `{envelope}`, or the envelope is not a well-formed `call`.
 *
 * @example
 * const call = parseClientFrame(frame); // call.canisterId, call.methodName, call.envelope (bytes to submit)
 */
export function parseClientFrame(frame: Uint8Array): RelayedCall {
    let decoded: unknown;
    try {
        decoded = decode(frame);
    } catch (error) {
        throw new ProtocolViolation(`frame is not CBOR (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!isRecord(decoded) || Object.keys(decoded).length !== 1 || !isRecord(decoded.envelope)) {
        throw new ProtocolViolation('expected a CBOR map {envelope} carrying a signed call envelope');
    }
    const content = decoded.envelope.content;
    if (!isRecord(content)) throw new ProtocolViolation('envelope has no content map');
    if (content.request_type !== 'call') {
        throw new ProtocolViolation(`only "call" envelopes can be relayed, got request_type ${JSON.stringify(String(content.request_type))}`);
    }
    const canisterId = principalField(content, 'canister_id');
    const sender = principalField(content, 'sender');
    if (typeof content.method_name !== 'string') throw new ProtocolViolation('envelope content.method_name must be text');
    if (!(content.arg instanceof Uint8Array)) throw new ProtocolViolation('envelope content.arg must be bytes');
    const expiry = content.ingress_expiry;
    if (!((typeof expiry === 'bigint' && expiry >= 0n) || (typeof expiry === 'number' && Number.isInteger(expiry) && expiry >= 0))) {
        throw new ProtocolViolation('envelope content.ingress_expiry must be a nat (nanoseconds)');
    }
    return {
        canisterId,
        sender,
        methodName: content.method_name,
        arg: content.arg,
        envelope: envelopeBytes(frame, decoded.envelope),
        ingressExpiryMs: Number(BigInt(expiry) / 1_000_000n)
    };
}

/**
 * Decodes the Candid argument of a `ws_open` call. Throws {@link ProtocolViolation} on anything else.
 *
 * @example
 * const { client_nonce, gateway_principal } = decodeWsOpenArguments(call.arg);
 */
export function decodeWsOpenArguments(arg: Uint8Array): CanisterWsOpenArguments {
    try {
        const [args] = IDL.decode([CanisterWsOpenArgumentsIdl], arg) as unknown as [CanisterWsOpenArguments];
        return args;
    } catch (error) {
        throw new ProtocolViolation(`ws_open argument is not CanisterWsOpenArguments (${error instanceof Error ? error.message : String(error)})`);
    }
}

// The envelope's own bytes, sliced out of the frame so the IC receives exactly what the client signed. A client
// encoding the outer map unusually (not canonical) gets its envelope re-encoded; the request id, which covers only
// the content's values, does not depend on the encoding.
function envelopeBytes(frame: Uint8Array, envelope: Record<string, unknown>): Uint8Array {
    const start = startsWith(frame, SELF_DESCRIBE_TAG) ? SELF_DESCRIBE_TAG.length : 0;
    if (startsWith(frame.subarray(start), ENVELOPE_MAP_PREFIX)) {
        const value = frame.subarray(start + ENVELOPE_MAP_PREFIX.length);
        return concat(startsWith(value, SELF_DESCRIBE_TAG) ? new Uint8Array() : SELF_DESCRIBE_TAG, value);
    }
    return encodeWithSelfDescribedTag(envelope);
}

function principalField(content: Record<string, unknown>, field: string): Principal {
    const value = content[field];
    if (!(value instanceof Uint8Array) || value.length > 29) {
        throw new ProtocolViolation(`envelope content.${field} must be principal bytes`);
    }
    return Principal.fromUint8Array(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !Array.isArray(value);
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
    return bytes.length >= prefix.length && prefix.every((byte, index) => bytes[index] === byte);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
}
