// `npm start` (`ic-websocket dev chat` with the chat page) as a newcomer runs it: it prints the `name: value` lines
// and `ready`; then the page, its configuration, the IC proxy and the gateway's health endpoint answer. Ctrl-C stops
// it cleanly, and so does a SIGTERM to npm itself: the servers must not outlive npm holding their ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const started: ChildProcess[] = [];

afterEach(() => {
    for (const child of started) if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    started.length = 0;
});

/** Runs `npm start` on free ports; resolves with the `name: value` lines once it printed `ready`. */
async function npmStart(): Promise<{ child: ChildProcess; printed: Record<string, string>; keys: string[]; stdout: string }> {
    // Its own process group, so a test can signal npm alone and still clean up everything. Free ports (0) so the
    // suite runs next to anything else.
    const child = spawn('npm', ['start'], {
        cwd: ROOT,
        env: { ...process.env, PAGE_PORT: '0', GATEWAY_PORT: '0', REPLICA_PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true
    });
    started.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    let stdout = '';
    const lines = await new Promise<string[]>((resolve, reject) => {
        child.stdout!.on('data', (chunk) => {
            stdout += chunk;
            if (/^ready$/m.test(stdout)) resolve(stdout.split('\n').filter((line) => /^[\w-]+: |^ready$/.test(line)));
        });
        child.once('exit', (code) => reject(new Error(`npm start exited with ${code} before "ready":\n${stderr}`)));
    });
    const pairs = lines.filter((line) => line !== 'ready').map((line) => line.split(/: (.*)/s).slice(0, 2) as [string, string]);
    return { child, printed: Object.fromEntries(pairs), keys: [...pairs.map(([key]) => key), lines.at(-1)!], stdout };
}

/** Whether something still listens on the port (a connection succeeds). */
function listening(url: string): Promise<boolean> {
    const port = Number(new URL(url.replace(/^ws/, 'http')).port);
    return new Promise((resolve) => {
        const probe = createServer();
        probe.once('error', () => resolve(true));
        probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
    });
}

async function portsFreed(printed: Record<string, string>, timeoutMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const busy: string[] = [];
        for (const name of ['replica', 'gateway', 'page']) if (await listening(printed[name]!)) busy.push(name);
        if (busy.length === 0 || Date.now() > deadline) return busy;
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

it('prints replica, gateway, the chat canister and the page, then ready; serves a working setup; stops on Ctrl-C', async () => {
    const { child, printed, keys, stdout } = await npmStart();
    expect(keys).toEqual(['replica', 'gateway', 'chat', 'page', 'ready']);
    // stdout is machine-readable: npm's own `> ...` header, then only those lines (the page build reports on stderr).
    expect(stdout.split('\n').filter((line) => line !== '' && !line.startsWith('> '))).toEqual(keys.map((key) => (key === 'ready' ? 'ready' : `${key}: ${printed[key]}`)));
    expect(printed.page).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(printed.gateway).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(printed.replica).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed.chat).toMatch(/^[a-z0-9]{5}(-[a-z0-9]{5}){3}-cai$/);

    const page = await fetch(printed.page!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('IC WebSocket chat');
    const config = await (await fetch(new URL('config.json', printed.page))).json();
    expect(config).toEqual({
        gatewayUrl: printed.gateway,
        canisterId: printed.chat,
        networkUrl: printed.page!.slice(0, -1),
        replicaUrl: printed.replica,
        canisters: { chat: printed.chat }
    });
    // The page's /api proxy and the replica itself answer the status call clients make.
    for (const base of [printed.page!, printed.replica!]) {
        const status = await fetch(new URL('/api/v2/status', base));
        expect(status.status).toBe(200);
    }
    const health = await (await fetch(printed.gateway!.replace('ws://', 'http://') + '/health')).json();
    expect(health).toMatchObject({ status: 'ok', icUrl: printed.replica, clients: 0 });

    // Ctrl-C in a terminal signals the whole foreground process group.
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    expect(await portsFreed(printed)).toEqual([]);
});

it('frees its ports when npm alone gets SIGTERM', async () => {
    const { child, printed } = await npmStart();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM'); // npm only: it does not pass the signal on through its shell
    await exited;
    expect(await portsFreed(printed)).toEqual([]);
});
