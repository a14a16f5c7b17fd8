/**
 * Function signatures of a module: the type section's function types and which type each defined function has.
 * The stack-depth accounting needs them (parameter count for the frame estimate, result types for the block that
 * wraps a body).
 */
import { readU32, WasmFormatError } from './bytes.ts';

/** One function type: parameter and result value types (one byte each: 0x7f i32, 0x7e i64, 0x7b v128, ...). */
export interface FunctionType {
    params: Uint8Array;
    results: Uint8Array;
}

/**
 * Reads the type section payload. Only plain function types are supported (no GC recursion groups).
 *
 * @example readFunctionTypes(typePayload)[0] // { params: Uint8Array [0x7f], results: Uint8Array [0x7f] }
 */
export function readFunctionTypes(payload: Uint8Array): FunctionType[] {
    const types: FunctionType[] = [];
    let { value: count, next: pos } = readU32(payload, 0);
    for (let i = 0; i < count; i++) {
        if (payload[pos] !== 0x60) throw new WasmFormatError('only function types are supported in the type section', pos);
        pos++;
        const lists: Uint8Array[] = [];
        for (let list = 0; list < 2; list++) {
            const { value: length, next } = readU32(payload, pos);
            if (next + length > payload.length) throw new WasmFormatError('function type runs past the type section', pos);
            lists.push(payload.subarray(next, next + length)); // value types are single bytes without typed references
            pos = next + length;
        }
        types.push({ params: lists[0], results: lists[1] });
    }
    return types;
}

/** The type index of each defined function, from the function section payload. */
export function readFunctionTypeIndices(payload: Uint8Array): Uint32Array {
    let { value: count, next: pos } = readU32(payload, 0);
    const indices = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
        const read = readU32(payload, pos);
        indices[i] = read.value;
        pos = read.next;
    }
    return indices;
}
