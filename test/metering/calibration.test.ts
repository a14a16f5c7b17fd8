// Calibration against the real IC: Azle 0.33.0 publishes 1,395,312 instructions for its hello_world `setMessage`
// (benchmarks.md at the 0.33.0 release), measured on a replica right after install with "Goodbye world!". Our
// replica runs the same wasm (built by azle from test/canisters/hello, the same class) with the rewriter and the
// System API charges; the first such call on a fresh canister must land within ±5%.
import { IDL } from '@dfinity/candid';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCanister, Replica } from '../../replica/index.ts';

const AZLE_PUBLISHED_SET_MESSAGE = 1_395_312;
const TOLERANCE = 0.05;

const text = (value: string) => new Uint8Array(IDL.encode([IDL.Text], [value]));

describe('calibration against Azle 0.33.0 hello_world', () => {
    let wasm: Uint8Array;
    beforeAll(async () => {
        wasm = await buildCanister('hello');
    });

    it('first setMessage on a fresh canister is within ±5% of 1,395,312 instructions', async () => {
        const replica = await Replica.create({ seed: 'calibration' });
        const canister = await replica.installCanister({ wasm });
        const { instructions } = await replica.update(canister, 'setMessage', text('Goodbye world!'));
        const ratio = Number(instructions) / AZLE_PUBLISHED_SET_MESSAGE;
        expect(ratio).toBeGreaterThan(1 - TOLERANCE);
        expect(ratio).toBeLessThan(1 + TOLERANCE);
    });

    it('counts repeat exactly on another fresh canister, and later calls cost less than the first', async () => {
        const replica = await Replica.create({ seed: 'calibration-repeat' });
        const first = await replica.installCanister({ wasm });
        const second = await replica.installCanister({ wasm });
        const a = await replica.update(first, 'setMessage', text('Goodbye world!'));
        const b = await replica.update(second, 'setMessage', text('Goodbye world!'));
        expect(b.instructions).toBe(a.instructions);
        // QuickJS warms up (allocator, shapes): the IC shows the same drop on later calls.
        const later = await replica.update(first, 'setMessage', text('Goodbye world!'));
        expect(later.instructions).toBeLessThan(a.instructions);
        expect(later.instructions).toBeGreaterThan(a.instructions / 2n);
    });
});
