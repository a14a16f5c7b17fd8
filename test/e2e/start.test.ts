// `npm start` (scripts/start.ts) as a newcomer runs it: it prints the four `name: value` lines and `ready`, and
// then the page, its configuration, the IC proxy and the gateway's health endpoint answer. Ctrl-C stops it cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
let child: ChildProcess;
let printed: Record<string, string>;
let lines: string[];

beforeAll(async () => {
    // Free ports (0) so the suite runs next to anything else; stdout carries only the machine-readable lines.
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
        cwd: ROOT,
        env: { ...process.env, PAGE_PORT: '0', GATEWAY_PORT: '0', REPLICA_PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe']
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    lines = await new Promise<string[]>((resolve, reject) => {
        let stdout = '';
        child.stdout!.on('data', (chunk) => {
            stdout += chunk;
            if (/^ready$/m.test(stdout)) resolve(stdout.trim().split('\n'));
        });
        child.once('exit', (code) => reject(new Error(`npm start exited with ${code} before "ready":\n${stderr}`)));
    });
    printed = Object.fromEntries(lines.filter((line) => line.includes(': ')).map((line) => line.split(/: (.*)/s).slice(0, 2)));
});

afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
});

it('prints the page, gateway, replica and canister, then ready', () => {
    expect(lines).toHaveLength(5);
    expect(lines.map((line) => line.split(':')[0])).toEqual(['page', 'gateway', 'replica', 'canister', 'ready']);
    expect(printed.page).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(printed.gateway).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(printed.replica).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed.canister).toMatch(/^[a-z0-9]{5}(-[a-z0-9]{5}){3}-cai$/);
});

it('serves a working setup at those addresses', async () => {
    const page = await fetch(printed.page);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('IC WebSocket chat');
    const config = await (await fetch(new URL('config.json', printed.page))).json();
    expect(config).toEqual({ gatewayUrl: printed.gateway, canisterId: printed.canister, networkUrl: printed.page.slice(0, -1), replicaUrl: printed.replica });
    // The page's /api proxy and the replica itself answer the status call clients make.
    for (const base of [printed.page, printed.replica]) {
        const status = await fetch(new URL('/api/v2/status', base));
        expect(status.status).toBe(200);
    }
    const health = await (await fetch(printed.gateway.replace('ws://', 'http://') + '/health')).json();
    expect(health).toMatchObject({ status: 'ok', icUrl: printed.replica, clients: 0 });
});

it('stops cleanly on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
});
