/**
 * What crosses between `Replica` and its engine thread. Values travel by structured clone, which keeps Uint8Array,
 * bigint, Map and plain objects but turns a `Principal` into a plain `{ _arr, _isPrincipal }` object and an error into
 * a plain Error: {@link revive} restores principals, {@link errorToWire} / {@link errorFromWire} errors (a
 * `RejectError` stays a `RejectError`, with its codes).
 */
import { Principal } from '@dfinity/principal';
import { RejectError, type ErrorCode, type RejectCode } from '../errors.ts';

/** An error as it crosses the thread boundary. */
export interface WireError {
    name: string;
    message: string;
    stack?: string;
    reject?: { code: number; errorCode?: string; refused: boolean; instructions?: bigint };
}

/**
 * Restores the principals inside a structured-cloned value (in place where possible); anything else is returned as
 * is. Principals from any copy of `@dfinity/principal` are recognised by their `_isPrincipal` mark.
 *
 * @example revive(structuredClone({ id: Principal.anonymous() })).id instanceof Principal // true
 */
export function revive<T>(value: T): T {
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
    if (isClonedPrincipal(value)) return Principal.fromUint8Array(value._arr) as T;
    if (value instanceof Principal) return value;
    if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
        return value;
    }
    if (value instanceof Map) {
        for (const [key, entry] of value) value.set(key, revive(entry));
        return value;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = revive(record[key]);
    return value;
}

function isClonedPrincipal(value: object): value is { _arr: Uint8Array; _isPrincipal: true } {
    const candidate = value as { _arr?: unknown; _isPrincipal?: unknown };
    return candidate._isPrincipal === true && candidate._arr instanceof Uint8Array && !(value instanceof Principal);
}

/** The wire form of anything thrown by the engine. */
export function errorToWire(error: unknown): WireError {
    if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
    const wire: WireError = { name: error.name, message: error.message, stack: error.stack };
    if (error instanceof RejectError) wire.reject = { code: error.code, errorCode: error.errorCode, refused: error.refused, instructions: error.instructions };
    return wire;
}

const ERROR_TYPES: Record<string, ErrorConstructor> = { TypeError, RangeError, SyntaxError, ReferenceError };

/** The error to throw on the calling side: same class (RejectError, TypeError, ...), message and codes. */
export function errorFromWire(wire: WireError): Error {
    let error: Error;
    if (wire.reject) {
        const { refused, instructions } = wire.reject;
        error = new RejectError(wire.reject.code as RejectCode, wire.message, wire.reject.errorCode as ErrorCode | undefined, { refused, instructions });
    } else {
        error = new (ERROR_TYPES[wire.name] ?? Error)(wire.message);
        if (!(wire.name in ERROR_TYPES) && wire.name !== 'Error') error.name = wire.name;
    }
    if (wire.stack) error.stack = wire.stack; // where it was thrown, on the engine's thread
    return error;
}
