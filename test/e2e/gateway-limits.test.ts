// A flooding client cannot inflate the gateway (issue #9, finding 7): frames over the size limit, a flood the IC
// refuses, frames held for a stopped canister, tiny frames in bulk and a fast sender are each bounded or closed with
// a code and a reason, while a well-behaved ic-websocket-js client of the same gateway keeps chatting. What the
// gateway holds is read from its own health endpoint (`relays`: frames and bytes waiting for relay, their peak).
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Gateway, GatewayOptions, GatewayStatus } from '../../gateway/index.ts';
import { buildCanister } from '../../replica/index.ts';
import { ChatClient, type ChatMessage } from './support/chat-client.ts';
import { startChatNetwork, type ChatNetwork } from './support/chat-network.ts';
import { startLoggedGateway } from './support/logged-gateway.ts';
import { RawGatewayClient } from './support/raw-client.ts';
import { connect, type Socket } from 'node:net';

const MiB = 1024 * 1024;

let network: ChatNetwork;
/** A second chat canister, stopped by the tests that need frames held. */
let otherCanisterId: Awaited<ReturnType<ChatNetwork['replica']['installCanister']>>;
let otherCanister: string;
const gateways: Gateway[] = [];

beforeAll(async () => {
    network = await startChatNetwork();
    otherCanisterId = await network.replica.installCanister({ wasm: await buildCanister('chat') });
    otherCanister = otherCanisterId.toText();
});
afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await network?.close();
});

async function gatewayWith(options: Partial<GatewayOptions> = {}): Promise<Gateway> {
    const { gateway } = await startLoggedGateway({ icUrl: network.url, ...options });
    gateways.push(gateway);
    return gateway;
}

async function health(gateway: Gateway): Promise<GatewayStatus> {
    return (await fetch(gateway.healthUrl)).json() as Promise<GatewayStatus>;
}

/** A chat member of the first canister: the well-behaved client whose round trips must keep working. */
async function member(gateway: Gateway, nickname: string): Promise<ChatClient> {
    const client = await ChatClient.connect({ gatewayUrl: gateway.url, networkUrl: network.url, canisterId: network.canisterId });
    client.send({ Join: { nickname } });
    await client.waitFor((m) => 'Joined' in m && m.Joined.nickname === nickname);
    return client;
}

const posted = (text: string) => (m: ChatMessage) => 'Posted' in m && m.Posted.text === text;

/** One post relayed by the gateway, run by the canister and delivered back, certificate verified. */
async function roundTrip(client: ChatClient, text: string): Promise<void> {
    client.send({ Post: { text } });
    await client.waitFor(posted(text), 15_000, `"${text}"`);
}

function expectUntroubled(client: ChatClient): void {
    expect(client.errors).toEqual([]);
    expect(client.closeEvent).toBeUndefined();
}

it("closes a client flooding 3.9 MB frames at the first one, with 1009 and the limit; the gateway holds nothing", async () => {
    const gateway = await gatewayWith();
    const probe = await member(gateway, 'probe-1');
    const flooder = await RawGatewayClient.open(gateway.url, network.canisterId);
    const frame = flooder.unsignedCall('ws_message', new Uint8Array(3_900_000)); // the flood
    const flooding = (async () => {
        for (let i = 0; i < 150 && !flooder.closeEvent; i++) await flooder.send(frame);
    })();
    await roundTrip(probe, 'during a flood of big frames');

    expect(await flooder.closed()).toEqual({ code: 1009, reason: `frame larger than the gateway's limit of ${2 * MiB + 64 * 1024} bytes` });
    await flooding;
    const { relays, limits } = await health(gateway);
    expect(limits.maxFrameBytes).toBe(2 * MiB + 64 * 1024);
    expect(relays.peakPendingBytes).toBeLessThan(MiB); // the probe's small posts only
    await roundTrip(probe, 'after a flood of big frames');
    expectUntroubled(probe);
    probe.close();
});

