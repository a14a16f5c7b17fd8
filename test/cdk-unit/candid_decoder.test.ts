import { describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import {
    CandidDecodeError,
    candidQuota,
    checkCandidMessage,
    decodeCandidArgs,
    expectedTypeOf,
    IGNORED_OPT,
    PrincipalTooLongError,
    PROTOCOL_CANDID_LIMITS,
    type CandidLimits
} from '../../src/candid_decoder';
import { APP_MESSAGE_CANDID_LIMITS, decodeAppMessage, decodeWsMessageArgs, decodeWsOpenArgs, ENDPOINT_CANDID_LIMITS } from '../../src/candid_codec';
import { CanisterWsMessageArgumentsIdl, CanisterWsOpenArgumentsIdl, WebsocketServiceMessageContentIdl } from '../../src/types';
import { SeededRandom } from '../support/prng';
import { appendArgs, BOOL, candidMessage, EMPTY, leb128, NAT, NAT64, NAT8, NULL, optOf, PRINCIPAL, recordOf, RESERVED, sleb128, splitCandid, TEXT, variantOf, vecOf } from '../support/raw-candid';
import { CLIENT_1, GATEWAY_1 } from './helpers';

const OPEN = [expectedTypeOf(CanisterWsOpenArgumentsIdl)];
const MESSAGE = [expectedTypeOf(CanisterWsMessageArgumentsIdl), IGNORED_OPT];
const generous: CandidLimits = { baseUnits: 10_000, unitsPerByte: 0, maxTypeTable: Infinity, maxDepth: 64 };
const msg = { client_key: { client_principal: CLIENT_1, client_nonce: 7n }, sequence_num: 3n, timestamp: 9n, is_service_message: false, content: new Uint8Array([1, 2, 3]) };
const openBytes = (gateway: Principal) => new Uint8Array(IDL.encode([CanisterWsOpenArgumentsIdl], [{ client_nonce: 5n, gateway_principal: gateway }]));

/** Comparable form: principals as text, bytes as arrays. */
const view = (value: unknown): unknown => {
    if (value instanceof Uint8Array) return [...value];
    if (value instanceof Principal) return value.toText();
    if (Array.isArray(value)) return value.map(view);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, view(v)]));
    return value;
};

