/**
 * The certified queue in the real canister (issue #10): the certified data is the root of the tree the witnesses
 * are cut from after appends on several gateways, expiry, gateway removal and upgrades (every poll is verified
 * like the client does: BLS certificate, witness root == certified_data, sha256 of every message); and
 * post_upgrade does no work that grows with the number of queued messages.
 */
import { describe, expect, it } from 'vitest';
import { Principal } from '@dfinity/principal';
import { encodeServiceMessage } from '../../src/protocol/service_messages.ts';
import { SeededRandom } from '../support/prng.ts';
import { appMessage, WsCanister } from './ws_canister.ts';

const ACK_INTERVAL_MS = 300_000;
const KEEP_ALIVE_TIMEOUT_MS = 60_000;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Every message of every gateway, polled and verified; keyed by gateway text. */
async function snapshot(canister: WsCanister, gateways: Principal[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const gateway of gateways) out.set(gateway.toText(), (await canister.pollAll(gateway)).map((m) => `${m.sequence_num}:${hex(m.content)}`));
    return out;
}

describe('certified queue in the canister', () => {
    it('certifies the root of the served witnesses across appends on three gateways, expiry, a gateway removal and upgrades', async () => {
        const rng = new SeededRandom(0x9e0e1n);
        const canister = await WsCanister.install({ maxNumberOfReturnedMessages: 20n, sendAckIntervalMs: BigInt(ACK_INTERVAL_MS) });
        const gateways = [rng.principal(), rng.principal(), rng.principal()];
        const clients = [rng.principal(), rng.principal(), rng.principal(), rng.principal()];
        const keys = clients.map((client_principal) => ({ client_principal, client_nonce: rng.nextU64() }));
        const homes = [0, 0, 1, 2]; // clients 0 and 1 on gateway 0, client 2 on gateway 1, client 3 on gateway 2
        for (let i = 0; i < keys.length; i++) expect(await canister.open(keys[i], gateways[homes[i]])).toEqual({ Ok: null });
        for (const [client, count] of [[0, 45], [1, 12], [2, 30], [3, 9]]) {
            expect(await canister.send(clients[client], Array.from({ length: count }, (_, i) => appMessage(`m${client}.${i}`)))).toEqual({ Ok: null });
        }
        const before = await snapshot(canister, gateways);
        expect(before.get(gateways[0].toText())).toHaveLength(2 + 45 + 12);

        await canister.upgrade();
        expect(await snapshot(canister, gateways), 'same messages, verified against the same root').toEqual(before);

        // The ack round deletes up to 5 expired messages per ack (spec §2.8); clients 0–2 answer with a keep-alive.
        await canister.replica.advanceTime(ACK_INTERVAL_MS + 1);
        const keepAlive = (last: bigint) => encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: last } });
        for (let i = 0; i < 3; i++) expect(await canister.message(keys[i], 1n, keepAlive(0n), true)).toEqual({ Ok: null });
        const afterExpiry = await snapshot(canister, gateways);
        expect(afterExpiry.get(gateways[0].toText())).toHaveLength(59 - 10 + 2);
        expect(afterExpiry.get(gateways[1].toText())).toHaveLength(31 - 5 + 1);
        await canister.upgrade();
        expect(await snapshot(canister, gateways)).toEqual(afterExpiry);

        // Gateway 2 loses its client; one interval later the keep-alive check removes it with its queue.
        expect(await canister.close(gateways[2], keys[3])).toEqual({ Ok: null });
        await canister.replica.advanceTime(ACK_INTERVAL_MS);
        for (let i = 0; i < 3; i++) expect(await canister.message(keys[i], 2n, keepAlive(0n), true)).toEqual({ Ok: null });
        await canister.replica.advanceTime(KEEP_ALIVE_TIMEOUT_MS); // the check: keep-alives are 60 s old, not older
        expect((await canister.state()).gateways.map(([g]) => g.toText()).sort()).toEqual([gateways[0], gateways[1]].map((g) => g.toText()).sort());
        expect((await canister.poll(gateways[2], 0n)).messages).toEqual([]);
        const afterRemoval = await snapshot(canister, gateways.slice(0, 2));
        const certified = hex(canister.certifiedData());
        await canister.upgrade();
        expect(hex(canister.certifiedData()), 'post_upgrade certifies the stored root').toBe(certified);
        expect(await snapshot(canister, gateways.slice(0, 2))).toEqual(afterRemoval);

        // The queues go on after all this: new messages are certified and served in order.
        expect(await canister.send(clients[0], [appMessage('after')])).toEqual({ Ok: null });
        const last = (await canister.pollAll(gateways[0])).at(-1)!;
        expect(hex(last.content)).toBe(hex(appMessage('after')));
    });

    it('post_upgrade costs the same with 100 and with 3,000 queued messages', async () => {
        const canister = await WsCanister.install();
        const rng = new SeededRandom(0x0be9n);
        const client = rng.principal();
        expect(await canister.open({ client_principal: client, client_nonce: 1n }, rng.principal())).toEqual({ Ok: null });
        const postUpgradeInstructions = async () => {
            await canister.upgrade();
            const line = canister.replica.logs(canister.canisterId).filter((entry) => entry.includes('post_upgrade instructions')).pop()!;
            return Number(/(\d+)/.exec(line)![1]);
        };
        expect(await canister.send(client, Array.from({ length: 99 }, (_, i) => appMessage(`small ${i}`)))).toEqual({ Ok: null });
        const small = await postUpgradeInstructions();
        for (let i = 0; i < 6; i++) expect(await canister.send(client, Array.from({ length: 2900 / 6 + 1 }, () => appMessage('filler')))).toEqual({ Ok: null });
        expect((await canister.state()).gateways[0][2]).toBeGreaterThanOrEqual(3_000);
        const large = await postUpgradeInstructions();
        // Rebuilding a tree costs ~1.8M instructions per message: 5B more here. Nothing of that kind is left.
        expect(Math.abs(large - small) / small, `post_upgrade: ${small} with 100 queued, ${large} with 3,000`).toBeLessThan(0.01);
        // And the tree is still the certified one.
        const { messages } = await canister.pollVerified((await canister.state()).gateways[0][0], 2_990n);
        expect(messages.length).toBeGreaterThan(0);
    });
});
