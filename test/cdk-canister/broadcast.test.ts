import { describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { AppMessageIdl, WsCanister } from './ws_canister.ts';

const GATEWAY = Principal.fromText('i3gux-m3hwt-5mh2w-t7wwm-fwx5j-6z6ht-hxguo-t4rfw-qp24z-g5ivt-2qe');
const clients = [1, 2, 3, 4].map((i) => Principal.fromUint8Array(Uint8Array.from({ length: 29 }, (_, j) => (j === 28 ? 2 : i * 7 + j))));

describe('deferred broadcasts in the replica', () => {
    it('serve every recipient exactly once, in broadcast order, across timer messages and an upgrade', async () => {
        const canister = await WsCanister.install();
        for (const [i, client] of clients.entries()) expect(await canister.open({ client_principal: client, client_nonce: BigInt(i) }, GATEWAY)).toEqual({ Ok: null });

        await canister.setInstructionBudget(1n); // every message serves one recipient, then defers the rest
        expect(await canister.broadcast('first')).toEqual({ sent: 1, deferred: 3 });
        expect(await canister.broadcast('second')).toEqual({ sent: 0, deferred: 4 }); // queued behind 'first'
        const textsBefore = (await canister.pollAll(GATEWAY)).filter((m) => !m.is_service_message);
        expect(textsBefore.length).toBeLessThan(8); // still pending when the canister is upgraded
        await canister.upgrade(); // heap (and the low budget) gone; the pending recipients are in stable memory
        await canister.replica.tick(5);

        const messages = await canister.pollAll(GATEWAY);
        for (const client of clients) {
            const texts = messages
                .filter((m) => !m.is_service_message && m.client_key.client_principal.toText() === client.toText())
                .map((m) => (IDL.decode([AppMessageIdl], m.content)[0] as unknown as { text: string }).text);
            expect(texts, client.toText()).toEqual(['first', 'second']);
        }
    });

    it('reaches the clients connected when it was made: newcomers while it is pending are skipped, leavers are not served', async () => {
        const canister = await WsCanister.install();
        const many = [1, 2, 3, 4, 5, 6].map((i) => Principal.fromUint8Array(Uint8Array.from({ length: 29 }, (_, j) => (j === 28 ? 2 : i * 11 + j))));
        for (const [i, client] of many.entries()) expect(await canister.open({ client_principal: client, client_nonce: BigInt(i) }, GATEWAY)).toEqual({ Ok: null });

        await canister.setInstructionBudget(1n); // one recipient per message: the broadcast stays pending
        expect(await canister.broadcast('before')).toEqual({ sent: 1, deferred: 5 });
        // Newcomers whose keys sort before and after every earlier client, and one that leaves before it is served.
        const first = Principal.fromUint8Array(Uint8Array.from({ length: 29 }, (_, j) => (j === 28 ? 2 : 0)));
        const last = Principal.fromUint8Array(Uint8Array.from({ length: 29 }, (_, j) => (j === 28 ? 2 : 0xfe)));
        expect(await canister.open({ client_principal: first, client_nonce: 7n }, GATEWAY)).toEqual({ Ok: null });
        expect(await canister.open({ client_principal: last, client_nonce: 8n }, GATEWAY)).toEqual({ Ok: null });
        const leaver = { client_principal: many[5], client_nonce: 5n };
        const leaverMessages = (await canister.pollAll(GATEWAY)).filter((m) => !m.is_service_message && m.client_key.client_principal.toText() === leaver.client_principal.toText());
        expect(await canister.close(GATEWAY, leaver)).toEqual({ Ok: null });
        await canister.upgrade(); // the cursor and the newcomers are in stable memory; the default budget is back
        await canister.replica.tick(5);
        expect(await canister.broadcast('after')).toEqual({ sent: 7, deferred: 0 });

        const messages = await canister.pollAll(GATEWAY);
        const textsOf = (client: Principal) =>
            messages
                .filter((m) => !m.is_service_message && m.client_key.client_principal.toText() === client.toText())
                .map((m) => (IDL.decode([AppMessageIdl], m.content)[0] as unknown as { text: string }).text);
        for (const client of many.slice(0, 5)) expect(textsOf(client), client.toText()).toEqual(['before', 'after']);
        expect(textsOf(first)).toEqual(['after']);
        expect(textsOf(last)).toEqual(['after']);
        expect(textsOf(leaver.client_principal).length).toBe(leaverMessages.length); // nothing queued after it left
    });
});
