/**
 * Benchmark of the instruction-metering rewriter and its run-time cost, on Azle's hello canister:
 * - rewrite time of the 3.5 MB wasm (cold, no cache), sizes in and out, instrumentation counts;
 * - calibration: IC instructions of the first setMessage on a fresh canister vs Azle 0.33.0's published figure;
 * - worst case: a recursive fib in plain wasm (tiny functions: a charge and a limit check per call);
 * - slowdown: CPU time of installs and of 200 setMessage updates with and without metering (each configuration in its own
 *   process, because compiled modules are cached per process; `REPLICA_METERING=off` disables metering).
 *
 * Run: node --import tsx bench/metering.ts
 */
import { execFileSync } from 'node:child_process';
import { IDL } from '@dfinity/candid';
import { buildCanister, Replica } from '../replica/index.ts';
import wabtInit from 'wabt';
import { instrumentWasm, METERING, rewriteForMetering } from '../replica/metering/index.ts';

/** Azle 0.33.0's benchmarks.md: hello_world `setMessage`, instructions on a replica. */
const AZLE_PUBLISHED_SET_MESSAGE = 1_395_312;
const CALLS = 200;
const ROUNDS = 5;

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

/** CPU time of this process in ms: less disturbed than wall time by other jobs on a shared machine. */
function cpuMs(): number {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
}

/** CPU ms of `run`. */
async function cpuTimeOf(run: () => Promise<unknown> | unknown): Promise<number> {
    const started = cpuMs();
    await run();
    return cpuMs() - started;
}

const text = (value: string) => new Uint8Array(IDL.encode([IDL.Text], [value]));

/** Child process: install hello, run the calls, print JSON. */
async function measureCalls(): Promise<void> {
    const wasm = await buildCanister('hello');
    const replica = await Replica.create({ seed: 'bench-metering' });
    const canister = await replica.installCanister({ wasm }); // warm-up: compiles the module, tiers up V8
    const installs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) installs.push(await cpuTimeOf(() => replica.installCanister({ wasm })));
    const first = await replica.update(canister, 'setMessage', text('Goodbye world!'));
    const perRound: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
        perRound.push(
            await cpuTimeOf(async () => {
                for (let i = 0; i < CALLS; i++) await replica.update(canister, 'setMessage', text(`m${round}-${i}`));
            })
        );
    }
    console.log(JSON.stringify({ installMs: median(installs), firstInstructions: Number(first.instructions), callsMs: median(perRound) }));
}

interface ChildMeasures {
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

const FIB_WAT = `(module (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
        (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2))))))))`;

/** Median ms of fib(32), plain and metered. */
async function fibSlowdown(): Promise<{ plainMs: number; meteredMs: number }> {
    const wabt = await wabtInit();
    const parsed = wabt.parseWat('fib.wat', FIB_WAT);
    const wasm = new Uint8Array(parsed.toBinary({}).buffer);
    parsed.destroy();
    const fibOf = (bytes: Uint8Array) => {
        const imports = { [METERING.importModule]: { [METERING.outOfInstructions]: () => {}, [METERING.stackOverflow]: () => {} } };
        return new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), imports).exports.fib as (n: number) => number;
    };
    const plain = fibOf(wasm);
    const metered = fibOf(instrumentWasm(wasm, { cacheDirectory: false }).wasm);
    const time = async (fib: (n: number) => number) => {
        for (let i = 0; i < 3; i++) fib(30); // let V8 tier up
        const runs: number[] = [];
        for (let i = 0; i < ROUNDS; i++) runs.push(await cpuTimeOf(() => fib(32)));
        return median(runs);
    };
    return { plainMs: await time(plain), meteredMs: await time(metered) };
}

async function main(): Promise<void> {
    const wasm = await buildCanister('hello');
    rewriteForMetering(wasm, METERING); // warm up the JIT
    const rewrites = Array.from({ length: ROUNDS }, () => rewriteForMetering(wasm, METERING)!);
    const stats = rewrites[0].stats;
    const fib = await fibSlowdown();
    // Interleaved runs, best of two per configuration, to damp noise from other jobs.
    const runs = [runChild(true), runChild(false), runChild(true), runChild(false)];
    const best = (list: ChildMeasures[]): ChildMeasures => ({
        installMs: Math.min(...list.map((m) => m.installMs)),
        firstInstructions: list[0].firstInstructions,
        callsMs: Math.min(...list.map((m) => m.callsMs))
    });
    const metered = best([runs[0], runs[2]]);
    const plain = best([runs[1], runs[3]]);
    const ratio = metered.firstInstructions / AZLE_PUBLISHED_SET_MESSAGE;
    const lines = [
        `node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
        `rewrite of hello.wasm (cold, median of ${ROUNDS}): ${median(rewrites.map((r) => r.stats.milliseconds)).toFixed(0)} ms`,
        `size: ${stats.bytesIn} -> ${stats.bytesOut} bytes (x${(stats.bytesOut / stats.bytesIn).toFixed(3)}); ` +
            `${stats.functions} functions, ${stats.blockCharges} block charges, ${stats.limitChecks} limit checks, ${stats.sizeCharges} bulk-size charges, ` +
                `${stats.stackChecks} stack-counted functions (largest leaf frame ${stats.largestLeafFrame} B)`,
        `first setMessage("Goodbye world!") on a fresh canister: ${metered.firstInstructions} instructions; ` +
            `Azle 0.33.0 published ${AZLE_PUBLISHED_SET_MESSAGE}; ratio ${ratio.toFixed(4)}`,
        `fib(32) in plain wasm (median of ${ROUNDS}), CPU: metered ${fib.meteredMs.toFixed(1)} ms, unmetered ${fib.plainMs.toFixed(1)} ms (x${(fib.meteredMs / fib.plainMs).toFixed(2)})`,
        `install (init + raw_rand timer; median of ${ROUNDS} after a warm-up install), CPU: metered ${metered.installMs.toFixed(0)} ms, unmetered ${plain.installMs.toFixed(0)} ms (x${(metered.installMs / plain.installMs).toFixed(2)})`,
        `${CALLS} setMessage updates (median of ${ROUNDS}), CPU: metered ${metered.callsMs.toFixed(0)} ms, unmetered ${plain.callsMs.toFixed(0)} ms (x${(metered.callsMs / plain.callsMs).toFixed(2)})`
    ];
    console.log(lines.join('\n'));
}

await (process.argv.includes('--calls') ? measureCalls() : main());
