// Deep JavaScript recursion in an Azle canister: QuickJS runs each JS call as nested C calls, so every level takes
// wasm stack (native frames) and C stack (Azle's shadow stack in linear memory). On the IC (wasmtime, 5 MiB stack)
// 3,439 levels of test/canisters/replica_loop's `recurse` pass and the next one runs out of C stack ("heap out of
// bounds"); V8's own stack on the main thread gave out below 1,000 levels. Here the limit is the same cold and warm.
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCanister, RejectError, Replica } from '../../replica/index.ts';
import { freshCopy } from './wat.ts';

let replica: Replica;
let wasm: Uint8Array;

/** The depth reached, or the trap text. */
async function recurse(id: Principal, depth: number): Promise<number | string> {
    try {
        const { reply } = await replica.query(id, 'recurse', new Uint8Array(IDL.encode([IDL.Nat32], [depth])));
        return IDL.decode([IDL.Nat32], reply)[0] as number;
    } catch (error) {
        if (!(error instanceof RejectError)) throw error;
        return error.message;
    }
}

beforeAll(async () => {
    replica = await Replica.create({ seed: 'azle stack' });
    wasm = await buildCanister('replica_loop');
});

describe('deep recursion in an Azle canister', () => {
    it('runs thousands of levels and stops at the same depth cold and warm, when the C stack runs out, as on the IC', async () => {
        const id = await replica.installCanister({ wasm: freshCopy(wasm) });
        let passes = 3_000;
        let fails = 4_000;
        expect(await recurse(id, fails)).toMatch(/Canister trapped: heap out of bounds/);
        while (fails - passes > 1) {
            const middle = Math.floor((passes + fails) / 2);
            if ((await recurse(id, middle)) === middle) passes = middle;
            else fails = middle;
        }
        for (let i = 0; i < 5; i++) expect(await recurse(id, passes)).toBe(passes); // warm by now
        expect(await recurse(id, fails)).toMatch(/Canister trapped: heap out of bounds/);
        // A fresh copy's very first call, at the limit and one past it.
        expect(await recurse(await replica.installCanister({ wasm: freshCopy(wasm) }), passes)).toBe(passes);
        expect(await recurse(await replica.installCanister({ wasm: freshCopy(wasm) }), fails)).toMatch(/heap out of bounds/);
        expect(passes).toBe(3_439); // wasmtime with the IC's stack: the same (measured, README.md "Stack depth")
    });
});
