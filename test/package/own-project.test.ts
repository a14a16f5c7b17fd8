// The README's "Install" and "Your own project", done as a new user does them, outside the repository: the packages
// are packed (`npm run packages`), a project is created from an empty folder with the README's commands (azle 0.33.0
// and the tarballs from the npm registry's point of view: real installs, then `npm ci`), the README's files are
// written, and then:
// - `npx ic-websocket dev` builds and serves the canister; the unmodified ic-websocket-js client (agent 2, with the
//   generated declarations' IDL) receives messages; after an edit of the canister's source the SAME connection
//   receives a message from the upgraded canister;
// - `tsc --noEmit` passes on the README's canister, frontend and test (with the generated declarations);
// - the README's harness test passes under vitest in that project;
// - bad input (no dfx.json, a canister that does not build, a busy port) gets a clear message and leaves nothing
//   running.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCanister, PROJECT_ROOT } from '../../replica/build.ts';
import { readmeCodeBlock, readmeSectionBlocks } from '../docs/readme.ts';
import { ChatClient } from '../e2e/support/chat-client.ts';

const execFileAsync = promisify(execFile);
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** Runs a command; rejects with its output when it fails. */
async function run(command: string, args: string[], cwd: string, timeoutMs = 5 * 60_000): Promise<{ stdout: string; stderr: string }> {
    try {
        return await execFileAsync(command, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0' } });
    } catch (error) {
        const failure = error as { stdout?: string; stderr?: string; message: string };
        throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${failure.message}\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}`);
    }
}

/** A process in its own group (so the test can check that nothing of it is left), with its output kept. */
interface Started {
    child: ChildProcess;
    stdout: string[];
    stderr(): string;
    /** Resolves with the stdout lines up to the first matching one; rejects if the process exits first. */
    line(pattern: RegExp, timeoutMs?: number): Promise<string[]>;
    exited: Promise<number | null>;
}

const processes: Started[] = [];

function start(command: string, args: string[], cwd: string): Started {
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    const stdout: string[] = [];
    let stderr = '';
    let pending = '';
    const listeners = new Set<() => void>();
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        stdout.push(...lines);
        for (const listener of [...listeners]) listener();
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started: Started = {
        child,
        stdout,
        stderr: () => stderr,
        exited,
        line: (pattern, timeoutMs = 180_000) =>
            new Promise((resolve, reject) => {
                const check = () => {
                    const index = stdout.findIndex((line) => pattern.test(line));
                    if (index < 0) return;
                    done();
                    resolve(stdout.slice(0, index + 1));
                };
                const timer = setTimeout(() => (done(), reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr}`))), timeoutMs);
                const done = () => {
                    clearTimeout(timer);
                    listeners.delete(check);
                };
                listeners.add(check);
                void exited.then((code) => {
                    if (!listeners.has(check)) return;
                    done();
                    reject(new Error(`exited with ${code} before a line matching ${pattern}; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr}`));
                });
                check();
            })
    };
    processes.push(started);
    return started;
}

/** Whether any process of the group `pid` leads is still alive. */
function groupAlive(pid: number): boolean {
    try {
        process.kill(-pid, 0);
        return true;
    } catch {
        return false;
    }
}

async function groupGone(pid: number, timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (groupAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return !groupAlive(pid);
}

function listen(port = 0): Promise<Server> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve(server));
    });
}

async function freePort(): Promise<number> {
    const server = await listen();
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
}

async function portFree(port: number): Promise<boolean> {
    try {
        const server = await listen(port);
        await new Promise((resolve) => server.close(resolve));
        return true;
    } catch {
        return false;
    }
}

function write(file: string, content: string): void {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
}

const workspace = mkdtempSync(join(tmpdir(), 'ic-websocket-own-project-'));
const project = join(workspace, 'my-app');
const bin = () => join(project, 'node_modules', '.bin', 'ic-websocket');

