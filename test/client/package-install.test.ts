// A new user's install: `npm pack` of client/, then `npm install` of the tarball in a fresh project next to
// Azle 0.33 and @dfinity/agent 3 (one package.json; npm must not report a peer conflict). The installed package is
// then used as published: its compiled JavaScript chats with the real chat canister through our gateway from plain
// Node (with `ws`), and its type declarations type-check a user's file with the repository's TypeScript.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/index.ts';
import { PROJECT_ROOT } from '../../replica/build.ts';
import { startChatNetwork, type ChatNetwork } from '../e2e/support/chat-network.ts';

const run = promisify(execFile);
const project = mkdtempSync(join(tmpdir(), 'ic-websocket-client-user-'));
let network: ChatNetwork;
let gateway: Gateway;

beforeAll(async () => {
    network = await startChatNetwork({ gatewayLogLevel: 'error' });
    gateway = network.gateway;
});
afterAll(async () => {
    await network?.close();
    rmSync(project, { recursive: true, force: true });
});

it('installs from its tarball beside azle 0.33 and @dfinity/agent 3, and works as installed', async () => {
    await run('npm', ['pack', '--pack-destination', project], { cwd: join(PROJECT_ROOT, 'client') });
    const tarball = readdirSync(project).find((file) => file.endsWith('.tgz'))!;
    expect(tarball).toMatch(/^ic-websocket-client-\d+\.\d+\.\d+\.tgz$/);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }));
    // A peer conflict would fail here (ERESOLVE), as `npm install @dfinity/agent@3 ic-websocket-js` does.
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', 'azle@0.33.0', '@dfinity/agent@3', 'ws@8', `./${tarball}`], {
        cwd: project
    });

    writeFileSync(
        join(project, 'chat.mjs'),
        `import { Actor, HttpAgent } from '@dfinity/agent';
import { WebSocket } from 'ws';
import { IcWebSocket, createWsConfig, generateRandomIdentity } from 'ic-websocket-client';
const [gatewayUrl, networkUrl, canisterId] = process.argv.slice(2);
const idlFactory = ({ IDL }) => {
    const Message = IDL.Variant({ Join: IDL.Record({ nickname: IDL.Text }), Post: IDL.Record({ text: IDL.Text }),
        Posted: IDL.Record({ nickname: IDL.Text, text: IDL.Text, timestamp: IDL.Nat64 }),
        Joined: IDL.Record({ nickname: IDL.Text, timestamp: IDL.Nat64 }), Left: IDL.Record({ nickname: IDL.Text, timestamp: IDL.Nat64 }) });
    const ClientKey = IDL.Record({ client_principal: IDL.Principal, client_nonce: IDL.Nat64 });
    const WsMessage = IDL.Record({ client_key: ClientKey, sequence_num: IDL.Nat64, timestamp: IDL.Nat64, is_service_message: IDL.Bool, content: IDL.Vec(IDL.Nat8) });
    const Result = IDL.Variant({ Ok: IDL.Null, Err: IDL.Text });
    return IDL.Service({
        ws_open: IDL.Func([IDL.Record({ client_nonce: IDL.Nat64, gateway_principal: IDL.Principal })], [Result], []),
        ws_message: IDL.Func([IDL.Record({ msg: WsMessage }), IDL.Opt(Message)], [Result], [])
    });
};
const identity = generateRandomIdentity();
const canisterActor = Actor.createActor(idlFactory, { agent: HttpAgent.createSync({ host: networkUrl, identity }), canisterId });
const ws = new IcWebSocket(gatewayUrl, undefined, createWsConfig({ canisterId, canisterActor, identity, networkUrl, WebSocket }));
const timer = setTimeout(() => { console.error('timed out'); process.exit(2); }, 30000);
ws.onopen = () => ws.send({ Join: { nickname: 'packaged' } });
ws.onmessage = (event) => { if ('Joined' in event.data) { console.log('joined ' + event.data.Joined.nickname); clearTimeout(timer); ws.close(); } };
ws.onerror = (event) => { console.error(event.error.reason, event.error.message); process.exit(1); };
ws.onclose = (event) => console.log('closed ' + event.code);
`
    );
    const chat = await run(process.execPath, ['chat.mjs', gateway.url, network.url, network.canisterId], { cwd: project });
    expect(chat.stdout.trim().split('\n')).toEqual(['joined packaged', 'closed 1000']);

    // The shipped declarations type a user's code: a wrong message shape is an error.
    writeFileSync(
        join(project, 'typed.ts'),
        `import { IcWebSocket, createWsConfig, generateRandomIdentity, IcWebSocketError, type _WS_CANISTER_SERVICE } from 'ic-websocket-client';
import type { ActorSubclass } from '@dfinity/agent';
declare const canisterActor: ActorSubclass<_WS_CANISTER_SERVICE<{ Join: { nickname: string } }>>;
const ws = new IcWebSocket('ws://gateway', undefined, createWsConfig({ canisterId: 'aaaaa-aa', canisterActor, identity: generateRandomIdentity(), networkUrl: 'https://icp-api.io' }));
ws.onopen = () => ws.send({ Join: { nickname: 'ada' } });
ws.onerror = (event) => { if (event.error instanceof IcWebSocketError) console.log(event.error.reason); };
// @ts-expect-error: not a message of this canister
ws.send({ Join: { nick: 'ada' } });
`
    );
    writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ES2022', moduleResolution: 'bundler', lib: ['ES2023', 'DOM'], types: [], noEmit: true }, files: ['typed.ts'] })
    );
    const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const typecheck = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((error) => error as { stdout: string });
    expect(typecheck.stdout).toBe('');
}, 240_000);
