/**
 * Worst-case IC instructions of the four endpoints under hostile arguments, against the cheapest well-formed call
 * of the same byte size, on the real test canister wasm in the embedded replica (IC metering).
 *
 * Every family of hostile argument (`HOSTILE_FAMILIES` in test/support/hostile-args.ts: vectors of millions of
 * zero-size values, huge type tables, deep recursive values, long LEB128 numbers, ...) is appended to each
 * endpoint's well-formed argument and grown, by doubling then bisecting its size parameter `k`, to the largest
 * instance the CDK still accepts; that instance and the next (refused) one are measured. Classes: "as built" (each
 * argument against the reference of its own size: the strictest, as small references are the cheapest) and fixed
 * sizes up to the 2 MiB ingress limit (arguments padded with an extra `blob` argument). The reference is the
 * cheapest well-formed call of that size (`cheapestWellFormedCall`: `ws_open` from the anonymous principal,
 * `ws_close`/`ws_message` from a stranger, all answered with an `Err`; `ws_get_messages` from an unknown gateway).
 *
 * Run: node --import tsx bench/hostile.ts [--quick]   (--quick: "as built" and 64 KiB only)
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { buildCanister, Replica, RejectError } from '../replica/index.ts';
import { cheapestWellFormedCall, ENDPOINT_NAMES, HOSTILE_FAMILIES, wellFormedArg, type Call, type EndpointName } from '../test/support/hostile-args.ts';
import { appendArgs, padToSize } from '../test/support/raw-candid.ts';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [64 * 1024] : [1024, 64 * 1024, 1024 * 1024, 2 * 1024 * 1024 - 1024];

const replica = await Replica.create({ seed: 'bench-hostile' });
const wasm = await buildCanister('test_canister');
const canister = await replica.installCanister({ wasm, arg: new Uint8Array(IDL.encode([IDL.Nat64, IDL.Nat64], [50n, 300_000n])) });
const stranger = Principal.fromUint8Array(new Uint8Array(29).fill(9));

async function measure(call: Call): Promise<{ instructions: bigint; refused: boolean }> {
    try {
        const run = call.query ? replica.query(canister, call.endpoint, call.arg, { sender: call.sender }) : replica.update(canister, call.endpoint, call.arg, { sender: call.sender });
        return { instructions: (await run).instructions, refused: false };
    } catch (error) {
        if (!(error instanceof RejectError) || error.instructions === undefined) throw error;
        return { instructions: error.instructions, refused: /quota exceeded|nested too deeply|type table too large/.test(error.message) };
    }
}

const fmt = (n: bigint | number) => Number(n).toLocaleString('en-US');
const rows: string[] = [];
const smallest: string[] = [];
for (const endpoint of ENDPOINT_NAMES) {
    const references = new Map<number, bigint>();
    const referenceFor = async (size: number): Promise<bigint> => {
        let cached = references.get(size);
        if (cached === undefined) {
            cached = (await measure(cheapestWellFormedCall(endpoint, size, stranger))).instructions;
            references.set(size, cached);
        }
        return cached;
    };
    const reference = cheapestWellFormedCall(endpoint, 0, stranger);
    const base = wellFormedArg(endpoint as EndpointName, { clientKey: { client_principal: stranger, client_nonce: 1n } });
    /** The worst hostile argument of at most 1 KiB, against the smallest well-formed argument (the template). */
    let worstSmall = { instructions: 0n, family: '', bytes: 0 };
    for (const target of [undefined, ...SIZES]) {
        let worst = { ratio: 0, instructions: 0n, reference: 0n, family: '', k: 0, bytes: 0 };
        for (const [name, family] of Object.entries(HOSTILE_FAMILIES)) {
            const accepted = async (k: number) => {
                const unpadded = appendArgs(base, (first) => family(first, k));
                if (target !== undefined && unpadded.length > target - 16) return false;
                const arg = target === undefined ? unpadded : padToSize(unpadded, target);
                const result = await measure({ ...reference, arg });
                const wellFormed = await referenceFor(arg.length);
                const ratio = Number(result.instructions) / Number(wellFormed);
                if (ratio > worst.ratio) worst = { ratio, instructions: result.instructions, reference: wellFormed, family: name, k, bytes: arg.length };
                if (arg.length <= 1024 && result.instructions > worstSmall.instructions) worstSmall = { instructions: result.instructions, family: `${name}, k = ${fmt(k)}`, bytes: arg.length };
                return !result.refused;
            };
            let low = 0;
            let high = 1;
            while (high <= 1 << 20 && (await accepted(high))) {
                low = high;
                high *= 2;
            }
            while (high - low > 1) {
                const mid = Math.floor((low + high) / 2);
                if (await accepted(mid)) low = mid;
                else high = mid;
            }
        }
        const sizeLabel = target === undefined ? 'as built' : fmt(target);
        const row = `| ${endpoint} | ${sizeLabel} | ${fmt(worst.reference)} | ${fmt(worst.instructions)} | ${worst.family}, k = ${fmt(worst.k)} (${fmt(worst.bytes)} B) | ${worst.ratio.toFixed(2)} |`;
        rows.push(row);
        console.error(row);
    }
    const minimal = (await measure(reference)).instructions;
    smallest.push(`| ${endpoint} | ${fmt(reference.arg.length)} | ${fmt(minimal)} | ${fmt(worstSmall.instructions)} | ${worstSmall.family} (${fmt(worstSmall.bytes)} B) | ${(Number(worstSmall.instructions) / Number(minimal)).toFixed(2)} |`);
}
console.log('| endpoint | argument bytes | cheapest well-formed call of that size | worst hostile | family (largest accepted k, or the next) | ratio |');
console.log('|---|---:|---:|---:|---|---:|');
for (const row of rows) console.log(row);
console.log('\nAgainst the smallest well-formed argument (the shape client libraries send), hostile arguments up to 1 KiB:\n');
console.log('| endpoint | smallest argument (B) | its cheapest call | worst hostile ≤ 1 KiB | family | ratio |');
console.log('|---|---:|---:|---:|---|---:|');
for (const row of smallest) console.log(row);
