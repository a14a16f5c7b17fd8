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
});
