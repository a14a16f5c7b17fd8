import { describe, expect, it } from 'vitest';
import { decode } from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import { CborWriter, decodeCbor, decodeWebsocketMessage, encodeWebsocketMessage } from '../../src/cbor';
import { utf8Bytes } from '../../src/bytes';
import { hex } from './helpers';

const text = (s: string) => hex(new CborWriter().textString(s).bytes());

describe('CBOR of WebsocketMessage (spec §3.2)', () => {
    // The field values of the SDK fixture's 286-byte open message, with a 29-byte principal and 137 content bytes.
    const principal = Principal.fromUint8Array(Uint8Array.from({ length: 29 }, (_, i) => i + 1));
    const content = Uint8Array.from({ length: 137 }, (_, i) => (i * 7) & 0xff);
    const message = {
        client_key: { client_principal: principal, client_nonce: 385892949151814926n },
        sequence_num: 1n,
        timestamp: 1702143738049473644n,
        is_service_message: true,
        content
    };

    it('writes the Rust layout byte for byte: tag, map(5) in declaration order, principal as bytes, minimal uints', () => {
        const bytes = encodeWebsocketMessage(message);
        const expected =
            'd9d9f7' + 'a5' +
            text('client_key') + 'a2' +
            text('client_principal') + '581d' + hex(principal.toUint8Array()) +
            text('client_nonce') + '1b' + (385892949151814926n).toString(16).padStart(16, '0') +
            text('sequence_num') + '01' +
            text('timestamp') + '1b' + (1702143738049473644n).toString(16).padStart(16, '0') +
            text('is_service_message') + 'f5' +
            text('content') + '5889' + hex(content);
        expect(hex(bytes)).toBe(expected);
        expect(bytes.length).toBe(286); // the fixture's size for these field widths
    });

    it('round-trips through our reader and a generic CBOR decoder', () => {
        const bytes = encodeWebsocketMessage({ ...message, is_service_message: false });
        const back = decodeWebsocketMessage(bytes);
        expect(back.client_key.client_principal.toText()).toBe(principal.toText());
        expect(back).toMatchObject({ sequence_num: 1n, timestamp: 1702143738049473644n, is_service_message: false });
        expect(hex(back.content)).toBe(hex(content));
        const generic = decode(bytes) as Record<string, unknown>;
        expect(Object.keys(generic)).toEqual(['client_key', 'sequence_num', 'timestamp', 'is_service_message', 'content']);
    });

    it('uses minimal-length unsigned integers at every width boundary, never floats or bignums', () => {
        const cases: [bigint, string][] = [
            [0n, '00'], [23n, '17'], [24n, '1818'], [255n, '18ff'], [256n, '190100'], [65535n, '19ffff'],
            [65536n, '1a00010000'], [0xffff_ffffn, '1affffffff'], [0x1_0000_0000n, '1b0000000100000000'],
            [2n ** 64n - 1n, '1bffffffffffffffff']
        ];
        for (const [value, encoded] of cases) {
            expect(hex(new CborWriter().uint(value).bytes())).toBe(encoded);
            expect(decodeCbor(new CborWriter().uint(value).bytes())).toBe(value);
        }
        expect(() => new CborWriter().uint(2n ** 64n)).toThrow(/out of u64 range/);
    });

    it('writes every integer width and content length of a message as the general writer does', () => {
        // The message encoder writes its exact-size buffer by hand; the oracle is the general CborWriter.
        const reference = (m: typeof message) => {
            const writer = new CborWriter();
            writer.raw(new Uint8Array([0xd9, 0xd9, 0xf7])).mapHeader(5).textString('client_key').mapHeader(2);
            writer.textString('client_principal').byteString(m.client_key.client_principal.toUint8Array());
            writer.textString('client_nonce').uint(m.client_key.client_nonce).textString('sequence_num').uint(m.sequence_num);
            writer.textString('timestamp').uint(m.timestamp).textString('is_service_message').bool(m.is_service_message);
            return hex(writer.textString('content').byteString(m.content).bytes());
        };
        const widths = [0n, 23n, 24n, 255n, 256n, 65535n, 65536n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n + 1n, 2n ** 64n - 1n];
        for (const [i, value] of widths.entries()) {
            for (const length of [0, 23, 24, 255, 256, 65536]) {
                const m = {
                    ...message,
                    client_key: { client_principal: i % 2 ? principal : Principal.anonymous(), client_nonce: value },
                    sequence_num: widths[(i + 3) % widths.length],
                    timestamp: widths[(i + 7) % widths.length],
                    is_service_message: i % 2 === 0,
                    content: new Uint8Array(length).fill(i)
                };
                expect(hex(encodeWebsocketMessage(m)), `${value} ${length}`).toBe(reference(m));
            }
        }
        expect(() => encodeWebsocketMessage({ ...message, sequence_num: 2n ** 64n })).toThrow(/out of u64 range/);
    });

    it('rejects malformed input with a clear error', () => {
        expect(() => decodeCbor(new Uint8Array([0x58, 0x05, 1]))).toThrow(/past the end/);
        expect(() => decodeCbor(new Uint8Array([0x01, 0x02]))).toThrow(/trailing/);
        expect(() => decodeCbor(new Uint8Array([0xfb, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(/float/);
        expect(() => decodeWebsocketMessage(new CborWriter().mapHeader(0).bytes())).toThrow(/client_key is not a map/);
        expect(utf8Bytes('x')).toEqual(new Uint8Array([0x78]));
    });
});
