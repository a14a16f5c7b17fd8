/**
 * Bounded Candid decoding of what callers send the CDK: the arguments of the four endpoints (when their type table is
 * not the one `candid_codec.ts` reads directly) and the content of client service messages. `IDL.decode`
 * materializes every value and rebuilds every type it is sent, so a 147-byte argument announcing an extra
 * `vec null` of 6,000,000 elements ran into the 40B-instruction limit; this decoder instead charges its work to a
 * quota and refuses an argument as soon as the quota is spent, like the Rust `candid` crate's decoding and
 * skipping quotas (`DecoderConfig`).
 *
 * Cost model, in units of work (one quota per decode, {@link CandidLimits}):
 * - header: 1 per type-table entry, per record or variant field and per argument type;
 * - values: 1 per value read or skipped, plus 1 per element of a vector (charged before the elements are read, so
 *   `vec null` with a huge length is refused at once); an opt, record or variant also pays for what it contains;
 * - byte runs are skipped in one step: `blob`, `text`, vectors of fixed-size numbers and principals cost 1 whatever
 *   their length; a `nat` or `int` costs 1 per LEB128 byte.
 * A unit costs ~5-15k instructions in QuickJS (a header entry the most). Nesting deeper than `maxDepth` is refused
 * (a recursive type like `type t = record { t }` has no finite value). The endpoints' quotas are constants, so a
 * hostile argument of any size costs at most ~1.7× the cheapest well-formed call of that size (bench/hostile.ts,
 * bench/RESULTS.md "Hostile arguments").
 *
 * Compatibility follows Candid's subtyping on the values actually read: extra arguments, extra record fields and
 * values of an ignored `opt` are skipped (within the quota); a missing trailing `opt` argument decodes as `[]`; a
 * field the CDK reads must have its exact type. Skipped text is not checked for UTF-8 (its value is discarded).
 * `func`, `service` and future types are refused: none of the WebSocket types use them.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { MAX_PRINCIPAL_BYTES } from './constants';
import { WsError } from './errors';

/** Why an argument was refused (the message says what was wrong and where). */
export class CandidDecodeError extends Error {}

/** A principal longer than {@link MAX_PRINCIPAL_BYTES}: the endpoints answer it with an `Err` instead of a reject. */
export class PrincipalTooLongError extends CandidDecodeError {
    constructor(
        readonly length: number,
        readonly field: string
    ) {
        super(WsError.principalTooLong(field, length));
    }
}

/** The Candid field hash of a record field or variant arm name. */
export function candidFieldHash(name: string): number {
    let hash = 0;
    for (let i = 0; i < name.length; i++) hash = (hash * 223 + name.charCodeAt(i)) % 0x1_0000_0000;
    return hash;
}

/** Byte width of the fixed-size number types, by opcode (index: -opcode); 0 for every other type. */
const FIXED_WIDTH = [0, 0, 0, 0, 0, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8];

/** Reads Candid primitives at a moving offset; throws {@link CandidDecodeError} on truncated or invalid input. */
export class CandidReader {
    offset: number;

    constructor(
        readonly bytes: Uint8Array,
        offset = 0
    ) {
        this.offset = offset;
    }

    byte(): number {
        if (this.offset >= this.bytes.length) throw new CandidDecodeError('unexpected end of input');
        return this.bytes[this.offset++];
    }

    /** An unsigned LEB128 of at most 10 bytes (u64) whose value is a safe integer (lengths, counts, indexes). */
    leb128(): number {
        let value = 0;
        let scale = 1;
        for (let i = 0; i < 10; i++) {
            const byte = this.byte();
            value += (byte & 0x7f) * scale;
            if (byte < 0x80) {
                if (value > Number.MAX_SAFE_INTEGER) throw new CandidDecodeError('LEB128 value too large');
                return value;
            }
            scale *= 128;
        }
        throw new CandidDecodeError('LEB128 longer than 10 bytes');
    }

    /** Moves past `length` bytes without copying them. */
    skip(length: number): void {
        if (length > this.bytes.length - this.offset) throw new CandidDecodeError('value runs past the end of input');
        this.offset += length;
    }

    take(length: number): Uint8Array {
        const start = this.offset;
        this.skip(length);
        return this.bytes.slice(start, this.offset);
    }

    /**
     * A `blob`, copied: a view into the argument would reach the application (`onMessage`'s `bytes`), and code
     * that reads `bytes.buffer` (as `IDL.decode` does) would see the whole argument.
     */
    blob(): Uint8Array {
        return this.take(this.leb128());
    }

