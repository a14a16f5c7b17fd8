// The test harness (dev/src/harness) on the README example canister: verified clients through the in-process
// gateway, messages both ways, an upgrade that keeps every session, a wasm installed with its Candid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestNetwork, type TestCanister } from '../../dev/src/index.ts';

type AppMessage = { text: string };

describe('TestNetwork', () => {
    let network: TestNetwork;
    let app: TestCanister;

    beforeAll(async () => {
        network = await TestNetwork.start();
        app = await network.deploy('readme_example');
    });
    afterAll(() => network?.stop());

    it('connects verified clients that exchange messages', async () => {
        const [alice, bob] = await Promise.all([app.connect<AppMessage>(), app.connect<AppMessage>()]);
        expect(await alice.nextMessage()).toEqual({ text: 'welcome' });
        expect(await bob.nextMessage()).toEqual({ text: 'welcome' });
        alice.send({ text: 'hi' });
        const expected = { text: `${alice.principal.toText()}: hi` };
        expect(await alice.nextMessage()).toEqual(expected);
        expect(await bob.nextMessage()).toEqual(expected);
        expect(await app.actor<{ connected(): Promise<number> }>().connected()).toBe(2);

        await app.upgrade();
        bob.send({ text: 'after the upgrade' });
        expect(await alice.nextMessage()).toEqual({ text: `${bob.principal.toText()}: after the upgrade` });
        expect(alice.errors).toEqual([]);
        expect(alice.isOpen).toBe(true);
        await bob.close();
        await alice.close();
    });

    it('times out with what it saw', async () => {
        const carol = await app.connect<AppMessage>();
        await carol.nextMessage();
        await expect(carol.nextMessage(300)).rejects.toThrow(/timed out after 300 ms waiting for the next message: 1 message\(s\) received, connection open/);
    });
});
