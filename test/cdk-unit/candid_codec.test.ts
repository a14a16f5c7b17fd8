import { describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import {
    candidFieldHash,
    candidHeaderLength,
    decodeGetMessagesArgs,
    decodeWsCloseArgs,
    decodeWsMessageArgs,
    decodeWsOpenArgs,
    encodeGetMessagesReply,
    encodeWsResult
} from '../../src/candid_codec';
import {
    CanisterWsCloseArgumentsIdl,
    CanisterWsGetMessagesArgumentsIdl,
    CanisterWsGetMessagesResultIdl,
    CanisterWsMessageArgumentsIdl,
    CanisterWsOpenArgumentsIdl,
    WsResultIdl
} from '../../src/types';
import { CLIENT_1, CLIENT_2, hex } from './helpers';

describe('hand-written Candid of ws_get_messages', () => {
    it('hashes field names as the Candid spec does', () => {
        expect(candidFieldHash('Ok')).toBe(17724);
        expect(candidFieldHash('Err')).toBe(3456837);
    });

    it('encodes replies byte-identical to IDL.encode, empty or full, with any principal and content size', () => {
        const replies = [
            { messages: [], cert: new Uint8Array(), tree: new Uint8Array(), is_end_of_queue: true },
            {
                messages: [
                    { client_key: { client_principal: CLIENT_1, client_nonce: 2n ** 64n - 1n }, key: 'gw_00000000000000000007', content: new Uint8Array(300).fill(9) },
                    { client_key: { client_principal: Principal.anonymous(), client_nonce: 0n }, key: 'gw_00000000000000000008', content: new Uint8Array() },
                    { client_key: { client_principal: CLIENT_2, client_nonce: 5n }, key: 'x'.repeat(200), content: new Uint8Array(70_000).fill(1) }
                ],
                cert: new Uint8Array(1500).fill(3),
                tree: new Uint8Array(130).fill(4),
                is_end_of_queue: false
            }
        ];
        for (const reply of replies) {
            expect(hex(encodeGetMessagesReply(reply))).toBe(hex(new Uint8Array(IDL.encode([CanisterWsGetMessagesResultIdl], [{ Ok: reply }]))));
        }
    });

    it('decodes the gateway argument directly, and anything else through IDL.decode', () => {
        for (const nonce of [0n, 1n, 2n ** 63n + 5n]) {
            expect(decodeGetMessagesArgs(new Uint8Array(IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce }])))).toEqual({ nonce });
        }
        // Same value with a different (but compatible) type table: an extra ignored argument.
        const extra = new Uint8Array(IDL.encode([CanisterWsGetMessagesArgumentsIdl, IDL.Text], [{ nonce: 9n }, 'ignored']));
        expect(decodeGetMessagesArgs(extra)).toEqual({ nonce: 9n });
        expect(() => decodeGetMessagesArgs(new Uint8Array(IDL.encode([IDL.Text], ['nope'])))).toThrow();
        expect(() => decodeGetMessagesArgs(new Uint8Array([1, 2, 3]))).toThrow();
    });
});

describe('hand-written Candid of ws_open, ws_close and ws_message', () => {
    const AppMessage = IDL.Record({ text: IDL.Text });
    const msg = {
        client_key: { client_principal: CLIENT_1, client_nonce: 385892949151814926n },
        sequence_num: 3n,
        timestamp: 1702143738049473644n,
        is_service_message: true,
        content: new Uint8Array(200).fill(5)
    };
    /** Comparable form: principals as text, bytes as hex, keys sorted (IDL.decode orders fields by hash). */
    const view = (value: unknown): unknown => {
        if (value instanceof Uint8Array) return hex(value);
        if (value instanceof Principal) return value.toText();
        if (typeof value === 'bigint') return `${value}n`;
        if (value !== null && typeof value === 'object') {
            return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, view(v)]));
        }
        return value;
    };

    it('reads arguments as IDL.decode does, from our type tables and from others', () => {
        const open = { client_nonce: 7n, gateway_principal: CLIENT_2 };
        expect(view(decodeWsOpenArgs(new Uint8Array(IDL.encode([CanisterWsOpenArgumentsIdl], [open]))))).toEqual(view(open));
        const close = { client_key: { client_principal: Principal.anonymous(), client_nonce: 2n ** 64n - 1n } };
        expect(view(decodeWsCloseArgs(new Uint8Array(IDL.encode([CanisterWsCloseArgumentsIdl], [close]))))).toEqual(view(close));
        // As ic-websocket-js sends it (opt null), and as a Rust client would (opt AppMessage with a value).
        const fromSdk = new Uint8Array(IDL.encode([CanisterWsMessageArgumentsIdl, IDL.Opt(IDL.Null)], [{ msg }, []]));
        const fromRust = new Uint8Array(IDL.encode([CanisterWsMessageArgumentsIdl, IDL.Opt(AppMessage)], [{ msg }, [{ text: 'x' }]]));
        for (const bytes of [fromSdk, fromRust]) expect(view(decodeWsMessageArgs(bytes))).toEqual(view({ msg }));
    });

    it('refuses malformed arguments with an error naming the endpoint', () => {
        const good = new Uint8Array(IDL.encode([CanisterWsOpenArgumentsIdl], [{ client_nonce: 7n, gateway_principal: CLIENT_2 }]));
        expect(() => decodeWsOpenArgs(good.slice(0, good.length - 1))).toThrow(/^Failed to decode Candid arguments of ws_open/);
        expect(() => decodeWsMessageArgs(new Uint8Array(IDL.encode([IDL.Text], ['x'])))).toThrow(/ws_message/);
        expect(() => decodeWsCloseArgs(new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0xff]))).toThrow(/ws_close/);
        expect(() => candidHeaderLength(new Uint8Array([1, 2, 3, 4]))).toThrow(/magic/);
    });

    it('encodes Ok and Err results byte-identical to IDL.encode', () => {
        for (const result of [{ Ok: null }, { Err: 'Anonymous principal is not allowed' }, { Err: 'ünïcode ✓' }]) {
            expect(hex(encodeWsResult(result as never))).toBe(hex(new Uint8Array(IDL.encode([WsResultIdl], [result]))));
        }
    });
});