    u64(): bigint {
        const start = this.offset;
        this.skip(8);
        return new DataView(this.bytes.buffer, this.bytes.byteOffset + start, 8).getBigUint64(0, true);
    }

    bool(): boolean {
        const byte = this.byte();
        if (byte > 1) throw new CandidDecodeError(`invalid bool ${byte}`);
        return byte === 1;
    }

    /** A principal value (`01 ‖ len ‖ bytes`); `field` names it in the error when it is longer than 29 bytes. */
    principal(field: string): Principal {
        if (this.byte() !== 1) throw new CandidDecodeError('opaque principal reference');
        const length = this.leb128();
        if (length > MAX_PRINCIPAL_BYTES) throw new PrincipalTooLongError(length, field);
        return Principal.fromUint8Array(this.take(length));
    }

    atEnd(): boolean {
        return this.offset === this.bytes.length;
    }
}

/** A field of an expected record or arm of an expected variant. */
export type ExpectedField = { name: string; hash: number; type: ExpectedType };

/**
 * The types the CDK reads from callers. `ignoredOpt` is an `opt` whose value the CDK never uses (`ws_message`'s
 * second argument): any wire type is accepted, its value skipped, and it decodes as `[]`.
 */
export type ExpectedType =
    | { kind: 'nat64' | 'bool' | 'null' | 'principal' | 'blob' | 'ignoredOpt' }
    | { kind: 'record' | 'variant'; fields: ExpectedField[] };

/** The expected type of `ws_message`'s second argument. */
export const IGNORED_OPT: ExpectedType = Object.freeze({ kind: 'ignoredOpt' });

/**
 * The {@link ExpectedType} of an `IDL` type made of records, variants, `nat64`, `bool`, `null`, `principal` and
 * `blob` (the WebSocket types); throws on anything else.
 *
 * @example
 * expectedTypeOf(IDL.Record({ nonce: IDL.Nat64 })); // { kind: 'record', fields: [{ name: 'nonce', hash: …, type: { kind: 'nat64' } }] }
 */
export function expectedTypeOf(type: IDL.Type): ExpectedType {
    if (type instanceof IDL.RecordClass || type instanceof IDL.VariantClass) {
        const fields = type._fields
            .map(([name, fieldType]) => ({ name, hash: candidFieldHash(name), type: expectedTypeOf(fieldType) }))
            .sort((a, b) => a.hash - b.hash);
        return { kind: type instanceof IDL.RecordClass ? 'record' : 'variant', fields };
    }
    if (type instanceof IDL.FixedNatClass && type._bits === 64) return { kind: 'nat64' };
    if (type instanceof IDL.BoolClass) return { kind: 'bool' };
    if (type instanceof IDL.NullClass) return { kind: 'null' };
    if (type instanceof IDL.PrincipalClass) return { kind: 'principal' };
    if (type instanceof IDL.VecClass && type._type instanceof IDL.FixedNatClass && type._type._bits === 8) return { kind: 'blob' };
    throw new Error(`expectedTypeOf: unsupported type ${type.display()}`);
}

/**
 * Limits of one decode: the quota is `baseUnits + unitsPerByte × input length` units (see the cost model above);
 * the type table may use at most `maxTypeTable` of them (entries, fields and argument types); values nest at most
 * `maxDepth` deep. For comparison, the Rust `candid` crate recommends a skipping quota of 10,000 (its own units)
 * for canister endpoints.
 */
export type CandidLimits = { baseUnits: number; unitsPerByte: number; maxTypeTable: number; maxDepth: number };

/**
 * Limits for small protocol values (the endpoints' arguments set their own base, `candid_codec.ts`; client service
 * messages use these): a constant quota, as such a value needs a few units at any size.
 */
export const PROTOCOL_CANDID_LIMITS: Readonly<CandidLimits> = Object.freeze({ baseUnits: 64, unitsPerByte: 0, maxTypeTable: Infinity, maxDepth: 32 });

/** The quota of a decode of `length` bytes under `limits`. */
export function candidQuota(length: number, limits: CandidLimits): number {
    return limits.baseUnits + Math.floor(length * limits.unitsPerByte);
}

/**
 * Decodes a whole Candid message (`DIDL` header, then one value per argument) as `expected`, within `limits`.
 * Throws {@link CandidDecodeError} (or its {@link PrincipalTooLongError}) when the bytes are not such a message.
 *
 * @example
 * const [args] = decodeCandidArgs(msgArgData(), [expectedTypeOf(CanisterWsOpenArgumentsIdl)]);
 */
