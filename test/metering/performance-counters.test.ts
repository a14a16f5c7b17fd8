// performance_counter on real Azle code in the replica: type 0 counts the current message, type 1 the whole call
// context (across an await), and the replica reports the call context's total.
import { IDL } from '@dfinity/candid';
import { describe, expect, it } from 'vitest';
import { buildCanister, Replica } from '../../replica/index.ts';

describe('performance counters', () => {
    it('counts the current message with type 0 and the whole call context with type 1', async () => {
        const replica = await Replica.create({ seed: 'counters' });
        const canister = await replica.installCanister({ wasm: await buildCanister('replica_loop') });
        const result = await replica.update(canister, 'countersAcrossCall');
        const Counters = IDL.Record({ beforeCall: IDL.Nat64, afterCallMessage: IDL.Nat64, afterCallContext: IDL.Nat64 });
        const [counters] = IDL.decode([Counters], result.reply) as unknown as [
            { beforeCall: bigint; afterCallMessage: bigint; afterCallContext: bigint }
        ];
        expect(counters.beforeCall).toBeGreaterThan(10_000n);
        expect(counters.afterCallMessage).toBeGreaterThan(0n);
        // The reply callback is a new message: its own count restarts, while the context count continues from the
        // whole first message (which went on after `beforeCall` to make the call).
        expect(counters.afterCallContext).toBeGreaterThan(counters.beforeCall + counters.afterCallMessage);
        // The replica reports the call context's total, which includes everything the counters saw.
        expect(result.instructions).toBeGreaterThan(counters.afterCallContext);
    });
});
