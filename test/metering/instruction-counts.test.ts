// Exact IC instruction counts for small modules, computed by hand from the IC's rules: +1 per function entry,
// the weight of every instruction, each basic block charged in full at its start.
import { describe, expect, it } from 'vitest';
import { compileWat, MeteredInstance } from './support/metered-module.ts';

function count(wat: string, name: string, args: unknown[] = []): bigint {
    const result = new MeteredInstance(compileWat(wat)).call(name, args);
    expect(result.trap).toBeUndefined();
    return result.instructions;
}

describe('IC instruction counts', () => {
    it('charges an empty function 1', () => {
        expect(count('(module (func (export "f")))', 'f')).toBe(1n);
    });

    it('counts straight-line code with weight 1 for constants, locals and integer ops', () => {
        // entry 1 + i32.const 1 + i32.const 1 + i32.add 1 + local.set 1 + local.get 1 = 6
        const wat = '(module (func (export "f") (result i32) (local i32) (local.set 0 (i32.add (i32.const 1) (i32.const 2))) (local.get 0)))';
        expect(count(wat, 'f')).toBe(6n);
    });

    it('charges integer div/rem 10 and global access 2', () => {
        // entry 1 + 2 consts + i32.div_u 10 + global.set 2 + global.get 2 + 2 x i64.const + i64.rem_s 10 + drop 1 = 30
        const wat = `(module (global $g (mut i32) (i32.const 0))
            (func (export "f") (result i32)
                (global.set $g (i32.div_u (i32.const 7) (i32.const 2)))
                (drop (i64.rem_s (i64.const 7) (i64.const 2)))
                (global.get $g)))`;
        expect(count(wat, 'f')).toBe(30n);
    });

    it('uses the float weights', () => {
        // entry 1; f64.sqrt: const 1 + sqrt 8; f32.div: 2 consts + 3; f64.min: 2 consts + 18;
        // f64.convert_i64_u: const 1 + 16; i32.trunc_f64_s: const 1 + 20; f64.add: 2 consts + 2; 6 drops
        // = 1 + 9 + 5 + 20 + 17 + 21 + 4 + 6 = 83
        const wat = `(module (func (export "f")
            (drop (f64.sqrt (f64.const 2)))
            (drop (f32.div (f32.const 1) (f32.const 3)))
            (drop (f64.min (f64.const 1) (f64.const 3)))
            (drop (f64.convert_i64_u (i64.const 5)))
            (drop (i32.trunc_f64_s (f64.const 5.5)))
            (drop (f64.add (f64.const 1) (f64.const 2)))))`;
        expect(count(wat, 'f')).toBe(83n);
    });

    it('charges only the branch taken', () => {
        // block before the if: entry 1 + local.get 1 + if 2 = 4
        // then: i32.const 1 (+ else 0) = 1        -> 5 in total
        // else: i32.const 1 + i32.const 1 + i32.add 1 (+ end 0) = 3 -> 7 in total
        const wat = `(module (func (export "f") (param i32) (result i32)
            (if (result i32) (local.get 0)
                (then (i32.const 10))
                (else (i32.add (i32.const 20) (i32.const 1))))))`;
        const instance = new MeteredInstance(compileWat(wat));
        expect(instance.call('f', [1])).toMatchObject({ value: 10, instructions: 5n });
        expect(instance.call('f', [0])).toMatchObject({ value: 21, instructions: 7n });
    });

    it('charges a loop body per iteration', () => {
        // entry block: 1 (loop costs 0)
        // loop body: local.get 1 + i32.const 1 + i32.add 1 + local.tee 1 + local.get 1 + i32.lt_u 1 + br_if 2 = 8
        // the code after the loop (end, end) costs 0      -> 1 + 8n
        const wat = `(module (func (export "f") (param $n i32) (local $i i32)
            (loop $l (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))))`;
        const instance = new MeteredInstance(compileWat(wat));
        for (const n of [1, 10, 1000]) expect(instance.call('f', [n]).instructions).toBe(1n + 8n * BigInt(n));
    });

    it('charges calls 5, call_indirect 10, and the callee its own entry', () => {
        // g: entry 1 + i32.const 1 = 2
        // f: entry 1 + call 5 + drop 1 + i32.const 1 + call_indirect 10 + drop 1 = 19, plus g twice = 23
        const wat = `(module
            (type $t (func (result i32)))
            (table 1 funcref) (elem (i32.const 0) $g)
            (func $g (result i32) (i32.const 7))
            (func (export "f") (drop (call $g)) (drop (call_indirect (type $t) (i32.const 0)))))`;
        expect(count(wat, 'f')).toBe(23n);
    });

    it('charges bulk memory operations 100 plus their size at run time', () => {
        // entry 1 + i32.const 1 + i32.const 1 + local.get 1 + memory.fill 100 = 104, plus n bytes
        const wat = `(module (memory 1) (func (export "fill") (param $n i32)
            (memory.fill (i32.const 0) (i32.const 255) (local.get $n))))`;
        const instance = new MeteredInstance(compileWat(wat));
        expect(instance.call('fill', [0]).instructions).toBe(104n);
        expect(instance.call('fill', [4096]).instructions).toBe(104n + 4096n);
        // memory.copy: same shape
        const copy = `(module (memory 1) (func (export "copy") (param $n i32)
            (memory.copy (i32.const 100) (i32.const 0) (local.get $n))))`;
        expect(new MeteredInstance(compileWat(copy)).call('copy', [1000]).instructions).toBe(104n + 1000n);
    });

    it('charges memory.grow 300 and memory.size 20', () => {
        // entry 1 + i32.const 1 + memory.grow 300 + drop 1 + memory.size 20 + drop 1 = 324
        const wat = '(module (memory 1) (func (export "f") (drop (memory.grow (i32.const 1))) (drop (memory.size))))';
        expect(count(wat, 'f')).toBe(324n);
    });

    it('charges a trapping block in full, as the IC does', () => {
        // entry 1 + unreachable 1 (the block is charged at its start, so the trap does not refund anything)
        const result = new MeteredInstance(compileWat('(module (func (export "f") (unreachable)))')).call('f');
        expect(result.trap).toMatch(/unreachable/);
        expect(result.instructions).toBe(2n);
    });
});
