// Inter-canister calls: between two installed canisters, to the management canister, and their rejects.
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Replica } from '../../replica/index.ts';
import { callQuery, callUpdate, coreWasm, encode, rejectOf, replicaWithCore } from './support.ts';

type Outcome = { Ok: string } | { Err: string };
const Outcome = IDL.Variant({ Ok: IDL.Text, Err: IDL.Text });

let replica: Replica;
let first: Principal;
let second: Principal;

beforeAll(async () => {
    ({ replica, id: first } = await replicaWithCore('hi from first'));
    second = await replica.installCanister({ wasm: await coreWasm(), arg: encode([IDL.Text], ['hi from second']) });
});

const callGreet = (target: Principal, method: string) =>
    callUpdate<Outcome>(replica, first, 'callGreet', [IDL.Principal, IDL.Text, IDL.Text], [target, method, 'me'], Outcome);

describe('inter-canister calls', () => {
    it('reach another canister, which sees the calling canister as caller', async () => {
        expect(await callGreet(second, 'greet')).toEqual({ Ok: `hi from second, me (from ${first.toText()})` });
    });

    it('reach the caller itself', async () => {
        expect(await callGreet(first, 'greet')).toEqual({ Ok: `hi from first, me (from ${first.toText()})` });
    });

    it('come back rejected: unknown method (5), missing canister (3), trapping callee (5)', async () => {
        const missingMethod = await callGreet(second, 'nope');
        expect(missingMethod).toEqual({ Err: expect.stringContaining("5: Error from Canister") });
        expect((missingMethod as { Err: string }).Err).toContain("has no update method 'nope'");
        const missingCanister = await callGreet(Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai'), 'greet');
        expect(missingCanister).toEqual({ Err: '3: Canister rrkah-fqaaa-aaaaa-aaaaq-cai not found' });
        const trapping = await callGreet(second, 'putThenFail');
        expect((trapping as { Err: string }).Err).toMatch(/^5: /);
    });

    it('skip canister_inspect_message, which only filters ingress', async () => {
        expect(await callGreet(second, 'refusedByInspect')).toEqual({ Ok: 'ran for me' });
        const refused = await rejectOf(replica.update(second, 'refusedByInspect', encode([IDL.Text], ['user'])));
        expect([refused.code, refused.errorCode, refused.refused]).toEqual([4, 'IC0406', true]);
    });

    it('from a composite query reach query methods, keep state between its callbacks, and discard it all', async () => {
        const counter = () => callQuery<number>(replica, first, 'counter', [], [], IDL.Nat32);
        const before = await counter();
        const { reply } = await replica.query(first, 'compositeCall', encode([IDL.Principal, IDL.Text], [second, 'whoami']));
        expect(IDL.decode([Outcome], reply)[0]).toEqual({ Ok: `${first.toText()} (counter seen ${before + 1})` });
        expect(await counter()).toBe(before);
        const toUpdate = await replica.query(first, 'compositeCall', encode([IDL.Principal, IDL.Text], [second, 'increment']));
        expect((IDL.decode([Outcome], toUpdate.reply)[0] as { Err: string }).Err).toContain("has no query method 'increment'");
        // only a query call can run a composite query
        const asUpdate = await rejectOf(replica.update(first, 'compositeCall', encode([IDL.Principal, IDL.Text], [second, 'whoami'])));
        expect([asUpdate.code, asUpdate.errorCode]).toEqual([5, 'IC0527']);
    });

    it('report instructions summed over the whole call context', async () => {
        const simple = await replica.update(first, 'increment');
        const withCall = await replica.update(first, 'callGreet', encode([IDL.Principal, IDL.Text, IDL.Text], [second, 'greet', 'x']));
        expect(withCall.instructions).toBeGreaterThan(simple.instructions);
    });

    it('reach the management canister (raw_rand)', async () => {
        expect(await callUpdate(replica, first, 'randomBytes', [], [], IDL.Nat32)).toBe(32);
    });

    it('see the ingress sender as caller of the first message', async () => {
        const alice = Principal.fromUint8Array(Uint8Array.of(9, 9, 9));
        const { reply } = await replica.query(first, 'whoami', encode([], []), { sender: alice });
        expect((IDL.decode([IDL.Principal], reply)[0] as unknown as Principal).toText()).toBe(alice.toText());
        expect((await callQuery<Principal>(replica, first, 'self', [], [], IDL.Principal)).toText()).toBe(first.toText());
    });
});