it('closes a client whose flood of 2 MB frames the IC refuses (bad signatures) at the first refusal, with its reason', async () => {
    const gateway = await gatewayWith();
    const probe = await member(gateway, 'probe-2');
    const flooder = await RawGatewayClient.open(gateway.url, network.canisterId);
    const frame = flooder.unsignedCall('ws_message', new Uint8Array(2_000_000));
    const flooding = (async () => {
        for (let i = 0; i < 150 && !flooder.closeEvent; i++) await flooder.send(frame);
    })();

    const closed = await flooder.closed();
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(/^IC refused ws_message \(HTTP 400\): Invalid signature/);
    await flooding;
    await roundTrip(probe, 'after a refused flood');
    // Backpressure kept at most half the per-client byte limit (8 MiB) plus a frame or two that ws had buffered.
    const { relays } = await health(gateway);
    expect(relays.peakPendingBytes).toBeLessThanOrEqual(16 * MiB);
    await expect.poll(async () => (await health(gateway)).relays, { timeout: 10_000 }).toMatchObject({ pending: 0, pendingBytes: 0, pausedClients: 0 });
    expectUntroubled(probe);
    probe.close();
});

it('stops reading a client whose frames are held for a stopped canister, within the budget, and closes it when the hold ends', async () => {
    // A global budget of 4 MiB: the flooder is paused by it long before its own 8 MiB share; the probe is not.
    const gateway = await gatewayWith({ maxTotalPendingRelayBytes: 4 * MiB, maxHoldMs: 8_000 });
    const probe = await member(gateway, 'probe-3');
    const flooder = await RawGatewayClient.open(gateway.url, otherCanister);
    await network.replica.stopCanister(otherCanisterId);
    try {
        await expect.poll(async () => (await health(gateway)).canisters.find((c) => c.canisterId === otherCanister)?.canisterState, { timeout: 10_000 }).toBe('stopped');
        const frame = flooder.unsignedCall('ws_message', new Uint8Array(1_000_000));
        let written = 0;
        void (async () => {
            for (let i = 0; i < 150 && !flooder.closeEvent; i++) if (await flooder.send(frame)) written++;
        })();
        await expect.poll(async () => (await health(gateway)).relays.pausedClients, { timeout: 10_000 }).toBe(1);
        const held = await health(gateway);
        expect(held.relays.pendingBytes).toBeGreaterThanOrEqual(2 * MiB);
        expect(held.relays.pendingBytes).toBeLessThanOrEqual(4 * MiB + 1_000_200);
        expect(held.canisters.find((c) => c.canisterId === otherCanister)).toMatchObject({ clients: 1, pendingRelays: held.relays.pending });
        // The well-behaved client of the running canister is not stalled by the exhausted budget.
        await roundTrip(probe, 'while another client is paused');
        expect(written).toBeLessThan(150); // TCP has slowed the flooder down

        const closed = await flooder.closed();
        expect(closed.code).toBe(1012);
        expect(closed.reason).toMatch(new RegExp(`^canister ${otherCanister} stayed stopped: ws_message held \\d+ s, not delivered; reconnect once it runs$`));
        // Its held frames were dropped with it.
        await expect.poll(async () => (await health(gateway)).relays, { timeout: 10_000 }).toMatchObject({ pending: 0, pendingBytes: 0, pausedClients: 0 });
        expect((await health(gateway)).relays.peakPendingBytes).toBeLessThanOrEqual(4 * MiB + 1_000_200 + MiB);
        expectUntroubled(probe);
    } finally {
        await network.replica.startCanister(otherCanisterId);
    }
    probe.close();
});

