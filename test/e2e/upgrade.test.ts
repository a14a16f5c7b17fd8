// Upgrades lose nothing, end to end: unmodified ic-websocket-js clients stay connected through our gateway while
// the chat canister is upgraded through the management canister over HTTP (as dfx does), and keep chatting.
// The clients verify every message's certificate and sequence number themselves: a gap, a repeat or a forgery
// would close them, so "no onerror, no onclose" plus the exact conversation is the proof.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/index.ts';
import { isTransientReject } from '../../gateway/ic-client.ts';
import { buildCanister } from '../../replica/index.ts';
import { CanisterOperator } from './support/canister-operator.ts';
import { ChatClient, type ChatMessage } from './support/chat-client.ts';
import { startChatNetwork, type ChatNetwork } from './support/chat-network.ts';
import { startLoggedGateway } from './support/logged-gateway.ts';

let network: ChatNetwork;
let gateway: Gateway;
let operator: CanisterOperator;
let wasm: Uint8Array;
let gatewayLog: string[];

beforeAll(async () => {
    network = await startChatNetwork();
    wasm = await buildCanister('chat'); // the same (cached) module the network installed
    ({ gateway, log: gatewayLog } = await startLoggedGateway({ icUrl: network.url }));
    operator = await CanisterOperator.connect(network.url, network.canisterId);
});
afterAll(async () => {
    await gateway?.close();
    await network?.close();
});

const joined = (nickname: string) => (message: ChatMessage) => 'Joined' in message && message.Joined.nickname === nickname;
const posted = (text: string) => (message: ChatMessage) => 'Posted' in message && message.Posted.text === text;
/** The texts of the posts a client received that start with `prefix` (this test's), in delivery order. */
const conversation = (client: ChatClient, prefix: string) =>
    client.received.flatMap((m) => ('Posted' in m && m.Posted.text.startsWith(prefix) ? [`${m.Posted.nickname}: ${m.Posted.text}`] : []));

/** Two clients of `canisterId` that joined as `nicknames` (one after the other, so both see the same order). */
async function twoMembers(nicknames: [string, string], canisterId = network.canisterId): Promise<[ChatClient, ChatClient]> {
    const options = { gatewayUrl: gateway.url, networkUrl: network.url, canisterId };
    const [first, second] = await Promise.all([ChatClient.connect(options), ChatClient.connect(options)]);
    first.send({ Join: { nickname: nicknames[0] } });
    await first.waitFor(joined(nicknames[0]));
    second.send({ Join: { nickname: nicknames[1] } });
    await Promise.all([first.waitFor(joined(nicknames[1])), second.waitFor(joined(nicknames[1]))]);
    return [first, second];
}

/** `from` posts `texts` in order (relayed in order per client); resolves once `to` received the last. */
async function say(from: ChatClient, to: ChatClient[], texts: string[]): Promise<void> {
    for (const text of texts) from.send({ Post: { text } });
    await Promise.all(to.map((client) => client.waitFor(posted(texts.at(-1)!), 15_000, `"${texts.at(-1)}"`)));
}

function expectUntroubled(...clients: ChatClient[]): void {
    for (const client of clients) {
        expect(client.errors).toEqual([]);
        expect(client.closeEvent).toBeUndefined();
        expect(client.socket.isConnectionEstablished()).toBe(true);
    }
}

it('clients stay connected through an upgrade and every message arrives exactly once, in order', async () => {
    const [ada, bob] = await twoMembers(['ada', 'bob']);
    await say(ada, [ada, bob], ['u1 hello', 'u1 anyone?']);
    await say(bob, [ada, bob], ['u1 here']);

    await operator.upgrade(wasm);

    await say(ada, [ada, bob], ['u1 after the upgrade']);
    await say(bob, [ada, bob], ['u1 still here', 'u1 nothing lost']);
    const expected = ['ada: u1 hello', 'ada: u1 anyone?', 'bob: u1 here', 'ada: u1 after the upgrade', 'bob: u1 still here', 'bob: u1 nothing lost'];
    expect(conversation(ada, 'u1 ')).toEqual(expected);
    expect(conversation(bob, 'u1 ')).toEqual(expected);
    expectUntroubled(ada, bob);
    // The canister's own state survived: members and history (queried over HTTP).
    expect((await operator.chatMembers()).sort()).toEqual(['ada', 'bob']);
    expect((await operator.chatHistory()).map((p) => `${p.nickname}: ${p.text}`)).toEqual(expected);
    expect(gatewayLog.filter((line) => line.includes('failed') || line.includes('stopped:'))).toEqual([]);

    ada.close();
    await bob.waitFor((m) => 'Left' in m && m.Left.nickname === 'ada');
    bob.close();
    await expect.poll(() => gateway.status().clients).toBe(0);
});

