import { beforeAll, describe, expect, it } from 'vitest';
import { Principal } from '@dfinity/principal';
import { decodeServiceMessage, encodeServiceMessage } from '../../src/protocol/service_messages.ts';
import { appMessage, WsCanister } from './ws_canister.ts';

const CLIENT_1 = Principal.fromText('pmisz-prtlk-b6oe6-bj4fl-6l5fy-h7c2h-so6i7-jiz2h-bgto7-piqfr-7ae');
const CLIENT_2 = Principal.fromText('zuh6g-qnmvg-vky2t-tnob7-h4xoj-ykrcx-jqjpi-cdf3k-23i3i-ykozs-fae');
const GATEWAY_1 = Principal.fromText('i3gux-m3hwt-5mh2w-t7wwm-fwx5j-6z6ht-hxguo-t4rfw-qp24z-g5ivt-2qe');
const key1 = { client_principal: CLIENT_1, client_nonce: 101n };
const key2 = { client_principal: CLIENT_2, client_nonce: 202n };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('test canister in the replica: upgrade keeps everything', () => {
    let canister: WsCanister;
    beforeAll(async () => {
        canister = await WsCanister.install();
    });

    it('serves queued messages with valid witnesses after an upgrade, continues sequence numbers, and re-arms timers', async () => {
        expect(await canister.open(key1, GATEWAY_1)).toEqual({ Ok: null });
        expect(await canister.open(key2, GATEWAY_1)).toEqual({ Ok: null });
        expect(await canister.message(key1, 1n, appMessage('hello'))).toEqual({ Ok: null });
        for (let i = 0; i < 6; i++) {
            expect(await canister.send(CLIENT_1, Array.from({ length: 10 }, (_, j) => appMessage(`m${i * 10 + j}`)))).toEqual({ Ok: null });
        }
        const before = await canister.pollAll(GATEWAY_1);
        expect(before.length).toBe(62);
        const certifiedBefore = hex(canister.certifiedData());

        await canister.upgrade();

        expect(hex(canister.certifiedData())).toBe(certifiedBefore); // the rebuilt tree has the same root
        const after = await canister.pollAll(GATEWAY_1);
        expect(after.map((m) => [m.sequence_num, hex(m.content)])).toEqual(before.map((m) => [m.sequence_num, hex(m.content)]));
        expect((await canister.state()).clients.map((p) => p.toText()).sort()).toEqual([CLIENT_1.toText(), CLIENT_2.toText()].sort());

        // Both directions continue where they were.
        expect(await canister.message(key1, 2n, appMessage('after upgrade'))).toEqual({ Ok: null });
        expect(await canister.message(key2, 2n, appMessage('skipped 1'))).toEqual({ Err: 'Expected incoming sequence number 1 but got 2' });
        expect(await canister.send(CLIENT_1, [appMessage('next')])).toEqual({ Ok: null });
        const tail = await canister.pollVerified(GATEWAY_1, 62n);
        // CLIENT_2's CloseMessage (its seq 2), then CLIENT_1's message with seq 62.
        expect(tail.messages.map((m) => m.sequence_num)).toEqual([2n, 62n]);

        // The ack timer armed by post_upgrade fires one interval later.
        await canister.replica.advanceTime(300_000);
        await canister.replica.tick(3);
        const acks = await canister.pollVerified(GATEWAY_1, 64n);
        expect(acks.messages.length).toBe(1);
        expect(acks.messages[0].sequence_num).toBe(63n);
        expect(decodeServiceMessage(acks.messages[0].content)).toEqual({ AckMessage: { last_incoming_sequence_num: 2n } });

        // ... and the keep-alive check 60 s later closes CLIENT_1, which never answered.
        await canister.replica.advanceTime(60_001);
        await canister.replica.tick(3);
        const closed = await canister.pollVerified(GATEWAY_1, 65n);
        expect(closed.messages.map((m) => decodeServiceMessage(m.content))).toEqual([{ CloseMessage: { reason: { KeepAliveTimeout: null } } }]);
        expect((await canister.state()).clients).toEqual([]);
    });

    it('accepts a keep-alive after an upgrade', async () => {
        expect(await canister.open({ ...key1, client_nonce: 7n }, GATEWAY_1)).toEqual({ Ok: null });
        await canister.upgrade();
        const keepAlive = encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: 1n } });
        expect(await canister.message({ ...key1, client_nonce: 7n }, 1n, keepAlive, true)).toEqual({ Ok: null });
    });
});
