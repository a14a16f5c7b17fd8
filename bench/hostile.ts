/**
 * Worst-case IC instructions of the four endpoints under hostile arguments, against the cheapest well-formed call
 * of the same byte size, on the real test canister wasm in the embedded replica (IC metering).
 *
 * For each endpoint and argument size (the well-formed minimum, 1 KiB, 64 KiB, 1 MiB, 2 MiB − 1 KiB: the ingress
 * limit is 2 MiB), every family of hostile argument below is grown (exponential then binary search on its size
 * parameter) to the largest instance the CDK still accepts, and that instance and the next one (refused) are
 * measured; arguments are padded to the size with an extra `blob` argument. The reference is the cheapest
 * well-formed call of that size: `ws_open` from the anonymous principal (`Err`), `ws_close` from an unknown
 * gateway (`Err`), `ws_message` from a principal that is not connected (`Err`; its content fills the size),
 * `ws_get_messages` from an unknown gateway (empty reply); above the minimum, the well-formed argument carries an
 * extra `blob` argument (valid Candid, skipped by every Candid decoder).
 *
 * Run: node --import tsx bench/hostile.ts [--quick]   (--quick: minimum and 64 KiB only)
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { buildCanister, Replica, RejectError } from '../replica/index.ts';
import {
    CanisterWsCloseArgumentsIdl,
    CanisterWsGetMessagesArgumentsIdl,
    CanisterWsMessageArgumentsIdl,
    CanisterWsOpenArgumentsIdl
} from '../src/types.ts';
import { appendArgs, BOOL, leb128, NAT, NULL, optOf, padToSize, PRINCIPAL, recordOf, RESERVED, TEXT, variantOf, vecOf } from '../test/support/raw-candid.ts';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [0, 64 * 1024] : [0, 1024, 64 * 1024, 1024 * 1024, 2 * 1024 * 1024 - 1024];

const replica = await Replica.create({ seed: 'bench-hostile' });
const wasm = await buildCanister('test_canister');
const canister = await replica.installCanister({ wasm, arg: new Uint8Array(IDL.encode([IDL.Nat64, IDL.Nat64], [50n, 300_000n])) });
const stranger = Principal.fromUint8Array(new Uint8Array(29).fill(9));
const gateway = Principal.fromUint8Array(new Uint8Array(29).fill(7));

type Endpoint = { name: string; sender: Principal; query: boolean; base: () => Uint8Array; sized: (size: number) => Uint8Array };
const plain = (types: IDL.Type[], values: unknown[]) => new Uint8Array(IDL.encode(types, values));

const padded = padToSize;

function wsMessageArg(sender: Principal, contentLength: number): Uint8Array {
    const msg = { client_key: { client_principal: sender, client_nonce: 1n }, sequence_num: 1n, timestamp: 0n, is_service_message: false, content: new Uint8Array(contentLength) };
    return plain([CanisterWsMessageArgumentsIdl, IDL.Opt(IDL.Null)], [{ msg }, []]);
}

const ENDPOINTS: Endpoint[] = [
    {
        name: 'ws_open',
        sender: Principal.anonymous(),
        query: false,
        base: () => plain([CanisterWsOpenArgumentsIdl], [{ client_nonce: 1n, gateway_principal: gateway }]),
        sized: (size) => padded(plain([CanisterWsOpenArgumentsIdl], [{ client_nonce: 1n, gateway_principal: gateway }]), size)
    },
    {
        name: 'ws_close',
        sender: stranger,
        query: false,
        base: () => plain([CanisterWsCloseArgumentsIdl], [{ client_key: { client_principal: stranger, client_nonce: 1n } }]),
        sized: (size) => padded(plain([CanisterWsCloseArgumentsIdl], [{ client_key: { client_principal: stranger, client_nonce: 1n } }]), size)
    },
    {
        name: 'ws_message',
        sender: stranger,
        query: false,
        base: () => wsMessageArg(stranger, 10),
        sized: (size) => wsMessageArg(stranger, Math.max(10, size - wsMessageArg(stranger, 0).length - 3))
    },
    {
        name: 'ws_get_messages',
        sender: stranger,
        query: true,
        base: () => plain([CanisterWsGetMessagesArgumentsIdl], [{ nonce: 0n }]),
        sized: (size) => padded(plain([CanisterWsGetMessagesArgumentsIdl], [{ nonce: 0n }]), size)
    }
];

type Extra = { entries?: number[][]; args: number[]; values: number[] };
/** Hostile extras by size parameter `k`; `first` is the index their first type-table entry gets. */
const FAMILIES: Record<string, (first: number, k: number) => Extra> = {
    'vec null': (first, k) => ({ entries: [vecOf(NULL)], args: [first], values: leb128(k) }),
    'vec reserved': (first, k) => ({ entries: [vecOf(RESERVED)], args: [first], values: leb128(k) }),
    'vec record {}': (first, k) => ({ entries: [vecOf(first + 1), recordOf([])], args: [first], values: leb128(k) }),
    'vec bool': (first, k) => ({ entries: [vecOf(BOOL)], args: [first], values: [...leb128(k), ...new Array(k).fill(1)] }),
    'vec text (empty strings)': (first, k) => ({ entries: [vecOf(TEXT)], args: [first], values: [...leb128(k), ...new Array(k).fill(0)] }),
    'vec opt null': (first, k) => ({ entries: [vecOf(first + 1), optOf(NULL)], args: [first], values: [...leb128(k), ...new Array(k).fill(0)] }),
    'vec principal (29 B)': (first, k) => ({ entries: [vecOf(PRINCIPAL)], args: [first], values: [...leb128(k), ...Array.from({ length: k }, () => [1, 29, ...new Array(29).fill(3)]).flat()] }),
    'nat of k LEB128 bytes': (_first, k) => ({ args: [NAT], values: [...new Array(Math.max(0, k - 1)).fill(0x80), 0] }),
    'k unused empty-record entries': (_first, k) => ({ entries: Array.from({ length: k }, () => recordOf([])), args: [], values: [] }),
    'unused record of k fields': (_first, k) => ({ entries: [recordOf(Array.from({ length: k }, (_, i) => [i, NULL] as [number, number]))], args: [], values: [] }),
    'record of k null fields': (first, k) => ({ entries: [recordOf(Array.from({ length: k }, (_, i) => [i, NULL] as [number, number]))], args: [first], values: [] }),
    'k null arguments': (_first, k) => ({ args: new Array(k).fill(NULL), values: [] }),
    'opt chain (type t = opt t), depth k': (first, k) => ({ entries: [optOf(first)], args: [first], values: [...new Array(k).fill(1), 0] }),
    'variant chain, depth k': (first, k) => ({ entries: [variantOf([[0, first], [1, NULL]])], args: [first], values: [...new Array(k).fill(0), 1] })
};

