/**
 * Shared helpers of the replica suites: the replica_core test canister (built once, cached) and Candid shorthands.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { buildCanister, Replica, RejectError } from '../../replica/index.ts';

/** Candid bytes of `values` typed `types`. */
export const encode = (types: IDL.Type[], values: unknown[]): Uint8Array => new Uint8Array(IDL.encode(types, values));

/** The replica_core wasm (built by the globalSetup; cached by source hash). */
export const coreWasm = (): Promise<Uint8Array> => buildCanister('replica_core');

/** A replica with one replica_core canister installed (init greeting `greeting`). */
export async function replicaWithCore(greeting = 'hello'): Promise<{ replica: Replica; id: Principal; wasm: Uint8Array }> {
    const replica = await Replica.create({ seed: 'replica tests' });
    const wasm = await coreWasm();
    const id = await replica.installCanister({ wasm, arg: encode([IDL.Text], [greeting]) });
    return { replica, id, wasm };
}

/** Calls an update with Candid arguments and decodes the single result. */
export async function callUpdate<T>(replica: Replica, id: Principal, method: string, types: IDL.Type[], values: unknown[], result?: IDL.Type): Promise<T> {
    const { reply } = await replica.update(id, method, encode(types, values));
    return (result ? IDL.decode([result], reply)[0] : undefined) as T;
}

/** Calls a query with Candid arguments and decodes the single result. */
export async function callQuery<T>(replica: Replica, id: Principal, method: string, types: IDL.Type[], values: unknown[], result: IDL.Type): Promise<T> {
    const { reply } = await replica.query(id, method, encode(types, values));
    return IDL.decode([result], reply)[0] as T;
}

/** The RejectError a promise fails with (fails the test if it resolves or fails otherwise). */
export async function rejectOf(promise: Promise<unknown>): Promise<RejectError> {
    try {
        await promise;
    } catch (error) {
        if (error instanceof RejectError) return error;
        throw error;
    }
    throw new Error('expected a RejectError, but the call succeeded');
}
