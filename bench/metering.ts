/**
 * Benchmark of the instruction-metering rewriter and its run-time cost, on Azle's hello canister:
 * - rewrite time of the 3.5 MB wasm (cold, no cache), sizes in and out, instrumentation counts;
 * - calibration: IC instructions of the first setMessage on a fresh canister vs Azle 0.33.0's published figure;
 * - slowdown: wall time of 200 setMessage updates with and without metering (each configuration in its own
 *   process, because compiled modules are cached per process; `REPLICA_METERING=off` disables metering).
 *
 * Run: node --import tsx bench/metering.ts
 */
import { execFileSync } from 'node:child_process';
import { IDL } from '@dfinity/candid';
import { buildCanister, Replica } from '../replica/index.ts';
import { METERING, rewriteForMetering } from '../replica/metering/index.ts';

/** Azle 0.33.0's benchmarks.md: hello_world `setMessage`, instructions on a replica. */
const AZLE_PUBLISHED_SET_MESSAGE = 1_395_312;
const CALLS = 200;
const ROUNDS = 5;

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

const text = (value: string) => new Uint8Array(IDL.encode([IDL.Text], [value]));

/** Child process: install hello, run the calls, print JSON. */
async function measureCalls(): Promise<void> {
    const wasm = await buildCanister('hello');
    const replica = await Replica.create({ seed: 'bench-metering' });
    let started = performance.now();
    const canister = await replica.installCanister({ wasm });
    const firstInstallMs = performance.now() - started;
    const installs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
        started = performance.now();
        await replica.installCanister({ wasm });
        installs.push(performance.now() - started);
    }
    const first = await replica.update(canister, 'setMessage', text('Goodbye world!'));
    const perRound: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
        started = performance.now();
        for (let i = 0; i < CALLS; i++) await replica.update(canister, 'setMessage', text(`m${round}-${i}`));
        perRound.push(performance.now() - started);
    }
    console.log(JSON.stringify({ firstInstallMs, installMs: median(installs), firstInstructions: Number(first.instructions), callsMs: median(perRound) }));
}

interface ChildMeasures {
    firstInstallMs: number;
    installMs: number;
    firstInstructions: number;
    callsMs: number;
}

function runChild(metering: boolean): ChildMeasures {
    const output = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--calls'], {
        env: { ...process.env, REPLICA_METERING: metering ? 'on' : 'off' },
        encoding: 'utf8'
    });
    return JSON.parse(output.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
    const wasm = await buildCanister('hello');
    rewriteForMetering(wasm, METERING); // warm up the JIT
    const rewrites = Array.from({ length: ROUNDS }, () => rewriteForMetering(wasm, METERING)!);
    const stats = rewrites[0].stats;
    const metered = runChild(true);
    const plain = runChild(false);
    const ratio = metered.firstInstructions / AZLE_PUBLISHED_SET_MESSAGE;
    const lines = [
        `node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
        `rewrite of hello.wasm (cold, median of ${ROUNDS}): ${median(rewrites.map((r) => r.stats.milliseconds)).toFixed(0)} ms`,
        `size: ${stats.bytesIn} -> ${stats.bytesOut} bytes (x${(stats.bytesOut / stats.bytesIn).toFixed(3)}); ` +
            `${stats.functions} functions, ${stats.blockCharges} block charges, ${stats.limitChecks} limit checks, ${stats.sizeCharges} bulk-size charges`,
        `first setMessage("Goodbye world!") on a fresh canister: ${metered.firstInstructions} instructions; ` +
            `Azle 0.33.0 published ${AZLE_PUBLISHED_SET_MESSAGE}; ratio ${ratio.toFixed(4)}`,
        `first install in a process (load, compile, init, raw_rand timer): metered ${metered.firstInstallMs.toFixed(0)} ms, unmetered ${plain.firstInstallMs.toFixed(0)} ms`,
        `further installs (median of ${ROUNDS}): metered ${metered.installMs.toFixed(0)} ms, unmetered ${plain.installMs.toFixed(0)} ms (x${(metered.installMs / plain.installMs).toFixed(2)})`,
        `${CALLS} setMessage updates (median of ${ROUNDS}): metered ${metered.callsMs.toFixed(0)} ms, unmetered ${plain.callsMs.toFixed(0)} ms (x${(metered.callsMs / plain.callsMs).toFixed(2)})`
    ];
    console.log(lines.join('\n'));
}

await (process.argv.includes('--calls') ? measureCalls() : main());