export function decodeCandidArgs(bytes: Uint8Array, expected: readonly ExpectedType[], limits: CandidLimits = PROTOCOL_CANDID_LIMITS): unknown[] {
    return runDecode(bytes, limits, expected);
}

/**
 * Length of the `DIDL` header (magic, type table, argument types) of a Candid message; throws if it is not one.
 *
 * @example
 * const header = bytes.slice(0, candidHeaderLength(bytes)); // the type-table template of an IDL.encode output
 */
export function candidHeaderLength(bytes: Uint8Array): number {
    input = bytes;
    pos = 0;
    quota = Infinity;
    tableBudget = Infinity;
    try {
        readHeader();
        return pos;
    } finally {
        input = new Uint8Array(0);
    }
}

/**
 * Checks that `bytes` is a well-formed Candid message whose header and values fit `limits`, reading nothing
 * (every argument is skipped). Throws {@link CandidDecodeError} otherwise. Use it before handing untrusted bytes
 * to `IDL.decode`, whose cost is not bounded.
 */
export function checkCandidMessage(bytes: Uint8Array, limits: CandidLimits): void {
    runDecode(bytes, limits, []);
}

// Opcodes as module constants: in QuickJS a property read per comparison (`Op.opt`) costs more than the compare.
const NULL = -1;
const BOOL = -2;
const NAT = -3;
const INT = -4;
const NAT8 = -5;
const NAT64 = -8;
const FLOAT64 = -14;
const TEXT = -15;
const EMPTY = -17;
const OPT = -18;
const VEC = -19;
const RECORD = -20;
const VARIANT = -21;
const PRINCIPAL = -24;

/*
 * The state of the decode in progress, at module level: QuickJS reads a module variable several times faster than
 * an object property, and a loop iteration already costs ~1.3k instructions (a method-per-value decoder measured
 * ~9k per skipped value, these functions ~3k). Decoding never calls out, so one decode runs at a time.
 */
let input: Uint8Array = new Uint8Array(0);
let pos = 0;
let quota = 0;
let maxDepth = 0;
/** What the type table may still use of the quota (`CandidLimits.maxTypeTable`). */
let tableBudget = 0;
/**
 * The type table, in typed arrays sized by the quota (an entry or field costs a unit, so there are never more):
 * per entry its opcode, for opt and vec the element type, for record and variant its first field and field count.
 */
let ops = new Int32Array(0);
let inner = new Int32Array(0);
let fieldCounts = new Int32Array(0);
let fieldHashes = new Uint32Array(0);
let fieldTypes = new Int32Array(0);
let argTypes = new Int32Array(0);
let argCount = 0;

function runDecode(bytes: Uint8Array, limits: CandidLimits, expected: readonly ExpectedType[]): unknown[] {
    input = bytes;
    pos = 0;
    quota = candidQuota(bytes.length, limits);
    maxDepth = limits.maxDepth;
    tableBudget = limits.maxTypeTable;
    try {
        readHeader();
        const values: unknown[] = [];
        for (let i = 0; i < expected.length; i++) {
            if (i < argCount) values.push(read(argTypes[i], expected[i], 0, `argument ${i}`));
            else if (expected[i].kind === 'ignoredOpt') values.push([]);
            else throw new CandidDecodeError(`missing argument ${i}`);
        }
        for (let i = expected.length; i < argCount; i++) skipValue(argTypes[i], 0);
        if (pos !== input.length) throw new CandidDecodeError('trailing bytes after the last argument');
        return values;
    } finally {
        input = new Uint8Array(0); // let the argument be collected
    }
}

function fail(message: string): never {
    throw new CandidDecodeError(message);
}

function quotaExceeded(): never {
    throw new CandidDecodeError('decoding quota exceeded (argument too costly to decode)');
}

/** Charges `units` at once (counts read from the input, before looping over them). */
function charge(units: number): void {
    quota -= units;
    if (quota < 0) quotaExceeded();
}

/** Charges type-table units, also against the type table's own cap. */
function chargeTable(units: number): void {
    tableBudget -= units;
    if (tableBudget < 0) fail('type table too large');
    charge(units);
}

function nextByte(): number {
    if (pos >= input.length) fail('unexpected end of input');
    return input[pos++];
}

