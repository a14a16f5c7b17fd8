/**
 * `ic-websocket dev` on a small project of its own (a temporary folder whose node_modules is this repository's):
 * dfx.json's `init_arg` and `init_arg_file` reach init and post_upgrade, encoded against the canister's Candid as dfx
 * does; and what a user gets wrong is one clear line on stderr with the right exit code, nothing left running: a
 * missing --frontend folder (2), a canister that is not Azle (1), an init argument that does not fit or an init
 * that traps (1), a port in use (1). `--no-watch` does not promise live reload.
 */
import { IDL } from '@dfinity/candid';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevSession } from '../../dev/src/dev-session.ts';
import type { TypeCheckReport } from '../../dev/src/type-check.ts';
import { TestNetwork } from '../../dev/src/harness/test-network.ts';

const REPOSITORY = join(import.meta.dirname, '..', '..');
const BIN = join(REPOSITORY, 'dev', 'bin', 'ic-websocket.js');

const CANISTER = `import { IDL, init, postUpgrade, query } from 'azle';

let greeting = '';
let count = 0;

function configure(text: string, n: number): void {
    if (n === 0) throw new Error('count must be above 0');
    greeting = text;
    count = n;
}

export default class {
    @init([IDL.Text, IDL.Nat32])
    init(text: string, n: number): void {
        configure(text, n);
    }

    @postUpgrade([IDL.Text, IDL.Nat32])
    postUpgrade(text: string, n: number): void {
        configure(text, n);
    }

    @query([], IDL.Text)
    greeting(): string {
        return greeting + ' ' + count;
    }
}
`;

let project: string;
const children: ChildProcess[] = [];

function writeDfx(canisters: Record<string, Record<string, unknown>>): void {
    writeFileSync(join(project, 'dfx.json'), JSON.stringify({ canisters }, null, 2));
}

/** Runs `ic-websocket dev ...args` in the project until it exits, or until stdout says `ready` (then SIGINT). */
function runDev(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [BIN, 'dev', ...args], { cwd: project, env: { ...process.env, GATEWAY_PORT: '0', REPLICA_PORT: '0', PAGE_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => {
        stdout += chunk;
        if (/^ready$/m.test(stdout)) child.kill('SIGINT');
    });
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** The last line of stderr (the command's own message), and whether anything on stderr looks like a stack trace. */
function failure(stderr: string): { line: string; stack: boolean } {
    const lines = stderr.trim().split('\n');
    return { line: lines.at(-1)!, stack: lines.some((line) => /^\s+at /.test(line)) };
}

beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'ic-websocket-dev-command-'));
    symlinkSync(join(REPOSITORY, 'node_modules'), join(project, 'node_modules'));
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'src', 'backend.ts'), CANISTER);
    writeFileSync(join(project, 'init.args'), '(\n  "from a file",\n  9\n)\n');
});

afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(project, { recursive: true, force: true });
});

