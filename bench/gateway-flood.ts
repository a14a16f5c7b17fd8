/**
 * The gateway under a flooding client (issue #9, finding 7): peak RSS of the gateway process and the round trip of a
 * well-behaved client meanwhile. Three processes, so that each one's memory and CPU are its own: the embedded replica
 * with two chat canisters (bench/gateway-flood-replica.ts), the gateway's command line, and this one (the clients).
 *
 * Floods, each against a fresh gateway process:
 * - `issue`: one opened client sends 150 frames of 3.9 MB whose envelopes carry invalid signatures (as in the issue);
 * - `under-limit`: the same with 2 MB frames, which fit under the gateway's default frame limit;
 * - `held`: 150 frames of 2 MB to a second canister that is stopped, so the gateway holds them instead of relaying.
 * The well-behaved client is an unmodified ic-websocket-js chat client of the first canister: each round trip is one
 * post relayed by the gateway, executed by the canister and delivered back (certificate verified), one at a time.
 * RSS is sampled every 50 ms from /proc/<pid>/status; the peak is the kernel's high-water mark (VmHWM). A flood phase
 * ends when the flooder is closed, has sent every frame, or after 20 s (a gateway that stopped reading it); then 5 s
 * more of round trips. "Frames sent" counts frames the flooder's socket wrote within that time.
 *
 * Usage: node --import tsx bench/gateway-flood.ts [--gateway <bin/gateway.ts of the gateway to measure>]
 *          [--label <name for the table>] [--only issue,under-limit,held] [-- <extra gateway flags>]
 * Prints Markdown rows for bench/RESULTS.md.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ChatClient } from '../test/e2e/support/chat-client.ts';
import { RawGatewayClient, type GatewayClose } from '../test/e2e/support/raw-client.ts';

const ROOT = resolve(import.meta.dirname, '..');
const FRAMES = 150;
const SETTLE_MS = 5_000;
/** A flood that neither ends nor gets its client closed (the gateway stopped reading it) is cut after this. */
const MAX_FLOOD_MS = 20_000;
const BASELINE_ROUND_TRIPS = 10;

interface Flood {
    name: 'issue' | 'under-limit' | 'held';
    frameArgBytes: number;
    /** Frames go to the second canister, stopped during the flood. */
    toStoppedCanister: boolean;
}

const FLOODS: Flood[] = [
    { name: 'issue', frameArgBytes: 3_900_000, toStoppedCanister: false },
    { name: 'under-limit', frameArgBytes: 2_000_000, toStoppedCanister: false },
    { name: 'held', frameArgBytes: 2_000_000, toStoppedCanister: true }
];

interface Network {
    url: string;
    rootKeyHex: string;
    canisterIds: [string, string];
    child: ChildProcess;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function ask(child: ChildProcess, request: object): Promise<void> {
    return new Promise((done) => {
        child.once('message', () => done());
        child.send(request);
    });
}

async function startNetwork(): Promise<Network> {
    const child = fork(new URL('./gateway-flood-replica.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'], cwd: ROOT });
    const ready = await new Promise<Omit<Network, 'child'>>((done, fail) => {
        child.once('message', (message) => done(message as Omit<Network, 'child'>));
        child.once('exit', (code) => fail(new Error(`replica process exited with ${code}`)));
    });
    return { ...ready, child };
}

interface GatewayProcess {
    url: string;
    child: ChildProcess;
}

async function startGatewayProcess(bin: string, network: Network, extraFlags: string[]): Promise<GatewayProcess> {
    const args = ['--import', 'tsx', bin, '--ic-url', network.url, '--port', '0', '--root-key', network.rootKeyHex, '--log-level', 'info', ...extraFlags];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const url = await new Promise<string>((done, fail) => {
        let text = '';
        child.stderr!.on('data', (chunk: Buffer) => {
            text += chunk.toString();
            const match = /listening on (ws:\/\/\S+?),/.exec(text);
            if (match) done(match[1]);
        });
        child.once('exit', (code) => fail(new Error(`gateway exited with ${code}: ${text}`)));
    });
    child.stderr!.resume();
    return { url, child };
}

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