/** Unsigned LEB128 of at most 10 bytes whose value is a safe integer (lengths, counts, indexes, hashes). */
function leb128(): number {
    const first = input[pos];
    if (first < 0x80) {
        pos++; // one byte: the usual case (`undefined < 0x80` is false, so the end of input takes the slow path)
        return first;
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
        if (pos >= input.length) fail('unexpected end of input');
        const byte = input[pos++];
        value += (byte & 0x7f) * scale;
        if (byte < 0x80) {
            if (value > Number.MAX_SAFE_INTEGER) fail('LEB128 value too large');
            return value;
        }
        scale *= 128;
    }
    return fail('LEB128 longer than 10 bytes');
}

/** Signed LEB128 of at most 10 bytes (type opcodes and references). */
function sleb128(): number {
    const first = input[pos];
    if (first < 0x80) {
        pos++;
        return first & 0x40 ? first - 0x80 : first;
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
        if (pos >= input.length) fail('unexpected end of input');
        const byte = input[pos++];
        value += (byte & 0x7f) * scale;
        scale *= 128;
        if (byte < 0x80) return byte & 0x40 ? value - scale : value;
    }
    return fail('LEB128 longer than 10 bytes');
}

function skipBytes(length: number): void {
    if (length > input.length - pos) fail('value runs past the end of input');
    pos += length;
}

/** Moves past a principal value (`01 ‖ len ‖ bytes`) and returns its length; longer than 29 bytes throws. */
function skipPrincipal(field: string): number {
    if (nextByte() !== 1) fail('opaque principal reference');
    const length = leb128();
    if (length > MAX_PRINCIPAL_BYTES) throw new PrincipalTooLongError(length, field);
    skipBytes(length);
    return length;
}

function readPrincipalValue(field: string): Principal {
    const length = skipPrincipal(field);
    return Principal.fromUint8Array(input.slice(pos - length, pos));
}

function readHeader(): void {
    if (nextByte() !== 0x44 || nextByte() !== 0x49 || nextByte() !== 0x44 || nextByte() !== 0x4c) fail('wrong magic number (not DIDL)');
    const types = leb128();
    chargeTable(types);
    ops = new Int32Array(types);
    inner = new Int32Array(types);
    fieldCounts = new Int32Array(types);
    const maxFields = Math.min(quota, input.length); // each field costs a unit and takes at least 2 bytes
    fieldHashes = new Uint32Array(maxFields);
    fieldTypes = new Int32Array(maxFields);
    let fields = 0;
    for (let i = 0; i < types; i++) {
        const op = sleb128();
        ops[i] = op;
        if (op === OPT || op === VEC) inner[i] = typeRef(types);
        else if (op === RECORD || op === VARIANT) {
            const count = leb128();
            tableBudget -= count; // chargeTable(count), inlined: this loop runs once per entry
            quota -= count;
            if (tableBudget < 0) fail('type table too large');
            if (quota < 0) quotaExceeded();
            inner[i] = fields;
            fieldCounts[i] = count;
            let previous = -1;
            for (let f = 0; f < count; f++) {
                const hash = leb128();
                if (hash > 0xffff_ffff || hash <= previous) fail('field hashes out of order or too large');
                previous = hash;
                fieldHashes[fields] = hash;
                fieldTypes[fields++] = typeRef(types);
            }
        } else fail(`unsupported type opcode ${op} in the type table`);
    }
    argCount = leb128();
    chargeTable(argCount);
    argTypes = new Int32Array(argCount);
    for (let i = 0; i < argCount; i++) argTypes[i] = typeRef(types);
}

/** A type reference: a primitive opcode or an index into the table of `types` entries. */
function typeRef(types: number): number {
    const ref = sleb128();
    if (ref >= 0 ? ref >= types : ref < PRINCIPAL || (ref <= OPT && ref > PRINCIPAL)) fail(`invalid type reference ${ref}`);
    return ref;
}

function mismatch(type: number, expected: ExpectedType, field: string): never {
    const wire = type >= 0 ? `type-table entry ${type} (opcode ${ops[type]})` : `opcode ${type}`;
    return fail(`${field}: expected ${expected.kind}, got ${wire}`);
}

