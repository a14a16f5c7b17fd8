/**
 * Hostile arguments for the four WebSocket endpoints, shared by the regression tests (test/cdk-canister), the fuzz
 * suite (test/fuzz) and the benchmark (bench/hostile.ts): the well-formed arguments they start from, the cheapest
 * well-formed call of a given byte size (the reference a hostile call's cost is compared with), families of
 * arguments whose decoding cost grows with a parameter `k`, and a seeded mutator. Built with `raw-candid.ts` from
 * the Candid spec and the protocol's types (`test-canister-interface.ts`), not from the CDK.
 *
 * @example
 * ```ts
 * const { arg, sender, query } = cheapestWellFormedCall('ws_get_messages', 1024, STRANGER);
 * const hostile = appendArgs(wellFormedArg('ws_get_messages', {}), (first) => HOSTILE_FAMILIES['vec null'](first, 6_000_000));
 * ```
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import type { SeededRandom } from './prng.ts';
import { appendArgs, BOOL, candidMessage, EMPTY, leb128, NAT, NAT64, NAT8, NULL, optOf, padToSize, PRINCIPAL, recordOf, RESERVED, sleb128, splitCandid, TEXT, variantOf, vecOf } from './raw-candid.ts';
import { wsTypes, type ClientKey } from './test-canister-interface.ts';

export type EndpointName = 'ws_open' | 'ws_close' | 'ws_message' | 'ws_get_messages';
export const ENDPOINT_NAMES: readonly EndpointName[] = ['ws_open', 'ws_close', 'ws_message', 'ws_get_messages'];

/** What a well-formed argument says (defaults: nonce 1, sequence number 1, 10 bytes of content). */
export type ArgFields = { clientKey?: ClientKey; gateway?: Principal; nonce?: bigint; sequenceNum?: bigint; content?: Uint8Array; isServiceMessage?: boolean };

const SOME_PRINCIPAL = Principal.fromUint8Array(new Uint8Array(29).fill(7));

/** The argument of `endpoint` as a client library encodes it (`ws_message`: second argument `opt null`, none). */
export function wellFormedArg(endpoint: EndpointName, fields: ArgFields = {}): Uint8Array {
    const clientKey = fields.clientKey ?? { client_principal: SOME_PRINCIPAL, client_nonce: fields.nonce ?? 1n };
    switch (endpoint) {
        case 'ws_open':
            return new Uint8Array(IDL.encode([wsTypes.WsOpenArguments], [{ client_nonce: fields.nonce ?? 1n, gateway_principal: fields.gateway ?? SOME_PRINCIPAL }]));
        case 'ws_close':
            return new Uint8Array(IDL.encode([wsTypes.WsCloseArguments], [{ client_key: clientKey }]));
        case 'ws_message': {
            const msg = { client_key: clientKey, sequence_num: fields.sequenceNum ?? 1n, timestamp: 0n, is_service_message: fields.isServiceMessage ?? false, content: fields.content ?? new Uint8Array(10) };
            return new Uint8Array(IDL.encode([wsTypes.WsMessageArguments, IDL.Opt(IDL.Null)], [{ msg }, []]));
        }
        case 'ws_get_messages':
            return new Uint8Array(IDL.encode([wsTypes.WsGetMessagesArguments], [{ nonce: fields.nonce ?? 0n }]));
    }
}

/** A call: who makes it, with which argument, as a query or an update. */
export type Call = { endpoint: EndpointName; sender: Principal; arg: Uint8Array; query: boolean };

/**
 * The cheapest well-formed call of `endpoint` whose argument has `size` bytes (or its smallest argument, if
 * larger), made by `stranger` (a principal that is neither connected nor a gateway): `ws_open` from the anonymous
 * principal (an `Err`), `ws_close` and `ws_message` from the stranger (an `Err`), `ws_get_messages` from the
 * stranger (the empty reply). `ws_message`'s content fills the size; the others carry an extra `blob` argument.
 */
