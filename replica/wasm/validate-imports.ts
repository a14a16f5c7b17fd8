/**
 * What the IC checks of a module's imports before it installs it, with its words: only `ic0` functions it provides,
 * with their exact signatures (pointers and sizes are i64 when the memory is 64-bit), no imported globals, and
 * memory or table only from `env`. Anything else is refused at install (IC0505) instead of failing to instantiate.
 */
import { readName, readU32, skipLeb128 } from '../metering/bytes.ts';
import { type FunctionType, readFunctionTypes } from '../metering/function-types.ts';
import { SectionId, splitSections } from '../metering/wasm-sections.ts';
import { SYSTEM_API_FUNCTIONS, wasmTypes } from '../system-api-catalog.ts';

/** A module the IC would refuse; the message is the IC's. */
export class InvalidImportError extends Error {}

const TYPE_NAMES: Record<number, string> = { 0x7f: 'I32', 0x7e: 'I64', 0x7d: 'F32', 0x7c: 'F64', 0x7b: 'V128', 0x70: 'FuncRef', 0x6f: 'ExternRef' };
const typeList = (types: ArrayLike<number>) => `[${Array.from(types, (t) => TYPE_NAMES[t] ?? `0x${t.toString(16)}`).join(', ')}]`;

/**
 * Checks the import section of `wasm` (uncompressed) against the System API; `memory64` says which width `I` has.
 *
 * @throws InvalidImportError with the IC's explanation.
 */
export function validateImports(wasm: Uint8Array, memory64: boolean): void {
    const sections = splitSections(wasm);
    const importSection = sections.find((s) => s.id === SectionId.import);
    if (!importSection) return;
    const typeSection = sections.find((s) => s.id === SectionId.type);
    const types = typeSection ? readFunctionTypes(typeSection.payload) : [];
    const payload = importSection.payload;
    let { value: count, next: pos } = readU32(payload, 0);
    for (let i = 0; i < count; i++) {
        const module = readName(payload, pos);
        const field = readName(payload, module.next);
        const kind = payload[field.next];
        pos = field.next + 1;
        if (kind === 0) {
            const typeIndex = readU32(payload, pos);
            pos = typeIndex.next;
            checkFunction(module.value, field.value, types[typeIndex.value], memory64);
        } else if (kind === 1 || kind === 2) {
            if (module.value !== 'env') {
                const what = kind === 1 ? 'tables' : 'memory';
                throw invalidImportSection(`Only ${what} imported from env.${kind === 1 ? 'table' : 'memory'} are allowed.`);
            }
            pos = skipLimits(payload, kind === 1 ? pos + 1 : pos);
        } else if (kind === 3) {
            throw invalidImportSection('Importing globals is not allowed.');
        } else {
            throw invalidImportSection('Importing tags is not allowed.');
        }
    }
}

function checkFunction(module: string, name: string, type: FunctionType | undefined, memory64: boolean): void {
    const expected = SYSTEM_API_FUNCTIONS[name];
    if (!expected) throw invalidImportSection(`Module imports function '${name}' from '${module}' that is not exported by the runtime.`);
    if (module !== 'ic0') {
        throw invalidImportSection(`Module imports function "${name}" from "${module}", expected to be imported from one of ["ic0"] instead.`);
    }
    if (!type) throw invalidImportSection(`Function import '${name}' has no function type.`);
    const params = wasmTypes(expected.params, memory64);
    const results = wasmTypes(expected.results, memory64);
    if (typeList(type.params) !== typeList(params)) {
        throw invalidSignature(`Expected input params ${typeList(params)} for '${name}', got ${typeList(type.params)}.`);
    }
    if (typeList(type.results) !== typeList(results)) {
        throw invalidSignature(`Expected return type ${typeList(results)} for '${name}', got ${typeList(type.results)}.`);
    }
}

function invalidImportSection(detail: string): InvalidImportError {
    return new InvalidImportError(`Wasm module has an invalid import section. ${detail}`);
}

function invalidSignature(detail: string): InvalidImportError {
    return new InvalidImportError(`Wasm module has an invalid function signature. ${detail}`);
}

function skipLimits(payload: Uint8Array, pos: number): number {
    const flags = payload[pos];
    pos = skipLeb128(payload, pos + 1);
    return flags & 1 ? skipLeb128(payload, pos) : pos;
}
