import { describe, expect, it } from 'vitest';
import { Principal } from '@dfinity/principal';
import { decodeWebsocketMessage } from '../../src/cbor';
import { binaryKey } from '../../src/bytes';
import { clientKeyBytes } from '../../src/keys';
import { broadcastToAll } from '../../src/protocol/app_api';
import { wsGetMessages } from '../../src/protocol/ws_get_messages';
import { wsOpen } from '../../src/protocol/ws_open';
import { MemoryKvMap } from '../../src/state/kv';
import { PendingBroadcasts } from '../../src/state/pending_broadcasts';
import { createContext, GATEWAY_1, hex } from './helpers';

const clients = Array.from({ length: 10 }, (_, i) => Principal.fromUint8Array(Uint8Array.from({ length: 29 }, (_, j) => (j === 28 ? 2 : (i + 1) * 13 + j))));
const content = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]);

describe('broadcasts to everyone (cursor and newcomers)', () => {
    it('serve each client once across budget-limited calls, from the cursor, skipping newcomers', () => {
        const { ctx } = createContext();
        for (const [i, client] of clients.entries()) wsOpen(ctx, client, { client_nonce: BigInt(i), gateway_principal: GATEWAY_1 });
        let calls = 0;
        const first = broadcastToAll(ctx, content, undefined, () => ++calls % 4 === 0); // 4 clients in the first call
        expect([first.sent, first.deferred, first.next?.position]).toEqual([4, 6, 4]);
        const newcomer = { client_principal: Principal.fromUint8Array(new Uint8Array(29).fill(0xee)), client_nonce: 99n };
        wsOpen(ctx, newcomer.client_principal, { client_nonce: newcomer.client_nonce, gateway_principal: GATEWAY_1 });
        const skip = new Set([binaryKey(clientKeyBytes(newcomer))]);
        let next = first.next;
        let served = first.sent;
        for (let round = 0; next !== undefined && round < 10; round++) {
            const progress = broadcastToAll(ctx, content, next, () => ++calls % 4 === 0, skip);
            served += progress.sent;
            next = progress.next;
        }
        expect(next).toBeUndefined();
        expect(served).toBe(clients.length);
        const broadcastTo = wsGetMessages(ctx, GATEWAY_1, 0n)
            .messages.map((m) => decodeWebsocketMessage(m.content))
            .filter((m) => !m.is_service_message)
            .map((m) => m.client_key.client_principal.toText());
        expect(broadcastTo.sort()).toEqual(clients.map((c) => c.toText()).sort());
    });

    it('stores cursors and newcomers beside list broadcasts, FIFO, and drops newcomers with their broadcast', () => {
        const pending = new PendingBroadcasts(new MemoryKvMap());
        pending.noteNewcomer(new Uint8Array([1, 2])); // nothing pending: nothing recorded
        expect(pending.isEmpty()).toBe(true);
        pending.pushToAll(content, undefined);
        pending.noteNewcomer(new Uint8Array([7]));
        pending.push(new Uint8Array([9]), [clients[0]]);
        pending.noteNewcomer(new Uint8Array([8]));
        const first = pending.first()!;
        expect(hex(first.content)).toBe(hex(content));
        expect(first.toAll).toEqual({ after: undefined });
        expect([...pending.newcomersSince(first.id)].sort()).toEqual([binaryKey(new Uint8Array([7])), binaryKey(new Uint8Array([8]))]);
        const cursor = { after: new Uint8Array([29, 1, 2, 3]), position: 41 };
        pending.updateToAll(first.id, first.content, cursor);
        expect(pending.first()!.toAll).toEqual({ after: cursor });
        pending.updateToAll(first.id, first.content, undefined);
        const second = pending.first()!;
        expect(second.toAll).toBeUndefined();
        expect(second.recipients.map((p) => p.toText())).toEqual([clients[0].toText()]);
        expect([...pending.newcomersSince(second.id)]).toEqual([binaryKey(new Uint8Array([8]))]);
        pending.pushToAll(content, undefined); // id after the newcomer keys of the last one
        pending.update(second.id, second.content, []);
        expect(pending.first()!.toAll).toEqual({ after: undefined });
        expect(pending.newcomersSince(pending.first()!.id).size).toBe(0);
        pending.updateToAll(pending.first()!.id, content, undefined);
        expect(pending.isEmpty()).toBe(true);
    });
});

/** A heap map that counts the keys it hands out (what a StableBTreeMap copies from Rust to JS). */
class CountingKvMap extends MemoryKvMap {
    keysRead = 0;
    override keys(start?: number, count?: number): Uint8Array[] {
        const keys = super.keys(start, count);
        this.keysRead += keys.length;
        return keys;
    }
}

describe('pending broadcasts: bounded work per finished broadcast', () => {
    it('finishing the oldest broadcast reads its own newcomers, not every pending broadcast', () => {
        const map = new CountingKvMap();
        const pending = new PendingBroadcasts(map);
        const backlog = 2_000;
        pending.pushToAll(content, undefined);
        for (let i = 0; i < 40; i++) pending.noteNewcomer(new Uint8Array([29, i])); // pages of 8, 16, 32
        for (let i = 0; i < backlog; i++) pending.push(new Uint8Array([i & 0xff]), [clients[i % clients.length]]);
        const first = pending.first()!;
        map.keysRead = 0;
        pending.updateToAll(first.id, first.content, undefined);
        // Draining n single-recipient broadcasts in one timer message read n × (pending count) keys: quadratic.
        expect(map.keysRead).toBeLessThan(100);
        expect(pending.first()!.toAll).toBeUndefined();
        expect(map.len()).toBe(backlog); // its newcomers went with the broadcast, the backlog stays
        map.keysRead = 0;
        for (let next = pending.first(); next !== undefined; next = pending.first()) pending.update(next.id, next.content, []);
        expect(map.keysRead).toBeLessThan(backlog * 10);
        expect(pending.isEmpty()).toBe(true);
    });
});
