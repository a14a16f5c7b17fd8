// The test harness (dev/src/harness) as a user's tests drive it: verified clients through the in-process gateway,
// messages both ways, time advanced to fire the CDK's ack timer, an upgrade that keeps every session and sequence
// number, a prebuilt wasm installed with its Candid, clear errors.
import { IDL } from '@dfinity/candid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAzleCanister, readProject, selectCanisters, TestNetwork, type TestCanister } from '../../dev/src/index.ts';
import { PROJECT_ROOT } from '../../replica/build.ts';

type AppMessage = { text: string };

describe('TestNetwork on the README example canister', () => {
    let network: TestNetwork;
    let app: TestCanister;

    beforeAll(async () => {
        network = await TestNetwork.start();
        app = await network.deploy('readme_example');
    });
    afterAll(() => network?.stop());

    it('connects N verified clients that exchange messages, and keeps them through an upgrade', async () => {
        const clients = await Promise.all([0, 1, 2].map(() => app.connect<AppMessage>()));
        for (const client of clients) expect(await client.nextMessage()).toEqual({ text: 'welcome' });
        const [alice, bob, carol] = clients as [typeof clients[0], typeof clients[0], typeof clients[0]];
        alice.send({ text: 'hi' });
        for (const client of clients) expect(await client.nextMessage()).toEqual({ text: `${alice.principal.toText()}: hi` });
        expect(await app.actor<{ connected(): Promise<number> }>().connected()).toBe(3);

        await app.upgrade();
        bob.send({ text: 'after the upgrade' });
        // Each client verifies that sequence numbers continue where they were: a gap or a repeat would be an error.
        for (const client of clients) expect(await client.nextMessage()).toEqual({ text: `${bob.principal.toText()}: after the upgrade` });
        for (const client of clients) {
            expect(client.errors).toEqual([]);
            expect(client.isOpen).toBe(true);
        }
        await carol.close();
        await expect.poll(() => app.actor<{ connected(): Promise<number> }>().connected()).toBe(2); // ws_close reached the canister
        await Promise.all([alice.close(), bob.close()]);
    });

    it('times out saying what it saw', async () => {
        const dave = await app.connect<AppMessage>();
        await dave.nextMessage();
        await expect(dave.nextMessage(300)).rejects.toThrow(/timed out after 300 ms waiting for the next message: 1 message\(s\) received, connection open/);
        await dave.close();
    });

    it('refuses an unknown canister name with the names it knows', async () => {
        await expect(network.deploy('nope')).rejects.toThrow(/no Azle canister "nope" in .*dfx\.json \(it has: .*readme_example/);
    });
});

describe('TestNetwork with a prebuilt wasm and init arguments', () => {
    let network: TestNetwork;
    let canister: TestCanister;
    // The shortest the CDK accepts: more than the keep-alive timeout (2 × 30 s). Clients check certificate times
    // against their own clock, so the replica's clock may run at most a few minutes ahead of it.
    const ACK_INTERVAL_MS = 61_000;
    const initArg = (ackMs: number) => new Uint8Array(IDL.encode([IDL.Nat64, IDL.Nat64], [10n, BigInt(ackMs)])); // init(max_returned, ack_ms)
    let wasm: Uint8Array;

    beforeAll(async () => {
        network = await TestNetwork.start();
        const project = readProject(PROJECT_ROOT);
        const build = await buildAzleCanister(project, selectCanisters(project, ['test_canister'])[0]!);
        wasm = build.wasm;
        canister = await network.deploy({ wasm, candid: build.candid }, { arg: initArg(ACK_INTERVAL_MS) });
    });
    afterAll(() => network?.stop());

    it('advances time: the canister\'s ack timer fires and acknowledges what the client sent', async () => {
        const client = await canister.connect<AppMessage>({ ackMessageIntervalMs: ACK_INTERVAL_MS });
        client.send({ text: 'one' });
        client.send({ text: 'two' });
        expect(client.socket.unacknowledgedMessages).toBe(2);
        // Once the canister handled both (its hidden test_state query lists handler calls), one step of the clock fires
        // the ack timer; the ack reaches the client by polling. (Stepping again at once would also fire the keep-alive
        // check before the client's answer arrived: the CDK would close it, KeepAliveTimeout, as on the IC.)
        const handled = async () => {
            const { reply } = await network.replica.query(canister.id, 'test_state');
            const [state] = IDL.decode([IDL.Record({ clients: IDL.Vec(IDL.Principal), gateways: IDL.Vec(IDL.Tuple(IDL.Principal, IDL.Nat32, IDL.Nat32)), events: IDL.Vec(IDL.Text) })], reply) as unknown as [{ events: string[] }];
            return state.events.filter((event) => event.startsWith(`message ${client.principal.toText()}`)).length;
        };
        await expect.poll(handled).toBe(2);
        expect(client.socket.unacknowledgedMessages).toBe(2); // the clock stood still: no ack yet
        await network.advanceTime(ACK_INTERVAL_MS);
        // Both are acknowledged; what is left is the keep-alive the client answered the ack with (acknowledged by the
        // next ack): the client counts every message it sent, keep-alives included.
        await expect.poll(() => client.socket.unacknowledgedMessages).toBe(1);
        expect(client.errors).toEqual([]);
        await client.close();
    });

    it('needs the interface to connect to a wasm installed without one', async () => {
        const bare = await network.deploy({ wasm }, { arg: initArg(ACK_INTERVAL_MS) });
        expect(() => bare.connect()).toThrow(/its interface is unknown; deploy it with \{ wasm, candid \} or \{ wasm, idlFactory \}/);
    });
});
