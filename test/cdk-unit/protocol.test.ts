import { describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { decodeWebsocketMessage, encodeWebsocketMessage } from '../../src/cbor';
import { sha256 } from '../../src/sha256';
import { Principal } from '@dfinity/principal';
import { EMPTY_HASH, websocketCertifiedData } from '../../src/hash_tree';
import { broadcastToClients, closeClient, queueDepth, sendToClient } from '../../src/protocol/app_api';
import { wipe } from '../../src/protocol/lifecycle';
import { CertifiedQueue } from '../../src/queue/certified_queue';
import { decodeServiceMessage, encodeServiceMessage } from '../../src/protocol/service_messages';
import { checkKeepAlive, sendAcksToClients } from '../../src/protocol/timers';
import { wsClose } from '../../src/protocol/ws_close';
import { wsGetMessages } from '../../src/protocol/ws_get_messages';
import { wsMessage } from '../../src/protocol/ws_message';
import { wsOpen } from '../../src/protocol/ws_open';
import type { WsContext } from '../../src/protocol/context';
import type { ClientKey } from '../../src/types';
import { CLIENT_1, CLIENT_2, createContext, GATEWAY_1, GATEWAY_2, hex } from './helpers';
import { PendingBroadcasts } from '../../src/state/pending_broadcasts';
import { MemoryKvMap } from '../../src/state/kv';

const SECOND = 1_000_000_000n;
const key1: ClientKey = { client_principal: CLIENT_1, client_nonce: 11n };
const text = (s: string) => new Uint8Array(IDL.encode([IDL.Record({ text: IDL.Text })], [{ text: s }]));

function poll(ctx: WsContext, nonce = 0n, gateway = GATEWAY_1) {
    const reply = wsGetMessages(ctx, gateway, nonce);
    return { ...reply, decoded: reply.messages.map((m) => decodeWebsocketMessage(m.content)) };
}

function clientMessage(ctx: WsContext, key: ClientKey, sequence: bigint, content: Uint8Array, isService = false) {
    return wsMessage(ctx, key.client_principal, {
        msg: { client_key: key, sequence_num: sequence, timestamp: 0n, is_service_message: isService, content }
    });
}

const keepAlive = (last: bigint) => encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: last } });

