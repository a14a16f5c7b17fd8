import { beforeAll, describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { RejectError } from '../../replica/index.ts';
import { appMessage, WsCanister } from './ws_canister.ts';

const CLIENT_1 = Principal.fromText('pmisz-prtlk-b6oe6-bj4fl-6l5fy-h7c2h-so6i7-jiz2h-bgto7-piqfr-7ae');
const GATEWAY_1 = Principal.fromText('i3gux-m3hwt-5mh2w-t7wwm-fwx5j-6z6ht-hxguo-t4rfw-qp24z-g5ivt-2qe');
const GATEWAY_2 = Principal.fromText('trj6m-u7l6v-zilnb-2hl6a-3jfz3-asri5-mkw3k-e2tpo-5emmk-6hqxb-uae');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const IC_MAX_QUERY_REPLY_BYTES = 3 * 1024 * 1024;

describe('test canister in the replica: traps, bad input, large messages', () => {
    let canister: WsCanister;
    let nonce = 1000n;
    const freshKey = () => ({ client_principal: CLIENT_1, client_nonce: nonce++ });

    beforeAll(async () => {
        canister = await WsCanister.install();
    });

    async function snapshot() {
        return { certified: hex(canister.certifiedData()), state: await canister.state(), queue: (await canister.poll(GATEWAY_1, 0n)).messages.length };
    }

    it('rolls back everything when onOpen traps (no client, no queued message, same certified data)', async () => {
        const before = await snapshot();
        await canister.setTrap('open', true);
        await expect(canister.open(freshKey(), GATEWAY_1)).rejects.toThrow(/onOpen trapped/);
        await canister.setTrap('open', false);
        expect(await snapshot()).toEqual(before);
    });

    it('rolls back a trapping onMessage, so the same sequence number is accepted again', async () => {
        const key = freshKey();
        expect(await canister.open(key, GATEWAY_1)).toEqual({ Ok: null });
        await canister.setTrap('message', true);
        await expect(canister.message(key, 1n, appMessage('boom'))).rejects.toThrow(/onMessage trapped/);
        await canister.setTrap('message', false);
        expect(await canister.message(key, 1n, appMessage('fine'))).toEqual({ Ok: null });
    });

    it('rolls back a trapping onClose: the client stays connected', async () => {
        const key = freshKey();
        expect(await canister.open(key, GATEWAY_1)).toEqual({ Ok: null });
        await canister.setTrap('close', true);
        await expect(canister.close(GATEWAY_1, key)).rejects.toThrow(/onClose trapped/);
        await canister.setTrap('close', false);
        expect((await canister.state()).clients.map((p) => p.toText())).toEqual([CLIENT_1.toText()]);
        expect(await canister.close(GATEWAY_1, key)).toEqual({ Ok: null });
    });

    it('refuses malformed Candid to every endpoint with a clear reject and no state change', async () => {
        const before = await snapshot();
        const garbage = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0xff, 0x00]);
        const wrongType = new Uint8Array(IDL.encode([IDL.Text], ['not a record']));
        for (const method of ['ws_open', 'ws_message', 'ws_close', 'send', 'close', 'wipe']) {
            for (const arg of [garbage, wrongType]) {
                const call = canister.replica.update(canister.canisterId, method, arg, { sender: CLIENT_1 });
                await expect(call, method).rejects.toBeInstanceOf(RejectError);
                await expect(canister.replica.update(canister.canisterId, method, arg, { sender: CLIENT_1 })).rejects.toThrow(/decode|Candid|type/i);
            }
        }
        for (const arg of [garbage, wrongType]) {
            await expect(canister.replica.query(canister.canisterId, 'ws_get_messages', arg, { sender: GATEWAY_1 })).rejects.toBeInstanceOf(RejectError);
        }
        expect(await snapshot()).toEqual(before);
    });

    it('splits large messages across polls so that no reply exceeds the IC query limit', async () => {
        // A gateway of its own, so its queue starts at nonce 0. 3 × 700 kB exceed the 2 MiB reply budget together.
        const key = freshKey();
        expect(await canister.open(key, GATEWAY_2)).toEqual({ Ok: null });
        const big = new Uint8Array(700_000).fill(0x61);
        for (let i = 0; i < 3; i++) expect(await canister.send(CLIENT_1, [big])).toEqual({ Ok: null });
        const pages: number[] = [];
        let next = 0n;
        for (;;) {
            const reply = await canister.poll(GATEWAY_2, next);
            expect(reply.replyBytes).toBeLessThan(IC_MAX_QUERY_REPLY_BYTES);
            await canister.pollVerified(GATEWAY_2, next);
            pages.push(reply.messages.length);
            if (reply.is_end_of_queue) break;
            next += BigInt(reply.messages.length);
        }
        expect(pages).toEqual([3, 1]);
        const received = pages.reduce((a, b) => a + b, 0);
        expect(received).toBe(4);
    });
});
