import { describe, expect, it } from 'vitest';
import { Principal } from '@dfinity/principal';
import {
    ackMessage,
    closeMessage,
    decodeClientServiceMessage,
    encodeServiceMessage,
    openMessage
} from '../../src/protocol/service_messages';
import type { CloseMessageReason } from '../../src/types';
import { CLIENT_1, hex } from './helpers';

describe('service message templates equal IDL.encode', () => {
    it('for open messages of principals of every length', () => {
        for (const principal of [CLIENT_1, Principal.anonymous(), Principal.managementCanister(), Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai')]) {
            for (const nonce of [0n, 1n, 385892949151814926n, 2n ** 64n - 1n]) {
                const key = { client_principal: principal, client_nonce: nonce };
                expect(hex(openMessage(key))).toBe(hex(encodeServiceMessage({ OpenMessage: { client_key: key } })));
            }
        }
    });

    it('for acks and every close reason', () => {
        for (const n of [0n, 7n, 2n ** 40n + 3n]) {
            expect(hex(ackMessage(n))).toBe(hex(encodeServiceMessage({ AckMessage: { last_incoming_sequence_num: n } })));
        }
        const reasons: CloseMessageReason[] = [{ WrongSequenceNumber: null }, { InvalidServiceMessage: null }, { KeepAliveTimeout: null }, { ClosedByApplication: null }];
        for (const reason of reasons) {
            expect(hex(closeMessage(reason))).toBe(hex(encodeServiceMessage({ CloseMessage: { reason } })));
            expect(hex(closeMessage(reason))).toBe(hex(closeMessage(reason))); // templates are not mutated
        }
    });

    it('recognizes keep-alives and decodes anything else with the full decoder', () => {
        const keepAlive = encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: 12n } });
        expect(decodeClientServiceMessage(keepAlive)).toEqual({ KeepAliveMessage: { last_incoming_sequence_num: 12n } });
        expect(decodeClientServiceMessage(ackMessage(3n))).toEqual({ AckMessage: { last_incoming_sequence_num: 3n } });
        const corrupted = keepAlive.slice();
        corrupted[4] ^= 0xff;
        expect(() => decodeClientServiceMessage(corrupted)).toThrow();
    });
});
