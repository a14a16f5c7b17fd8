import { describe, expect, it } from 'vitest';
import { Principal } from '@dfinity/principal';
import { clientKeyBytes, decodePrincipalAndU64Key, decodePrincipalKey, messageKeyBytes, principalKeyBytes, readPrincipal } from '../../src/keys';
import { decodeClientRecord, decodeGatewayRecord, encodeClientRecord, encodeGatewayRecord, encodeMessageRecord } from '../../src/state/records';
import { MemoryKvMap } from '../../src/state/kv';
import { PendingBroadcasts } from '../../src/state/pending_broadcasts';
import { broadcastToClients, closeClient, queueDepth, sendToClient } from '../../src/protocol/app_api';
import { wsOpen } from '../../src/protocol/ws_open';
import { SeededRandom } from '../support/prng';
import { createContext, GATEWAY_1 } from './helpers';

const rng = new SeededRandom(0x1a7n);
const ofLength = (length: number) => Principal.fromUint8Array(rng.bytes(length));
const clientRecord = (gateway: Principal) => ({ gateway, lastKeepAliveTimestamp: 1n, nextIncomingSequenceNum: 2n, lastOutgoingSequenceNum: 3n, waitingForKeepAlive: false, queuedMessages: 4 });

describe('stored layouts: a principal is at most 29 bytes, every length is checked', () => {
    it('never writes a principal over 29 bytes (a 285-byte one would be stored with length 285 mod 256 = 29)', () => {
        for (const length of [30, 256, 285]) {
            const principal = ofLength(length);
            expect(() => principalKeyBytes(principal)).toThrow(/cannot be stored/);
            expect(() => clientKeyBytes({ client_principal: principal, client_nonce: 1n })).toThrow(/cannot be stored/);
            expect(() => messageKeyBytes(principal, 1n)).toThrow(/cannot be stored/);
            expect(() => encodeClientRecord(clientRecord(principal))).toThrow(/cannot be stored/);
            const message = { contentHash: new Uint8Array(32), ownHash: new Uint8Array(32), timestamp: 1n, clientKey: { client_principal: principal, client_nonce: 1n }, content: new Uint8Array(3) };
            expect(() => encodeMessageRecord(message)).toThrow(/cannot be stored/);
        }
    });

    it('reads back exactly what it wrote, for every principal length 0..29 (distinct keys, no aliasing)', () => {
        const seen = new Set<string>();
        for (let length = 0; length <= 29; length++) {
            for (const nonce of [0n, 1n, 2n ** 64n - 1n]) {
                const principal = ofLength(length);
                const key = clientKeyBytes({ client_principal: principal, client_nonce: nonce });
                const [decoded, decodedNonce] = decodePrincipalAndU64Key(key);
                expect([decoded.toText(), decodedNonce]).toEqual([principal.toText(), nonce]);
                expect(decodePrincipalKey(principalKeyBytes(principal)).toText()).toBe(principal.toText());
                expect(decodeClientRecord(encodeClientRecord(clientRecord(principal))).gateway.toText()).toBe(principal.toText());
                seen.add(Buffer.from(key).toString('hex'));
            }
        }
        expect(seen.size).toBe(30 * 3);
    });

    it('refuses to read a length byte over 29, or a key or record whose length does not match', () => {
        expect(() => readPrincipal(new Uint8Array([30, ...new Uint8Array(30)]), 0)).toThrow(/corrupt/);
        expect(() => decodePrincipalKey(new Uint8Array([2, 1, 2, 3]))).toThrow(/corrupt/);
        expect(() => decodePrincipalAndU64Key(new Uint8Array([1, 1, 0, 0, 0]))).toThrow(/corrupt/);
        // What the old encoder wrote for a 285-byte gateway: length byte 29, then 285 bytes. It was read as the first 29.
        const aliased = new Uint8Array([...new Uint8Array(29), 29, ...rng.bytes(285)]);
        expect(() => decodeClientRecord(aliased)).toThrow(/corrupt client record/);
        const gateway = encodeGatewayRecord({ connectedClientsCount: 1n, emptySince: null });
        expect(decodeGatewayRecord(gateway).connectedClientsCount).toBe(1n);
        for (const bytes of [gateway.slice(0, gateway.length - 1), new Uint8Array([...gateway, 0])]) expect(() => decodeGatewayRecord(bytes)).toThrow(/corrupt gateway record/);
    });

    it("drops recipients over 29 bytes from a pending broadcast instead of corrupting its record", () => {
        const pending = new PendingBroadcasts(new MemoryKvMap());
        const [a, b] = [ofLength(29), ofLength(10)];
        pending.push(new Uint8Array([7]), [a, ofLength(285), b, ofLength(30)]);
        expect(pending.first()?.recipients.map((p) => p.toText())).toEqual([a.toText(), b.toText()]);
    });

    it('answers the application API about principals over 29 bytes with Err or zero, never a trap', () => {
        const { ctx } = createContext();
        const client = ofLength(29);
        expect(wsOpen(ctx, client, { client_nonce: 1n, gateway_principal: GATEWAY_1 })).toEqual({ Ok: null });
        const long = Principal.fromUint8Array(new Uint8Array([...client.toUint8Array(), ...rng.bytes(256)]));
        expect(sendToClient(ctx, long, new Uint8Array([1]))).toEqual({ Err: expect.stringContaining("doesn't have an open connection") });
        expect(closeClient(ctx, long)).toEqual({ Err: expect.stringContaining("doesn't have an open connection") });
        expect(queueDepth(ctx, Principal.fromUint8Array(new Uint8Array([...GATEWAY_1.toUint8Array(), ...rng.bytes(256)])))).toBe(0);
        const result = broadcastToClients(ctx, new Uint8Array([1]), [client, long]);
        expect([result.sent, result.failed.length]).toEqual([1, 1]);
        expect(ctx.store.getClient({ client_principal: long, client_nonce: 1n })).toBeUndefined();
    });
});