beforeAll(async () => {
    // "Install": the tarballs, as `npm run packages` writes them in a clone of the repository.
    rmSync(join(PROJECT_ROOT, 'packages'), { recursive: true, force: true });
    await run('npm', ['run', 'packages'], PROJECT_ROOT);
    // "Your own project" keeps that clone at ../ic-websocket, next to the project.
    symlinkSync(PROJECT_ROOT, join(workspace, 'ic-websocket'));
    const [createProject] = readmeSectionBlocks('### 1. Create the project', 'bash');
    await run('sh', ['-ec', createProject!], workspace, INSTALL_TIMEOUT_MS);

    write(join(project, 'tsconfig.json'), readmeSectionBlocks('## Install', 'json')[0]!);
    write(join(project, 'dfx.json'), readmeSectionBlocks('### 2. The canister', 'json')[0]!);
    write(join(project, 'src', 'backend', 'index.ts'), readmeCodeBlock('## Using the CDK in your canister'));
    write(join(project, 'public', 'index.html'), readmeSectionBlocks('### 4. A frontend', 'html')[0]!);
    write(join(project, 'src', 'frontend', 'main.ts'), readmeSectionBlocks('### 4. A frontend', 'ts')[0]!);
    write(join(project, 'test', 'backend.test.ts'), readmeSectionBlocks('### 5. A test with the harness', 'ts')[0]!);
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
    for (const { child } of processes) if (child.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
    rmSync(workspace, { recursive: true, force: true });
    rmSync(join(PROJECT_ROOT, 'packages'), { recursive: true, force: true });
});

describe('installing', () => {
    it('packs the three packages with no install script, and installs them with one copy of azle, candid and principal', async () => {
        const tarballs = readdirSync(join(PROJECT_ROOT, 'packages')).sort();
        expect(tarballs).toEqual(['ic-websocket-cdk-0.1.0.tgz', 'ic-websocket-client-0.1.0.tgz', 'ic-websocket-dev-0.1.0.tgz']);
        for (const name of ['ic-websocket-cdk', 'ic-websocket-client', 'ic-websocket-dev']) {
            const installed = JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
            for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(installed.scripts?.[hook], `${name} ${hook}`).toBeUndefined();
        }
        // npm ci from the lock file the installs wrote, as CI or a teammate would.
        await run('npm', ['ci', '--no-audit', '--no-fund'], project, INSTALL_TIMEOUT_MS);
        const { stdout } = await run('npm', ['ls', '--all', '--parseable', 'azle', '@dfinity/candid', '@dfinity/principal'], project);
        const copies = (name: string) => new Set(stdout.split('\n').filter((path) => path.endsWith(`node_modules/${name}`)));
        expect(copies('azle').size).toBe(1);
        expect(copies('@dfinity/candid').size).toBe(1);
        expect(copies('@dfinity/principal').size).toBe(1);
    }, INSTALL_TIMEOUT_MS);
});

describe('ic-websocket dev', () => {
    let dev: Started;
    let printed: Record<string, string>;

    beforeAll(async () => {
        dev = start('npx', ['ic-websocket', 'dev', '--frontend', 'public', '--replica-port', '0', '--gateway-port', '0', '--page-port', '0'], project);
        const lines = await dev.line(/^ready$/);
        printed = Object.fromEntries(lines.filter((line) => line.includes(': ')).map((line) => line.split(/: (.*)/s).slice(0, 2)));
        expect(Object.keys(printed)).toEqual(['replica', 'gateway', 'backend', 'page']);
        // The frontend imports the declarations `ic-websocket dev` wrote; the page server serves what is on disk.
        const [bundleFrontend] = readmeSectionBlocks('### 4. A frontend', 'bash')[0]!.split('\n');
        await run('sh', ['-ec', bundleFrontend!], project);
    }, INSTALL_TIMEOUT_MS);

    it('writes the declarations dfx generate writes, and the env file', () => {
        const declarations = join(project, 'src', 'declarations', 'backend');
        expect(readdirSync(declarations).sort()).toEqual(['backend.did', 'backend.did.d.ts', 'backend.did.js', 'index.d.ts', 'index.js']);
        expect(readFileSync(join(declarations, 'backend.did'), 'utf8')).toMatch(/ws_open/);
        expect(readFileSync(join(project, '.env'), 'utf8')).toContain(`CANISTER_ID_BACKEND='${printed.backend}'`);
    });

    it('type-checks the canister, the frontend and the harness test with the README tsconfig', async () => {
        await run('npx', ['tsc', '--noEmit'], project);
    }, INSTALL_TIMEOUT_MS);

    it('bundles the canister with exactly one copy of azle: the same size as in this repository', async () => {
        const ours = (await buildCanister('readme_example')).length; // the same source, built in this repository
        const theirs = readFileSync(join(project, '.azle', 'backend', 'backend.wasm')).length;
        expect(Math.abs(theirs - ours) / ours).toBeLessThan(0.01); // a second azle would add ~0.8 MB to ~3.6 MB
    });

    it('serves the frontend with its config and the /api proxy', async () => {
        expect(await (await fetch(printed.page!)).text()).toContain('<script type="module" src="main.js">');
        expect((await fetch(new URL('main.js', printed.page))).status).toBe(200);
        expect(await (await fetch(new URL('config.json', printed.page))).json()).toMatchObject({
            gatewayUrl: printed.gateway,
            networkUrl: printed.page!.slice(0, -1),
            canisterId: printed.backend
        });
        expect((await fetch(new URL('/api/v2/status', printed.page))).status).toBe(200);
    });

    it('runs the README harness test in the project', async () => {
        const { stdout } = await run('npx', ['vitest', 'run'], project, INSTALL_TIMEOUT_MS);
        expect(stdout).toMatch(/1 passed/);
    }, INSTALL_TIMEOUT_MS);

    it('keeps an ic-websocket-js connection through an edit: the same client receives from the upgraded canister', async () => {
        type AppMessage = { text: string };
        const { idlFactory } = await import(pathToFileURL(join(project, 'src', 'declarations', 'backend', 'backend.did.js')).href);
        const client = await ChatClient.connect<AppMessage>({ gatewayUrl: printed.gateway!, networkUrl: printed.replica!, canisterId: printed.backend!, idlFactory });
        expect(await client.waitFor((message) => message.text === 'welcome')).toBeTruthy();
        client.send({ text: 'before' });
        await client.waitFor((message) => message.text === `${client.principal}: before`);

        const source = join(project, 'src', 'backend', 'index.ts');
        const code = readFileSync(source, 'utf8');
        expect(code, 'the README canister broadcasts message.text (update this edit if it changed)').toContain('${message.text}');
        writeFileSync(source, code.replace('${message.text}', '${message.text.toUpperCase()}'));
        await dev.line(/^upgraded backend$/);

        client.send({ text: 'after' });
        await client.waitFor((message) => message.text === `${client.principal}: AFTER`);
        expect(client.errors).toEqual([]);
        expect(client.closeEvent).toBeUndefined();
        expect(client.received.map((message) => message.text)).toEqual(['welcome', `${client.principal}: before`, `${client.principal}: AFTER`]);
        client.close();
    });

    it("the README's .gitignore keeps what ic-websocket dev, azle and npm generated out of git", async () => {
        write(join(project, '.gitignore'), readmeSectionBlocks('### 3. Run it with live reload', 'gitignore')[0]!);
        await run('git', ['init', '-q'], project);
        const { stdout } = await run('git', ['status', '--porcelain', '--untracked-files=all'], project);
        const untracked = stdout.split('\n').filter(Boolean).map((line) => line.slice(3));
        expect(untracked).toContain('src/backend/index.ts');
        expect(untracked.filter((path) => /^(node_modules|\.azle|\.dfx|src\/declarations)\/|^\.env$/.test(path))).toEqual([]);
        // ...and they were there to ignore:
        for (const generated of ['.azle', join('src', 'declarations', 'backend'), '.env']) expect(existsSync(join(project, generated)), generated).toBe(true);
    });

    it('stops on SIGTERM and frees its ports', async () => {
        process.kill(dev.child.pid!, 'SIGTERM'); // npx; ic-websocket dev notices its parent going
        await dev.exited;
        expect(await groupGone(dev.child.pid!)).toBe(true);
        for (const url of [printed.replica!, printed.gateway!, printed.page!]) expect(await portFree(Number(new URL(url.replace(/^ws/, 'http')).port))).toBe(true);
    });
});

/** A test canister of the user's project importing all three entries of the CDK (bundled by `azle build`). */
const SUBPATHS_CANISTER = `import { IDL, Principal, query, update } from 'azle';
import { errorKind, IcWebSocket } from 'ic-websocket-cdk';
import { wipe } from 'ic-websocket-cdk/testing';
import { formatMessageKey, WsResultIdl, type WsResult } from 'ic-websocket-cdk/wire';

const ws = new IcWebSocket<string>({ appMessage: IDL.Text, onOpen: ({ clientPrincipal }) => ws.send(clientPrincipal, 'hi') });

class Subpaths {
    @update([IDL.Principal, IDL.Text], WsResultIdl) send(client: Principal, text: string): WsResult { return ws.send(client, text); }
    @update([IDL.Principal], IDL.Text) kind(client: Principal): string { return errorKind(ws.send(client, 'x')) ?? 'sent'; }
    @update([]) reset(): void { wipe(ws); ws.init(); }
    @query([], IDL.Nat32) connected(): number { return ws.clients().length; }
    @query([IDL.Principal], IDL.Text) key(gateway: Principal): string { return formatMessageKey(gateway.toText(), 1n); }
}

export default [Subpaths, ws.methods];
`;

/** Its test, with the harness. */
const SUBPATHS_TEST = `import { afterAll, beforeAll, expect, it } from 'vitest';
import { Principal } from '@dfinity/principal';
import { TestNetwork, type TestCanister } from 'ic-websocket-dev';

type Subpaths = {
    send(client: Principal, text: string): Promise<{ Ok: null } | { Err: string }>;
    kind(client: Principal): Promise<string>;
    reset(): Promise<void>;
    connected(): Promise<number>;
    key(gateway: Principal): Promise<string>;
};

let network: TestNetwork;
let canister: TestCanister;

beforeAll(async () => {
    network = await TestNetwork.start();
    canister = await network.deploy('subpaths');
}, 120_000);

afterAll(() => network.stop());

it('runs the CDK, its wire types and its testing entry', async () => {
    const client = await canister.connect<string>();
    expect(await client.nextMessage()).toBe('hi');
    const actor = canister.actor<Subpaths>();
    expect(await actor.send(client.principal, 'direct')).toEqual({ Ok: null });
    expect(await client.nextMessage()).toBe('direct');
    expect(await actor.send(Principal.anonymous(), 'x')).toEqual({ Err: "Client with principal 2vxsx-fae doesn't have an open connection" });
    expect(await actor.kind(Principal.anonymous())).toBe('ClientPrincipalNotConnected');
    expect(await actor.key(Principal.fromText('aaaaa-aa'))).toBe('aaaaa-aa_00000000000000000001');
    expect(await actor.connected()).toBe(1);
    await actor.reset();
    expect(await actor.connected()).toBe(0);
}, 60_000);
`;

/** A Node tool of the user's, compiled by tsc for Node's own module resolution (nodenext), then run by plain node. */
const WIRE_TOOL = `import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import * as wire from 'ic-websocket-cdk/wire';
import { CanisterWsOpenArgumentsIdl, decodeWebsocketMessage, encodeWebsocketMessage, errorKind, formatMessageKey, nonceOfMessageKey, wsServiceIdl, WsResultIdl, type CanisterWsOpenArguments, type WebsocketMessage, type WsErrorKind, type WsResult } from 'ic-websocket-cdk/wire';

const gateway = Principal.fromText('aaaaa-aa');
const args: CanisterWsOpenArguments = { client_nonce: 7n, gateway_principal: gateway };
const [decoded] = IDL.decode([CanisterWsOpenArgumentsIdl], IDL.encode([CanisterWsOpenArgumentsIdl], [args])) as unknown as [CanisterWsOpenArguments];
const [answered] = IDL.decode([WsResultIdl], IDL.encode([WsResultIdl], [{ Err: "Client with principal 2vxsx-fae doesn't have an open connection" }])) as unknown as [WsResult];
const message: WebsocketMessage = { client_key: { client_principal: gateway, client_nonce: 7n }, sequence_num: 9n, timestamp: 2n, is_service_message: false, content: new Uint8Array([1]) };
console.log(JSON.stringify({
    exports: Object.keys(wire).sort(),
    open: \`\${decoded.gateway_principal.toText()} \${decoded.client_nonce}\`,
    key: formatMessageKey(gateway.toText(), 3n),
    nonce: String(nonceOfMessageKey(formatMessageKey(gateway.toText(), 3n))),
    sequence: String(decodeWebsocketMessage(encodeWebsocketMessage(message)).sequence_num),
    methods: wsServiceIdl()._fields.map(([name]) => name).sort(),
    kind: errorKind(answered) satisfies WsErrorKind | undefined
}));
`;

const toolConfig = (include: string[]) =>
    JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out', skipLibCheck: true, types: [] }, include });

describe("the CDK's subpaths in your own project", () => {
    beforeAll(() => {
        write(join(project, 'src', 'subpaths', 'index.ts'), SUBPATHS_CANISTER);
        write(join(project, 'test', 'subpaths.test.ts'), SUBPATHS_TEST);
        const dfx = JSON.parse(readFileSync(join(project, 'dfx.json'), 'utf8'));
        dfx.canisters.subpaths = { type: 'azle', main: 'src/subpaths/index.ts' };
        writeFileSync(join(project, 'dfx.json'), JSON.stringify(dfx, null, 2));
        write(join(project, 'tool', 'check.ts'), WIRE_TOOL);
        write(join(project, 'tool', 'tsconfig.json'), toolConfig(['check.ts']));
        // Negative control: the declarations are real types, so a wrong field fails (it would pass if they were `any`).
        write(join(project, 'tool', 'wrong', 'wrong.ts'), "import type { ClientKey } from 'ic-websocket-cdk/wire';\nexport const key: ClientKey = { client_principal: 'aaaaa-aa', client_nonce: 1n };\n");
        write(join(project, 'tool', 'wrong', 'tsconfig.json'), toolConfig(['wrong.ts']));
    });

    it('type-checks a canister and a test importing ic-websocket-cdk/wire and ic-websocket-cdk/testing', async () => {
        await run('npx', ['tsc', '--noEmit'], project);
    }, INSTALL_TIMEOUT_MS);

    it("type-checks with stricter options than the README's: TypeScript reads the CDK's declarations, not its sources", async () => {
        // Options azle's own sources pass; on the CDK's sources they reported errors inside node_modules.
        const strict = { noUnusedLocals: true, noUnusedParameters: true, exactOptionalPropertyTypes: true, erasableSyntaxOnly: true };
        write(join(project, 'tsconfig.strict.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: strict, include: ['src/backend', 'src/subpaths'] }));
        await run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.strict.json'], project);
    }, INSTALL_TIMEOUT_MS);

    it('azle build bundles all three entries: the harness deploys that canister and it works', async () => {
        const { stdout } = await run('npx', ['vitest', 'run', 'test/subpaths.test.ts'], project, INSTALL_TIMEOUT_MS);
        expect(stdout).toMatch(/1 passed/);
    }, INSTALL_TIMEOUT_MS);

    it('ic-websocket-cdk/wire in plain Node: a tool compiled by tsc (nodenext) gets the declarations and the compiled JavaScript', async () => {
        await run('npx', ['tsc', '-p', 'tool'], project);
        const { stdout } = await run('node', [join('tool', 'out', 'check.js')], project);
        const wire = await import('../../src/wire.ts');
        expect(JSON.parse(stdout)).toEqual({
            exports: Object.keys(wire).sort(),
            open: 'aaaaa-aa 7',
            key: 'aaaaa-aa_00000000000000000003',
            nonce: '3',
            sequence: '9',
            methods: ['ws_close', 'ws_get_messages', 'ws_message', 'ws_open'],
            kind: 'ClientPrincipalNotConnected'
        });
        await expect(run('npx', ['tsc', '-p', join('tool', 'wrong')], project)).rejects.toThrow(/wrong\.ts.*TS2322/);
    }, INSTALL_TIMEOUT_MS);
});

describe('ic-websocket replica and ic-websocket gateway', () => {
    it('run from the package: a replica on the IC HTTP interface, and a gateway relaying to it', async () => {
        const replica = start(bin(), ['replica', '--http-port', '0'], project);
        const [httpLine] = (await replica.line(/^http interface: /)).slice(-1);
        const replicaUrl = httpLine!.replace('http interface: ', '');
        expect((await fetch(new URL('/api/v2/status', replicaUrl))).status).toBe(200);

        const gateway = start(bin(), ['gateway', '--ic-url', replicaUrl, '--port', '0'], project);
        const deadline = Date.now() + 60_000;
        let gatewayUrl: string | undefined;
        while (!gatewayUrl && Date.now() < deadline) {
            gatewayUrl = gateway.stderr().match(/listening on (ws:\/\/127\.0\.0\.1:\d+)/)?.[1];
            if (!gatewayUrl) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(gatewayUrl, gateway.stderr()).toBeDefined();
        expect(await (await fetch(`${gatewayUrl!.replace('ws://', 'http://')}/health`)).json()).toMatchObject({ status: 'ok', icUrl: replicaUrl });

        for (const started of [gateway, replica]) {
            process.kill(started.child.pid!, 'SIGTERM');
            await started.exited;
            expect(await groupGone(started.child.pid!)).toBe(true);
        }
    }, INSTALL_TIMEOUT_MS);
});

describe('ic-websocket dev on bad input', () => {
    it('without dfx.json: says so, exits 1', async () => {
        const empty = mkdtempSync(join(tmpdir(), 'ic-websocket-empty-'));
        try {
            const dev = start(bin(), ['dev'], empty);
            expect(await dev.exited).toBe(1);
            expect(dev.stderr()).toMatch(/no dfx\.json in .* or any folder above it/);
            expect(await groupGone(dev.child.pid!)).toBe(true);
        } finally {
            rmSync(empty, { recursive: true, force: true });
        }
    });

    it('with a canister that does not build: names the file and line, exits 1, frees its ports', async () => {
        const dfx = JSON.parse(readFileSync(join(project, 'dfx.json'), 'utf8'));
        dfx.canisters.broken = { type: 'azle', main: 'src/broken/index.ts' };
        dfx.canisters.no_default = { type: 'azle', main: 'src/no_default/index.ts' };
        writeFileSync(join(project, 'dfx.json'), JSON.stringify(dfx, null, 2));
        write(join(project, 'src', 'broken', 'index.ts'), "import { query } from 'azle';\n\nexport default class { @query([], IDL.Text) hello( { return 'hi'; } }\n");
        write(join(project, 'src', 'no_default', 'index.ts'), "export const notACanister = 1;\n");

        for (const [name, message] of [
            ['broken', /broken does not build:\nsrc\/broken\/index\.ts:3:\d+: /],
            ['no_default', /no_default does not build \(azle build\):[\s\S]*default export/]
        ] as const) {
            const ports = [await freePort(), await freePort()];
            const dev = start(bin(), ['dev', name, '--replica-port', String(ports[0]), '--gateway-port', String(ports[1])], project);
            expect(await dev.exited).toBe(1);
            expect(dev.stderr()).toMatch(message);
            expect(await groupGone(dev.child.pid!)).toBe(true);
            for (const port of ports) expect(await portFree(port)).toBe(true);
        }
    }, INSTALL_TIMEOUT_MS);

    it('with a port in use: says which, exits 1, frees the others', async () => {
        const busy = await listen();
        const busyPort = (busy.address() as { port: number }).port;
        const replicaPort = await freePort();
        try {
            const dev = start(bin(), ['dev', 'backend', '--replica-port', String(replicaPort), '--gateway-port', String(busyPort)], project);
            expect(await dev.exited).toBe(1);
            expect(dev.stderr()).toContain(`port ${busyPort} (--gateway-port) is in use`);
            expect(await groupGone(dev.child.pid!)).toBe(true);
            expect(await portFree(replicaPort)).toBe(true);
        } finally {
            busy.close();
        }
    });
});
