import { decode } from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import type { WebsocketMessage } from './test-canister-interface.ts';

/**
 * The CBOR form of `WebsocketMessage` (protocol spec §3.2): what the canister puts in
 * `CanisterOutputMessage.content` and what the client hashes and certifies.
 *
 * `decodeWebsocketMessage` reads it the way a client does (any valid CBOR, tag optional);
 * `encodeWebsocketMessageLikeRust` writes the exact bytes the Rust CDK produces (self-describe tag, fields in
 * declaration order, minimal-length unsigned ints, principal as a byte string), an independent reference for the
 * byte-compatibility check.
 *
 * @example
 * ```ts
 * const message = decodeWebsocketMessage(output.content);
 * expect(output.content).toEqual(encodeWebsocketMessageLikeRust(message));
 * ```
 */

const FIELD_ORDER = ['client_key', 'sequence_num', 'timestamp', 'is_service_message', 'content'] as const;

export function decodeWebsocketMessage(content: Uint8Array): WebsocketMessage {
    const value = decode(content) as Record<string, unknown>;
    const keys = Object.keys(value ?? {});
    if (keys.join() !== FIELD_ORDER.join()) {
        throw new Error(`WebsocketMessage CBOR must be a map of ${FIELD_ORDER.join(', ')}; got ${keys.join(', ')}`);
    }
    const clientKey = value.client_key as Record<string, unknown>;
    return {
        client_key: {
            client_principal: Principal.fromUint8Array(bytesField(clientKey.client_principal, 'client_principal')),
            client_nonce: uintField(clientKey.client_nonce, 'client_nonce')
        },
        sequence_num: uintField(value.sequence_num, 'sequence_num'),
        timestamp: uintField(value.timestamp, 'timestamp'),
        is_service_message: boolField(value.is_service_message),
        content: bytesField(value.content, 'content')
    };
}

export function encodeWebsocketMessageLikeRust(message: WebsocketMessage): Uint8Array {
    const out: number[] = [0xd9, 0xd9, 0xf7, 0xa5];
    text(out, 'client_key');
    out.push(0xa2);
    text(out, 'client_principal');
    bytes(out, message.client_key.client_principal.toUint8Array());
    text(out, 'client_nonce');
    uint(out, 0, message.client_key.client_nonce);
    text(out, 'sequence_num');
    uint(out, 0, message.sequence_num);
    text(out, 'timestamp');
    uint(out, 0, message.timestamp);
    text(out, 'is_service_message');
    out.push(message.is_service_message ? 0xf5 : 0xf4);
    text(out, 'content');
    bytes(out, message.content);
    return Uint8Array.from(out);
}

function uint(out: number[], majorType: number, value: bigint | number): void {
    const n = BigInt(value);
    const major = majorType << 5;
    if (n < 24n) return void out.push(major | Number(n));
    const width = n < 0x100n ? 1 : n < 0x10000n ? 2 : n < 0x100000000n ? 4 : 8;
    out.push(major | { 1: 24, 2: 25, 4: 26, 8: 27 }[width]!);
    for (let i = width - 1; i >= 0; i--) out.push(Number((n >> BigInt(8 * i)) & 0xffn));
}

function bytes(out: number[], value: Uint8Array): void {
    uint(out, 2, value.length);
    out.push(...value);
}

function text(out: number[], value: string): void {
    const utf8 = new TextEncoder().encode(value);
    uint(out, 3, utf8.length);
    out.push(...utf8);
}

function uintField(value: unknown, name: string): bigint {
    if (typeof value === 'bigint' && value >= 0n) return value;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
    throw new Error(`WebsocketMessage field ${name} must be an unsigned integer, got ${String(value)}`);
}

function bytesField(value: unknown, name: string): Uint8Array {
    if (value instanceof Uint8Array) return value;
    throw new Error(`WebsocketMessage field ${name} must be a CBOR byte string`);
}

function boolField(value: unknown): boolean {
    if (typeof value === 'boolean') return value;
    throw new Error('WebsocketMessage field is_service_message must be a CBOR boolean');
}
