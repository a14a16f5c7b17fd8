/**
 * The PocketIC REST API through @dfinity/pic's public API only, so this file runs unchanged against a real
 * PocketIC server (POCKET_IC_BIN) and against the embedded replica (replica/bin/local-replica).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIdentity, SubnetStateType, type Actor, type PocketIc } from '@dfinity/pic';
import { Actor as AgentActor, Certificate, HttpAgent, lookupResultToBuffer } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal as AgentPrincipal } from '@dfinity/principal';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { buildCanister } from '../../replica/index.ts';
import { createPic, rootKeyOf } from '../setup/ic.ts';
import { probeArg, probeIdlFactory, type ProbeService } from './probe/idl.ts';

const alice = createIdentity('alice');
const bob = createIdentity('bob');

let pic: PocketIc;
let wasm: Uint8Array;

beforeAll(async () => {
    wasm = await buildCanister('server_probe');
    pic = await createPic();
});

afterAll(async () => {
    await pic?.tearDown();
});

async function setupProbe(greeting = 'hi'): Promise<{ actor: Actor<ProbeService>; canisterId: Principal }> {
    return pic.setupCanister<ProbeService>({ idlFactory: probeIdlFactory, wasm, arg: probeArg(greeting), sender: alice.getPrincipal() });
}

describe('canisters through @dfinity/pic', () => {
    it('installs with an init argument (chunked: the wasm is over 1.85 MB), then serves updates and queries', async () => {
        expect(wasm.byteLength).toBeGreaterThan(1_850_000);
        const { actor } = await setupProbe('hello from init');
        expect(await actor.getGreeting()).toBe('hello from init');
        expect(await actor.increment()).toBe(1n);
        expect(await actor.increment()).toBe(2n);
        expect(await actor.counter()).toBe(2n);
    });

    it('runs calls as the identity set on the actor, anonymous by default', async () => {
        const { actor } = await setupProbe();
        expect((await actor.whoami()).isAnonymous()).toBe(true);
        actor.setIdentity(bob);
        expect((await actor.whoami()).toText()).toBe(bob.getPrincipal().toText());
        expect((await actor.whoamiQuery()).toText()).toBe(bob.getPrincipal().toText());
        actor.setPrincipal(alice.getPrincipal());
        expect((await actor.whoami()).toText()).toBe(alice.getPrincipal().toText());
        const other = pic.createActor<ProbeService>(probeIdlFactory, (await setupProbe()).canisterId);
        expect((await other.whoamiQuery()).isAnonymous()).toBe(true);
    });

    it('upgrades keeping stable memory and dropping the heap; reinstalls wiping both', async () => {
        const { actor, canisterId } = await setupProbe('v1');
        await actor.putStable('k', 'kept');
        await actor.increment();
        await pic.upgradeCanister({ canisterId, wasm, arg: probeArg('v2'), sender: alice.getPrincipal() });
        expect(await actor.getGreeting()).toBe('v2');
        expect(await actor.getStable('k')).toEqual(['kept']);
        expect(await actor.counter()).toBe(0n);
        await pic.reinstallCode({ canisterId, wasm, arg: probeArg('v3'), sender: alice.getPrincipal() });
        expect(await actor.getGreeting()).toBe('v3');
        expect(await actor.getStable('k')).toEqual([]);
    });

    it('refuses code changes from non-controllers', async () => {
        const { canisterId } = await setupProbe();
        await expect(pic.upgradeCanister({ canisterId, wasm, arg: probeArg('x'), sender: bob.getPrincipal() })).rejects.toThrow(/controller/i);
        expect((await pic.getControllers(canisterId)).map((p) => p.toText())).toEqual([alice.getPrincipal().toText()]);
    });

    it('turns a trap into a rejected call carrying the trap message', async () => {
        const { actor } = await setupProbe();
        await expect(actor.fail('deliberate failure')).rejects.toThrow(/deliberate failure/);
        expect(await actor.increment()).toBe(1n);
    });

    it('runs a deferred call at the next tick', async () => {
        const { canisterId } = await setupProbe();
        const deferred = pic.createDeferredActor<ProbeService>(probeIdlFactory, canisterId);
        const pending = await deferred.increment();
        await pic.tick();
        expect(await pending()).toBe(1n);
    });
});

describe('time and timers', () => {
    it('fires a timer only once its time has come, during tick', async () => {
        const { actor } = await setupProbe();
        await actor.scheduleTimer(10);
        await pic.advanceTime(5_000);
        await pic.tick(2);
        expect(await actor.timerFiringCount()).toBe(0n);
        await pic.advanceTime(6_000);
        await pic.tick(2);
        expect(await actor.timerFiringCount()).toBe(1n);
    });

    it('shows canisters the time set with setTime, after a tick', async () => {
        const { actor } = await setupProbe();
        const target = (await pic.getTime()) + 3_600_000;
        await pic.setTime(target);
        await pic.tick();
        expect(await pic.getTime()).toBe(target);
        expect((await actor.now()) / 1_000_000n).toBe(BigInt(target));
    });

    it('certifies data that @dfinity/agent verifies with the root key of the instance', async () => {
        // A fresh instance: its clock is still at wall time, which the agent's freshness check requires.
        const fresh = await createPic();
        try {
            const { actor, canisterId } = await fresh.setupCanister<ProbeService>({ idlFactory: probeIdlFactory, wasm, arg: probeArg('c') });
            const data = Uint8Array.from({ length: 32 }, (_, i) => i);
            await actor.certify(data);
            await fresh.setCertifiedTime(Date.now());
            const [certificate] = await actor.certificate();
            expect(certificate).toBeDefined();
            const agentCanisterId = AgentPrincipal.fromText(canisterId.toText());
            const cert = await Certificate.create({ certificate: Uint8Array.from(certificate!), rootKey: await rootKeyOf(fresh), canisterId: agentCanisterId });
            expect(lookupResultToBuffer(cert.lookup_path(['canister', canisterId.toUint8Array(), 'certified_data']))).toEqual(data);
            const otherKey = await rootKeyOf(pic);
            await expect(Certificate.create({ certificate: Uint8Array.from(certificate!), rootKey: otherKey, canisterId: agentCanisterId })).rejects.toThrow();
        } finally {
            await fresh.tearDown();
        }
    });
});

describe('live mode', () => {
    it('serves an instance to @dfinity/agent through makeLive, and runs rounds without tick', async () => {
        const live = await createPic({ nns: { state: { type: SubnetStateType.New } }, application: [{ state: { type: SubnetStateType.New } }] });
        try {
            const { canisterId } = await live.setupCanister<ProbeService>({ idlFactory: probeIdlFactory, wasm, arg: probeArg('live') });
            const port = await live.makeLive();
            const agent = await HttpAgent.create({ host: `http://127.0.0.1:${port}`, shouldFetchRootKey: true, identity: Ed25519KeyIdentity.generate() });
            const actor = AgentActor.createActor<ProbeService>(probeIdlFactory as never, { agent, canisterId: AgentPrincipal.fromText(canisterId.toText()) });
            expect(await actor.getGreeting()).toBe('live');
            expect(await actor.increment()).toBe(1n);
            await actor.scheduleTimer(1);
            await vi.waitFor(async () => expect(await actor.timerFiringCount()).toBe(1n), { timeout: 15_000, interval: 250 });
            await live.stopLive();
        } finally {
            await live.tearDown();
        }
    });
});

describe('instance management', () => {
    it('reports an application subnet hosting the canisters, with a BLS root key', async () => {
        const { canisterId } = await setupProbe();
        const [subnet] = await pic.getApplicationSubnets();
        expect(subnet).toBeDefined();
        expect((await pic.getCanisterSubnetId(canisterId))?.toText()).toBe(subnet.id.toText());
        expect(subnet.canisterRanges.some((r) => r.start.compareTo(canisterId) !== 'gt' && r.end.compareTo(canisterId) !== 'lt')).toBe(true);
        expect((await rootKeyOf(pic)).length).toBe(133);
    });

    it('creates an NNS subnet on request, whose key is the root key', async () => {
        const withNns = await createPic({ nns: { state: { type: SubnetStateType.New } }, application: [{ state: { type: SubnetStateType.New } }] });
        try {
            const nns = await withNns.getNnsSubnet();
            expect(nns).toBeDefined();
            expect(await rootKeyOf(withNns)).toEqual(Uint8Array.from(await withNns.getPubKey(nns!.id)));
        } finally {
            await withNns.tearDown();
        }
    });

    it('stops and starts canisters, and reports their status', async () => {
        const { actor, canisterId } = await setupProbe();
        await pic.stopCanister({ canisterId, sender: alice.getPrincipal() });
        expect((await pic.canisterStatus({ canisterId, sender: alice.getPrincipal() })).status).toEqual({ stopped: null });
        await expect(actor.increment()).rejects.toThrow(/stopped/i);
        await pic.startCanister({ canisterId, sender: alice.getPrincipal() });
        const status = await pic.canisterStatus({ canisterId, sender: alice.getPrincipal() });
        expect(status.status).toEqual({ running: null });
        expect(status.settings.controllers.map((p) => p.toText())).toEqual([alice.getPrincipal().toText()]);
        expect(await actor.increment()).toBe(1n);
    });

    it('updates settings: new controllers take over', async () => {
        const { canisterId } = await setupProbe();
        await pic.updateCanisterSettings({ canisterId, controllers: [bob.getPrincipal()], sender: alice.getPrincipal() });
        expect((await pic.getControllers(canisterId)).map((p) => p.toText())).toEqual([bob.getPrincipal().toText()]);
        await expect(pic.stopCanister({ canisterId, sender: alice.getPrincipal() })).rejects.toThrow(/controller/i);
        await pic.stopCanister({ canisterId, sender: bob.getPrincipal() });
    });

    it('adds cycles, and round-trips stable memory', async () => {
        const { actor, canisterId } = await setupProbe();
        const before = await pic.getCyclesBalance(canisterId);
        expect(await pic.addCycles(canisterId, 1_000_000n)).toBe(before + 1_000_000n);
        await actor.putStable('k', 'v');
        const image = await pic.getStableMemory(canisterId);
        await actor.putStable('k', 'changed');
        await pic.setStableMemory(canisterId, image);
        expect(await actor.getStable('k')).toEqual(['v']);
    });

    it('calls the management canister with raw Candid through updateCall', async () => {
        const { canisterId } = await setupProbe();
        const reply = await pic.updateCall({
            canisterId: Principal.managementCanister(),
            method: 'canister_status',
            arg: new Uint8Array(IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: canisterId }])),
            sender: alice.getPrincipal()
        });
        expect(reply.length).toBeGreaterThan(0);
    });
});
