/**
 * Benchmark of the embedded replica's per-call overhead on Azle's hello canister (~11 MiB wasm heap):
 * - fresh install (create + install + init + Azle's seeding timer), first and second canister in a process;
 * - trivial update (`setMessage`) and query (`getMessage`), wall ms per call, with and without metering;
 * - the rollback machinery alone (snapshot + commit, snapshot + restore) on a memory of the same size.
 * Each configuration runs in its own process (compiled modules are cached per process). Times are CPU time
 * (user + system) of the process, steadier than wall time on a shared machine.
 *
 * Run: node --import tsx bench/replica.ts
 */
import { execFileSync } from 'node:child_process';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { buildCanister, Replica } from '../replica/index.ts';
import { Canister } from '../replica/canister.ts';

const CALLS = 300;
const ROUNDS = 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const text = (value: string) => new Uint8Array(IDL.encode([IDL.Text], [value]));

/** CPU time (user + system) in ms: steadier than wall time on a machine shared with other work. */
function cpuMs(): number {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
}

async function perCall(run: (i: number) => Promise<unknown>): Promise<number> {
    for (let i = 0; i < 20; i++) await run(i); // warm up
    const rounds: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
        const started = cpuMs();
        for (let i = 0; i < CALLS; i++) await run(i);
        rounds.push((cpuMs() - started) / CALLS);
    }
    return median(rounds);
}

interface Measures {
    metering: boolean;
    heapMiB: number;
    firstInstallMs: number;
    secondInstallMs: number;
    updateMs: number;
    queryMs: number;
    alternatingMs: number;
    updateInstructions: number;
}

/** Child process: the measures for one configuration, as JSON. */
async function measure(): Promise<Measures> {
    const wasm = await buildCanister('hello');
    const replica = await Replica.create({ seed: 'bench-replica' });
    let started = cpuMs();
    const id = await replica.installCanister({ wasm });
    const firstInstallMs = cpuMs() - started;
    started = cpuMs();
    await replica.installCanister({ wasm });
    const secondInstallMs = cpuMs() - started;
    const updateMs = await perCall((i) => replica.update(id, 'setMessage', text(`m${i}`)));
    const queryMs = await perCall(() => replica.query(id, 'getMessage'));
    const alternatingMs = await perCall((i) => (i % 2 ? replica.query(id, 'getMessage') : replica.update(id, 'setMessage', text(`a${i}`))));
    const { instructions } = await replica.update(id, 'setMessage', text('Goodbye world!'));
    return {
        metering: process.env.REPLICA_METERING !== 'off',
        heapMiB: (Number(replica.canisterStatus(id).memorySize) - replica.getStableMemory(id).length) / 1048576,
        firstInstallMs,
        secondInstallMs,
        updateMs,
        queryMs,
        alternatingMs,
        updateInstructions: Number(instructions)
    };
}

/** The rollback machinery alone, on a bare memory of `mib` MiB. */
function rollbackCost(mib: number): { snapshotCommitMs: number; snapshotRestoreMs: number; naiveCommitMs: number; naiveRestoreMs: number } {
    const canister = new Canister(Principal.anonymous(), { controllers: [], cycles: 0n });
    const memory = new WebAssembly.Memory({ initial: Math.ceil((mib * 1048576) / 65536) });
    canister.code = { memory, globals: [], instance: {} as WebAssembly.Instance, loaded: {} as never, table: undefined, counter: undefined, limit: undefined, stack: undefined };
    const bytes = new Uint8Array(memory.buffer);
    const time = (f: (i: number) => void) => {
        const rounds: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
            const started = cpuMs();
            for (let i = 0; i < CALLS; i++) f(i);
            rounds.push((cpuMs() - started) / CALLS);
        }
        return median(rounds);
    };
    const snapshotCommitMs = time((i) => {
        canister.snapshot();
        bytes[i * 4096] = i; // a message writes a little
        canister.commit();
    });
    const snapshotRestoreMs = time((i) => {
        const snapshot = canister.snapshot();
        bytes[i * 4096] = i;
        canister.restore(snapshot);
    });
    // The naive strategy, for comparison: copy the whole memory before each message, copy it back on rollback.
    const copy = new Uint8Array(bytes.length);
    const naiveCommitMs = time((i) => {
        copy.set(bytes);
        bytes[i * 4096] = i;
    });
    const naiveRestoreMs = time((i) => {
        copy.set(bytes);
        bytes[i * 4096] = i;
        bytes.set(copy);
    });
    return { snapshotCommitMs, snapshotRestoreMs, naiveCommitMs, naiveRestoreMs };
}

function child(metering: boolean): Measures {
    const output = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child'], {
        env: { ...process.env, REPLICA_METERING: metering ? 'on' : 'off' },
        encoding: 'utf8'
    });
    return JSON.parse(output.trim().split('\n').pop()!);
}

if (process.argv.includes('--child')) {
    console.log(JSON.stringify(await measure()));
} else {
    const withMetering = child(true);
    const without = child(false);
    const rollback = rollbackCost(11);
    const f = (n: number) => n.toFixed(2);
    console.log(`Azle hello canister, wasm heap ${f(withMetering.heapMiB)} MiB, ${CALLS} calls x ${ROUNDS} rounds, median CPU ms`);
    console.log('| measure | metering on | metering off |');
    console.log('|---|---|---|');
    console.log(`| fresh install, first canister in the process (ms) | ${f(withMetering.firstInstallMs)} | ${f(without.firstInstallMs)} |`);
    console.log(`| fresh install, next canister (ms) | ${f(withMetering.secondInstallMs)} | ${f(without.secondInstallMs)} |`);
    console.log(`| trivial update \`setMessage\` (ms/call) | ${f(withMetering.updateMs)} | ${f(without.updateMs)} |`);
    console.log(`| trivial query \`getMessage\` (ms/call) | ${f(withMetering.queryMs)} | ${f(without.queryMs)} |`);
    console.log(`| update and query alternating (ms/call) | ${f(withMetering.alternatingMs)} | ${f(without.alternatingMs)} |`);
    console.log(`| instructions of \`setMessage\` (IC) | ${withMetering.updateInstructions} | ${without.updateInstructions} (system API only) |`);
    console.log('\nRollback machinery alone on an 11 MiB memory (ms per message that writes one byte):');
    console.log('| strategy | committed message | rolled-back message |');
    console.log('|---|---|---|');
    console.log(`| image kept equal by chunk compare (ours) | ${f(rollback.snapshotCommitMs)} | ${f(rollback.snapshotRestoreMs)} |`);
    console.log(`| naive: full copy before, full copy back | ${f(rollback.naiveCommitMs)} | ${f(rollback.naiveRestoreMs)} |`);
}