describe('bounded Candid decoder: what it accepts', () => {
    it('reads what IDL.decode reads, from IDL.encode and from hand-ordered type tables', () => {
        const bytes = openBytes(GATEWAY_1);
        expect(view(decodeCandidArgs(bytes, OPEN))).toEqual(view(IDL.decode([CanisterWsOpenArgumentsIdl], bytes)));
        // The same value with the record's type after an unrelated entry, and its fields in another table slot.
        const parts = splitCandid(bytes);
        const reordered = candidMessage([recordOf([]), ...parts.entries.map((entry) => [...entry])], parts.args.map((a) => (a >= 0 ? a + 1 : a)), parts.values);
        expect(view(decodeCandidArgs(reordered, OPEN))).toEqual(view([{ client_nonce: 5n, gateway_principal: GATEWAY_1 }]));
    });

    it('skips extra arguments, extra record fields and the value of an ignored opt, whatever their types', () => {
        const withExtras = appendArgs(IDL.encode([CanisterWsMessageArgumentsIdl, IDL.Opt(IDL.Record({ text: IDL.Text }))], [{ msg }, [{ text: 'a value' }]]), (first) => ({
            entries: [vecOf(TEXT), recordOf([[1, NAT], [2, PRINCIPAL]]), variantOf([[0, NULL], [5, first]])],
            args: [first, first + 1, first + 2, BOOL, RESERVED],
            values: [...leb128(2), 1, 0x61, 0, ...leb128(300), 1, 3, 1, 2, 3, ...leb128(1), ...leb128(1), 1, 0x62, 1]
        }));
        expect(view(decodeCandidArgs(withExtras, MESSAGE))).toEqual(view([{ msg }, []]));
        // A record with a field the CDK does not know, before and after the known ones.
        const widened = IDL.Record({ a_first: IDL.Text, nonce: IDL.Nat64, zzz: IDL.Vec(IDL.Nat16) });
        const bytes = new Uint8Array(IDL.encode([widened], [{ a_first: 'x', nonce: 4n, zzz: [1, 2] }]));
        expect(decodeCandidArgs(bytes, [expectedTypeOf(IDL.Record({ nonce: IDL.Nat64 }))])).toEqual([{ nonce: 4n }]);
    });

    it('decodes a missing trailing opt as [] (ws_message with its first argument only)', () => {
        const bytes = new Uint8Array(IDL.encode([CanisterWsMessageArgumentsIdl], [{ msg }]));
        expect(view(decodeCandidArgs(bytes, MESSAGE))).toEqual(view([{ msg }, []]));
        expect(view(decodeWsMessageArgs(bytes))).toEqual(view({ msg }));
    });

    it("fits a ws_message whose second argument describes an application type (Rust clients send its type table)", () => {
        // The chat example's message type: a 5-arm variant of records (17 entries and fields).
        const Post = IDL.Record({ nickname: IDL.Text, text: IDL.Text, timestamp: IDL.Nat64 });
        const Stamped = IDL.Record({ nickname: IDL.Text, timestamp: IDL.Nat64 });
        const Chat = IDL.Variant({ Join: IDL.Record({ nickname: IDL.Text }), Post: IDL.Record({ text: IDL.Text }), Posted: Post, Joined: Stamped, Left: Stamped });
        const bytes = new Uint8Array(IDL.encode([CanisterWsMessageArgumentsIdl, IDL.Opt(Chat)], [{ msg }, []]));
        expect(view(decodeCandidArgs(bytes, MESSAGE, ENDPOINT_CANDID_LIMITS.ws_message))).toEqual(view([{ msg }, []]));
        // Four times larger still fits; an application type of ~100 entries and fields does not (documented limit).
        const Big = IDL.Variant(Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`Chat${i}`, IDL.Variant({ Join: IDL.Record({ nickname: IDL.Text }), Post: IDL.Record({ text: IDL.Text, n: IDL.Nat8 }), Posted: IDL.Record({ a: IDL.Text, b: IDL.Nat16 }) })])));
        expect(() => decodeCandidArgs(new Uint8Array(IDL.encode([CanisterWsMessageArgumentsIdl, IDL.Opt(Big)], [{ msg }, []])), MESSAGE, ENDPOINT_CANDID_LIMITS.ws_message)).not.toThrow();
        const Huge = IDL.Record(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`field${i}`, IDL.Text])));
        expect(() => decodeCandidArgs(new Uint8Array(IDL.encode([CanisterWsMessageArgumentsIdl, IDL.Opt(Huge)], [{ msg }, []])), MESSAGE, ENDPOINT_CANDID_LIMITS.ws_message)).toThrow(/quota exceeded/);
    });

    it('decodes service messages as IDL.decode does', () => {
        const expected = [expectedTypeOf(WebsocketServiceMessageContentIdl)];
        for (const value of [
            { KeepAliveMessage: { last_incoming_sequence_num: 12n } },
            { CloseMessage: { reason: { WrongSequenceNumber: null } } },
            { OpenMessage: { client_key: { client_principal: CLIENT_1, client_nonce: 1n } } }
        ]) {
            const bytes = new Uint8Array(IDL.encode([WebsocketServiceMessageContentIdl], [value]));
            expect(view(decodeCandidArgs(bytes, expected))).toEqual(view([value]));
        }
    });

    it('agrees with IDL.decode on 300 seeded random extra arguments (values kept, extras skipped)', () => {
        const rng = new SeededRandom(0xcafen);
        const pool: [IDL.Type, () => unknown][] = [
            [IDL.Null, () => null],
            [IDL.Bool, () => rng.intBetween(0, 1) === 1],
            [IDL.Nat, () => rng.nextU64() * rng.nextU64()],
            [IDL.Int, () => -rng.nextU64()],
            [IDL.Nat16, () => rng.intBetween(0, 65535)],
            [IDL.Float64, () => rng.intBetween(0, 1000) / 7],
            [IDL.Text, () => 'é'.repeat(rng.intBetween(0, 20))],
            [IDL.Principal, () => rng.principal()],
            [IDL.Vec(IDL.Nat8), () => rng.bytes(rng.intBetween(0, 50))],
            [IDL.Vec(IDL.Opt(IDL.Text)), () => Array.from({ length: rng.intBetween(0, 5) }, () => (rng.intBetween(0, 1) ? ['x'] : []))],
            [IDL.Record({ a: IDL.Nat32, b: IDL.Vec(IDL.Bool) }), () => ({ a: rng.intBetween(0, 1000), b: [true, false] })],
            [IDL.Variant({ x: IDL.Null, y: IDL.Int8 }), () => (rng.intBetween(0, 1) ? { x: null } : { y: -3 })],
            [IDL.Tuple(IDL.Text, IDL.Reserved), () => ['t', null]]
        ];
        for (let i = 0; i < 300; i++) {
            const extras = Array.from({ length: rng.intBetween(0, 3) }, () => pool[rng.intBetween(0, pool.length - 1)]);
            const open = { client_nonce: rng.nextU64(), gateway_principal: rng.principal() };
            const bytes = new Uint8Array(IDL.encode([CanisterWsOpenArgumentsIdl, ...extras.map(([t]) => t)], [open, ...extras.map(([, value]) => value())]));
            expect(view(decodeCandidArgs(bytes, OPEN, generous)), `case ${i}`).toEqual(view(IDL.decode([CanisterWsOpenArgumentsIdl], bytes)));
        }
    });
});

