/**
 * End-to-end benchmark of the gateway with both clients, in the same run: the unmodified ic-websocket-js 0.5 and
 * ic-websocket-client (client/). Wall clock and CPU, not instructions: what is measured is delivery through the
 * network path, which IC instructions do not capture.
 *
 * - latency: from the canister's send (an update of the test canister's broadcast, in-process, returning) to the
 *   client's onmessage (certificate verified), at the default 100 ms polling interval; one client; 40 sends spaced
 *   by random pauses so they land at random points of the polling cycle.
 * - burst to one client: 500 messages sent to one client at once (the test canister's `send`), as a busy room
 *   does: the client gets up to 50 messages per poll under one certificate. ic-websocket-client with its own
 *   certificate cache (what one browser pays).
 * - throughput: one gateway, 100 clients of one canister; 10 broadcasts (1,000 messages); the rate at which the
 *   gateway forwards them and at which the clients deliver them, and the clients' CPU per delivered message. The
 *   clients run in a child process (bench/e2e-clients.ts) so that their certificate checks do not share the
 *   gateway's event loop (they share the 2 cores, though). ic-websocket-client runs twice: with its default
 *   process-wide certificate cache, and with a cache per client (what 100 separate browsers pay in total).
 *
 * Usage: node --import tsx bench/e2e.ts   (prints a Markdown section for bench/RESULTS.md)
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { CertificateCache } from '../client/src/index.ts';
import { fork, type ChildProcess } from 'node:child_process';
import { startGateway } from '../gateway/index.ts';
import { serveHttp } from '../replica/http/index.ts';
import { buildCanister, Replica } from '../replica/index.ts';
import { ChatClient as JsClient } from '../test/e2e/support/chat-client.ts';
import { ChatClient as NewClient } from '../test/client/support/chat-client.ts';
import { testCanisterIdlFactory, type TextMessage } from './test-canister-idl.ts';

const LATENCY_SAMPLES = 40;
const BURST = 500;
const CLIENTS = 100;
const BROADCASTS = 10;

function percentile(sorted: number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one request to the clients' process and waits for its answer. */
function ask<T>(child: ChildProcess, request: object): Promise<T> {
    return new Promise((resolve, reject) => {
        child.once('message', (answer) => resolve(answer as T));
        child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
        child.send(request);
    });
}

interface Run {
    name: string;
    forwarded: number;
    gatewaySeconds: number;
    clientSeconds: number;
    cpuMs: number;
    errors: number;
    retried: number;
}

