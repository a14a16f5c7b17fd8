// Stable memory: sparse pages, bounds and nested undo journals (the part of rollback that is not wasm memory).
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, StableMemory } from '../../replica/stable-memory.ts';

describe('StableMemory', () => {
    it('grows by pages, reads zeros where nothing was written, and writes across page boundaries', () => {
        const memory = new StableMemory();
        expect(memory.grow(2n)).toBe(0n);
        expect(memory.size).toBe(2n);
        expect(memory.read(PAGE_SIZE - 2, 4)).toEqual(new Uint8Array(4));
        memory.write(PAGE_SIZE - 2, Uint8Array.of(1, 2, 3, 4));
        expect(memory.read(PAGE_SIZE - 3, 6)).toEqual(Uint8Array.of(0, 1, 2, 3, 4, 0));
        expect(memory.inBounds(BigInt(2 * PAGE_SIZE - 1), 1n)).toBe(true);
        expect(memory.inBounds(BigInt(2 * PAGE_SIZE - 1), 2n)).toBe(false);
        expect(memory.grow(1n << 40n)).toBe(-1n);
    });

    it('rolls back writes and growth of a layer, and keeps committed inner layers until the outer one rolls back', () => {
        const memory = new StableMemory();
        memory.grow(1n);
        memory.write(0, Uint8Array.of(9));
        memory.begin(); // e.g. a whole upgrade
        memory.begin(); // pre_upgrade
        memory.write(0, Uint8Array.of(1));
        memory.grow(1n);
        memory.write(PAGE_SIZE, Uint8Array.of(2));
        memory.commit();
        memory.begin(); // post_upgrade, which traps
        memory.write(0, Uint8Array.of(3));
        memory.rollback();
        expect(memory.read(0, 1)).toEqual(Uint8Array.of(1));
        expect(memory.size).toBe(2n);
        memory.rollback(); // the upgrade fails as a whole
        expect(memory.size).toBe(1n);
        expect(memory.read(0, 1)).toEqual(Uint8Array.of(9));
        expect(memory.snapshot().length).toBe(PAGE_SIZE);
    });

    it('replaces its content outside executions, rounded up to whole pages', () => {
        const memory = new StableMemory();
        memory.replace(Uint8Array.of(5, 6, 7));
        expect(memory.size).toBe(1n);
        expect(memory.read(0, 4)).toEqual(Uint8Array.of(5, 6, 7, 0));
        memory.begin();
        expect(() => memory.replace(new Uint8Array(1))).toThrow(/during an execution/);
    });
});
