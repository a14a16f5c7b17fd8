/**
 * Test support: compile WAT with wabt, instrument it with the real rewriter, and run exports while reading the
 * instruction counter the way the replica does (counter reset per call, limit set per call).
 */
import wabtInit from 'wabt';
import { instrumentWasm, instructionLimitMessage, METERING, systemApiCost } from '../../../replica/metering/index.ts';

const wabt = await wabtInit();

/** Compiles WAT text (all post-MVP features the rewriter supports enabled), optionally with a name section. */
export function compileWat(text: string, options: { names?: boolean } = {}): Uint8Array {
    const module = wabt.parseWat('test.wat', text, {
        bulk_memory: true,
        reference_types: true,
        tail_call: true,
        sat_float_to_int: true,
        sign_extension: true,
        multi_value: true,
        simd: true
    });
    try {
        module.resolveNames();
        module.validate();
        return new Uint8Array(module.toBinary({ write_debug_names: options.names ?? false }).buffer);
    } finally {
        module.destroy();
    }
}

/** The outcome of one metered call. */
export interface MeteredCall {
    value: unknown;
    /** Wasm instructions (the counter) plus system-API charges, as the IC reports them. */
    instructions: bigint;
    /** The trap message, when the call trapped. */
    trap?: string;
}

/**
 * A metered instance. System API imports named in `ic0` are wrapped to add {@link systemApiCost} per call.
 *
 * @example
 * const m = new MeteredInstance(compileWat('(module (func (export "f")))'));
 * m.call('f').instructions // 1n
 */
export class MeteredInstance {
    readonly instance: WebAssembly.Instance;
    private systemApiCharges = 0n;
    private limit = -1n;

    constructor(wasm: Uint8Array, ic0: Record<string, (...args: never[]) => unknown> = {}, extraImports: WebAssembly.Imports = {}) {
        const instrumented = instrumentWasm(wasm, { cacheDirectory: false });
        const charged: Record<string, (...args: never[]) => unknown> = {};
        for (const [name, implementation] of Object.entries(ic0)) {
            charged[name] = (...args: never[]) => {
                this.systemApiCharges += systemApiCost(name, args as (number | bigint)[]);
                return implementation(...args);
            };
        }
        this.instance = new WebAssembly.Instance(new WebAssembly.Module(instrumented.wasm as BufferSource), {
            ...extraImports,
            ic0: charged,
            [METERING.importModule]: {
                [METERING.outOfInstructions]: () => {
                    throw new Error(instructionLimitMessage(this.limit));
                },
                [METERING.stackOverflow]: () => {
                    throw new Error('stack overflow');
                }
            }
        });
    }

    private global(name: string): WebAssembly.Global {
        return this.instance.exports[name] as WebAssembly.Global;
    }

    /** Runs an export with the counter reset and the given limit (none by default). */
    call(name: string, args: unknown[] = [], limit = -1n): MeteredCall {
        this.global(METERING.counterGlobal).value = 0n;
        this.global(METERING.limitGlobal).value = limit;
        this.global(METERING.stackGlobal).value = 0;
        this.limit = limit;
        this.systemApiCharges = 0n;
        const run = () => (this.instance.exports[name] as (...a: unknown[]) => unknown)(...args);
        let value: unknown;
        let trap: string | undefined;
        try {
            value = run();
        } catch (error) {
            trap = (error as Error).message;
        }
        const counted = BigInt.asUintN(64, this.global(METERING.counterGlobal).value as bigint);
        return { value, trap, instructions: counted + this.systemApiCharges };
    }
}

/** Runs an export of the unmodified module, for comparing behaviour. */
export function runPlain(wasm: Uint8Array, name: string, args: unknown[] = [], imports: WebAssembly.Imports = {}): unknown {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm as BufferSource), imports);
    return (instance.exports[name] as (...a: unknown[]) => unknown)(...args);
}
