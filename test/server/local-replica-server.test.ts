/**
 * What only our server promises (skipped on a real PocketIC): unsupported endpoints fail at once with an error
 * naming them, never a hang; the executable's command line is checked.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { SubnetStateType } from '@dfinity/pic';
import { IDL } from '@dfinity/candid';
import { createPic, isRealPocketIc } from '../setup/ic.ts';
import { parseCliOptions } from '../../replica/bin/cli-options.ts';

const BIN = fileURLToPath(new URL('../../replica/bin/local-replica', import.meta.url));

describe.skipIf(isRealPocketIc())('local-replica server specifics', () => {
    it('answers an unsupported endpoint at once with an error naming it', async () => {
        const pic = await createPic();
        try {
            const started = Date.now();
            await expect(pic.getPendingHttpsOutcalls()).resolves.toEqual([]);
            await expect(
                pic.mockPendingHttpsOutcall({ requestId: 0, subnetId: (await pic.getApplicationSubnets())[0].id, response: { type: 'reject', statusCode: 2, message: 'x' } })
            ).rejects.toThrow(/mock_canister_http/);
            expect(Date.now() - started).toBeLessThan(5_000);
        } finally {
            await pic.tearDown();
        }
        const res = await fetch(`${inject('PIC_URL')}/read_graph/a/b`);
        expect(res.status).toBe(404);
        expect((await res.json()).message).toMatch(/GET \/read_graph\/a\/b/);
    });

    it('queues submitted ingress until a tick, reports its status, and forgets it once awaited', async () => {
        const url = inject('PIC_URL');
        const rest = async (path: string, body: unknown) =>
            (await fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).json();
        const created = await rest('/instances', { subnet_config_set: { application: [{ state_config: 'New' }] } });
        const instance = `/instances/${created.Created.instance_id}`;
        const createArg = IDL.encode([IDL.Record({ amount: IDL.Opt(IDL.Nat), settings: IDL.Opt(IDL.Null), specified_id: IDL.Opt(IDL.Principal) })], [{ amount: [], settings: [], specified_id: [] }]);
        const submitted = await rest(`${instance}/update/submit_ingress_message`, {
            sender: Buffer.from([4]).toString('base64'),
            canister_id: '',
            method: 'provisional_create_canister_with_cycles',
            payload: Buffer.from(createArg).toString('base64'),
            effective_principal: 'None'
        });
        const messageId = submitted.Ok.message_id;
        const status = () => rest(`${instance}/read/ingress_status`, { raw_message_id: { effective_principal: 'None', message_id: messageId } });
        expect(await status()).toBeNull();
        await rest(`${instance}/update/tick`, {});
        expect(Object.keys(await status())).toEqual(['Ok']);
        const awaited = await rest(`${instance}/update/await_ingress_message`, { effective_principal: 'None', message_id: messageId });
        const [{ canister_id }] = IDL.decode([IDL.Record({ canister_id: IDL.Principal })], new Uint8Array(Buffer.from(awaited.Ok, 'base64'))) as unknown as [{ canister_id: { toText(): string } }];
        expect(canister_id.toText()).toMatch(/-cai$/);
        expect(await status()).toBeNull();
        await fetch(`${url}${instance}`, { method: 'DELETE' });
    });

    it('refuses subnet kinds it cannot host, naming them', async () => {
        await expect(createPic({ bitcoin: { state: { type: SubnetStateType.New } } })).rejects.toThrow(/Bitcoin/);
    });

    it('answers malformed JSON with 400 and the reason', async () => {
        const res = await fetch(`${inject('PIC_URL')}/instances`, { method: 'POST', body: '{not json' });
        expect(res.status).toBe(400);
        expect((await res.json()).message).toMatch(/not valid JSON/);
    });

    it('parses the PocketIC command line and rejects unknown options', async () => {
        expect(parseCliOptions(['--port-file', '/tmp/x', '--ttl', '5'])).toMatchObject({ restApi: true, portFile: '/tmp/x', ttlSeconds: 5 });
        expect(parseCliOptions(['--http-port', '0'])).toMatchObject({ restApi: false, httpPort: 0 });
        expect(() => parseCliOptions(['--ttl', '-1'])).toThrow(/non-negative integer/);
        expect(parseCliOptions(['--http-port=0', '--seed=a b'])).toMatchObject({ restApi: false, httpPort: 0, seed: 'a b' });
        expect(() => parseCliOptions(['--ttl', '99999999'])).toThrow(/--ttl must be at most 2147483 seconds/); // a Node timer would fire at once
        expect(() => parseCliOptions(['--port', '--ttl', '5'])).toThrow(/--port needs a value/);
        expect(() => parseCliOptions(['--port', '8000', '--http-port', '8000'])).toThrow(/cannot both be 8000/);
        expect(() => parseCliOptions(['--http-port', '65536'])).toThrow(/at most 65535/);
        const exit = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
            execFile(BIN, ['--frobnicate'], (error, _stdout, stderr) => resolve({ code: error ? (error as { code?: number }).code ?? 1 : 0, stderr }))
        );
        expect(exit.code).toBe(2);
        expect(exit.stderr).toMatch(/unknown option --frobnicate/);
    });

    it('writes its port to --port-file, and exits after --ttl idle seconds removing the file', async () => {
        const portFile = join(mkdtempSync(join(tmpdir(), 'local-replica-')), 'port');
        const started = Date.now();
        let portSeen = 0;
        const exitCode = await new Promise<number | null>((resolve) => {
            const child = execFile(BIN, ['--port-file', portFile, '--ttl', '1']);
            const poll = setInterval(() => {
                if (existsSync(portFile)) portSeen = Number(readFileSync(portFile, 'utf8'));
            }, 50);
            child.on('exit', (code) => {
                clearInterval(poll);
                resolve(code);
            });
        });
        expect(portSeen).toBeGreaterThan(0);
        expect(exitCode).toBe(0);
        expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
        expect(existsSync(portFile)).toBe(false);
    });
});
