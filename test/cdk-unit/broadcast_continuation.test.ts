// The timer messages that continue pending broadcasts (src/broadcasts.ts), run in Node: azle's `setTimer` only
// exists in a canister, so the scheduled callbacks are captured here and each call of one is one timer message.
import { describe, expect, it, vi } from 'vitest';
import { Principal } from '@dfinity/principal';
import { decodeWebsocketMessage } from '../../src/cbor';
import { closeClient } from '../../src/protocol/app_api';
import { wsGetMessages } from '../../src/protocol/ws_get_messages';
import { wsOpen } from '../../src/protocol/ws_open';
import { MemoryKvMap } from '../../src/state/kv';
import { PendingBroadcasts } from '../../src/state/pending_broadcasts';
import { createContext, GATEWAY_1 } from './helpers';

const timers: (() => void)[] = [];
vi.mock('azle', () => ({ setTimer: (_delay: unknown, callback: () => void) => BigInt(timers.push(callback)) }));
const { Broadcasts } = await import('../../src/broadcasts');

const clients = [1, 2].map((i) => Principal.fromUint8Array(Uint8Array.from({ length: 29 }, (_, j) => (j === 28 ? 2 : i * 17 + j))));

describe('continuing pending broadcasts', () => {
    it('a timer message stops at its budget between broadcasts, not only between recipients', () => {
        const { ctx } = createContext();
        for (const [i, client] of clients.entries()) wsOpen(ctx, client, { client_nonce: BigInt(i), gateway_principal: GATEWAY_1 });
        // Out of budget after the first recipient of every message.
        const broadcasts = new Broadcasts(ctx, new PendingBroadcasts(new MemoryKvMap()), () => true);
        const backlog = 20;
        expect(broadcasts.broadcast(Uint8Array.of(0))).toMatchObject({ sent: 1, deferred: 1 });
        for (let i = 1; i <= backlog; i++) broadcasts.broadcast(Uint8Array.of(i)); // queued behind it
        // One client left: each pending broadcast now serves it in a single step.
        const [stayer, leaver] = [...clients].sort((a, b) => Buffer.compare(Buffer.from(a.toUint8Array()), Buffer.from(b.toUint8Array())));
        expect(closeClient(ctx, leaver)).toEqual({ Ok: null });
        const received = () =>
            wsGetMessages(ctx, GATEWAY_1, 0n)
                .messages.map((m) => decodeWebsocketMessage(m.content))
                .filter((m) => !m.is_service_message && m.client_key.client_principal.toText() === stayer.toText()).length;
        const before = received();
        let messages = 0;
        while (timers.length > 0 && messages < 100) {
            const sentBefore = received();
            timers.shift()!();
            messages++;
            // Without a check between broadcasts, the first timer message drained the whole backlog.
            expect(received() - sentBefore).toBeLessThanOrEqual(1);
        }
        expect(received() - before).toBe(backlog);
        expect(timers.length).toBe(0);
    });

    it('sets a new timer when a broadcast comes in and the one set over 60 s ago never ran (its message trapped)', () => {
        timers.length = 0;
        const { ctx, ic } = createContext();
        for (const [i, client] of clients.entries()) wsOpen(ctx, client, { client_nonce: BigInt(i), gateway_principal: GATEWAY_1 });
        const broadcasts = new Broadcasts(ctx, new PendingBroadcasts(new MemoryKvMap()), () => true);
        expect(broadcasts.broadcast(Uint8Array.of(1))).toMatchObject({ sent: 1, deferred: 1 });
        expect(timers.length).toBe(1);
        // The timer's message traps: the IC rolls back its state (the class still holds the timer id), the timer is gone.
        timers.length = 0;
        ic.now += 30_000_000_000n;
        expect(broadcasts.broadcast(Uint8Array.of(2))).toMatchObject({ sent: 0 });
        expect(timers.length).toBe(0); // 30 s: still trusted
        ic.now += 31_000_000_000n;
        expect(broadcasts.broadcast(Uint8Array.of(3))).toMatchObject({ sent: 0 });
        expect(timers.length).toBe(1); // over 60 s: set again, and it serves what was pending
        let messages = 0;
        while (timers.length > 0 && messages++ < 20) timers.shift()!();
        expect(broadcasts.broadcast(Uint8Array.of(4))).toMatchObject({ sent: 1 }); // nothing pending any more: served at once
    });
});
