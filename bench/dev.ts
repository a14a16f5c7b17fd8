/**
 * `ic-websocket dev` timings, as a user sees them (the packed CLI, `dev/dist/cli.js`, on a one-canister project):
 *
 * - cold start to `ready`: no build cache, no metering cache (azle build, replica, gateway, deploy, declarations);
 * - warm start to `ready`: the build cached (unchanged sources);
 * - reload: a source edit (a changed string, so the wasm changes) to `upgraded <name>` on stdout, split into
 *   rebuild and upgrade from the tool's own log line, and the CPU time it took (dev process and azle worker: less
 *   sensitive than wall time to other load on the machine);
 * - where `azle build` spends its time: its phases run in this process (esbuild bundle, binaryen pass without
 *   method metadata, running that wasm for the Candid and metadata, binaryen pass with them), and the CLI's startup.
 *
 * Usage: node --import tsx bench/dev.ts [--runs N] (default 5 reloads). Wall time: run on an otherwise idle
 * machine; the load average is printed with the results.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../replica/build.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(values.runs);
const project = join(PROJECT_ROOT, '.bench', 'dev-project');
const source = join(project, 'src', 'index.ts');
const canister = readFileSync(join(PROJECT_ROOT, 'test', 'canisters', 'readme_example', 'index.ts'), 'utf8');
const withWelcome = (text: string) => canister.replace("text: 'welcome'", `text: '${text}'`);
const cli = join(PROJECT_ROOT, 'dev', 'dist', 'cli.js');

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** stat(5) fields after the command name: [0] state, [1] ppid, ..., [11..14] utime stime cutime cstime. */
function stat(pid: number): string[] | undefined {
    try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    } catch {
        return undefined;
    }
}

/** CPU seconds used so far by a process, its live descendants (the azle build worker) and its finished children. */
function cpuSeconds(pid: number): number {
    const all = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
    const tree = new Set([pid]);
    for (let grew = true; grew; ) {
        grew = false;
        for (const candidate of all) {
            const parent = Number(stat(candidate)?.[1]);
            if (!tree.has(candidate) && tree.has(parent)) tree.add(candidate), (grew = true);
        }
    }
    let ticks = 0;
    for (const member of tree) {
        const fields = stat(member);
        if (fields) ticks += [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
    }
    return ticks / 100; // USER_HZ
}

interface Running {
    pid: number;
    lines: string[];
    stderr: string[];
    waitFor(pattern: RegExp, from?: number): Promise<number>;
    stop(): Promise<void>;
}

/** Starts the packed CLI in the bench project; `waitFor` resolves with performance.now() when a stdout line matches. */
function startDev(env: Record<string, string>): Running {
    const child = spawn(process.execPath, [cli, 'dev', '--replica-port', '0', '--gateway-port', '0', '--log-level', 'warn'], {
        cwd: project,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe']
    });
    const lines: string[] = [];
    const stderr: string[] = [];
    const waiters: (() => void)[] = [];
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const now = performance.now();
        pending += chunk;
        const parts = pending.split('\n');
        pending = parts.pop()!;
        for (const line of parts) lines.push(`${now} ${line}`);
        for (const waiter of [...waiters]) waiter();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(...chunk.split('\n').filter(Boolean)));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return {
        pid: child.pid!,
        lines,
        stderr,
        waitFor: (pattern, from = 0) =>
            new Promise((resolve, reject) => {
                const check = () => {
                    const hit = lines.slice(from).find((line) => pattern.test(line.slice(line.indexOf(' ') + 1)));
                    if (!hit) return;
                    waiters.splice(waiters.indexOf(check), 1);
                    resolve(Number(hit.slice(0, hit.indexOf(' '))));
                };
                waiters.push(check);
                void exited.then(() => reject(new Error(`ic-websocket dev exited:\n${stderr.join('\n')}`)));
                check();
            }),
        stop: async () => {
            child.kill('SIGINT');
            await exited;
        }
    };
}

async function azlePhases(): Promise<Record<string, number>> {
    const build = join(PROJECT_ROOT, 'node_modules', 'azle', 'src', 'stable', 'build', 'commands', 'build');
    const { compile } = await import(join(build, 'javascript.ts'));
    const { getWasmBinary } = await import(join(build, 'wasm_binary', 'index.ts'));
    const { execute } = await import(join(build, 'candid_and_method_meta', 'execute.ts'));
    const previous = process.cwd();
    process.chdir(project);
    try {
        const phases: Record<string, number> = {};
        let t = performance.now();
        const lap = (name: string) => {
            const now = performance.now();
            phases[name] = now - t;
            t = now;
        };
        const js = await compile('src/index.ts');
        lap('esbuild bundle (main.js)');
        const wasmData = { envVars: [['AZLE_VERSION', '0.33.0']], mainJsPath: join(project, '.azle', 'bench', 'main.js') };
        const first = await getWasmBinary('pipe', js, wasmData);
        lap('binaryen: template + JS, no method metadata');
        const { methodMeta } = await execute(first);
        lap('run that wasm for Candid + method metadata');
        await getWasmBinary('pipe', js, wasmData, methodMeta);
        lap('binaryen: template + JS + method exports');
        return phases;
    } finally {
        process.chdir(previous);
    }
}

