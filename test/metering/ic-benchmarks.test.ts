// The IC's own System API benchmarks assert exact instruction counts for small canisters: a test function running
// a loop of one million iterations around a System API call. We rebuild those module shapes here (written from
// their description) and expect the same totals: wasm instructions from the rewriter plus systemApiCost().
import { describe, expect, it } from 'vitest';
import { compileWat, MeteredInstance } from './support/metered-module.ts';

const ITERATIONS = 1_000_000;

/** A loop of one million iterations: per iteration 5 (condition + if) + 4 (counter update) + 2 (br) + body. */
function loop(body: string): string {
    return `(loop $loop
        (if (i32.lt_s (local.get $i) (i32.const ${ITERATIONS}))
            (then
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                ${body}
                (br $loop))))`;
}

function testModule(imports: string, body: string): string {
    return `(module ${imports} (memory 1)
        (func $test (export "canister_update test") (local $i i32) (local $s i32) ${body}))`;
}

const ic0 = {
    msg_caller_size: () => 29,
    msg_arg_data_copy: () => undefined,
    msg_reply: () => undefined,
    msg_reply_data_append: () => undefined
};

function instructions(wat: string): bigint {
    const result = new MeteredInstance(compileWat(wat), ic0).call('canister_update test');
    expect(result.trap).toBeUndefined();
    return result.instructions;
}

describe('IC System API benchmark counts', () => {
    it('empty test: 3', () => {
        expect(instructions(testModule('', '(drop (i32.const 0))'))).toBe(3n);
    });

    it('empty loop: 11,000,006', () => {
        expect(instructions(testModule('', loop('')))).toBe(11_000_006n);
    });

    it('adds: 16,000,006', () => {
        const body = '(local.set $s (i32.add (local.get $s) (i32.load (i32.const 0))))';
        expect(instructions(testModule('', loop(body)))).toBe(16_000_006n);
    });

    it('msg_caller_size: 517,000,006', () => {
        const imports = '(import "ic0" "msg_caller_size" (func $size (result i32)))';
        expect(instructions(testModule(imports, loop('(drop (call $size))')))).toBe(517_000_006n);
    });

    it('msg_arg_data_copy of 1 KiB: 1,543,000,006', () => {
        const imports = '(import "ic0" "msg_arg_data_copy" (func $copy (param i32 i32 i32)))';
        const body = '(call $copy (i32.const 0) (i32.const 0) (i32.const 1024))';
        expect(instructions(testModule(imports, loop(body)))).toBe(1_543_000_006n);
    });

    it('msg_reply once: 506', () => {
        const imports = '(import "ic0" "msg_reply" (func $reply))';
        expect(instructions(testModule(imports, '(call $reply)'))).toBe(506n);
    });

    it('msg_reply_data_append of 1 byte: 568,000,006', () => {
        const imports = '(import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))';
        const body = '(call $append (i32.const 0) (i32.const 1))';
        expect(instructions(testModule(imports, loop(body)))).toBe(568_000_006n);
    });
});
