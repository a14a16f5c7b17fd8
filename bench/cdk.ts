/**
 * Benchmarks of the CDK in IC instructions (the replica's metering), on the real test canister wasm:
 * ws_open, ws_message, send with 0 / 1k / 10k queued messages, a 50-message ws_get_messages, broadcast to 100 and
 * 1,000 clients (10,000 with --big), and post_upgrade with 10k queued messages.
 *
 * Figures include Azle's per-call overhead (Candid decoding, QuickJS entry), which is what a canister pays.
 * Run: node --import tsx bench/cdk.ts [--big]
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { buildCanister, Replica } from '../replica/index.ts';
import {
    CanisterWsGetMessagesArgumentsIdl,
    CanisterWsMessageArgumentsIdl,
    CanisterWsOpenArgumentsIdl,
    WsResultIdl
} from '../src/types.ts';

const big = process.argv.includes('--big');
const AppMessage = IDL.Record({ text: IDL.Text });
const appMessage = (text: string) => new Uint8Array(IDL.encode([AppMessage], [{ text }]));
const BroadcastResultIdl = IDL.Record({ sent: IDL.Nat32, deferred: IDL.Nat32 });

let principalCounter = 0;
/** Distinct self-authenticating-shaped principals (29 bytes, like real clients and gateways). */
function nextPrincipal(): Principal {
    const bytes = new Uint8Array(29);
    new DataView(bytes.buffer).setUint32(0, ++principalCounter);
    bytes[28] = 0x02;
    return Principal.fromUint8Array(bytes);
}

const replica = await Replica.create({ seed: 'bench-cdk' });
const wasm = await buildCanister('test_canister');
const initArg = new Uint8Array(IDL.encode([IDL.Nat64, IDL.Nat64], [50n, 300_000n]));
const canister = await replica.installCanister({ wasm, arg: initArg });

async function update(method: string, types: IDL.Type[], args: unknown[], sender = Principal.anonymous()): Promise<{ value: unknown; instructions: bigint }> {
    const { reply, instructions } = await replica.update(canister, method, new Uint8Array(IDL.encode(types, args)), { sender });
    const decoded = IDL.decode(method === 'test_broadcast' ? [BroadcastResultIdl] : [WsResultIdl], reply)[0];
    if (decoded !== null && typeof decoded === 'object' && 'Err' in decoded) throw new Error(`${method}: ${String(decoded.Err)}`);
    return { value: decoded, instructions };
}

const open = (client: Principal, gateway: Principal) =>
    update('ws_open', [CanisterWsOpenArgumentsIdl], [{ client_nonce: 1n, gateway_principal: gateway }], client);
const send = (client: Principal, messages: Uint8Array[]) => update('send', [IDL.Principal, IDL.Vec(IDL.Vec(IDL.Nat8))], [client, messages]);