export function cheapestWellFormedCall(endpoint: EndpointName, size: number, stranger: Principal): Call {
    const sender = endpoint === 'ws_open' ? Principal.anonymous() : stranger;
    const query = endpoint === 'ws_get_messages';
    if (endpoint === 'ws_message') {
        const key = { client_principal: stranger, client_nonce: 1n };
        const overhead = wellFormedArg(endpoint, { clientKey: key, content: new Uint8Array(0) }).length;
        let length = Math.max(0, size - overhead);
        while (length > 0 && wellFormedArg(endpoint, { clientKey: key, content: new Uint8Array(length) }).length > size) length--;
        return { endpoint, sender, query, arg: wellFormedArg(endpoint, { clientKey: key, content: new Uint8Array(length) }) };
    }
    const base = wellFormedArg(endpoint, { clientKey: { client_principal: stranger, client_nonce: 1n } });
    return { endpoint, sender, query, arg: size <= base.length ? base : padToSize(base, size) };
}

/** Extra arguments to append (entries get indexes from `first`). */
export type Extra = { entries?: number[][]; args: number[]; values: number[] };

/** Families of extra arguments whose decoding work grows with `k` (the benchmark grows each to the quota). */
export const HOSTILE_FAMILIES: Record<string, (first: number, k: number) => Extra> = {
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
    'nested type table t_i = opt t_i+1, k entries': (first, k) => ({ entries: Array.from({ length: k }, (_, i) => optOf(i === k - 1 ? NULL : first + i + 1)), args: k > 0 ? [first] : [], values: k > 0 ? [0] : [] }),
    'opt chain (type t = opt t), depth k': (first, k) => ({ entries: [optOf(first)], args: [first], values: [...new Array(k).fill(1), 0] }),
    'variant chain, depth k': (first, k) => ({ entries: [variantOf([[0, first], [1, NULL]])], args: [first], values: [...new Array(k).fill(0), 1] })
};

/** Sizes for `k` spanning "harmless" to "millions". */
function hostileK(rng: SeededRandom): number {
    const scale = [1, 10, 100, 1_000, 100_000, 6_000_000][rng.intBetween(0, 5)];
    return rng.intBetween(0, scale);
}

/** A principal field's value of `length` bytes inside a well-formed argument (over 29 = refused with an `Err`). */
function withPrincipalOfLength(endpoint: EndpointName, rng: SeededRandom, length: number, fields: ArgFields): Uint8Array {
    const principal = Principal.fromUint8Array(rng.bytes(length));
    if (endpoint === 'ws_open') return wellFormedArg(endpoint, { ...fields, gateway: principal });
    if (endpoint === 'ws_get_messages') return appendArgs(wellFormedArg(endpoint, fields), () => ({ args: [PRINCIPAL], values: [1, ...leb128(length), ...principal.toUint8Array()] }));
    return wellFormedArg(endpoint, { ...fields, clientKey: { client_principal: principal, client_nonce: 1n } });
}

/** Random type-table entries over `count` entries (references stay in range) and random value bytes. */
function randomHeader(rng: SeededRandom): Uint8Array {
    const count = rng.intBetween(0, 6);
    const ref = () => (rng.intBetween(0, 2) === 0 && count > 0 ? rng.intBetween(0, count - 1) : [NULL, BOOL, NAT, NAT8, NAT64, TEXT, RESERVED, EMPTY, PRINCIPAL][rng.intBetween(0, 8)]);
    const entries = Array.from({ length: count }, () => {
        const kind = rng.intBetween(0, 3);
        if (kind === 0) return optOf(ref());
        if (kind === 1) return vecOf(ref());
        const fields = Array.from({ length: rng.intBetween(0, 4) }, (_, i) => [i * 1000 + rng.intBetween(0, 999), ref()] as [number, number]);
        return kind === 2 ? recordOf(fields) : variantOf(fields);
    });
    return candidMessage(entries, Array.from({ length: rng.intBetween(0, 3) }, ref), rng.bytes(rng.intBetween(0, 40)));
}