it('closes a client that pushes more frames than may wait for relay, with 1008 and the limit', async () => {
    const gateway = await gatewayWith({ maxPendingRelays: 4 });
    const flooder = await RawGatewayClient.open(gateway.url, otherCanister);
    await network.replica.stopCanister(otherCanisterId);
    try {
        await expect.poll(async () => (await health(gateway)).canisters.find((c) => c.canisterId === otherCanister)?.canisterState, { timeout: 10_000 }).toBe('stopped');
        // Small frames written at once: ws parses them all from one read, past the point where reading pauses.
        flooder.sendTogether(Array.from({ length: 20 }, () => flooder.unsignedCall('ws_message', new Uint8Array(100))));
        const closed = await flooder.closed();
        expect(closed.code).toBe(1008);
        expect(closed.reason).toMatch(/^too many frames waiting for relay: 5 frames, \d+ bytes \(limits 4, 16777216\)$/);
        expect((await health(gateway)).relays.peakPendingBytes).toBeLessThan(4 * 1_000);
    } finally {
        await network.replica.startCanister(otherCanisterId);
    }
});

it('closes a client sending faster than the frame rate, with 1008 and the rate; a calmer client stays', async () => {
    const gateway = await gatewayWith({ maxFramesPerSecond: 5 });
    const calm = await member(gateway, 'calm');
    const hasty = await member(gateway, 'hasty');
    for (let i = 0; i < 40; i++) hasty.send({ Post: { text: `hasty ${i}` } });
    expect(await hasty.closed()).toEqual({ code: 1008, reason: 'frame rate over 5 frames per second' });
    await roundTrip(calm, 'calm and steady');
    expectUntroubled(calm);
    calm.close();
});

it('closes a connection over maxClients at once with 1013 and the limit; a slot freed by a leaving client is taken again', async () => {
    const gateway = await gatewayWith({ maxClients: 2 });
    const first = await member(gateway, 'first');
    const second = await member(gateway, 'second');
    // The third connection is refused before the handshake: the raw client sees the close, not a handshake.
    await expect(RawGatewayClient.open(gateway.url, network.canisterId)).rejects.toThrow('closed before the handshake: 1013 gateway full: 2 clients, try again later');
    const full = await health(gateway);
    expect(full).toMatchObject({ clients: 2, refusedConnections: 1, limits: { maxClients: 2 } });
    await roundTrip(first, 'still here while full');
    expectUntroubled(first);

    second.close();
    await second.closed();
    await vi.waitFor(async () => expect((await health(gateway)).connections).toBe(1), { timeout: 10_000, interval: 50 });
    const third = await member(gateway, 'third');
    await roundTrip(third, 'took the freed slot');
    expectUntroubled(third);
    expect((await health(gateway)).refusedConnections).toBe(1);
    first.close();
    third.close();
});

/**
 * A peer that completes the WebSocket upgrade and then ignores everything, the close frame included (so the gateway
 * would wait ws's 30 s close timeout for it). Resolves once the gateway's 101 answer and its close frame arrived.
 */
async function deafPeer(gatewayUrl: string): Promise<Socket> {
    const { hostname, port } = new URL(gatewayUrl);
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.on('data', (chunk: Buffer) => {
            received = Buffer.concat([received, chunk]);
            const head = received.indexOf('\r\n\r\n');
            if (head >= 0 && received.length > head + 4 && received[head + 4] === 0x88) resolve(); // the close frame
        });
        socket.write(`GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    return socket;
}

it('a refused connection that ignores the close does not hold a slot: a leaving client\'s slot is free at once', async () => {
    const gateway = await gatewayWith({ maxClients: 1 });
    const first = await member(gateway, 'only');
    const deaf = await deafPeer(gateway.url); // refused (1013), never answers
    expect((await health(gateway)).refusedConnections).toBe(1);
    first.close();
    await first.closed();
    await vi.waitFor(async () => expect((await health(gateway)).clients).toBe(0), { timeout: 10_000, interval: 50 });
    // Well within ws's 30 s close timeout: the deaf peer must not count as one of the maxClients.
    const next = await RawGatewayClient.open(gateway.url, network.canisterId);
    expect((await health(gateway)).refusedConnections).toBe(1);
    next.close();
    deaf.destroy();
});
