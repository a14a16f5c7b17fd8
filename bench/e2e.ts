/**
 * End-to-end benchmark of the gateway with the unmodified ic-websocket-js client (wall-clock, not instructions:
 * what is measured is delivery through the network path, which IC instructions do not capture).
 *
 * - latency: from the canister's send (an update of the test canister's broadcast, in-process, returning) to the
 *   client's onmessage (certificate verified), at the default 100 ms polling interval; one client; 40 sends spaced
 *   by random pauses so they land at random points of the polling cycle.
 * - throughput: one gateway, 100 clients of one canister; 10 broadcasts (1,000 messages); rate at which the gateway
 *   forwards them, and at which the clients deliver them. The clients run in a child process (bench/e2e-clients.ts)
 *   so that their certificate checks do not share the gateway's event loop (they share the 2 cores, though).
 *
 * Usage: node --import tsx bench/e2e.ts   (prints a Markdown section for bench/RESULTS.md)
 */
import { IDL } from '@dfinity/candid';
import { fork, type ChildProcess } from 'node:child_process';
import { startGateway } from '../gateway/index.ts';
import { serveHttp } from '../replica/http/index.ts';
import { buildCanister, Replica } from '../replica/index.ts';
import { ChatClient } from '../test/e2e/support/chat-client.ts';
import { testCanisterIdlFactory, type TextMessage } from './test-canister-idl.ts';

const LATENCY_SAMPLES = 40;
const CLIENTS = 100;
const BROADCASTS = 10;

function percentile(sorted: number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
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

    // Latency.
    const single = await ChatClient.connect<TextMessage>(options);
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
        await sleep(Math.random() * 150);
        const text = `latency ${i}`;
        await broadcast(text);
        const sentAt = performance.now();
        await single.waitFor((m) => m.text === text, 10_000);
        latencies.push(single.receivedAt[single.received.findIndex((m) => m.text === text)] - sentAt);
    }
    single.close();
    await single.closed();
    latencies.sort((a, b) => a - b);

    // Throughput.
    const clientProcess = fork(new URL('./e2e-clients.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'] });
    const { idlFactory: _sameInTheChild, ...clientOptions } = options;
    await ask(clientProcess, { connect: clientOptions, count: CLIENTS });
    await sleep(500);
    forwarded = 0;
    const started = performance.now();
    const startedEpoch = Date.now();
    for (let i = 0; i < BROADCASTS; i++) await broadcast(`burst ${i}`);
    const expected = CLIENTS * BROADCASTS;
    const { delivered, errors } = await ask<{ delivered: number; errors: string[] }>(clientProcess, { await: BROADCASTS });
    await ask(clientProcess, { close: true }).catch(() => undefined);
    const gatewaySeconds = (lastForwardAt - started) / 1000;
    const clientSeconds = (delivered - startedEpoch) / 1000;

    const format = (ms: number) => `${ms.toFixed(0)} ms`;
    console.log(`## End to end: gateway latency and throughput

Command: \`node --import tsx bench/e2e.ts\` (wall clock on the 2-core build machine, shared; embedded replica over HTTP
with auto progress every 100 ms, gateway polling every 100 ms, unmodified ic-websocket-js 0.5.0 clients in the same
process for the latency run and in a child process for the throughput run, test canister with max 50 messages
per poll).

| measure | result |
|---|---|
| latency, canister send → client onmessage (${LATENCY_SAMPLES} sends, 1 client) | median ${format(percentile(latencies, 50))}, p95 ${format(percentile(latencies, 95))}, min ${format(latencies[0])}, max ${format(latencies.at(-1)!)} |
| throughput, one gateway, ${CLIENTS} clients, ${BROADCASTS} broadcasts = ${expected} messages: forwarded by the gateway | ${forwarded} in ${gatewaySeconds.toFixed(2)} s = ${(forwarded / gatewaySeconds).toFixed(0)} messages/s |
| same burst, delivered by the clients (each certificate verified, in the child process) | ${expected} in ${clientSeconds.toFixed(2)} s = ${(expected / clientSeconds).toFixed(0)} messages/s |
| client errors | ${errors.length} |
`);
    await gateway.close();
    await http.close();
    process.exit(errors.length === 0 && forwarded >= expected ? 0 : 1);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