const mean = (values: bigint[]) => values.reduce((sum, value) => sum + value, 0n) / BigInt(values.length);
const median = (values: bigint[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[Math.floor(values.length / 2)];
const rows: [string, string, string][] = [];
const fmt = (n: bigint | number) => Number(n).toLocaleString('en-US');
function record(what: string, instructions: bigint, note = ''): void {
    rows.push([what, fmt(instructions), note]);
    console.error(`${what}: ${fmt(instructions)} ${note}`);
}

// ws_open and ws_message over 20 fresh clients on one gateway.
const gatewayA = nextPrincipal();
const opens: bigint[] = [];
const messages: bigint[] = [];
for (let i = 0; i < 20; i++) {
    const client = nextPrincipal();
    opens.push((await open(client, gatewayA)).instructions);
    const msg = { client_key: { client_principal: client, client_nonce: 1n }, sequence_num: 1n, timestamp: 0n, is_service_message: false, content: appMessage(`hello ${i}`) };
    messages.push((await update('ws_message', [CanisterWsMessageArgumentsIdl, IDL.Opt(IDL.Null)], [{ msg }, []], client)).instructions);
}
// A lone call re-hashes the path from its new key to the root, whose length varies with the treap's shape (message
// hashes include timestamps), so the mean over 20 is reported: the median of a few varied by ±30% between runs.
record('ws_open', mean(opens), 'mean of 20');
record('ws_message (app message, 12 B)', median(messages), 'median of 20');

// send with 0, 1k and 10k messages queued on the client's gateway (one 40-byte message per call).
const gatewayB = nextPrincipal();
const sender = nextPrincipal();
await open(sender, gatewayB);
const payload = appMessage('x'.repeat(32));
let queued = 1;
async function fillTo(target: number): Promise<void> {
    while (queued < target) {
        const batch = Math.min(500, target - queued);
        await send(sender, Array.from({ length: batch }, () => payload));
        queued += batch;
    }
}
async function measureSend(label: string): Promise<void> {
    const samples: bigint[] = [];
    for (let i = 0; i < 20; i++) samples.push((await send(sender, [payload])).instructions);
    queued += 20;
    record(label, mean(samples), 'mean of 20, 40 B message');
}
await measureSend('send, 1 queued message');
await fillTo(1_000);
await measureSend('send, 1k queued messages');
const batchOf100 = await send(sender, Array.from({ length: 100 }, () => payload));
queued += 100;
record('send of 100 messages in one call, per message', batchOf100.instructions / 100n, '1.1k queued');
await fillTo(10_000);
await measureSend('send, 10k queued messages');

// ws_get_messages returning 50 messages (from the middle of the 10k queue).
const poll = await replica.query(canister, 'ws_get_messages', new Uint8Array(IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce: 5_000n }])), { sender: gatewayB });
record('ws_get_messages, 50 messages (10k queued)', poll.instructions, `reply ${fmt(poll.reply.length)} B`);
const emptyPoll = await replica.query(canister, 'ws_get_messages', new Uint8Array(IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce: 20_000n }])), { sender: gatewayB });
record('ws_get_messages, nothing new', emptyPoll.instructions, 'the 100 ms idle poll');

// post_upgrade with 10k queued messages: the test canister logs performance_counter(1) at its end.
await replica.upgradeCanister(canister, wasm, { arg: initArg });
const upgradeLine = replica.logs(canister).filter((line) => line.includes('post_upgrade instructions')).pop() ?? '';
record(`post_upgrade, ${fmt(queued + 20)} queued messages`, BigInt(/(\d+)/.exec(upgradeLine)?.[1] ?? '0'), 'rebuilds the certified tree');

// Broadcast to 100, 1,000 (and 10,000) clients, each on a fresh gateway's queue.
const StateIdl = IDL.Record({ clients: IDL.Vec(IDL.Principal), gateways: IDL.Vec(IDL.Tuple(IDL.Principal, IDL.Nat32, IDL.Nat32)), events: IDL.Vec(IDL.Text) });
/** Messages queued for `gateway`, from the test canister's hidden introspection query. */
async function queueDepth(gateway: Principal): Promise<number> {
    const { reply } = await replica.query(canister, 'test_state', new Uint8Array(IDL.encode([], [])));
    const state = IDL.decode([StateIdl], reply)[0] as unknown as { gateways: [Principal, number, number][] };
    return state.gateways.find(([g]) => g.toText() === gateway.toText())?.[2] ?? 0;
}

async function measureBroadcast(clients: number): Promise<void> {
    const gateway = nextPrincipal();
    for (let i = 0; i < clients; i++) await open(nextPrincipal(), gateway);
    // Everyone connected so far receives it (including earlier benches' clients), so divide by the actual count.
    const result = await update('test_broadcast', [IDL.Text], ['x'.repeat(32)]);
    const { sent, deferred } = result.value as { sent: number; deferred: number };
    const note = deferred === 0 ? `total ${fmt(result.instructions)}` : `call: ${fmt(result.instructions)} for ${fmt(sent)}; ${fmt(deferred)} deferred to timers`;
    record(`broadcast to ${fmt(sent + deferred)} clients, per recipient in the call`, result.instructions / BigInt(sent), note);
    if (deferred > 0) {
        let rounds = 0;
        while (rounds < 20 && (await queueDepth(gateway)) < 2 * clients) {
            await replica.tick();
            rounds++;
        }
        console.error(`  deferred recipients served after ${rounds} round(s)`);
        rows.push([`  … remaining ${fmt(deferred)} recipients`, '—', `served by timer messages within ${rounds} round(s)`]);
    }
}
await measureBroadcast(80); // + the 21 already connected = 101
await measureBroadcast(900);
if (big) await measureBroadcast(9_000);

console.log('| operation | IC instructions | notes |');
console.log('|---|---:|---|');
for (const [what, count, note] of rows) console.log(`| ${what} | ${count} | ${note} |`);