async function main(): Promise<void> {
    const replica = await Replica.create();
    const canisterId = await replica.installCanister({
        wasm: await buildCanister('test_canister'),
        arg: new Uint8Array(IDL.encode([IDL.Nat64, IDL.Nat64], [50n, 300_000n]))
    });
    const http = await serveHttp(replica, { port: 0, autoProgress: true });
    let forwarded = 0;
    let lastForwardAt = 0;
    const gateway = await startGateway({
        icUrl: http.url,
        port: 0,
        logLevel: 'warn',
        outgoingMessageHook(message) {
            forwarded++;
            lastForwardAt = performance.now();
            return [message];
        }
    });
    const options = { gatewayUrl: gateway.url, networkUrl: http.url, canisterId: canisterId.toText(), idlFactory: testCanisterIdlFactory };
    const broadcast = (text: string) => replica.update(canisterId, 'test_broadcast', new Uint8Array(IDL.encode([IDL.Text], [text])));

    // Latency, then a burst to that one client, for each kind.
    const latency: Record<string, number[]> = {};
    const burstSeconds: Record<string, number> = {};
    for (const [name, connect] of [
        ['ic-websocket-js', () => JsClient.connect<TextMessage>(options)],
        ['ic-websocket-client', () => NewClient.connect<TextMessage>({ ...options, config: { certificateCache: new CertificateCache() } })]
    ] as const) {
        const single = await connect();
        const samples: number[] = [];
        for (let i = 0; i < LATENCY_SAMPLES; i++) {
            await sleep(Math.random() * 150);
            const text = `latency ${name} ${i}`;
            await broadcast(text);
            const sentAt = performance.now();
            await single.waitFor((m) => m.text === text, 10_000);
            samples.push(single.receivedAt[single.received.findIndex((m) => m.text === text)]! - sentAt);
        }
        const before = single.received.length;
        const messages = Array.from({ length: BURST }, (_, i) => new Uint8Array(IDL.encode([IDL.Record({ text: IDL.Text })], [{ text: `burst ${i}` }])));
        await replica.update(canisterId, 'send', new Uint8Array(IDL.encode([IDL.Principal, IDL.Vec(IDL.Vec(IDL.Nat8))], [Principal.fromText(single.principal), messages])));
        const burstStart = performance.now();
        await single.until(() => single.received.length >= before + BURST, 300_000, 'the burst');
        burstSeconds[name] = (single.receivedAt[before + BURST - 1]! - burstStart) / 1000;
        single.close();
        await single.closed();
        latency[name] = samples.sort((a, b) => a - b);
    }

    // Throughput, one kind of client at a time.
    const runs: Run[] = [];
    const { idlFactory: _sameInTheChild, ...clientOptions } = options;
    for (const [name, args] of [
        ['ic-websocket-js 0.5.0', ['ic-websocket-js']],
        ['ic-websocket-client, shared certificate cache (default)', ['ic-websocket-client']],
        ['ic-websocket-client, one certificate cache per client', ['ic-websocket-client', 'isolated']]
    ] as const) {
        const child = fork(new URL('./e2e-clients.ts', import.meta.url), [...args], { execArgv: ['--import', 'tsx'] });
        const { retried } = await ask<{ retried: number }>(child, { connect: clientOptions, count: CLIENTS });
        await sleep(500);
        await ask(child, { mark: true });
        forwarded = 0;
        const started = performance.now();
        const startedEpoch = Date.now();
        for (let i = 0; i < BROADCASTS; i++) await broadcast(`burst ${i}`);
        const { delivered, cpuMs, errors } = await ask<{ delivered: number; cpuMs: number; errors: string[] }>(child, { await: BROADCASTS });
        runs.push({ name, forwarded, gatewaySeconds: (lastForwardAt - started) / 1000, clientSeconds: (delivered - startedEpoch) / 1000, cpuMs, errors: errors.length, retried });
        await ask(child, { close: true }).catch(() => undefined);
        await sleep(1_000); // the gateway sees the clients go and calls ws_close for each
    }

    const expected = CLIENTS * BROADCASTS;
    const format = (ms: number) => `${ms.toFixed(0)} ms`;
    const rate = (count: number, seconds: number) => `${(count / seconds).toFixed(0)} messages/s`;
    const baseline = runs[0]!;
    console.log(`## End to end: gateway latency and throughput, ic-websocket-js and ic-websocket-client

Command: \`node --import tsx bench/e2e.ts\` (wall clock on the 2-core build machine, shared; embedded replica over HTTP
with auto progress every 100 ms, gateway polling every 100 ms, test canister with max 50 messages per poll; the
latency client in the same process, the ${CLIENTS} throughput clients in a child process; one run of each client
after the other against the same gateway).

| measure | ic-websocket-js 0.5.0 | ic-websocket-client |
|---|---|---|
${Object.entries({ 'median': 50, 'p95': 95 })
    .map(([label, p]) => `| latency, canister send → onmessage (${LATENCY_SAMPLES} sends, 1 client), ${label} | ${format(percentile(latency['ic-websocket-js']!, p))} | ${format(percentile(latency['ic-websocket-client']!, p))} |`)
    .join('\n')}
| burst of ${BURST} messages to that one client (up to 50 per poll), delivered | ${(BURST / burstSeconds['ic-websocket-js']!).toFixed(0)} messages/s | ${(BURST / burstSeconds['ic-websocket-client']!).toFixed(0)} messages/s (own certificate cache) |

Throughput: one gateway, ${CLIENTS} clients, ${BROADCASTS} broadcasts = ${expected} messages (each certificate verified).

| clients | forwarded by the gateway | delivered by the clients | vs ic-websocket-js | client CPU per message | errors | failed openings retried |
|---|---|---|---|---|---|---|
${runs
    .map(
        (run) =>
            `| ${run.name} | ${run.forwarded} in ${run.gatewaySeconds.toFixed(2)} s = ${rate(run.forwarded, run.gatewaySeconds)} | ${expected} in ${run.clientSeconds.toFixed(2)} s = ${rate(expected, run.clientSeconds)} | ${(baseline.clientSeconds / run.clientSeconds).toFixed(1)}× | ${(run.cpuMs / expected).toFixed(2)} ms | ${run.errors} | ${run.retried} |`
    )
    .join('\n')}
`);
    await gateway.close();
    await http.close();
    process.exit(runs.every((run) => run.errors === 0 && run.forwarded >= expected) ? 0 : 1);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