describe('bounded Candid decoder: what it refuses, and how early', () => {
    const refuses = (bytes: Uint8Array, pattern: RegExp, expected = OPEN, limits?: CandidLimits) => {
        expect(() => decodeCandidArgs(bytes, expected, limits)).toThrow(CandidDecodeError);
        expect(() => decodeCandidArgs(bytes, expected, limits)).toThrow(pattern);
    };
    const base = () => openBytes(GATEWAY_1);

    it('refuses a vector of millions of zero-size values before looking at one (quota charged up front)', () => {
        for (const element of [NULL, RESERVED]) refuses(appendArgs(base(), (first) => ({ entries: [vecOf(element)], args: [first], values: leb128(6_000_000) })), /quota exceeded/);
        refuses(appendArgs(base(), (first) => ({ entries: [vecOf(first + 1), recordOf([])], args: [first], values: leb128(500_000) })), /quota exceeded/);
        // Within the quota, the same vector is accepted.
        const small = appendArgs(base(), (first) => ({ entries: [vecOf(NULL)], args: [first], values: leb128(10) }));
        expect(decodeCandidArgs(small, OPEN)).toHaveLength(1);
    });

    it('charges type tables, fields and argument types: a large table is refused', () => {
        const entries = Array.from({ length: 13_000 }, (_, i) => optOf(i === 12_999 ? NULL : i + 1));
        refuses(candidMessage(entries, [], []), /quota exceeded/, []);
        refuses(candidMessage([recordOf(Array.from({ length: 500 }, (_, i) => [i, NULL] as [number, number]))], [], []), /quota exceeded/, []);
        refuses(candidMessage([], new Array(500).fill(NULL), []), /quota exceeded/, []);
        // maxTypeTable caps the table on its own, below the quota.
        const capped: CandidLimits = { ...generous, maxTypeTable: 10 };
        refuses(candidMessage(Array.from({ length: 11 }, () => recordOf([])), [], []), /type table too large/, [], capped);
    });

    it('refuses values nested deeper than maxDepth, and recursive types without finite values', () => {
        const chain = (depth: number) => appendArgs(base(), (first) => ({ entries: [optOf(first)], args: [first], values: [...new Array(depth).fill(1), 0] }));
        expect(decodeCandidArgs(chain(30), OPEN, generous)).toHaveLength(1);
        refuses(chain(70), /nested too deeply/, OPEN, generous);
        refuses(appendArgs(base(), (first) => ({ entries: [recordOf([[0, first]])], args: [first], values: [] })), /nested too deeply|quota exceeded/, OPEN, generous);
    });

    it('refuses malformed bytes with a reason', () => {
        const good = base();
        refuses(new TextEncoder().encode('not Candid'), /magic/);
        refuses(good.slice(0, -1), /end of input|past the end/);
        refuses(new Uint8Array([...good, 0]), /trailing bytes/);
        refuses(candidMessage([[...sleb128(-22), 0, 0, 0]], [], []), /unsupported type opcode -22/, []); // func
        refuses(candidMessage([], [-30], []), /invalid type reference -30/, []);
        refuses(candidMessage([], [3], []), /invalid type reference 3/, []);
        refuses(candidMessage([recordOf([[5, NULL], [5, NULL]])], [], []), /out of order/, []);
        refuses(appendArgs(good, () => ({ args: [EMPTY], values: [] })), /type empty/);
        refuses(appendArgs(good, () => ({ args: [BOOL], values: [2] })), /invalid bool/);
        refuses(appendArgs(good, (first) => ({ entries: [optOf(NULL)], args: [first], values: [2] })), /invalid opt tag/);
        refuses(appendArgs(good, (first) => ({ entries: [variantOf([[0, NULL]])], args: [first], values: [1] })), /variant index 1 out of range/);
        refuses(appendArgs(good, () => ({ args: [NAT64], values: [1, 2, 3] })), /past the end/);
        refuses(new Uint8Array([0x44, 0x49, 0x44, 0x4c, ...new Array(11).fill(0x80), 0]), /LEB128 longer than 10 bytes/, []);
        refuses(new Uint8Array(IDL.encode([IDL.Text], ['x'])), /argument 0: expected record/);
        refuses(new Uint8Array(IDL.encode([IDL.Record({ client_nonce: IDL.Nat32, gateway_principal: IDL.Principal })], [{ client_nonce: 1, gateway_principal: GATEWAY_1 }])), /client_nonce: expected nat64/);
        refuses(new Uint8Array(IDL.encode([IDL.Record({ client_nonce: IDL.Nat64 })], [{ client_nonce: 1n }])), /missing field gateway_principal/);
    });

    it('refuses principals over 29 bytes anywhere, naming the field and the length; accepts 29 and 0 bytes', () => {
        for (const length of [30, 256, 285]) {
            const error = (() => {
                try {
                    decodeCandidArgs(openBytes(Principal.fromUint8Array(new Uint8Array(length).fill(1))), OPEN);
                } catch (e) {
                    return e;
                }
            })();
            expect(error).toBeInstanceOf(PrincipalTooLongError);
            expect((error as Error).message).toBe(`Invalid principal in gateway_principal (${length} bytes): Bytes is longer than 29 bytes.`);
        }
        expect(() => decodeWsOpenArgs(openBytes(Principal.fromUint8Array(new Uint8Array(30))))).toThrow(PrincipalTooLongError); // fast path too
        expect(() => decodeCandidArgs(appendArgs(base(), () => ({ args: [PRINCIPAL], values: [1, 40, ...new Uint8Array(40)] })), OPEN)).toThrow(PrincipalTooLongError);
        for (const length of [0, 29]) {
            const gateway = Principal.fromUint8Array(new Uint8Array(length).fill(2));
            expect((decodeCandidArgs(openBytes(gateway), OPEN)[0] as { gateway_principal: Principal }).gateway_principal.toText()).toBe(gateway.toText());
        }
    });

    it('sizes quotas as documented: constant for the endpoints, growing with the content for app messages', () => {
        expect(candidQuota(2 * 1024 * 1024, ENDPOINT_CANDID_LIMITS.ws_open)).toBe(candidQuota(30, ENDPOINT_CANDID_LIMITS.ws_open));
        expect(candidQuota(1000, PROTOCOL_CANDID_LIMITS)).toBe(PROTOCOL_CANDID_LIMITS.baseUnits);
        expect(candidQuota(1000, APP_MESSAGE_CANDID_LIMITS)).toBe(APP_MESSAGE_CANDID_LIMITS.baseUnits + 3000);
    });
});

