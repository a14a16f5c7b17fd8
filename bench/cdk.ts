/**
 * Benchmarks of the CDK in IC instructions (the replica's metering), on the real test canister wasm:
 * - lone calls: ws_open, ws_message, and a lone `send` at 1, 1k and 10k queued messages (100k with --big), each
 *   20 calls reported as mean, median and spread (min–max), plus 20 sends that each also delete 5 expired messages;
 * - a batch of 100 sends and broadcasts to 100 and 1,000 clients (10,000 with --big), per message;
 * - ws_get_messages returning 50 messages, and the idle poll;
 * - post_upgrade at 1k and 10k queued messages (100k with --big);
 * - library baselines (bench/canisters/baselines): our SHA-256 and Candid codec against @noble/hashes and
 *   IDL.encode/IDL.decode, measured inside a canister.
 *
 * Figures include Azle's per-call overhead (Candid decoding, QuickJS entry), which is what a canister pays.
 * Run: node --import tsx bench/cdk.ts [--big]; `--broadcast N` measures only a broadcast to N clients (on a fresh gateway).
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { buildCanister, Replica } from '../replica/index.ts';
import {
    CanisterWsCloseArgumentsIdl,
    CanisterWsGetMessagesArgumentsIdl,
    CanisterWsMessageArgumentsIdl,
    CanisterWsOpenArgumentsIdl,
    WsResultIdl
} from '../src/types.ts';

const big = process.argv.includes('--big');
const ACK_INTERVAL_MS = 300_000;
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
const initArg = new Uint8Array(IDL.encode([IDL.Nat64, IDL.Nat64], [50n, BigInt(ACK_INTERVAL_MS)]));
const canister = await replica.installCanister({ wasm, arg: initArg });

/**
 * The bench queues 100k messages for one client, over the default bounds (100k per gateway, 10k per client): raise
 * them (a hidden test method; a CDK without bounds does not have it). Heap params: again after every upgrade.
 */
async function raiseQueueBounds(): Promise<void> {
    const arg = new Uint8Array(IDL.encode([IDL.Nat64, IDL.Nat64], [10_000_000n, 10_000_000n]));
    await replica.update(canister, 'test_set_queue_limits', arg).catch(() => undefined);
}
await raiseQueueBounds();

async function update(method: string, types: IDL.Type[], args: unknown[], sender = Principal.anonymous()): Promise<{ value: unknown; instructions: bigint }> {
    const { reply, instructions } = await replica.update(canister, method, new Uint8Array(IDL.encode(types, args)), { sender });
    const decoded = IDL.decode(method === 'test_broadcast' ? [BroadcastResultIdl] : [WsResultIdl], reply)[0];
    if (decoded !== null && typeof decoded === 'object' && 'Err' in decoded) throw new Error(`${method}: ${String(decoded.Err)}`);
    return { value: decoded, instructions };
}

const open = (client: Principal, gateway: Principal) =>
    update('ws_open', [CanisterWsOpenArgumentsIdl], [{ client_nonce: 1n, gateway_principal: gateway }], client);
const send = (client: Principal, messages: Uint8Array[]) => update('send', [IDL.Principal, IDL.Vec(IDL.Vec(IDL.Nat8))], [client, messages]);

const rows: [string, string, string][] = [];
const fmt = (n: bigint | number) => Number(n).toLocaleString('en-US');
function record(what: string, instructions: bigint, note = ''): void {
    rows.push([what, fmt(instructions), note]);
    console.error(`${what}: ${fmt(instructions)} ${note}`);
}

/** Mean as the figure; median, min–max and the largest deviation from the median in the note. */
function recordSamples(what: string, samples: bigint[], note: string): void {
    const sorted = [...samples].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const mean = samples.reduce((sum, value) => sum + value, 0n) / BigInt(samples.length);
    const median = sorted[Math.floor(sorted.length / 2)];
    const min = sorted[0];
    const max = sorted[sorted.length - 1];
    const deviation = Math.max(Number(median - min), Number(max - median)) / Number(median);
    record(what, mean, `${note}; median ${fmt(median)}, ${fmt(min)}–${fmt(max)} (±${(deviation * 100).toFixed(0)}% of median)`);
}

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
// `--broadcast N`: only a broadcast to N clients on a fresh gateway (what --big measures at 10,000, without the
// rest of the --big run).
const broadcastOnly = process.argv.includes('--broadcast') ? Number(process.argv[process.argv.indexOf('--broadcast') + 1]) : undefined;
if (broadcastOnly !== undefined) {
    if (!Number.isInteger(broadcastOnly) || broadcastOnly < 1) throw new Error('--broadcast needs a number of clients');
    await measureBroadcast(broadcastOnly);
    console.log('| operation | IC instructions | notes |');
    console.log('|---|---:|---|');
    for (const [what, count, note] of rows) console.log(`| ${what} | ${count} | ${note} |`);
    process.exit(0);
}

