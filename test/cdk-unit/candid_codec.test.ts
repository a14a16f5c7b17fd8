import { describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { candidFieldHash, decodeGetMessagesArgs, encodeGetMessagesReply } from '../../src/candid_codec';
import { CanisterWsGetMessagesArgumentsIdl, CanisterWsGetMessagesResultIdl } from '../../src/types';
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
