// The stop/start window (issue #9, finding 8), with unmodified ic-websocket-js clients and the real chat canister.
// A message relayed after a stop but before the gateway's next poll is rejected by the IC and can never be sent
// again (the IC deduplicates signed requests): the gateway closes that client at once, saying why, instead of
// leaving it to fail minutes later with WrongSequenceNumber. A client opening while the canister is stopped is
// held like any other frame: it opens once the canister runs, or is closed with the reason when the hold ends.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Gateway, GatewayOptions } from '../../gateway/index.ts';
import { buildCanister } from '../../replica/index.ts';
import { ChatClient } from './support/chat-client.ts';
import { startChatNetwork, type ChatNetwork } from './support/chat-network.ts';
import { startLoggedGateway } from './support/logged-gateway.ts';

let network: ChatNetwork;
let wasm: Uint8Array;
const gateways: Gateway[] = [];

beforeAll(async () => {
    network = await startChatNetwork();
    wasm = await buildCanister('chat');
});
afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await network?.close();
});

async function gatewayWith(options: Partial<GatewayOptions> = {}): Promise<{ gateway: Gateway; log: string[] }> {
    const started = await startLoggedGateway({ icUrl: network.url, ...options });
    gateways.push(started.gateway);
    return started;
}

/** A fresh chat canister, so that stopping it disturbs no other test. */
async function freshCanister() {
    const id = await network.replica.installCanister({ wasm });
    return { id, text: id.toText() };
}

const canisterStatus = (gateway: Gateway, canisterId: string) => gateway.status().canisters.find((c) => c.canisterId === canisterId);

it('closes a client at once with 1012 when the IC rejects its message because the canister was just stopped', async () => {
    // Polls 2 s apart leave a wide window between a stop and the gateway noticing it.
    const { gateway, log } = await gatewayWith({ pollingIntervalMs: 2_000 });
    const canister = await freshCanister();
    const ada = await ChatClient.connect({ gatewayUrl: gateway.url, networkUrl: network.url, canisterId: canister.text });
    ada.send({ Join: { nickname: 'ada' } });
    await ada.waitFor((m) => 'Joined' in m && m.Joined.nickname === 'ada');
    // Right after a poll, the next one is 2 s away: stop the canister and post at once.
    const polls = canisterStatus(gateway, canister.text)!.polls;
    await expect.poll(() => canisterStatus(gateway, canister.text)!.polls, { interval: 10, timeout: 5_000 }).toBeGreaterThan(polls);
    await network.replica.stopCanister(canister.id);
    try {
        ada.send({ Post: { text: 'sent into the stop' } });
        const closed = await ada.closed(5_000);
        expect(closed.code).toBe(1012);
        expect(closed.reason).toBe(`canister ${canister.text} is stopped: ws_message rejected (IC0508), cannot be replayed; reconnect`);
        // The gateway learnt it from the IC's answer to the call, before any poll said the canister was stopped.
        const rejected = log.findIndex((line) => /IC rejected ws_message \(code 5, IC0508\): Canister .* is stopped/.test(line));
        const polledStopped = log.findIndex((line) => line.includes(`polls say canister ${canister.text} is stopped`));
        expect(rejected).toBeGreaterThanOrEqual(0);
        if (polledStopped >= 0) expect(polledStopped).toBeGreaterThan(rejected);
    } finally {
        await network.replica.startCanister(canister.id);
    }
});

it('holds the ws_open of a client opening while its canister is stopped, and opens it once the canister runs', async () => {
    const { gateway } = await gatewayWith();
    const canister = await freshCanister();
    await network.replica.stopCanister(canister.id);
    // The first client of a canister: the gateway waits for its first poll before relaying the ws_open.
    const bob = ChatClient.create({ gatewayUrl: gateway.url, networkUrl: network.url, canisterId: canister.text });
    await expect.poll(() => canisterStatus(gateway, canister.text), { timeout: 10_000 }).toMatchObject({ canisterState: 'stopped', clients: 1, pendingRelays: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few refused polls: still held, still connecting
    expect(bob.closeEvent).toBeUndefined();
    expect(bob.socket.isConnectionEstablished()).toBe(false);

    await network.replica.startCanister(canister.id);
    await bob.until(() => bob.socket.isConnectionEstablished(), 10_000, 'the held ws_open to open the connection');
    bob.send({ Join: { nickname: 'bob' } });
    await bob.waitFor((m) => 'Joined' in m && m.Joined.nickname === 'bob');
    expect(bob.errors).toEqual([]);
    expect(canisterStatus(gateway, canister.text)).toMatchObject({ canisterState: 'running', pendingRelays: 0 });
    bob.close();
});

it('closes a client with 1012 and the reason when its canister stays stopped past the hold, without a ws_close', async () => {
    const { gateway, log } = await gatewayWith({ maxHoldMs: 1_500 });
    const canister = await freshCanister();
    await network.replica.stopCanister(canister.id);
    try {
        const logFrom = log.length;
        const cleo = ChatClient.create({ gatewayUrl: gateway.url, networkUrl: network.url, canisterId: canister.text });
        const closed = await cleo.closed(10_000);
        expect(closed.code).toBe(1012);
        expect(closed.reason).toMatch(new RegExp(`^canister ${canister.text} stayed stopped: ws_open held [23] s, not delivered; reconnect once it runs$`));
        await expect.poll(() => gateway.status().clients, { timeout: 10_000 }).toBe(0);
        // The canister never ran the ws_open: there is no client to ws_close.
        expect(log.slice(logFrom).filter((line) => line.includes('ws_close'))).toEqual([]);
    } finally {
        await network.replica.startCanister(canister.id);
    }
});
