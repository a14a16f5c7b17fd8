/**
 * `replica/bin/local-replica --http-port 0`: one live replica served over the IC HTTP interface, as a local dfx
 * replica is. An agent fetches its root key, and its clock follows wall time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CanisterStatus, HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { Replica } from '../../replica/index.ts';

const BIN = fileURLToPath(new URL('../../replica/bin/local-replica', import.meta.url));

let child: ChildProcess;
let url: string;

beforeAll(async () => {
    child = spawn(BIN, ['--http-port', '0', '--seed', 'local-replica-http'], { stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            const match = /http interface: (\S+)/.exec(output);
            if (match) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`local-replica exited with ${code}: ${output}`)));
    });
});

afterAll(() => {
    child?.kill();
});

describe('local-replica --http-port', () => {
    it('serves the status endpoint with a root key fixed by --seed, and a clock that follows wall time', async () => {
        const agent = await HttpAgent.create({ host: url, shouldFetchRootKey: true });
        expect(agent.rootKey?.length).toBe(133);
        expect(agent.rootKey).toEqual((await Replica.create({ seed: 'local-replica-http' })).rootKey);

        const anyCanister = Principal.fromText('aaaaa-aa');
        const readTime = async () => (await CanisterStatus.request({ canisterId: anyCanister, agent, paths: ['time'] })).get('time') as Date;
        const first = await readTime();
        await new Promise((resolve) => setTimeout(resolve, 400));
        const second = await readTime();
        expect(second.getTime()).toBeGreaterThan(first.getTime());
        expect(Math.abs(second.getTime() - Date.now())).toBeLessThan(5_000);
    });
});
