// The rewritten module is valid, behaves like the original, renumbers functions everywhere they are named, enforces
// the limit where the IC checks it, and refuses bad input with a clear error.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
    IC_WASM_STACK_BYTES,
    instructionLimitMessage,
    instrumentWasm,
    METERING,
    rewriteForMetering,
    WasmFormatError
} from '../../replica/metering/index.ts';
import { buildCanister } from '../../replica/index.ts';
import { compileWat, MeteredInstance, runPlain } from './support/metered-module.ts';

// Imports, a start function, a passive and an active element segment, ref.func in a global and in code,
// call_indirect, return_call, bulk memory and a recursive function: everything that names a function index.
const KITCHEN_SINK = `(module
    (import "env" "log" (func $log (param i32)))
    (import "env" "base" (global $base i32))
    (type $unary (func (param i32) (result i32)))
    (memory 1)
    (table $t 4 funcref)
    (global $started (mut i32) (i32.const 0))
    (global $ref funcref (ref.func $double))
    (elem (table $t) (i32.const 0) func $double $fib)
    (elem $later func $square)
    (elem declare func $tail)
    (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
    (func $square (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
    (func $fib (param i32) (result i32)
        (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
            (then (local.get 0))
            (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                           (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
    (func $tail (param i32) (result i32) (return_call $double (local.get 0)))
    (func $start (global.set $started (i32.const 1)))
    (start $start)
    (func (export "run") (param $n i32) (result i32)
        (call $log (local.get $n))
        (table.init $t $later (i32.const 2) (i32.const 0) (i32.const 1))
        (table.set $t (i32.const 3) (ref.func $tail))
        (memory.fill (i32.const 0) (i32.const 7) (i32.const 64))
        (i32.add
            (i32.add (call_indirect $t (type $unary) (local.get $n) (i32.const 0))
                     (call_indirect $t (type $unary) (local.get $n) (i32.const 1)))
            (i32.add (call_indirect $t (type $unary) (local.get $n) (i32.const 2))
                     (i32.add (call_indirect $t (type $unary) (local.get $n) (i32.const 3))
                              (i32.add (i32.load8_u (i32.const 63))
                                       (i32.add (global.get $started) (global.get $base)))))))
    (func (export "spin") (loop $forever (br $forever)))
    (func (export "recurse") (call $recurse_forever))
    (func $recurse_forever (call $recurse_forever)))`;

function imports(logged: number[]): WebAssembly.Imports {
    return { env: { log: (n: number) => logged.push(n), base: 1000 } };
}

describe('metering rewriter', () => {
    const wasm = compileWat(KITCHEN_SINK, { names: true });

    it('produces a valid module that behaves like the original', () => {
        const plainLog: number[] = [];
        const meteredLog: number[] = [];
        const expected = runPlain(wasm, 'run', [10], imports(plainLog));
        // double 20 + fib 55 + square 100 + tail 20 + byte 7 + started 1 + base 1000
        expect(expected).toBe(1203);
        const metered = new MeteredInstance(wasm, {}, imports(meteredLog)).call('run', [10]);
        expect(metered).toMatchObject({ value: expected, trap: undefined });
        expect(meteredLog).toEqual(plainLog);
        expect(metered.instructions).toBeGreaterThan(0n);
    });

    it('adds the import, the exported globals, and keeps the function names', () => {
        const out = instrumentWasm(wasm, { cacheDirectory: false });
        expect(out.metered).toBe(true);
        expect(WebAssembly.validate(out.wasm as BufferSource)).toBe(true);
        const module = new WebAssembly.Module(out.wasm as BufferSource);
        expect(WebAssembly.Module.imports(module)).toContainEqual({
            module: METERING.importModule,
            name: METERING.outOfInstructions,
            kind: 'function'
        });
        const exports = WebAssembly.Module.exports(module);
        expect(exports).toContainEqual({ name: METERING.counterGlobal, kind: 'global' });
        expect(exports).toContainEqual({ name: METERING.limitGlobal, kind: 'global' });
        // The name section moved with the functions: a trap's stack names the right function.
        const instance = new MeteredInstance(compileWat('(module (func $boom (export "f") (unreachable)))', { names: true }));
        const error = (() => {
            try {
                (instance.instance.exports.f as () => void)();
            } catch (e) {
                return e as Error;
            }
        })();
        expect(error?.stack).toContain('boom');
    });

    it('stops an infinite loop at the limit, checked at the loop header', () => {
        const instance = new MeteredInstance(wasm, {}, imports([]));
        const result = instance.call('spin', [], 1_000_000n);
        expect(result.trap).toBe(instructionLimitMessage(1_000_000n));
        // The loop costs 2 per iteration (br) and the check runs at every header: at most one iteration over.
        expect(result.instructions).toBeGreaterThan(1_000_000n);
        expect(result.instructions).toBeLessThanOrEqual(1_000_002n);
    });

    it('stops unbounded recursion at the limit, checked at function entries', () => {
        const result = new MeteredInstance(wasm, {}, imports([])).call('recurse', [], 5_000n);
        expect(result.trap).toBe(instructionLimitMessage(5_000n));
        expect(result.instructions).toBeGreaterThan(5_000n);
        expect(result.instructions).toBeLessThanOrEqual(5_006n); // one entry (1) + one call (5) over
    });

    it('charges bulk sizes before the operation and checks the limit there', () => {
        const fill = new MeteredInstance(compileWat(`(module (memory 1) (func (export "f") (param $n i32)
            (memory.fill (i32.const 0) (i32.const 0) (local.get $n))))`));
        const result = fill.call('f', [60_000], 10_000n);
        expect(result.trap).toBe(instructionLimitMessage(10_000n));
    });

    it('handles modules without functions, globals or exports (sections are created where needed)', () => {
        for (const text of ['(module)', '(module (import "env" "f" (func)))', '(module (memory 1))']) {
            const out = rewriteForMetering(compileWat(text), METERING)!;
            expect(WebAssembly.validate(out.wasm as BufferSource)).toBe(true);
            const exports = WebAssembly.Module.exports(new WebAssembly.Module(out.wasm as BufferSource));
            expect(exports.map((e) => e.name)).toEqual([METERING.counterGlobal, METERING.limitGlobal, METERING.stackGlobal]);
        }
    });

    it('returns an already instrumented module unchanged', () => {
        const once = instrumentWasm(wasm, { cacheDirectory: false }).wasm;
        expect(rewriteForMetering(once, METERING)).toBeUndefined();
        expect(instrumentWasm(once, { cacheDirectory: false })).toMatchObject({ wasm: once, metered: true });
    });

    it('rewrites the real Azle canister wasm into a valid module', async () => {
        const azle = await buildCanister('hello');
        const out = rewriteForMetering(azle, METERING)!;
        expect(WebAssembly.validate(out.wasm as BufferSource)).toBe(true);
        expect(out.stats.functions).toBeGreaterThan(1000);
        expect(out.stats.sizeCharges).toBeGreaterThan(0);
    });

    it('refuses bad input with clear errors', () => {
        expect(() => rewriteForMetering(gzipSync(wasm), METERING)).toThrow(/gzip-compressed; decompress it/);
        expect(() => rewriteForMetering(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), METERING)).toThrow(WasmFormatError);
        expect(() => rewriteForMetering(wasm.subarray(0, wasm.length - 3), METERING)).toThrow(/runs past the end/);
        const simd = compileWat('(module (func (export "f") (drop (v128.const i64x2 0 0))))');
        expect(() => rewriteForMetering(simd, METERING)).toThrow(/SIMD instruction 0xfd is not supported/);
    });
});