// ws_open and ws_message over 20 fresh clients on one gateway, after a first client that registers the gateway
// (and pays the canister's first-call costs).
const gatewayA = nextPrincipal();
await open(nextPrincipal(), gatewayA);
const opens: bigint[] = [];
const messages: bigint[] = [];
for (let i = 0; i < 20; i++) {
    const client = nextPrincipal();
    opens.push((await open(client, gatewayA)).instructions);
    const msg = { client_key: { client_principal: client, client_nonce: 1n }, sequence_num: 1n, timestamp: 0n, is_service_message: false, content: appMessage(`hello ${i}`) };
    messages.push((await update('ws_message', [CanisterWsMessageArgumentsIdl, IDL.Opt(IDL.Null)], [{ msg }, []], client)).instructions);
}
recordSamples('ws_open', opens, '20 clients');
recordSamples('ws_message (app message, 12 B)', messages, '20 clients');

// Lone sends at growing queue sizes on gateway B, one 40-byte message per call.
const gatewayB = nextPrincipal();
const sender = nextPrincipal();
await open(sender, gatewayB);
const payload = appMessage('x'.repeat(32));
let queued = 22; // 21 OpenMessages on gateway A, 1 on gateway B
async function fillTo(target: number): Promise<void> {
    while (queued < target) {
        const batch = Math.min(500, target - queued);
        await send(sender, Array.from({ length: batch }, () => payload));
        queued += batch;
    }
}
/**
 * A `send` of no message costs the test canister's own part of every `send`: Azle's Candid decoding of its
 * arguments and encoding of the `WsResult` reply, and an empty batch. Median of 5; subtracted from the lone sends'
 * median to show the CDK's part.
 */
async function emptySendCost(): Promise<bigint> {
    const samples: bigint[] = [];
    for (let i = 0; i < 5; i++) samples.push((await send(sender, [])).instructions);
    return samples.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[2];
}
const emptySend = await emptySendCost();
record('send of no message (the test canister\'s Candid and call, no message queued)', emptySend, 'median of 5; subtracted below as "CDK\'s part"');

async function measureSends(label: string, note = '40 B message'): Promise<void> {
    const samples: bigint[] = [];
    for (let i = 0; i < 20; i++) samples.push((await send(sender, [payload])).instructions);
    queued += 20;
    const median = [...samples].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[10];
    recordSamples(label, samples, `${note}; CDK's part (median − send of no message) ${fmt(median - emptySend)}`);
}
/** post_upgrade: the test canister logs performance_counter(1) at its end (Azle's module evaluation included). */
async function measureUpgrade(): Promise<void> {
    await replica.upgradeCanister(canister, wasm, { arg: initArg });
    await raiseQueueBounds();
    const line = replica.logs(canister).filter((entry) => entry.includes('post_upgrade instructions')).pop() ?? '';
    record(`post_upgrade, ${fmt(queued)} queued messages`, BigInt(/(\d+)/.exec(line)?.[1] ?? '0'), 'limit 300B');
}

await measureSends('send, 1 queued message');
await fillTo(1_000);
await measureSends('send, 1k queued messages');
const batchOf100 = await send(sender, Array.from({ length: 100 }, () => payload));
queued += 100;
record('send of 100 messages in one call, per message', batchOf100.instructions / 100n, '1.1k queued');
await measureUpgrade();
await fillTo(10_000);
await measureSends('send, 10k queued messages');

// ws_get_messages returning 50 messages (from the middle of the 10k queue), and the idle poll.
const poll = await replica.query(canister, 'ws_get_messages', new Uint8Array(IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce: 5_000n }])), { sender: gatewayB });
record('ws_get_messages, 50 messages (10k queued)', poll.instructions, `reply ${fmt(poll.reply.length)} B`);
const emptyPoll = await replica.query(canister, 'ws_get_messages', new Uint8Array(IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce: 1_000_000n }])), { sender: gatewayB });
record('ws_get_messages, nothing new', emptyPoll.instructions, 'the 100 ms idle poll');
await measureUpgrade();

if (big) {
    await fillTo(100_000);
    await measureSends('send, 100k queued messages');
    await measureUpgrade();
}

// Once every queued message is older than the ack interval, each send also deletes the 5 oldest (spec §2.8).
await replica.advanceTime(ACK_INTERVAL_MS + 1); // the ack round runs (and deletes some) first
queued += 22; // one ack per client
await measureSends(`send deleting 5 expired messages, ${big ? '100k' : '10k'} queued`, 'each call queues 1 and deletes 5');

await measureBroadcast(78); // + the 22 already connected = 100
await measureBroadcast(900);
if (big) await measureBroadcast(9_000);