async function instructionsOf(endpoint: Endpoint, arg: Uint8Array): Promise<{ instructions: bigint; refused: boolean; outcome: string }> {
    try {
        const call = endpoint.query ? replica.query(canister, endpoint.name, arg, { sender: endpoint.sender }) : replica.update(canister, endpoint.name, arg, { sender: endpoint.sender });
        const { instructions } = await call;
        return { instructions, refused: false, outcome: 'replied' };
    } catch (error) {
        if (!(error instanceof RejectError) || error.instructions === undefined) throw error;
        const refused = /quota exceeded|nested too deeply/.test(error.message);
        return { instructions: error.instructions, refused, outcome: error.message.slice(0, 120) };
    }
}

/** The family's argument at parameter k, padded to `size` bytes (unpadded when `size` is undefined). */
function hostileArg(endpoint: Endpoint, family: (first: number, k: number) => Extra, k: number, size: number | undefined): Uint8Array {
    const arg = appendArgs(endpoint.base(), (first) => family(first, k));
    return size !== undefined && size > arg.length ? padded(arg, size) : arg;
}

const fmt = (n: bigint | number) => Number(n).toLocaleString('en-US');
const rows: string[] = [];
for (const endpoint of ENDPOINTS) {
    const references = new Map<number, bigint>();
    /** Instructions of the cheapest well-formed call whose argument has (about) `size` bytes. */
    const referenceFor = async (size: number): Promise<bigint> => {
        let cached = references.get(size);
        if (cached === undefined) {
            const arg = size <= endpoint.base().length ? endpoint.base() : endpoint.sized(size);
            cached = (await instructionsOf(endpoint, arg)).instructions;
            references.set(size, cached);
        }
        return cached;
    };
    // "natural": hostile arguments at their own size, each against the reference of that size (the strictest
    // class: small arguments have the cheapest references); the others are padded to a fixed size.
    for (const target of [undefined, ...SIZES.filter((size) => size > 0)]) {
        let worst = { ratio: 0, instructions: 0n, reference: 0n, family: '', k: 0, bytes: 0 };
        for (const [name, family] of Object.entries(FAMILIES)) {
            const accepted = async (k: number) => {
                const unpadded = hostileArg(endpoint, family, k, undefined);
                if (target !== undefined && unpadded.length > target - 16) return false;
                const arg = target === undefined ? unpadded : padded(unpadded, target);
                const result = await instructionsOf(endpoint, arg);
                const reference = await referenceFor(arg.length);
                const ratio = Number(result.instructions) / Number(reference);
                if (ratio > worst.ratio) worst = { ratio, instructions: result.instructions, reference, family: name, k, bytes: arg.length };
                return !result.refused;
            };
            // Largest accepted k (and k + 1, refused), by doubling then bisecting.
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
        const row = `| ${endpoint.name} | ${sizeLabel} | ${fmt(worst.reference)} | ${fmt(worst.instructions)} | ${worst.family}, k = ${fmt(worst.k)} (${fmt(worst.bytes)} B) | ${worst.ratio.toFixed(2)} |`;
        rows.push(row);
        console.error(row);
    }
}
console.log('| endpoint | argument bytes | well-formed call of that size (cheapest) | worst hostile | family | ratio |');
console.log('|---|---:|---:|---:|---|---:|');
for (const row of rows) console.log(row);