type Reload = { total: number; build: number; upgrade: number; cpu: number };

/** RUNS edits of the canister, each awaited until `upgraded bench`. */
async function reloadSeries(dev: Running, tag: string): Promise<Reload[]> {
    const reloads: Reload[] = [];
    for (let run = 1; run <= RUNS; run++) {
        const from = dev.lines.length;
        const logFrom = dev.stderr.length;
        const cpuBefore = cpuSeconds(dev.pid);
        const t = performance.now();
        writeFileSync(source, withWelcome(`welcome ${tag} ${run}`));
        const total = (await dev.waitFor(/^upgraded bench$/, from)) - t;
        const cpu = (cpuSeconds(dev.pid) - cpuBefore) * 1000;
        const detail = dev.stderr.slice(logFrom).join('\n').match(/build ([\d.]+) s.*upgrade ([\d.]+) s/);
        reloads.push({ total, build: Number(detail?.[1]) * 1000, upgrade: Number(detail?.[2]) * 1000, cpu });
    }
    return reloads;
}

function reloadRows(label: string, reloads: Reload[]): string[] {
    const totals = reloads.map((r) => r.total);
    return [
        `| reload (${label}): edit to "upgraded", median of ${RUNS} (min–max) | ${s(median(totals))} (${s(Math.min(...totals))}–${s(Math.max(...totals))}) |`,
        `| … CPU time (ic-websocket dev + azle worker or CLI), median | ${s(median(reloads.map((r) => r.cpu)))} |`,
        `| … rebuild (esbuild inputs + azle), median | ${s(median(reloads.map((r) => r.build)))} |`,
        `| … upgrade (in process: metering, compile, pre/post_upgrade), median | ${s(median(reloads.map((r) => r.upgrade)))} |`
    ];
}

async function main(): Promise<void> {
    console.log(`bench/dev.ts: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'dev', 'build.mjs')], { stdio: 'ignore' });
    rmSync(project, { recursive: true, force: true });
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'dfx.json'), JSON.stringify({ canisters: { bench: { type: 'azle', main: 'src/index.ts', declarations: { output: 'declarations' } } } }));
    writeFileSync(source, withWelcome('welcome 0'));
    const meteringCache = mkdtempSync(join(tmpdir(), 'bench-dev-metering-'));
    const env = { REPLICA_METERING_CACHE: meteringCache };

    try {
        let t = performance.now();
        let dev = startDev(env);
        const cold = (await dev.waitFor(/^ready$/)) - t;
        const coldCpu = cpuSeconds(dev.pid) * 1000;
        await dev.stop();

        t = performance.now();
        dev = startDev(env);
        const warm = (await dev.waitFor(/^ready$/)) - t;
        const reloads = await reloadSeries(dev, 'worker');
        await dev.stop();
        // The same with azle's CLI for every build (as before the worker), in the same conditions.
        dev = startDev({ ...env, IC_WEBSOCKET_AZLE_CLI: '1' });
        await dev.waitFor(/^ready$/);
        const cliReloads = await reloadSeries(dev, 'cli');
        await dev.stop();

        const phases = await azlePhases();
        t = performance.now();
        execFileSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'azle'), ['build', 'bench'], { cwd: project, env: { ...process.env, CANISTER_CANDID_PATH: join(project, '.azle', 'bench.did') }, stdio: 'ignore' });
        const azleCli = performance.now() - t;

        console.log(`\n| step | time |\n|---|---|`);
        console.log(`| cold start to ready (azle build, no caches) | ${s(cold)} (CPU ${s(coldCpu)}) |`);
        console.log(`| warm start to ready (build cached) | ${s(warm)} |`);
        for (const row of reloadRows("azle's steps in the worker", reloads)) console.log(row);
        for (const row of reloadRows("azle's CLI, IC_WEBSOCKET_AZLE_CLI=1", cliReloads)) console.log(row);
        console.log(`| \`azle build\` through its bin (npx tsx startup included) | ${s(azleCli)} |`);
        for (const [name, ms] of Object.entries(phases)) console.log(`| azle phase: ${name} | ${s(ms)} |`);
        console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    } finally {
        rmSync(meteringCache, { recursive: true, force: true });
        rmSync(join(PROJECT_ROOT, '.bench'), { recursive: true, force: true });
    }
}

await main();