describe('stack-depth accounting', () => {
    // Every way out of a function: return, a branch to the function's label (br, br_if, br_table), falling off the
    // end, a tail call; plus a recursion that reports the count at its bottom through an import.
    const EXITS = `(module
        (import "env" "probe" (func $probe))
        (func $leaf (result i32) (i32.const 1))
        (func $by_return (export "by_return") (param $x i32) (result i32)
            (block (if (local.get $x) (then (return (call $leaf)))))
            (call $leaf))
        (func (export "by_br") (param $x i32) (result i32)
            (block (result i32) (drop (call $leaf)) (br 1 (i32.const 7))))
        (func (export "by_br_if") (param $x i32) (result i32)
            (drop (call $leaf)) (br_if 0 (i32.const 8) (local.get $x)) (drop) (i32.const 9))
        (func (export "by_br_table") (param $x i32) (result i32)
            (drop (call $leaf))
            (block $a (result i32)
                (drop (block $b (result i32) (br_table $b $a 2 (i32.const 10) (local.get $x))))
                (return (i32.const 12))))
        (func (export "by_tail_call") (param $x i32) (result i32) (return_call $by_return (local.get $x)))
        (func (export "two_results") (param $x i32) (result i32 i64) (drop (call $leaf)) (local.get $x) (i64.const 2))
        (func $deep (export "deep") (param $n i32)
            (if (i32.eqz (local.get $n)) (then (call $probe)) (else (call $deep (i32.sub (local.get $n) (i32.const 1)))))))`;

    function instance(probe: () => void = () => {}): { exports: Record<string, unknown>; stack: WebAssembly.Global } {
        const { wasm: metered } = instrumentWasm(compileWat(EXITS), { cacheDirectory: false });
        const fail = (what: string) => () => {
            throw new Error(what);
        };
        const created = new WebAssembly.Instance(new WebAssembly.Module(metered as BufferSource), {
            env: { probe },
            [METERING.importModule]: { [METERING.outOfInstructions]: fail('out of instructions'), [METERING.stackOverflow]: fail('stack overflow') }
        });
        return { exports: created.exports, stack: created.exports[METERING.stackGlobal] as WebAssembly.Global };
    }

    it('takes every frame off again, whichever way a function leaves', () => {
        const { exports, stack } = instance();
        const cases: [string, number, unknown][] = [
            ['by_return', 1, 1], ['by_return', 0, 1], ['by_br', 0, 7], ['by_br_if', 1, 8], ['by_br_if', 0, 9],
            ['by_br_table', 0, 12], ['by_br_table', 1, 10], ['by_br_table', 5, 10], ['by_tail_call', 1, 1], ['two_results', 3, [3, 2n]]
        ];
        for (const [name, arg, expected] of cases) {
            stack.value = 0;
            expect((exports[name] as (x: number) => unknown)(arg)).toEqual(expected);
            expect([name, arg, stack.value]).toEqual([name, arg, 0]);
        }
    });

    it('counts each frame of a recursion, and traps past the IC’s 5 MiB', () => {
        let atBottom = -1;
        const { exports, stack } = instance(() => (atBottom = stack.value as number));
        const deep = exports.deep as (n: number) => void;
        stack.value = 0;
        deep(0);
        const frame = atBottom;
        expect(frame).toBeGreaterThanOrEqual(32); // return address, frame pointer, the parameter: 16 + 8, rounded up
        deep(99);
        expect(atBottom).toBe(100 * frame);
        expect(stack.value).toBe(0);
        stack.value = IC_WASM_STACK_BYTES - frame; // as if the recursion had almost filled the stack
        expect(() => deep(0)).toThrow('stack overflow');
        stack.value = IC_WASM_STACK_BYTES - frame; // a leaf-only call needs no room: it is not counted
        expect(() => (exports.by_br as (x: number) => number)(0)).toThrow('stack overflow'); // by_br calls a leaf: counted
    });
});