describe('application messages: bounded before IDL.decode', () => {
    const AppMessage = IDL.Variant({ Post: IDL.Record({ text: IDL.Text }), History: IDL.Vec(IDL.Record({ id: IDL.Nat64, text: IDL.Text })) });

    it('decodes legitimate messages, including many-valued ones', () => {
        const history = { History: Array.from({ length: 2000 }, (_, i) => ({ id: BigInt(i), text: `m${i}` })) };
        expect(decodeAppMessage(AppMessage, new Uint8Array(IDL.encode([AppMessage], [history])))).toEqual(history);
        expect(decodeAppMessage(AppMessage, new Uint8Array(IDL.encode([AppMessage], [{ Post: { text: 'x'.repeat(100_000) } }])))).toEqual({ Post: { text: 'x'.repeat(100_000) } });
    });

    it('refuses content whose decoding cost is not bounded by its size', () => {
        const post = new Uint8Array(IDL.encode([AppMessage], [{ Post: { text: 'hi' } }]));
        const zeros = appendArgs(post, (first) => ({ entries: [vecOf(NULL)], args: [first], values: leb128(6_000_000) }));
        expect(() => decodeAppMessage(AppMessage, zeros)).toThrow(/quota exceeded/);
        const table = appendArgs(post, (first) => ({ entries: Array.from({ length: 2000 }, (_, i) => optOf(i === 1999 ? NULL : first + i + 1)), args: [first], values: [0] }));
        expect(() => checkCandidMessage(table, APP_MESSAGE_CANDID_LIMITS)).toThrow(/type table too large/);
        expect(() => decodeAppMessage(AppMessage, new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 1, NAT8 & 0x7f]))).toThrow();
    });
});
