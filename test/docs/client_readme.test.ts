/**
 * client/README.md's two Node snippets, as a user copies them: type-checked (strict, against the real packages and
 * the declarations `ic-websocket dev` writes for the chat canister) and run as written in Node 20 against the chat
 * canister behind a gateway (the URLs and the canister id come from the environment variables the snippets read).
 * The socket snippet must receive the canister's verified `Joined` answer to its join; the protocol-parts snippet
 * must open a session itself and print the verified OpenMessage as message 1.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildAzleCanister } from '../../dev/src/azle-build.ts';
import { writeDeclarations } from '../../dev/src/declarations.ts';
import { TestNetwork } from '../../dev/src/harness/test-network.ts';
import { readProject, selectCanisters } from '../../dev/src/project.ts';
import { PROJECT_ROOT } from '../../replica/build.ts';
import { readmeSectionBlocks } from './readme.ts';

const README = 'client/README.md';
/** The first ```ts block: the one under the title. */
const socketSnippet = /^```ts\n([\s\S]*?\n)```$/m.exec(readFileSync(join(PROJECT_ROOT, README), 'utf8'))?.[1];
const [partsSnippet] = readmeSectionBlocks("## The protocol's parts, for tools (test harnesses, bots)", 'ts', README);

let network: TestNetwork;
let canisterId: string;
let dir: string;

beforeAll(async () => {
    network = await TestNetwork.start({ live: true, gatewayLogLevel: 'silent' });
    canisterId = (await network.deploy('chat')).id.toText();
    const project = readProject(PROJECT_ROOT);
    const [chat] = selectCanisters(project, ['chat']);
    const { candid } = await buildAzleCanister(project, chat!); // cached
    dir = mkdtempSync(join(tmpdir(), 'client-readme-'));
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeDeclarations({ name: 'chat', candid, outDir: join(dir, 'declarations', 'chat'), bindings: ['js', 'ts', 'did'] });
    writeFileSync(join(dir, 'socket.ts'), socketSnippet!);
    writeFileSync(join(dir, 'parts.ts'), partsSnippet!);
});

afterAll(async () => {
    await network?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs a snippet with Node (tsx, the client from its sources) until its output matches `until`; then stops it. */
function runUntil(file: string, until: RegExp, timeoutMs = 30_000): Promise<string> {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
        cwd: dir,
        env: { ...process.env, GATEWAY_URL: network.gatewayUrl, REPLICA_URL: network.replicaUrl, CANISTER_ID_CHAT: canisterId },
        stdio: ['ignore', 'pipe', 'pipe']
    });
    let output = '';
    return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${file}: no ${until} within ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
        const finish = (error?: Error) => {
            clearTimeout(timer);
            child.kill();
            if (error) reject(error);
            else resolve(output);
        };
        const read = (chunk: Buffer) => {
            output += chunk;
            if (until.test(output)) finish();
        };
        child.stdout!.on('data', read);
        child.stderr!.on('data', read);
        child.once('exit', (code) => finish(new Error(`${file} exited with ${code} before ${until}; output:\n${output}`)));
    });
}

it('both snippets type-check (strict) as written', async () => {
    const tsconfig = {
        compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', customConditions: ['source'], lib: ['ES2023', 'DOM'], types: ['node'], skipLibCheck: true, noEmit: true },
        files: ['socket.ts', 'parts.ts']
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', dir]).then(
        () => '',
        (error: { stdout?: string; message: string }) => error.stdout || error.message
    );
    expect(result).toBe('');
});

it('the IcWebSocket snippet joins the chat and receives its verified answer', async () => {
    const output = await runUntil('socket.ts', /Joined[\s\S]*nickname: 'ada'/);
    expect(output).not.toMatch(/Error|error/);
});

it('the protocol-parts snippet opens a session itself and verifies the OpenMessage as message 1', async () => {
    const output = await runUntil('parts.ts', /^1n \{\s+OpenMessage: \{\s+client_key: \{/m);
    expect(output).not.toMatch(/Error|sequence gap/);
});
