// Message execution: atomic updates, query isolation, the IC's rejects and size limits.
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Replica } from '../../replica/index.ts';
import { callQuery, callUpdate, encode, rejectOf, replicaWithCore } from './support.ts';

let replica: Replica;
let id: Principal;

beforeAll(async () => {
    ({ replica, id } = await replicaWithCore());
});

const counter = () => callQuery<number>(replica, id, 'counter', [], [], IDL.Nat32);
const stored = (key: string) => callQuery<[] | [string]>(replica, id, 'get', [IDL.Text], [key], IDL.Opt(IDL.Text));

describe('updates', () => {
    it('commit heap and stable memory changes', async () => {
        const before = await counter();
        expect(await callUpdate(replica, id, 'increment', [], [], IDL.Nat32)).toBe(before + 1);
        await callUpdate(replica, id, 'put', [IDL.Text, IDL.Text], ['k', 'v']);
        expect(await counter()).toBe(before + 1);
        expect(await stored('k')).toEqual(['v']);
    });

    it.each(['trap', 'throw'])('roll back heap and StableBTreeMap when the method fails (%s)', async (mode) => {
        const before = await counter();
        const error = await rejectOf(replica.update(id, 'putThenFail', encode([IDL.Text, IDL.Text, IDL.Text], ['rolled', 'back', mode])));
        expect(error.code).toBe(5);
        expect(error.errorCode).toBe('IC0503');
        expect(error.message).toContain(`Error from Canister ${id.toText()}: Canister called \`ic0.trap\``);
        expect(error.message).toContain(mode === 'trap' ? 'explicit trap after writing' : 'uncaught error after writing');
        expect(await counter()).toBe(before);
        expect(await stored('rolled')).toEqual([]);
        // the canister keeps working after the rollback
        expect(await callUpdate(replica, id, 'increment', [], [], IDL.Nat32)).toBe(before + 1);
    });

    it('answer an explicit msg_reject with reject code 4', async () => {
        const error = await rejectOf(replica.update(id, 'rejectWith', encode([IDL.Text], ['x'])));
        expect(error.code).toBe(4);
        expect(error.errorCode).toBeUndefined();
        expect(error.message).toBe('rejected on purpose');
    });

    it('answer a method that never replies with the IC\'s "did not reply" reject', async () => {
        const error = await rejectOf(replica.update(id, 'neverReply'));
        expect(error.code).toBe(5);
        expect(error.errorCode).toBe('IC0506');
        expect(error.message).toBe(`Canister ${id.toText()} did not reply to the call`);
    });

    it('roll back exactly after the heap grew, in a committed message or in the trapped one', async () => {
        const memorySize = () => replica.canisterStatus(id).memorySize;
        const before = await counter();
        const memoryBefore = memorySize();
        await replica.update(id, 'bytesOfLength', encode([IDL.Nat32], [1_500_000])); // grows the wasm heap, commits
        expect(memorySize()).toBeGreaterThan(memoryBefore);
        await rejectOf(replica.update(id, 'putThenFail', encode([IDL.Text, IDL.Text, IDL.Text], ['grown', 'x', 'trap'])));
        await rejectOf(replica.update(id, 'bytesOfLength', encode([IDL.Nat32], [2 * 1024 * 1024]))); // grows, then traps
        expect(await counter()).toBe(before);
        expect(await stored('grown')).toEqual([]);
        expect(await callUpdate(replica, id, 'increment', [], [], IDL.Nat32)).toBe(before + 1);
        expect(await counter()).toBe(before + 1);
    });
});

describe('queries', () => {
    it('never keep their changes', async () => {
        const before = await counter();
        expect(await callQuery(replica, id, 'incrementInQuery', [], [], IDL.Nat32)).toBe(before + 1);
        expect(await callQuery(replica, id, 'incrementInQuery', [], [], IDL.Nat32)).toBe(before + 1);
        expect(await counter()).toBe(before);
    });

    it('cannot set certified data (the IC traps)', async () => {
        const error = await rejectOf(replica.query(id, 'certifyInQuery', encode([IDL.Vec(IDL.Nat8)], [new Uint8Array(32)])));
        expect(error.code).toBe(5);
        expect(error.errorCode).toBe('IC0504');
        expect(error.message).toContain('cannot be executed in non replicated query mode');
    });

    it('run as replicated (and still discard changes) when called as an update', async () => {
        const before = await counter();
        const { reply } = await replica.update(id, 'incrementInQuery');
        expect(IDL.decode([IDL.Nat32], reply)[0]).toBe(before + 1);
        expect(await counter()).toBe(before);
    });
});