async function roundTrip(probe: ChatClient, text: string): Promise<number> {
    const sentAt = performance.now();
    probe.send({ Post: { text } });
    await probe.waitFor((m) => 'Posted' in m && m.Posted.text === text, 60_000, `"${text}"`);
    return performance.now() - sentAt;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

interface FloodResult {
    flood: Flood;
    rssBeforeMb: number;
    peakMb: number;
    framesSent: number;
    close: GatewayClose | undefined;
    closedAfterMs: number | undefined;
    baselineMs: number[];
    duringMs: number[];
    probeErrors: string[];
}

async function runFlood(flood: Flood, bin: string, network: Network, extraFlags: string[]): Promise<FloodResult> {
    const gateway = await startGatewayProcess(bin, network, extraFlags);
    const [chatId, otherId] = network.canisterIds;
    try {
        const probe = await ChatClient.connect({ gatewayUrl: gateway.url, networkUrl: network.url, canisterId: chatId });
        probe.send({ Join: { nickname: `probe-${flood.name}` } });
        await probe.waitFor((m) => 'Joined' in m && m.Joined.nickname === `probe-${flood.name}`);
        const baselineMs: number[] = [];
        for (let i = 0; i < BASELINE_ROUND_TRIPS; i++) baselineMs.push(await roundTrip(probe, `${flood.name} baseline ${i}`));

        const flooder = await RawGatewayClient.open(gateway.url, flood.toStoppedCanister ? otherId : chatId);
        if (flood.toStoppedCanister) {
            await ask(network.child, { stop: otherId });
            await sleep(1_000); // several polls: the gateway knows the canister is stopped
        }
        const rssBeforeMb = memoryOf(gateway.child.pid!).rssMb;
        let sampling = true;
        const sampler = (async () => {
            while (sampling) {
                memoryOf(gateway.child.pid!);
                await sleep(50);
            }
        })();

        const frame = flooder.unsignedCall('ws_message', new Uint8Array(flood.frameArgBytes));
        const startedAt = performance.now();
        let framesSent = 0;
        let floodDone = false;
        const flooding = (async () => {
            for (let i = 0; i < FRAMES && !flooder.closeEvent; i++) {
                if (await flooder.send(frame)) framesSent++;
            }
        })();
        let closedAfterMs: number | undefined;
        void flooder.closed(600_000).then(
            () => (closedAfterMs = performance.now() - startedAt),
            () => undefined
        );
        const duringMs: number[] = [];
        const probing = (async () => {
            for (let i = 0; !floodDone; i++) duringMs.push(await roundTrip(probe, `${flood.name} during ${i}`));
        })();
        await Promise.race([flooding, flooder.closed(600_000).catch(() => undefined), sleep(MAX_FLOOD_MS)]);
        const sentInTime = framesSent;
        await sleep(SETTLE_MS);
        floodDone = true;
        await probing;
        sampling = false;
        await sampler;
        const peakMb = memoryOf(gateway.child.pid!).peakMb;
        const probeErrors = [...probe.errors, ...(probe.closeEvent ? [`closed ${probe.closeEvent.code} ${probe.closeEvent.reason}`] : [])];
        probe.close();
        flooder.close();
        if (flood.toStoppedCanister) await ask(network.child, { start: otherId });
        return { flood, rssBeforeMb, peakMb, framesSent: sentInTime, close: flooder.closeEvent, closedAfterMs, baselineMs, duringMs, probeErrors };
    } finally {
        gateway.child.kill('SIGKILL');
    }
}

function row(label: string, result: FloodResult): string {
    const { flood } = result;
    const mb = (value: number) => `${value.toFixed(0)} MB`;
    const ms = (value: number) => `${value.toFixed(0)} ms`;
    const closed = result.close
        ? `${result.close.code} "${result.close.reason}" after ${ms(result.closedAfterMs ?? NaN)}`
        : `not closed within ${(MAX_FLOOD_MS + SETTLE_MS) / 1000} s`;
    const frameMb = ((flood.frameArgBytes + 200) / 1e6).toFixed(1);
    return `| ${label} | ${flood.name}: ${FRAMES} × ${frameMb} MB${flood.toStoppedCanister ? ' to a stopped canister' : ''} | ${result.framesSent} | ${closed} | ${mb(result.rssBeforeMb)} → ${mb(result.peakMb)} | ${ms(median(result.baselineMs))} | ${ms(median(result.duringMs))} / ${ms(Math.max(...result.duringMs))} (${result.duringMs.length}) | ${result.probeErrors.length ? result.probeErrors.join('; ') : 'none'} |`;
}

async function main(): Promise<void> {
    const { values, positionals } = parseArgs({
        options: { gateway: { type: 'string' }, label: { type: 'string' }, only: { type: 'string' } },
        allowPositionals: true
    });
    const bin = resolve(values.gateway ?? resolve(ROOT, 'gateway/bin/gateway.ts'));
    const label = values.label ?? 'this gateway';
    const floods = values.only ? FLOODS.filter((flood) => values.only!.split(',').includes(flood.name)) : FLOODS;
    const network = await startNetwork();
    try {
        console.log('| gateway | flood | frames sent | flooder closed | gateway RSS before → peak | probe round trip before (median) | during (median / max, count) | probe errors |');
        console.log('|---|---|---|---|---|---|---|---|');
        for (const flood of floods) console.log(row(label, await runFlood(flood, bin, network, positionals)));
    } finally {
        network.child.disconnect();
    }
    process.exit(0);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