/**
 * A seeded hostile (or occasionally still valid) argument for `endpoint`, starting from `wellFormedArg(endpoint,
 * fields)`: random bytes, flipped bytes, truncations, trailing bytes, appended hostile families, over-long
 * principals, other type tables, mistyped fields, overlong LEB128s.
 */
export function fuzzArgument(endpoint: EndpointName, rng: SeededRandom, fields: ArgFields = {}): { description: string; arg: Uint8Array } {
    const good = wellFormedArg(endpoint, fields);
    const strategy = rng.intBetween(0, 9);
    switch (strategy) {
        case 0:
            return { description: 'random bytes', arg: rng.bytes(rng.intBetween(0, 200)) };
        case 1: {
            const arg = good.slice();
            const flips = rng.intBetween(1, 5);
            for (let i = 0; i < flips; i++) arg[rng.intBetween(0, arg.length - 1)] = rng.intBetween(0, 255);
            return { description: `${flips} random bytes replaced`, arg };
        }
        case 2: {
            const at = rng.intBetween(0, good.length - 1);
            return { description: `truncated at ${at}`, arg: good.slice(0, at) };
        }
        case 3:
            return { description: 'trailing bytes', arg: new Uint8Array([...good, ...rng.bytes(rng.intBetween(1, 20))]) };
        case 4: {
            const names = Object.keys(HOSTILE_FAMILIES);
            const name = names[rng.intBetween(0, names.length - 1)];
            const k = name.includes('entries') || name.includes('fields') || name.includes('arguments') || name.includes('text') || name.includes('bool') || name.includes('principal') || name.includes('opt null') || name.includes('LEB128') || name.includes('depth')
                ? rng.intBetween(0, [10, 200, 5_000][rng.intBetween(0, 2)])
                : hostileK(rng);
            return { description: `extra ${name}, k = ${k}`, arg: appendArgs(good, (first) => HOSTILE_FAMILIES[name](first, k)) };
        }
        case 5: {
            const length = [30, 31, 64, 255, 256, 257, 285][rng.intBetween(0, 6)];
            return { description: `principal of ${length} bytes`, arg: withPrincipalOfLength(endpoint, rng, length, fields) };
        }
        case 6:
            return { description: 'random type table and values', arg: randomHeader(rng) };
        case 7: {
            // The same values under a mistyped field: nat32 for nat64, text for blob, opt for a record...
            const parts = splitCandid(good);
            const entry = rng.intBetween(0, Math.max(0, parts.entries.length - 1));
            const mistyped = parts.entries.map((e, i) => (i === entry ? (e[0] === 0x6c && e.length > 3 ? [...e.slice(0, -1), ...sleb128([NAT, TEXT, BOOL, NAT8][rng.intBetween(0, 3)])] : optOf(NULL)) : e));
            return { description: `entry ${entry} mistyped`, arg: candidMessage(mistyped, parts.args, parts.values) };
        }
        case 8: {
            // Overlong LEB128 for the type-table size: 11 to 20 continuation bytes.
            const parts = splitCandid(good);
            const bytes = [0x44, 0x49, 0x44, 0x4c, ...new Array(rng.intBetween(10, 19)).fill(0x80), 0, ...parts.entries.flat()];
            return { description: 'overlong LEB128', arg: new Uint8Array([...bytes, ...leb128(parts.args.length), ...parts.args.flatMap(sleb128), ...parts.values]) };
        }
        default: {
            // Valid Candid with random field values: may be accepted (an Ok changes state legitimately).
            const principal = rng.intBetween(0, 1) === 0 ? rng.principal() : Principal.fromUint8Array(rng.bytes(rng.intBetween(0, 29)));
            const values: ArgFields = { ...fields, nonce: rng.nextU64(), sequenceNum: BigInt(rng.intBetween(0, 3)), gateway: principal, content: rng.bytes(rng.intBetween(0, 100)), isServiceMessage: rng.intBetween(0, 3) === 0 };
            return { description: 'valid Candid, random values', arg: wellFormedArg(endpoint, values) };
        }
    }
}
