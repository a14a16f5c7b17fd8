// The IC's per-message instruction limits, enforced in the replica on real Azle code: methods that never return
// trap with the IC's message (IC0522, reject code 5) at 5B instructions for queries and 40B for updates, and an
// update's state changes roll back. The bulk-fill loops reach the limits in about a second; the plain JS loop
// exercises the checks at wasm loop headers.
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCanister, RejectError, Replica } from '../../replica/index.ts';
import { instructionLimitMessage, INSTRUCTION_LIMITS } from '../../replica/metering/index.ts';

async function rejectionOf(call: Promise<unknown>): Promise<RejectError> {
    const error = await call.then(
        () => undefined,
        (e: unknown) => e
    );
    expect(error).toBeInstanceOf(RejectError);
    return error as RejectError;
}

function expectLimitExceeded(error: RejectError, canister: Principal, limit: bigint): void {
    expect(error.code).toBe(5);
    expect(error.errorCode).toBe('IC0522');
    expect(error.message).toContain(`Error from Canister ${canister.toText()}: ${instructionLimitMessage(limit)}`);
    // The rejected call reports what it used: the whole limit, plus the bulk charge that crossed it (benchmarks of
    // calls that trap rely on it).
    expect(error.instructions).toBeGreaterThanOrEqual(limit);
    expect(error.instructions).toBeLessThan(limit + limit / 100n);
}

describe('instruction limits', () => {
    let replica: Replica;
    let canister: Principal;
    const counter = async () => IDL.decode([IDL.Nat], (await replica.query(canister, 'getCounter')).reply)[0];

    beforeAll(async () => {
        replica = await Replica.create({ seed: 'limits' });
        canister = await replica.installCanister({ wasm: await buildCanister('replica_loop') });
    });

    it('stops an endless update at 40B instructions and rolls its changes back', async () => {
        const error = await rejectionOf(replica.update(canister, 'fillForever'));
        expectLimitExceeded(error, canister, INSTRUCTION_LIMITS.update);
        expect(await counter()).toBe(0n);
        const { reply } = await replica.update(canister, 'increment');
        expect(IDL.decode([IDL.Nat], reply)).toEqual([1n]);
    });

    it('stops an endless query at 5B instructions', async () => {
        const error = await rejectionOf(replica.query(canister, 'fillForeverQuery'));
        expectLimitExceeded(error, canister, INSTRUCTION_LIMITS.query);
    });

    it('stops a plain JS infinite loop in a query (checked at wasm loop headers)', async () => {
        const error = await rejectionOf(replica.query(canister, 'spinQuery'));
        expectLimitExceeded(error, canister, INSTRUCTION_LIMITS.query);
    });
});
