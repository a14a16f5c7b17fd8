// The canister's service messages (Open, Ack, Close: the one-arm variant of their kind, a Candid subtype of the full
// 4-arm type, see src/protocol/service_messages.ts) decode with ic-websocket-js 0.5's own decoder and its
// @dfinity/candid 2.4.1, exactly as the unmodified client does when they arrive.
import { Principal } from '@dfinity/principal';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ackMessage, closeMessage, openMessage } from '../../src/protocol/service_messages.ts';
import type { CloseMessageReason } from '../../src/types.ts';

const require = createRequire(import.meta.url);
const { decodeWebsocketServiceMessageContent } = require('ic-websocket-js/lib/cjs/idl.js') as { decodeWebsocketServiceMessageContent: (bytes: Uint8Array) => unknown };

/** ic-websocket-js's principals come from its own @dfinity/principal: compare by text. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}n` : v && typeof v === 'object' && '_isPrincipal' in v ? `principal ${v.toText()}` : v)));

describe("ic-websocket-js decodes the canister's service messages", () => {
    it('OpenMessage for principals of several lengths and nonces', () => {
        for (const principal of [Principal.fromUint8Array(new Uint8Array(29).fill(7)), Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai'), Principal.anonymous()]) {
            for (const nonce of [0n, 385892949151814926n, 2n ** 64n - 1n]) {
                // This folder's @dfinity/principal is 2.4.1 (src's types name 3.x's): the same bytes either way.
                const key = { client_principal: principal, client_nonce: nonce } as unknown as Parameters<typeof openMessage>[0];
                expect(plain(decodeWebsocketServiceMessageContent(openMessage(key)))).toEqual(plain({ OpenMessage: { client_key: key } }));
            }
        }
    });

    it('AckMessage and every CloseMessage reason', () => {
        for (const n of [0n, 7n, 2n ** 64n - 1n]) {
            expect(plain(decodeWebsocketServiceMessageContent(ackMessage(n)))).toEqual(plain({ AckMessage: { last_incoming_sequence_num: n } }));
        }
        const reasons: CloseMessageReason[] = [{ WrongSequenceNumber: null }, { InvalidServiceMessage: null }, { KeepAliveTimeout: null }, { ClosedByApplication: null }];
        for (const reason of reasons) expect(plain(decodeWebsocketServiceMessageContent(closeMessage(reason)))).toEqual(plain({ CloseMessage: { reason } }));
    });
});