describe('protocol over heap storage', () => {
    it('opens, certifies, and numbers messages per client and nonces per gateway', () => {
        const events: string[] = [];
        const { ctx, ic } = createContext({}, { onOpen: (p) => events.push(`open ${p.toText()}`) });
        expect(wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 })).toEqual({ Ok: null });
        expect(sendToClient(ctx, CLIENT_1, text('a'))).toEqual({ Ok: null });
        const reply = poll(ctx);
        expect(reply.messages.map((m) => m.key.slice(-2))).toEqual(['00', '01']);
        expect(reply.decoded.map((m) => m.sequence_num)).toEqual([1n, 2n]);
        expect(decodeServiceMessage(reply.decoded[0].content)).toEqual({ OpenMessage: { client_key: key1 } });
        expect(hex(ic.certifiedData!)).toBe(hex(ctx.queue.certifiedData()));
        expect(events).toEqual([`open ${CLIENT_1.toText()}`]);
    });

    it('closes with WrongSequenceNumber and returns Err (not a trap) on a bad sequence number', () => {
        const closed: string[] = [];
        const { ctx } = createContext({}, { onClose: (p) => closed.push(p.toText()) });
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        expect(clientMessage(ctx, key1, 2n, new Uint8Array())).toEqual({ Err: 'Expected incoming sequence number 1 but got 2' });
        const last = poll(ctx, 1n).decoded[0];
        expect(decodeServiceMessage(last.content)).toEqual({ CloseMessage: { reason: { WrongSequenceNumber: null } } });
        expect(closed).toEqual([CLIENT_1.toText()]);
        expect(wsClose(ctx, GATEWAY_1, { client_key: key1 })).toEqual({ Err: `Client with key ${CLIENT_1.toText()}_11 doesn't have an open connection` });
    });

    it('consumes a sequence number for invalid service messages and keeps the client', () => {
        const { ctx } = createContext();
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        const decodeError = clientMessage(ctx, key1, 1n, text('not a service message'), true);
        expect('Err' in decodeError && decodeError.Err.startsWith('Error decoding service message content: ')).toBe(true);
        const ack = encodeServiceMessage({ AckMessage: { last_incoming_sequence_num: 0n } });
        expect(clientMessage(ctx, key1, 2n, ack, true)).toEqual({ Err: 'Invalid service message' });
        expect(clientMessage(ctx, key1, 3n, keepAlive(0n), true)).toEqual({ Ok: null });
    });

    it('deletes at most 5 expired messages per send and keeps every remaining one certified (C5)', () => {
        const { ctx, ic } = createContext({ maxNumberOfReturnedMessages: 1000 });
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        for (let i = 0; i < 9; i++) sendToClient(ctx, CLIENT_1, text(`m${i}`));
        ic.now += 300n * SECOND + 1n;
        sendAcksToClients(ctx);
        const reply = poll(ctx);
        expect(reply.decoded.length).toBe(10 - 5 + 1);
        expect(reply.decoded[0].sequence_num).toBe(6n);
        expect(queueDepth(ctx, GATEWAY_1)).toBe(6);
    });

    it('removes an empty gateway one interval after its last client left, at the keep-alive check (C6/C7)', () => {
        const { ctx, ic, queueMap } = createContext();
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        wsClose(ctx, GATEWAY_1, { client_key: key1 });
        ic.now += 300n * SECOND;
        checkKeepAlive(ctx);
        expect(poll(ctx).messages.length).toBe(1); // exactly one interval: not strictly older yet
        ic.now += 1n;
        checkKeepAlive(ctx);
        expect(poll(ctx).messages.length).toBe(0);
        expect(ctx.queue.hasGateway(GATEWAY_1)).toBe(false);
        expect(hex(ic.certifiedData!)).toBe(hex(websocketCertifiedData(EMPTY_HASH)));
        expect(ctx.queue.reclaim()).toEqual({ deleted: 1, left: 0 });
        expect(queueMap.len(), 'only the root record is left').toBe(1);
    });

    it('closes acked clients without a keep-alive after 60 s, keeps those that answered or were not acked (G2–G4)', () => {
        const { ctx, ic } = createContext();
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        wsOpen(ctx, CLIENT_2, { client_nonce: 22n, gateway_principal: GATEWAY_1 });
        ic.now += 300n * SECOND;
        sendAcksToClients(ctx);
        ic.now += 10n * SECOND;
        expect(clientMessage(ctx, { client_principal: CLIENT_2, client_nonce: 22n }, 1n, keepAlive(2n), true)).toEqual({ Ok: null });
        const late = { client_principal: GATEWAY_2, client_nonce: 33n };
        wsOpen(ctx, late.client_principal, { client_nonce: 33n, gateway_principal: GATEWAY_1 });
        ic.now += 50n * SECOND + 1n;
        checkKeepAlive(ctx);
        const contents = poll(ctx).decoded.map((m) => decodeServiceMessage(m.content));
        expect(contents.at(-1)).toEqual({ CloseMessage: { reason: { KeepAliveTimeout: null } } });
        expect(poll(ctx).messages.at(-1)!.client_key.client_principal.toText()).toBe(CLIENT_1.toText());
        expect(closeClient(ctx, CLIENT_2)).toEqual({ Ok: null });
        expect(closeClient(ctx, late.client_principal)).toEqual({ Ok: null });
    });

    it('with the start of the ack round, keeps a client that answered since then however late the check runs', () => {
        const { ctx, ic } = createContext();
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        wsOpen(ctx, CLIENT_2, { client_nonce: 22n, gateway_principal: GATEWAY_1 });
        ic.now += 300n * SECOND;
        const roundStartedAt = ic.now;
        sendAcksToClients(ctx);
        ic.now += SECOND;
        expect(clientMessage(ctx, { client_principal: CLIENT_2, client_nonce: 22n }, 1n, keepAlive(2n), true)).toEqual({ Ok: null });
        ic.now += 600n * SECOND; // the check runs ten minutes late
        expect(checkKeepAlive(ctx, undefined, undefined, roundStartedAt)).toBeUndefined();
        expect(ctx.store.clientCount(), 'the client that never answered is closed').toBe(1);
        expect(closeClient(ctx, CLIENT_1)).toEqual({ Err: `Client with principal ${CLIENT_1.toText()} doesn't have an open connection` });
        // Upstream's rule alone (last keep-alive older than 60 s) closes the one that answered too.
        checkKeepAlive(ctx);
        expect(ctx.store.clientCount()).toBe(0);
    });

    it('splits an ack round and a keep-alive check across messages when the budget runs out', () => {
        const { ctx, ic } = createContext();
        const principals = [CLIENT_1, CLIENT_2, GATEWAY_2];
        principals.forEach((p, i) => wsOpen(ctx, p, { client_nonce: BigInt(i), gateway_principal: GATEWAY_1 }));
        ic.now += 300n * SECOND;
        const acksIn = () => poll(ctx).decoded.filter((m) => 'AckMessage' in decodeServiceMessage(m.content)).length;
        let cursor = sendAcksToClients(ctx, () => true); // one client per "message"
        const rounds = [acksIn()];
        while (cursor !== undefined) {
            cursor = sendAcksToClients(ctx, () => true, cursor);
            rounds.push(acksIn());
        }
        expect(rounds).toEqual([1, 2, 3]); // one client per message, each acked exactly once
        ic.now += 60n * SECOND + 1n;
        // The gateway, then one client per "message": the check continues where it stopped.
        let progress = checkKeepAlive(ctx, () => true);
        expect(progress).toEqual({ phase: 'clients', cursor: undefined });
        expect(ctx.store.clientCount()).toBe(3);
        const counts: number[] = [];
        while (progress !== undefined) {
            progress = checkKeepAlive(ctx, () => true, progress);
            counts.push(ctx.store.clientCount());
        }
        expect(counts).toEqual([2, 1, 0]);
    });

    it('logs an onClose that throws during the keep-alive check, and closes every expired client anyway', () => {
        const { ctx, ic } = createContext({}, { onClose: (p) => { throw new Error(`app failed for ${p.toText()}`); } });
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        wsOpen(ctx, CLIENT_2, { client_nonce: 22n, gateway_principal: GATEWAY_1 });
        ic.now += 300n * SECOND;
        sendAcksToClients(ctx);
        ic.now += 60n * SECOND + 1n;
        expect(checkKeepAlive(ctx)).toBeUndefined();
        expect(ctx.store.clientCount()).toBe(0);
        const lines = ic.logs.filter((line) => line.includes('onClose'));
        expect(lines).toHaveLength(2);
        expect(lines[0]).toContain(`${CLIENT_1.toText()}_11 (KeepAliveTimeout) threw`);
        expect(lines[0]).toContain(`app failed for ${CLIENT_1.toText()}`);
        // In a call a client makes, a throwing onClose still fails the whole call.
        wsOpen(ctx, CLIENT_1, { client_nonce: 12n, gateway_principal: GATEWAY_1 });
        expect(() => closeClient(ctx, CLIENT_1)).toThrow(/app failed/);
    });

    it('refuses application messages beyond the gateway and client bounds, never service messages', () => {
        const { ctx, ic } = createContext({ maxQueuedMessagesPerGateway: 6, maxQueuedMessagesPerClient: 4 });
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        wsOpen(ctx, CLIENT_2, { client_nonce: 22n, gateway_principal: GATEWAY_1 });
        for (let i = 0; i < 3; i++) expect(sendToClient(ctx, CLIENT_1, text(`a${i}`))).toEqual({ Ok: null });
        expect(sendToClient(ctx, CLIENT_1, text('over'))).toEqual({
            Err: `Queue of client ${CLIENT_1.toText()}_11 is full (4 messages): the message was not queued; old messages are deleted after the ack interval`
        });
        expect(sendToClient(ctx, CLIENT_2, text('b0'))).toEqual({ Ok: null });
        expect(sendToClient(ctx, CLIENT_2, text('b1'))).toEqual({
            Err: `Queue of gateway ${GATEWAY_1.toText()} is full (6 messages): the message was not queued; old messages are deleted after the ack interval`
        });
        // Acks go out anyway (they keep clients alive); then expiry frees room for both bounds.
        ic.now += 300n * SECOND + 1n;
        sendAcksToClients(ctx);
        expect(queueDepth(ctx, GATEWAY_1), 'the 6 old messages deleted (5 + 1), 2 acks queued').toBe(2);
        expect(sendToClient(ctx, CLIENT_1, text('again'))).toEqual({ Ok: null });
        expect(sendToClient(ctx, CLIENT_2, text('again'))).toEqual({ Ok: null });
    });

    it('replaces the session of a principal that opens again, calling onClose once', () => {
        const closed: string[] = [];
        const { ctx } = createContext({}, { onClose: (p) => closed.push(p.toText()) });
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        wsOpen(ctx, CLIENT_1, { client_nonce: 12n, gateway_principal: GATEWAY_2 });
        expect(closed).toEqual([CLIENT_1.toText()]);
        expect(sendToClient(ctx, CLIENT_1, text('x'))).toEqual({ Ok: null });
        expect(poll(ctx, 0n, GATEWAY_2).decoded.map((m) => m.sequence_num)).toEqual([1n, 2n]);
    });

    it('broadcasts to everyone, reporting clients that are not connected', () => {
        const { ctx } = createContext();
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        wsOpen(ctx, CLIENT_2, { client_nonce: 22n, gateway_principal: GATEWAY_2 });
        expect(broadcastToClients(ctx, text('all')).sent).toBe(2);
        const partial = broadcastToClients(ctx, text('some'), [CLIENT_1, GATEWAY_1]);
        expect(partial.sent).toBe(1);
        expect(partial.failed.map((f) => f.error)).toEqual([`Client with principal ${GATEWAY_1.toText()} doesn't have an open connection`]);
        expect(poll(ctx, 0n, GATEWAY_1).messages.length).toBe(3);
        expect(poll(ctx, 0n, GATEWAY_2).messages.length).toBe(2);
    });

    it('stops a broadcast when the budget runs out and returns the recipients not reached', () => {
        const { ctx } = createContext();
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        wsOpen(ctx, CLIENT_2, { client_nonce: 22n, gateway_principal: GATEWAY_1 });
        // The first recipient is always served, so even an exhausted budget makes progress.
        const result = broadcastToClients(ctx, text('x'), [CLIENT_1, CLIENT_2, GATEWAY_2], () => true);
        expect(result.sent).toBe(1);
        expect(result.deferred).toBe(2);
        expect(result.remaining.map((p) => p.toText())).toEqual([CLIENT_2.toText(), GATEWAY_2.toText()]);
        expect(poll(ctx).messages.length).toBe(3);
        let checks = 0;
        const partial = broadcastToClients(ctx, text('y'), [CLIENT_1, GATEWAY_2, CLIENT_2], () => ++checks > 1);
        expect([partial.sent, partial.failed.length, partial.remaining.length]).toEqual([1, 1, 1]);
    });

    it('keeps pending broadcasts in FIFO order with their remaining recipients', () => {
        const pending = new PendingBroadcasts(new MemoryKvMap());
        expect(pending.first()).toBeUndefined();
        pending.push(text('first'), [CLIENT_1, CLIENT_2]);
        pending.push(text('second'), [GATEWAY_1]);
        const first = pending.first()!;
        expect(hex(first.content)).toBe(hex(text('first')));
        expect(first.recipients.map((p) => p.toText())).toEqual([CLIENT_1.toText(), CLIENT_2.toText()]);
        pending.update(first.id, first.content, [CLIENT_2]);
        expect(pending.first()!.recipients.map((p) => p.toText())).toEqual([CLIENT_2.toText()]);
        pending.update(first.id, first.content, []);
        expect(hex(pending.first()!.content)).toBe(hex(text('second')));
        pending.clear();
        expect(pending.isEmpty()).toBe(true);
    });

    it('splits large messages across polls within the reply byte budget, and refuses a message over it', () => {
        const { ctx } = createContext();
        ctx.params.maxReplyMessagesBytes = 10_000;
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        for (let i = 0; i < 5; i++) expect(sendToClient(ctx, CLIENT_1, new Uint8Array(4_000))).toEqual({ Ok: null });
        const first = poll(ctx, 0n);
        expect(first.messages.length).toBe(3); // open + 2 × 4 kB
        expect(first.is_end_of_queue).toBe(false);
        const second = poll(ctx, 3n);
        expect(second.messages.length).toBe(2);
        expect(poll(ctx, 5n).is_end_of_queue).toBe(true);
        expect(sendToClient(ctx, CLIENT_1, new Uint8Array(10_001))).toEqual({ Err: 'Message of 10001 bytes exceeds the maximum of 10000 bytes' });
    });

    it('certifies once per batch, with the same result as certifying after every send', () => {
        const batched = createContext();
        const single = createContext();
        let certifications = 0;
        const setData = batched.ctx.env.setCertifiedData;
        batched.ctx.env.setCertifiedData = (data) => {
            certifications++;
            setData(data);
        };
        for (const { ctx } of [batched, single]) wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        certifications = 0;
        batched.ctx.batch(() => {
            for (let i = 0; i < 10; i++) sendToClient(batched.ctx, CLIENT_1, text(`m${i}`));
        });
        for (let i = 0; i < 10; i++) sendToClient(single.ctx, CLIENT_1, text(`m${i}`));
        expect(certifications).toBe(1);
        expect(hex(batched.ic.certifiedData!)).toBe(hex(single.ic.certifiedData!));
    });

    it('hashes message content with the per-client midstate exactly like plain SHA-256', () => {
        const { ctx } = createContext();
        for (const principal of [CLIENT_1, Principal.fromText('aaaaa-aa'), Principal.anonymous()]) {
            for (const [nonce, seq, size] of [[1n, 1n, 0], [1n, 2n, 40], [99n, 3n, 500]] as const) {
                const cbor = encodeWebsocketMessage({
                    client_key: { client_principal: principal, client_nonce: nonce },
                    sequence_num: seq,
                    timestamp: 1_700_000_000_000_000_000n + seq,
                    is_service_message: false,
                    content: new Uint8Array(size).fill(seq === 2n ? 1 : 2)
                });
                expect(hex(ctx.queue.hashing.contentHash(principal, cbor))).toBe(hex(sha256(cbor)));
            }
            ctx.queue.hashing.forgetClient(principal);
        }
    });

    it('certifies the stored root again over the same storage (an upgrade) without rebuilding, and wipes to empty', () => {
        const { ctx, ic, queueMap } = createContext();
        wsOpen(ctx, CLIENT_1, { client_nonce: 11n, gateway_principal: GATEWAY_1 });
        for (let i = 0; i < 20; i++) sendToClient(ctx, CLIENT_1, text(`m${i}`));
        const before = hex(ic.certifiedData!);
        ic.certifiedData = undefined;
        new CertifiedQueue(queueMap, (data) => ctx.env.setCertifiedData(data)).recertify();
        expect(hex(ic.certifiedData!)).toBe(before);
        wipe(ctx);
        expect(poll(ctx).messages.length).toBe(0);
        expect(ctx.store.clientCount() + queueMap.len()).toBe(0);
        expect(hex(ic.certifiedData!)).toBe(hex(websocketCertifiedData(EMPTY_HASH)));
    });
});
