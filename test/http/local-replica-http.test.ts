/**
 * `replica/bin/local-replica --http-port 0`: one live replica served over the IC HTTP interface, as a local dfx
 * replica is. An agent fetches its root key, its clock follows wall time, and canisters are created with the
 * effective canister ids local tools use (dfx's `rwlgt-iiaaa-aaaaa-aaaaa-cai`, or `aaaaa-aa`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Actor, CanisterStatus, HttpAgent } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { Replica } from '../../replica/index.ts';
import { managementIdlFactory, type ManagementService } from './management-idl.ts';

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

describe('local-replica --http-port: canister creation as local tools do it', () => {
    it.each(['rwlgt-iiaaa-aaaaa-aaaaa-cai', 'aaaaa-aa'])('accepts provisional_create_canister_with_cycles with effective canister id %s', async (effective) => {
        const identity = Ed25519KeyIdentity.generate();
        const agent = await HttpAgent.create({ host: url, shouldFetchRootKey: true, identity });
        const management = Actor.createActor<ManagementService>(managementIdlFactory, {
            agent,
            canisterId: Principal.managementCanister(),
            effectiveCanisterId: Principal.fromText(effective)
        });
        const { canister_id } = await management.provisional_create_canister_with_cycles({
            amount: [10n ** 12n],
            settings: [],
            specified_id: [],
            sender_canister_version: []
        });
        // The new canister is there, controlled by its creator, and readable through read_state.
        const status = await CanisterStatus.request({ canisterId: canister_id, agent, paths: ['controllers'] });
        expect((status.get('controllers') as Principal[]).map((p) => p.toText())).toEqual([identity.getPrincipal().toText()]);
    });
});