describe('rejects and limits', () => {
    it('rejects an unknown method with IC0536 (reject code 5 on current IC versions)', async () => {
        const update = await rejectOf(replica.update(id, 'nope'));
        expect([update.code, update.errorCode]).toEqual([5, 'IC0536']);
        expect(update.message).toContain("Canister has no update method 'nope'");
        const query = await rejectOf(replica.query(id, 'increment'));
        expect(query.message).toContain("Canister has no query method 'increment'");
    });

    it('rejects malformed Candid with reject code 5', async () => {
        const error = await rejectOf(replica.update(id, 'put', Uint8Array.of(1, 2, 3)));
        expect(error.code).toBe(5);
        expect(error.message).toMatch(/Candid/);
    });

    it('rejects calls to a canister that does not exist with reject code 3', async () => {
        const error = await rejectOf(replica.update(Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai'), 'x'));
        expect([error.code, error.errorCode]).toEqual([3, 'IC0301']);
    });

    it('refuses an ingress argument over 2 MiB before execution, and accepts one just under', async () => {
        const limit = 2 * 1024 * 1024;
        const fits = encode([IDL.Vec(IDL.Nat8)], [new Uint8Array(limit - 100)]);
        expect(fits.length).toBeLessThanOrEqual(limit);
        expect(IDL.decode([IDL.Nat32], (await replica.update(id, 'argumentLength', fits)).reply)[0]).toBe(limit - 100);
        const before = await counter();
        const error = await rejectOf(replica.update(id, 'argumentLength', encode([IDL.Vec(IDL.Nat8)], [new Uint8Array(limit)])));
        expect(error.refused).toBe(true);
        expect(error.message).toContain('is larger than the max allowed 2097152');
        expect(await counter()).toBe(before);
    });

    it('traps replies over 2 MiB in updates and over 3 MiB in queries', async () => {
        const update = await rejectOf(replica.update(id, 'bytesOfLength', encode([IDL.Nat32], [2 * 1024 * 1024])));
        expect(update.errorCode).toBe('IC0504');
        expect(update.message).toContain('application payload size');
        const big = await replica.query(id, 'bytesOfLengthQuery', encode([IDL.Nat32], [2 * 1024 * 1024 + 10]));
        expect(big.reply.length).toBeGreaterThan(2 * 1024 * 1024);
        const tooBig = await rejectOf(replica.query(id, 'bytesOfLengthQuery', encode([IDL.Nat32], [3 * 1024 * 1024])));
        expect(tooBig.message).toContain('cannot be larger than 3145728');
    });
});

describe('instruction metering', () => {
    const metered = process.env.REPLICA_METERING !== 'off';

    it.skipIf(!metered)('stops an infinite loop at the query limit with the IC\'s error, and the canister keeps working', async () => {
        const error = await rejectOf(replica.query(id, 'spin'));
        expect([error.code, error.errorCode]).toEqual([5, 'IC0522']);
        expect(error.message).toContain('Canister exceeded the limit of 5000000000 instructions for single message execution.');
        expect(await callQuery(replica, id, 'counter', [], [], IDL.Nat32)).toBeGreaterThanOrEqual(0);
    });

    it.skipIf(!metered)('reports instructions per message, consistent with performance_counter inside it', async () => {
        const { reply, instructions } = await replica.update(id, 'instructionsUsed');
        const seenInside = IDL.decode([IDL.Nat64], reply)[0] as bigint;
        expect(seenInside).toBeGreaterThan(100_000n);
        // the message goes on after the counter is read (Candid encoding, reply)
        expect(instructions).toBeGreaterThan(seenInside);
        expect(instructions).toBeLessThan(100_000_000n);
    });
});
