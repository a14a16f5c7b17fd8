// The gateway's command line and its persisted identity: bad input gets a clear message and a non-zero exit,
// and a data directory keeps the gateway's principal across restarts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../../gateway/index.ts';
import { KEY_PAIR_FILE } from '../../gateway/identity.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'gateway-data-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function runGateway(...args: string[]) {
    return spawnSync(process.execPath, ['--import', 'tsx', 'gateway/bin/gateway.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('gateway command line', () => {
    it('requires --ic-url', () => {
        const run = runGateway();
        expect(run.status).toBe(2);
        expect(run.stderr).toContain('gateway: --ic-url is required');
        expect(run.stderr).toContain('Usage: gateway --ic-url <url>');
    });

    it('refuses a port that is not a number', () => {
        const run = runGateway('--ic-url', 'http://127.0.0.1:9', '--port', 'eighty');
        expect(run.status).toBe(2);
        expect(run.stderr).toContain('--port must be a whole number >= 0, got "eighty"');
    });

    it('refuses a limit that is not a whole number > 0', () => {
        const run = runGateway('--ic-url', 'http://127.0.0.1:9', '--max-frames-per-second', '0');
        expect(run.status).toBe(2);
        expect(run.stderr).toContain('--max-frames-per-second must be a whole number > 0, got "0"');
    });

    it('passes its limit flags to the gateway, as /health shows', async () => {
        const flags = ['--max-frame-bytes', '1000000', '--max-pending-relays', '8', '--max-pending-relay-bytes', '4000000', '--max-frames-per-second', '7',
            '--max-total-pending-relay-bytes', '9000000', '--max-hold-ms', '60000', '--max-unsent-bytes', '5000000', '--max-clients', '300'];
        const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/bin/gateway.ts', '--ic-url', 'http://127.0.0.1:9', '--root-key', '00'.repeat(133), '--port', '0', ...flags], { cwd: ROOT });
        try {
            const url = await new Promise<string>((resolve, reject) => {
                let text = '';
                child.stderr.on('data', (chunk: Buffer) => {
                    text += chunk.toString();
                    const match = /listening on ws:\/\/(\S+?),/.exec(text);
                    if (match) resolve(`http://${match[1]}/health`);
                });
                child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${text}`)));
            });
            const { limits } = await (await fetch(url)).json();
            expect(limits).toEqual({
                maxFrameBytes: 1_000_000,
                maxPendingRelays: 8,
                maxPendingRelayBytes: 4_000_000,
                maxFramesPerSecond: 7,
                maxTotalPendingRelayBytes: 9_000_000,
                maxHoldMs: 60_000,
                maxUnsentBytes: 5_000_000,
                maxClients: 300
            });
        } finally {
            child.kill();
        }
    });

    it('says why it cannot start when the IC is unreachable', () => {
        const run = runGateway('--ic-url', 'http://127.0.0.1:9', '--port', '0');
        expect(run.status).toBe(1);
        expect(run.stderr).toMatch(/gateway: could not start: cannot reach the IC at http:\/\/127\.0\.0\.1:9 to fetch its root key/);
    });
});

describe('gateway identity', () => {
    it('is kept in the data directory across restarts', () => {
        const first = loadOrCreateIdentity(dataDir).getPrincipal().toText();
        expect(loadOrCreateIdentity(dataDir).getPrincipal().toText()).toBe(first);
        expect(loadOrCreateIdentity().getPrincipal().toText()).not.toBe(first);
    });

    it('refuses a damaged key file instead of replacing it', () => {
        const damaged = mkdtempSync(join(tmpdir(), 'gateway-damaged-'));
        try {
            writeFileSync(join(damaged, KEY_PAIR_FILE), 'not a key');
            expect(() => loadOrCreateIdentity(damaged)).toThrow(/key_pair\.json is not a gateway key pair .*move it away to create a new one/);
        } finally {
            rmSync(damaged, { recursive: true, force: true });
        }
    });
});