it('a stop, upgrade, start keeps every session and holds posts sent while the canister is stopped', async () => {
    const [cleo, dan] = await twoMembers(['cleo', 'dan']);
    await say(cleo, [cleo, dan], ['u2 before the stop']);
    const logFrom = gatewayLog.length;
    const newLog = () => gatewayLog.slice(logFrom).join('\n');

    await operator.stop();
    // The gateway keeps polling; the IC refuses each poll with IC0508 until the canister runs again.
    await expect.poll(newLog, { timeout: 5_000 }).toMatch(new RegExp(`polling ${network.canisterId} failed, retrying: .*IC0508`));
    // A post sent now would be rejected by the stopped canister: the gateway holds it until polls succeed again.
    dan.send({ Post: { text: 'u2 sent while stopped' } });
    await new Promise((resolve) => setTimeout(resolve, 500)); // several refused polls
    expect(gateway.status().canisters).toEqual([expect.objectContaining({ canisterId: network.canisterId, clients: 2, polling: true })]);
    await operator.upgrade(wasm);
    await operator.start();
    await expect.poll(newLog, { timeout: 5_000 }).toMatch(new RegExp(`polling ${network.canisterId} recovered after \\d+ ms`));

    await say(dan, [cleo, dan], ['u2 after the start']);
    await say(cleo, [cleo, dan], ['u2 all good']);
    const expected = ['cleo: u2 before the stop', 'dan: u2 sent while stopped', 'dan: u2 after the start', 'cleo: u2 all good'];
    expect(conversation(cleo, 'u2 ')).toEqual(expected);
    expect(conversation(dan, 'u2 ')).toEqual(expected);
    expectUntroubled(cleo, dan);
    expect((await operator.chatMembers()).sort()).toEqual(['cleo', 'dan']);
    expect(newLog()).not.toMatch(/stopped:/);

    cleo.close();
    await dan.waitFor((m) => 'Left' in m && m.Left.nickname === 'cleo');
    dan.close();
    await expect.poll(() => gateway.status().clients).toBe(0);
});

it('only transient rejects are retried: a stopped or stopping canister, SysTransient; not a trap, a missing method or no code', () => {
    expect(isTransientReject(2, 'IC0207')).toBe(true); // SysTransient (e.g. out of cycles for the query)
    expect(isTransientReject(5, 'IC0508')).toBe(true); // canister stopped
    expect(isTransientReject(5, 'IC0509')).toBe(true); // canister stopping
    expect(isTransientReject(5, 'IC0503')).toBe(false); // trapped
    expect(isTransientReject(5, 'IC0536')).toBe(false); // no ws_get_messages
    expect(isTransientReject(5, 'IC0537')).toBe(false); // no wasm module
    expect(isTransientReject(4, undefined)).toBe(false); // CanisterReject
});

it('a canister whose code was uninstalled is a fatal poll failure: its clients are closed with the reason', async () => {
    const other = (await network.replica.installCanister({ wasm })).toText();
    const [eve, fay] = await twoMembers(['eve', 'fay'], other);
    await (await CanisterOperator.connect(network.url, other)).uninstall();
    const closes = await Promise.all([eve.closed(), fay.closed()]);
    for (const close of closes) {
        expect(close.code).toBe(1011);
        expect(close.reason).toMatch(/^canister polling failed: ws_get_messages rejected \(code 5, IC0537\)/);
    }
    await expect.poll(() => gateway.status().canisters.map((c) => c.canisterId)).not.toContain(other);
});