// Removing gateway B with its whole queue: its only client leaves, the first keep-alive check more than one interval
// later removes the gateway (that is up to two intervals and a round later), and its messages are deleted in timer
// messages, each logging how far it got (CDKs that delete the queue inside the keep-alive check log nothing). Time
// moves one second per replica round, so each timer message runs a second after the previous one, as on the IC,
// until the last deletion is logged (bounded: 2 intervals and 5 minutes).
// (The client may already be closed by a keep-alive check: then the gateway is empty already.)
await replica.update(canister, 'ws_close', new Uint8Array(IDL.encode([CanisterWsCloseArgumentsIdl], [{ client_key: { client_principal: sender, client_nonce: 1n } }])), { sender: gatewayB });
const closedAtMs = replica.getTime();
const reclaimLines = () => replica.logs(canister).filter((line) => line.includes('messages of removed gateways'));
let firstDeletionMs: number | undefined;
for (let second = 0; second < (2 * ACK_INTERVAL_MS + 300_000) / 1_000 && !reclaimLines().some((line) => line.includes(' 0 left')); second++) {
    await replica.advanceTime(1_000);
    if (firstDeletionMs === undefined && reclaimLines().length > 0) firstDeletionMs = replica.getTime();
}
const reclaimed = reclaimLines();
if (reclaimed.length > 0) {
    const per = reclaimed.map((line) => ({ deleted: Number(/deleted (\d+)/.exec(line)![1]), instructions: BigInt(/\((\d+) instructions/.exec(line)![1]) }));
    const total = per.reduce((sum, entry) => sum + entry.deleted, 0);
    const largest = per.reduce((max, entry) => (entry.instructions > max ? entry.instructions : max), 0n);
    // The first messages may share their budget with the keep-alive check (closing every silent client): the cost of
    // one deletion is taken from the message that deleted the most.
    const most = per.reduce((best, entry) => (entry.deleted > best.deleted ? entry : best));
    const perMessage = most.instructions / BigInt(Math.max(1, most.deleted));
    const after = (ms: number | undefined) => (ms === undefined ? '?' : `${Math.round((ms - closedAtMs) / 1_000)} s`);
    const finished = reclaimed.at(-1)!.includes(' 0 left') ? after(replica.getTime()) : 'not finished';
    record(`deleting a removed gateway's ${fmt(total)} queued messages, largest timer message`, largest, `${per.length} timer message(s) (${per.map((entry) => fmt(entry.deleted)).join(' + ')}); ~${fmt(perMessage)} per deleted message (in the message that deleted the most); first deletion ${after(firstDeletionMs)} after ws_close, last ${finished}`);
} else rows.push([`deleting a removed gateway's queue`, '—', `nothing logged within ${Math.round((replica.getTime() - closedAtMs) / 1_000)} s of ws_close (a CDK that deletes it inside the keep-alive check logs nothing)`]);

// Library baselines, measured inside a canister.
const baselines = await replica.installCanister({ wasm: await buildCanister('bench_baselines'), arg: new Uint8Array(IDL.encode([], [])) });
const CostIdl = IDL.Vec(IDL.Record({ name: IDL.Text, ours: IDL.Nat64, library: IDL.Nat64 }));
type Cost = { name: string; ours: bigint; library: bigint };
async function baseline(method: string, types: IDL.Type[] = [], args: unknown[] = []): Promise<Cost[]> {
    const { reply } = await replica.query(baselines, method, new Uint8Array(IDL.encode(types, args)));
    return IDL.decode([CostIdl], reply)[0] as unknown as Cost[];
}
const [one] = await baseline('sha256', [IDL.Nat32], [1]);
const [nine] = await baseline('sha256', [IDL.Nat32], [9]);
const perBlock = (a: bigint, b: bigint) => (b - a) / 8n;
const baselineRows: [string, string, string, string][] = [
    ['SHA-256, one 64-byte block (one call)', fmt(one.ours), fmt(one.library), `${(Number(one.library) / Number(one.ours)).toFixed(1)}×`],
    ['SHA-256, per further block', fmt(perBlock(one.ours, nine.ours)), fmt(perBlock(one.library, nine.library)), `${(Number(perBlock(one.library, nine.library)) / Number(perBlock(one.ours, nine.ours))).toFixed(1)}×`]
];
for (const cost of [...(await baseline('message')), ...(await baseline('candid'))]) {
    baselineRows.push([cost.name, fmt(cost.ours), fmt(cost.library), `${(Number(cost.library) / Number(cost.ours)).toFixed(1)}×`]);
}

console.log('| operation | IC instructions | notes |');
console.log('|---|---:|---|');
for (const [what, count, note] of rows) console.log(`| ${what} | ${count} | ${note} |`);
console.log('');
console.log('| baseline (inside a canister) | ours | library | library / ours |');
console.log('|---|---:|---:|---:|');
for (const [what, ours, library, ratio] of baselineRows) console.log(`| ${what} | ${ours} | ${library} | ${ratio} |`);
