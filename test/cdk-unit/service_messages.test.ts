import { describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import {
    ackMessage,
    closeMessage,
    decodeClientServiceMessage,
    encodeServiceMessage,
    openMessage
} from '../../src/protocol/service_messages';
import { WebsocketServiceMessageContentIdl, type CloseMessageReason, type WebsocketServiceMessageContent } from '../../src/types';
import { CLIENT_1, hex } from './helpers';

// The canister's service messages are the one-arm variant of their kind (spelled out here, independently of src/),
// and decode as the full 4-arm type with @dfinity/candid (the e2e suites decode them with ic-websocket-js's 2.x).
const ClientKey = IDL.Record({ client_principal: IDL.Principal, client_nonce: IDL.Nat64 });
const Reason = IDL.Variant({ WrongSequenceNumber: IDL.Null, InvalidServiceMessage: IDL.Null, KeepAliveTimeout: IDL.Null, ClosedByApplication: IDL.Null });
const oneArm = (content: WebsocketServiceMessageContent): Uint8Array => {
    const arms: Record<string, IDL.Type> = {
        OpenMessage: IDL.Record({ client_key: ClientKey }),
        AckMessage: IDL.Record({ last_incoming_sequence_num: IDL.Nat64 }),
        CloseMessage: IDL.Record({ reason: Reason })
    };
    const name = Object.keys(content)[0];
    return new Uint8Array(IDL.encode([IDL.Variant({ [name]: arms[name] })], [content]));
};
const asFullType = (bytes: Uint8Array) => IDL.decode([WebsocketServiceMessageContentIdl], bytes)[0];

describe('service message templates equal IDL.encode of their one-arm variant and decode as the full type', () => {
    it('for open messages of principals of every length', () => {
        for (const principal of [CLIENT_1, Principal.anonymous(), Principal.managementCanister(), Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai')]) {
            for (const nonce of [0n, 1n, 385892949151814926n, 2n ** 64n - 1n]) {
                const key = { client_principal: principal, client_nonce: nonce };
                expect(hex(openMessage(key))).toBe(hex(oneArm({ OpenMessage: { client_key: key } })));
                expect(asFullType(openMessage(key))).toEqual({ OpenMessage: { client_key: key } });
            }
        }
    });

    it('for acks and every close reason', () => {
        for (const n of [0n, 7n, 2n ** 40n + 3n]) {
            expect(hex(ackMessage(n))).toBe(hex(oneArm({ AckMessage: { last_incoming_sequence_num: n } })));
            expect(asFullType(ackMessage(n))).toEqual({ AckMessage: { last_incoming_sequence_num: n } });
        }
        const reasons: CloseMessageReason[] = [{ WrongSequenceNumber: null }, { InvalidServiceMessage: null }, { KeepAliveTimeout: null }, { ClosedByApplication: null }];
        for (const reason of reasons) {
            expect(hex(closeMessage(reason))).toBe(hex(oneArm({ CloseMessage: { reason } })));
            expect(asFullType(closeMessage(reason))).toEqual({ CloseMessage: { reason } });
            expect(hex(closeMessage(reason))).toBe(hex(closeMessage(reason))); // templates are not mutated
        }
    });

    it('is shorter than the full 4-arm encoding Rust writes (60 bytes for an open message, 74 for an ack)', () => {
        const key = { client_principal: CLIENT_1, client_nonce: 1n };
        expect(encodeServiceMessage({ OpenMessage: { client_key: key } }).length - openMessage(key).length).toBe(60);
        expect(encodeServiceMessage({ AckMessage: { last_incoming_sequence_num: 1n } }).length - ackMessage(1n).length).toBe(74);
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