describe('init arguments from dfx.json', () => {
    it('passes init_arg and init_arg_file (Candid text, typed by the canister’s Candid) to init, and again to post_upgrade', async () => {
        writeDfx({
            inline: { type: 'azle', main: 'src/backend.ts', init_arg: '("inline", 7)' },
            from_file: { type: 'azle', main: 'src/backend.ts', init_arg_file: 'init.args' },
            site: { type: 'assets', source: ['dist'] }
        });
        const lines: string[] = [];
        const session = await startDevSession({ cwd: project, replicaPort: { port: 0, source: 'test' }, gatewayPort: { port: 0, source: 'test' }, watch: false, gatewayLogLevel: 'silent', log: (line) => lines.push(line) });
        try {
            const greeting = async (name: string) => {
                const id = session.canisters.find((canister) => canister.name === name)!.id;
                const { Principal } = await import('@dfinity/principal');
                const { reply } = await session.replica.query(Principal.fromText(id), 'greeting', IDL.encode([], []));
                return IDL.decode([IDL.Text], reply)[0];
            };
            expect(await greeting('inline')).toBe('inline 7');
            expect(await greeting('from_file')).toBe('from a file 9');
            expect(session.canisters.map(({ name }) => name)).toEqual(['inline', 'from_file']);
            expect(lines.join('\n')).toMatch(/not running site \(assets\): .*Azle canisters/);

            // An upgrade (what a reload does) passes the argument to post_upgrade again: the file's new value arrives.
            writeFileSync(join(project, 'init.args'), '("changed", 3)');
            const { encodeInitArg } = await import('../../dev/src/init-arg.ts');
            const { buildAzleCanister } = await import('../../dev/src/azle-build.ts');
            const canister = session.project.canisters.find((c) => c.name === 'from_file')!;
            const build = await buildAzleCanister(session.project, canister);
            const { Principal } = await import('@dfinity/principal');
            await session.replica.upgradeCanister(Principal.fromText(session.canisters[1]!.id), build.wasm, { arg: await encodeInitArg(session.project, canister, build.candid) });
            expect(await greeting('from_file')).toBe('changed 3');
        } finally {
            writeFileSync(join(project, 'init.args'), '(\n  "from a file",\n  9\n)\n');
            await session.stop();
        }
    });

    it('installs a custom canister\'s prebuilt wasm (gzipped) as it is, with its init_arg typed by its candid file, and writes its declarations', async () => {
        writeDfx({ inline: { type: 'azle', main: 'src/backend.ts', init_arg: '("inline", 7)' } });
        const { buildAzleCanister } = await import('../../dev/src/azle-build.ts');
        const { readProject } = await import('../../dev/src/project.ts');
        const built = readProject(project);
        const { wasm, candid } = await buildAzleCanister(built, built.canisters[0]!); // cached: the module to ship prebuilt
        const { gzipSync } = await import('node:zlib');
        writeFileSync(join(project, 'prebuilt.wasm.gz'), gzipSync(wasm));
        writeFileSync(join(project, 'prebuilt.did'), candid);
        writeDfx({
            prebuilt: { type: 'custom', wasm: 'prebuilt.wasm.gz', candid: 'prebuilt.did', build: 'true', init_arg: '("prebuilt", 4)' },
            inline: { type: 'azle', main: 'src/backend.ts', init_arg: '("inline", 7)' }
        });
        const lines: string[] = [];
        const session = await startDevSession({ cwd: project, replicaPort: { port: 0, source: 'test' }, gatewayPort: { port: 0, source: 'test' }, watch: false, typeCheck: false, gatewayLogLevel: 'silent', log: (line) => lines.push(line) });
        try {
            expect(session.canisters.map(({ name }) => name)).toEqual(['prebuilt', 'inline']);
            const { Principal } = await import('@dfinity/principal');
            const { reply } = await session.replica.query(Principal.fromText(session.canisters[0]!.id), 'greeting', IDL.encode([], []));
            expect(IDL.decode([IDL.Text], reply)[0]).toBe('prebuilt 4');
            expect(existsSync(join(project, 'src', 'declarations', 'prebuilt', 'prebuilt.did.js'))).toBe(true);
            expect(lines.join('\n')).toMatch(/prebuilt \(custom\) installed from prebuilt\.wasm\.gz as \S+; declarations in src\/declarations\/prebuilt; it is not rebuilt on changes/);
        } finally {
            await session.stop();
        }
        writeDfx({ prebuilt: { type: 'custom', wasm: 'missing.wasm', build: 'make' } });
        await expect(startDevSession({ cwd: project })).rejects.toThrow(/canister "prebuilt": its wasm missing\.wasm does not exist: build it first/);
    });

    it('the test harness deploys a dfx.json canister with its init_arg too (unless given an arg)', async () => {
        writeDfx({ inline: { type: 'azle', main: 'src/backend.ts', init_arg: '("inline", 7)' } });
        const network = await TestNetwork.start({ project });
        try {
            const app = await network.deploy('inline');
            expect(await app.actor<{ greeting(): Promise<string> }>().greeting()).toBe('inline 7');
            const own = await network.deploy('inline', { arg: IDL.encode([IDL.Text, IDL.Nat32], ['own', 1]) });
            expect(await own.actor<{ greeting(): Promise<string> }>().greeting()).toBe('own 1');
        } finally {
            await network.stop();
        }
    });

    it('refuses an init_arg that does not fit the init parameters: one line naming the canister and the field, exit 1', async () => {
        writeDfx({ inline: { type: 'azle', main: 'src/backend.ts', init_arg: '("inline", "seven")' } });
        const { code, stdout, stderr } = await runDev([]);
        expect(code).toBe(1);
        expect(stdout).toBe('');
        const { line, stack } = failure(stderr);
        expect(line).toMatch(/^ic-websocket dev: canister "inline": dfx\.json's init_arg "\(\\"inline\\", \\"seven\\"\)" does not fit its init parameters \(text, nat32\): .+/);
        expect(stack).toBe(false);
    });

    it('reports an init that traps as one line with what to check, exit 1', async () => {
        writeDfx({ inline: { type: 'azle', main: 'src/backend.ts', init_arg: '("inline", 0)' } });
        const { code, stderr } = await runDev([]);
        expect(code).toBe(1);
        const { line, stack } = failure(stderr);
        expect(line).toBe(`ic-websocket dev: canister "inline" could not be installed: its init trapped: Uncaught Error: count must be above 0. Fix: check its init code and dfx.json's init_arg / init_arg_file.`);
        expect(stack).toBe(false);

        writeDfx({ inline: { type: 'azle', main: 'src/backend.ts' } });
        const without = await runDev([]);
        expect(without.code).toBe(1);
        expect(failure(without.stderr).line).toMatch(/could not be installed: its init trapped: .*\. Fix: its init takes \(text, nat32\): give it in dfx\.json as "init_arg" \(Candid text\) or "init_arg_file"\.$/);
    });

    it('refuses both init_arg and init_arg_file, and a missing init_arg_file', async () => {
        writeDfx({ inline: { type: 'azle', main: 'src/backend.ts', init_arg: '("x", 1)', init_arg_file: 'init.args' } });
        await expect(startDevSession({ cwd: project })).rejects.toThrow(/canister "inline" has both "init_arg" and "init_arg_file": keep one/);
        writeDfx({ inline: { type: 'azle', main: 'src/backend.ts', init_arg_file: 'missing.args' } });
        await expect(startDevSession({ cwd: project })).rejects.toThrow(/canister "inline": its init_arg_file missing\.args does not exist/);
    });
});

describe('type check beside the build', () => {
    it("reports the project's type errors as warnings without holding back the deploy, and again after a reload", async () => {
        writeFileSync(
            join(project, 'tsconfig.json'),
            JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2023', 'DOM'], types: ['node'], skipLibCheck: true, noEmit: true }, include: ['src'] })
        );
        const wrong = CANISTER.replace("return greeting + ' ' + count;", 'const shown: number = greeting;\n        return String(shown + count);');
        writeFileSync(join(project, 'src', 'backend.ts'), wrong);
        writeDfx({ inline: { type: 'azle', main: 'src/backend.ts', init_arg: '("inline", 7)' } });
        const reports: TypeCheckReport[] = [];
        let reported: () => void = () => undefined;
        const nextReport = () => new Promise<TypeCheckReport>((resolve) => (reported = () => resolve(reports.at(-1)!)));
        const lines: string[] = [];
        let first = nextReport();
        const session = await startDevSession({
            cwd: project,
            replicaPort: { port: 0, source: 'test' },
            gatewayPort: { port: 0, source: 'test' },
            gatewayLogLevel: 'silent',
            log: (line) => lines.push(line),
            onTypeCheck: (report) => {
                reports.push(report);
                reported();
            }
        });
        try {
            expect(session.canisters.map(({ name }) => name)).toEqual(['inline']); // deployed despite the type error
            const withErrors = await first;
            expect(withErrors.errors).toBe(1);
            expect(withErrors.lines[0]).toMatch(/^src\/backend\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'\.$/);
            expect(lines.join('\n')).toMatch(/warning: 1 type error \(tsc --noEmit; esbuild does not check types, so the canister runs anyway\):\nsrc\/backend\.ts/);

            first = nextReport();
            writeFileSync(join(project, 'src', 'backend.ts'), CANISTER);
            const fixed = await first;
            expect(fixed).toMatchObject({ errors: 0, lines: [] });
            await session.idle();
            expect(lines.join('\n')).toMatch(/inline upgraded in/);
        } finally {
            await session.stop();
            rmSync(join(project, 'tsconfig.json'));
            writeFileSync(join(project, 'src', 'backend.ts'), CANISTER);
        }
    });
});

describe('command line', () => {
    it('exits 2 with a clear line when the --frontend folder does not exist', async () => {
        writeDfx({ inline: { type: 'azle', main: 'src/backend.ts', init_arg: '("inline", 7)' } });
        const { code, stdout, stderr } = await runDev(['--frontend', 'no-such-folder']);
        expect(code).toBe(2);
        expect(stdout).toBe('');
        expect(stderr).toMatch(/^ic-websocket dev: --frontend no-such-folder: \S+no-such-folder does not exist or is not a folder/);
    });

    it('says which canister types it runs when dfx.json has no Azle canister, or one of another type is named', async () => {
        writeDfx({ ledger: { type: 'rust', package: 'ledger', candid: 'ledger.did' }, app: { type: 'motoko', main: 'src/main.mo' } });
        const none = await runDev([]);
        expect(none.code).toBe(1);
        expect(failure(none.stderr).line).toMatch(/has no Azle canister, only ledger \(rust\), app \(motoko\)\. ic-websocket dev and the test harness build and run Azle canisters \("type": "azle" with "main"\), and ic-websocket dev installs "type": "custom" canisters with a prebuilt "wasm" as they are; deploy other canisters with dfx/);
        writeDfx({ inline: { type: 'azle', main: 'src/backend.ts', init_arg: '("inline", 7)' }, app: { type: 'motoko', main: 'src/main.mo' } });
        const named = await runDev(['app']);
        expect(named.code).toBe(1);
        expect(failure(named.stderr).line).toMatch(/canister "app" of \S+dfx\.json is of type motoko, not azle\. .*Azle canisters/);
    });

    it('with --no-watch, the ready line does not promise live reload', async () => {
        writeDfx({ inline: { type: 'azle', main: 'src/backend.ts', init_arg: '("inline", 7)' } });
        const watching = await runDev(['--log-level', 'silent']);
        expect(watching.stdout).toMatch(/^inline: \S+-cai$/m);
        expect(watching.stderr).toMatch(/ready; edit a canister's source to upgrade it in place/);
        const still = await runDev(['--no-watch', '--log-level', 'silent']);
        expect(still.stdout).toMatch(/^ready$/m);
        expect(still.stderr).not.toMatch(/upgrade it in place/);
        expect(still.stderr).toMatch(/ready; sources are not watched \(--no-watch\): restart to run a change/);
    });

    it('ic-websocket gateway / replica: usage under the names they were started by; a busy port is one line naming the flag', async () => {
        const run = (args: string[]) =>
            new Promise<{ code: number | null; out: string }>((resolve) => {
                const child = spawn(process.execPath, [BIN, ...args], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
                children.push(child);
                let out = '';
                child.stdout!.on('data', (chunk) => (out += chunk));
                child.stderr!.on('data', (chunk) => (out += chunk));
                child.once('exit', (code) => resolve({ code, out }));
            });
        expect((await run(['gateway', '--help'])).out).toMatch(/^Usage: ic-websocket gateway --ic-url <url>/);
        expect((await run(['replica', '--help'])).out).toMatch(/^usage: ic-websocket replica \[--port-file FILE\]/);
        const busy: Server = createServer();
        await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
        const port = (busy.address() as { port: number }).port;
        try {
            const gateway = await run(['gateway', '--ic-url', 'http://127.0.0.1:1', '--root-key', '00', '--port', String(port), '--log-level', 'silent']);
            expect(gateway.code).toBe(1);
            expect(gateway.out.trim().split('\n').at(-1)).toBe(`ic-websocket gateway: could not start: port ${port} is in use: stop what uses it, or pick another with --port (0 = any free port)`);
            const replica = await run(['replica', '--http-port', String(port)]);
            expect(replica.code).toBe(1);
            expect(replica.out.trim()).toBe(`ic-websocket replica: failed to start: port ${port} is in use: stop what uses it, or pick another with --http-port (0 = any free port)`);
        } finally {
            busy.close();
        }
    });

    it('names the busy port and the flag to change, exit 1', async () => {
        const busy: Server = createServer();
        await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
        const port = (busy.address() as { port: number }).port;
        try {
            const { code, stderr } = await runDev(['--gateway-port', String(port)]);
            expect(code).toBe(1);
            const { line, stack } = failure(stderr);
            expect(line).toBe(`ic-websocket dev: port ${port} (--gateway-port) is in use: the gateway cannot listen there. Stop what uses it, or pick another port (0 = any free port).`);
            expect(stack).toBe(false);
        } finally {
            busy.close();
        }
    });
});
