/**
 * Deterministic wasm stack accounting, so that recursion traps at the same depth as on the IC, whatever the engine
 * does (V8's frame sizes differ between its baseline and optimizing tiers, so its own stack limit depends on how
 * warm the code is).
 *
 * The IC runs canisters in wasmtime with `max_wasm_stack` = 5 MiB (see README.md, "Sources"). Here every function
 * that calls other wasm functions adds an estimate of its native frame to a counter at entry and takes it off at
 * every exit; past the limit it calls `__ic_metering.stack_overflow`, which traps with the IC's "stack overflow".
 *
 * The frame estimate models what wasmtime's compiler (Cranelift, x86-64) keeps on the stack: a return address and
 * frame pointer, an 8-byte slot (16 for v128) for every parameter and local, and spill slots that grow with the
 * body (1 byte per 64 bytes of code, at most 384), rounded up to 16 bytes. Calibrated against wasmtime 35 with a 5 MiB
 * stack (README.md, "Stack depth"): over the 3,359 functions of an Azle canister (QuickJS in C, Rust) the estimates
 * add up to 1.03x the real frames (median 1.05x); functions whose values all stay live across their calls match
 * within a few bytes; small functions whose locals stay in registers are over-estimated (recursion through them traps
 * here earlier than on the IC, at most 2x).
 *
 * Leaf functions (no call to another wasm function) are not instrumented: instead the limit checked at every other
 * entry leaves room for the largest leaf frame of the module.
 */
import type { ByteWriter } from './bytes.ts';
import type { DecodedInstructions } from './instruction-decoder.ts';
import { Op } from './instruction-costs.ts';

/** The IC's wasm stack: wasmtime's `max_wasm_stack` as the IC's replica configures it. */
export const IC_WASM_STACK_BYTES = 5 * 1024 * 1024;
/** Return address and saved frame pointer of an x86-64 frame. */
export const FRAME_OVERHEAD_BYTES = 16;
/** Stack slot of an i32/i64/f32/f64/reference parameter or local. */
export const SLOT_BYTES = 8;
/** Stack slot of a v128 parameter or local. */
export const V128_SLOT_BYTES = 16;
/** Spill slots beyond the locals: one byte of frame per this many bytes of body... */
export const BODY_BYTES_PER_SPILL_BYTE = 64;
/** ...up to this many bytes. */
export const MAX_SPILL_BYTES = 384;
const V128 = 0x7b;

/**
 * Estimated native frame of a function with these parameter and local types (value type bytes) and this body size
 * (bytes of its code-section entry).
 *
 * @example frameBytes(Uint8Array.of(0x7f), [[3, 0x7e]], 64) // 16 + 4 * 8 + 1 = 49, rounded up to 64
 */
export function frameBytes(params: Uint8Array, localGroups: ReadonlyArray<readonly [count: number, type: number]>, bodyBytes: number): number {
    let bytes = FRAME_OVERHEAD_BYTES + Math.min(bodyBytes / BODY_BYTES_PER_SPILL_BYTE, MAX_SPILL_BYTES);
    for (const type of params) bytes += type === V128 ? V128_SLOT_BYTES : SLOT_BYTES;
    for (const [count, type] of localGroups) bytes += count * (type === V128 ? V128_SLOT_BYTES : SLOT_BYTES);
    return Math.ceil(bytes / 16) * 16;
}

/**
 * Whether a body calls no other wasm function (calls to imported host functions do not count: they return before
 * the body goes on). `importedFunctions` is the number of function imports of the original module.
 */
export function isLeaf(code: DecodedInstructions, bytes: Uint8Array, importedFunctions: number, readIndex: (bytes: Uint8Array, start: number) => number): boolean {
    for (let i = 0; i < code.count; i++) {
        const opcode = code.opcodes[i];
        if (opcode === Op.callIndirect || opcode === Op.returnCall || opcode === Op.returnCallIndirect) return false;
        if (opcode === Op.call && readIndex(bytes, code.starts[i]) >= importedFunctions) return false;
    }
    return true;
}

/** Indices (in the rewritten module) of what the stack snippets use. */
export interface StackIndices {
    /** Mutable i32 global: estimated stack bytes in use (the host sets it to 0 before each message). */
    stackGlobal: number;
    /** Immutable i32 global: the largest depth a non-leaf frame may reach (the IC's stack minus the largest leaf). */
    stackLimitGlobal: number;
    /** `() -> ()` import that traps with "stack overflow". */
    stackOverflowFunction: number;
}

/** Writes the inserted sequences. */
export class StackSnippets {
    constructor(private readonly indices: StackIndices) {}

    /** At function entry: S += frame; if (S > limit unsigned) stack_overflow(). */
    enter(w: ByteWriter, frame: number): void {
        const { stackGlobal, stackLimitGlobal, stackOverflowFunction } = this.indices;
        this.add(w, frame, Op.i32Add);
        w.byte(Op.globalGet);
        w.u32(stackGlobal);
        w.byte(Op.globalGet);
        w.u32(stackLimitGlobal);
        w.byte(Op.i32GtU);
        w.byte(Op.if);
        w.byte(0x40);
        w.byte(Op.call);
        w.u32(stackOverflowFunction);
        w.byte(Op.end);
    }

    /** Before every exit (return, fall-through end, tail call): S -= frame. */
    leave(w: ByteWriter, frame: number): void {
        this.add(w, frame, Op.i32Sub);
    }

    private add(w: ByteWriter, frame: number, op: number): void {
        w.byte(Op.globalGet);
        w.u32(this.indices.stackGlobal);
        w.byte(Op.i32Const);
        w.sint(frame);
        w.byte(op);
        w.byte(Op.globalSet);
        w.u32(this.indices.stackGlobal);
    }
}