/** Reads one value of wire type `type` as `expected`. */
function read(type: number, expected: ExpectedType, depth: number, field: string): unknown {
    if (--quota < 0) quotaExceeded();
    if (depth > maxDepth) fail('values nested too deeply');
    switch (expected.kind) {
        case 'nat64':
            if (type !== NAT64) mismatch(type, expected, field);
            skipBytes(8);
            return new DataView(input.buffer, input.byteOffset + pos - 8, 8).getBigUint64(0, true);
        case 'bool': {
            if (type !== BOOL) mismatch(type, expected, field);
            const byte = nextByte();
            if (byte > 1) fail(`${field}: invalid bool ${byte}`);
            return byte === 1;
        }
        case 'null':
            if (type !== NULL) mismatch(type, expected, field);
            return null;
        case 'principal':
            if (type !== PRINCIPAL) mismatch(type, expected, field);
            return readPrincipalValue(field);
        case 'blob': {
            if (type < 0 || ops[type] !== VEC || inner[type] !== NAT8) mismatch(type, expected, field);
            const length = leb128();
            skipBytes(length);
            return input.slice(pos - length, pos); // a copy, not a view (see CandidReader.blob)
        }
        case 'ignoredOpt':
            skipValue(type, depth);
            return [];
        case 'record':
            if (type < 0 || ops[type] !== RECORD) mismatch(type, expected, field);
            return readRecord(type, expected.fields, depth, field);
        case 'variant': {
            if (type < 0 || ops[type] !== VARIANT) mismatch(type, expected, field);
            const index = leb128();
            if (index >= fieldCounts[type]) fail(`${field}: variant index ${index} out of range`);
            const at = inner[type] + index;
            const arm = expected.fields.find((candidate) => candidate.hash === fieldHashes[at]);
            if (arm === undefined) return fail(`${field}: unknown variant arm ${fieldHashes[at]}`);
            return { [arm.name]: read(fieldTypes[at], arm.type, depth + 1, arm.name) };
        }
    }
}

/** Reads the expected fields of a record (both field lists are sorted by hash) and skips the others. */
function readRecord(type: number, fields: ExpectedField[], depth: number, field: string): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    const end = inner[type] + fieldCounts[type];
    let next = 0;
    for (let at = inner[type]; at < end; at++) {
        const hash = fieldHashes[at];
        while (next < fields.length && fields[next].hash < hash) missingField(fields[next++], value, field);
        if (next < fields.length && fields[next].hash === hash) {
            const expected = fields[next++];
            value[expected.name] = read(fieldTypes[at], expected.type, depth + 1, expected.name);
        } else {
            skipValue(fieldTypes[at], depth + 1);
        }
    }
    while (next < fields.length) missingField(fields[next++], value, field);
    return value;
}

function missingField(expected: ExpectedField, value: Record<string, unknown>, field: string): void {
    if (expected.type.kind !== 'ignoredOpt') fail(`${field}: missing field ${expected.name}`);
    value[expected.name] = [];
}

/** Moves past one value of wire type `type`, checking its structure; 1 unit (and 1 per vector element). */
function skipValue(type: number, depth: number): void {
    if (--quota < 0) quotaExceeded();
    if (depth > maxDepth) fail('values nested too deeply');
    if (type < 0) {
        if (type <= NAT8 && type >= FLOAT64) skipBytes(FIXED_WIDTH[-type]);
        else if (type === BOOL) {
            if (nextByte() > 1) fail('invalid bool');
        } else if (type === NAT || type === INT) skipLeb128();
        else if (type === TEXT) skipBytes(leb128());
        else if (type === PRINCIPAL) skipPrincipal('a skipped value');
        else if (type === EMPTY) fail('a value of type empty');
        // null and reserved: no bytes
        return;
    }
    const op = ops[type];
    if (op === VEC) {
        const length = leb128();
        const element = inner[type];
        const width = element < 0 ? FIXED_WIDTH[-element] : 0;
        if (width > 0) skipBytes(length * width);
        else {
            charge(length);
            for (let i = 0; i < length; i++) skipValue(element, depth + 1);
        }
    } else if (op === RECORD) {
        const end = inner[type] + fieldCounts[type];
        for (let at = inner[type]; at < end; at++) skipValue(fieldTypes[at], depth + 1);
    } else if (op === OPT) {
        const tag = nextByte();
        if (tag === 1) skipValue(inner[type], depth + 1);
        else if (tag !== 0) fail(`invalid opt tag ${tag}`);
    } else {
        const index = leb128();
        if (index >= fieldCounts[type]) fail(`variant index ${index} out of range`);
        skipValue(fieldTypes[inner[type] + index], depth + 1);
    }
}

/** Moves past a `nat` or `int` (any length), 1 unit per byte. */
function skipLeb128(): void {
    for (;;) {
        if (pos >= input.length) fail('unexpected end of input');
        if (--quota < 0) quotaExceeded();
        if (input[pos++] < 0x80) return;
    }
}
