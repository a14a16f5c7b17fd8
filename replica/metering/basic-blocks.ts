/**
 * Where to charge instructions in one function body, following the IC's rules:
 *
 * - A function starts with a charge of 1 plus its first basic block.
 * - Each basic block is charged its whole static cost at its start. Blocks end after loop, if, else, end, br,
 *   br_if, br_table, return, unreachable and return_call(_indirect); calls do not end blocks.
 * - Function entries and loop headers ("re-entrant" block starts) also check the limit, even when they cost 0.
 * - Bulk memory/table instructions are charged their size operand at run time, right before they execute.
 */
import { grownTo } from './bytes.ts';
import type { DecodedInstructions } from './instruction-decoder.ts';
import { chargesSizeAtRunTime, endsBasicBlock, hasI64SizeOperand, instructionCost, Op } from './instruction-costs.ts';

/** What to insert before an instruction. */
export const ChargeKind = {
    /** Add a static cost. */
    block: 0,
    /** Add a static cost, then trap if over the limit (function entry, loop header). */
    blockWithLimitCheck: 1,
    /** Add the i32 size operand on top of the stack, then trap if over the limit (bulk memory/table ops). */
    sizeOperand: 2,
    /** The same for an i64 size operand (memory.fill/copy on a 64-bit memory). */
    sizeOperand64: 3
} as const;
export type ChargeKind = (typeof ChargeKind)[keyof typeof ChargeKind];

/** A list of charges in struct-of-arrays form. Arrays are reused; only the first `count` entries are valid. */
export class ChargeList {
    count = 0;
    /** Index of the instruction the charge goes before. */
    positions = new Int32Array(256);
    kinds = new Uint8Array(256);
    costs = new Float64Array(256);

    clear(): void {
        this.count = 0;
    }

    push(position: number, kind: ChargeKind, cost: number): void {
        if (this.count === this.positions.length) this.grow();
        this.positions[this.count] = position;
        this.kinds[this.count] = kind;
        this.costs[this.count] = cost;
        this.count++;
    }

    private grow(): void {
        const capacity = this.positions.length * 2;
        this.positions = grownTo(this.positions, capacity);
        this.kinds = grownTo(this.kinds, capacity);
        this.costs = grownTo(this.costs, capacity);
    }
}

/** The charges of one body, in code order. */
export class ChargePlan extends ChargeList {
    /** Static charges collected before merging with the run-time ones. */
    private readonly staticCharges = new ChargeList();
    private readonly sizeCharges = new ChargeList();

    /**
     * Computes the charges for a decoded body.
     *
     * @example
     * // (func (loop (br 0))) -> [entry: 1 with check, loop header: 2 (the br) with check]
     * plan.build(decoded, false); plan.count; // 2
     */
    build(code: DecodedInstructions, memory64: boolean): void {
        const statics = this.staticCharges;
        const sizes = this.sizeCharges;
        statics.clear();
        sizes.clear();
        let blockStart = 0;
        let blockKind: ChargeKind = ChargeKind.blockWithLimitCheck;
        let blockCost = 1; // every function entry costs 1, even an empty function
        for (let i = 0; i < code.count; i++) {
            const opcode = code.opcodes[i];
            const subOp = code.subOps[i];
            blockCost += instructionCost(opcode, subOp, memory64);
            if (endsBasicBlock(opcode)) {
                statics.push(blockStart, blockKind, blockCost);
                blockStart = i + 1;
                blockKind = opcode === Op.loop ? ChargeKind.blockWithLimitCheck : ChargeKind.block;
                blockCost = 0;
            } else if (chargesSizeAtRunTime(opcode, subOp)) {
                sizes.push(i, hasI64SizeOperand(subOp, memory64) ? ChargeKind.sizeOperand64 : ChargeKind.sizeOperand, 0);
            }
        }
        statics.push(blockStart, blockKind, blockCost);
        this.merge(statics, sizes);
    }

    /** Merges both lists by position (run-time charges first on ties), dropping static charges that add nothing. */
    private merge(statics: ChargeList, sizes: ChargeList): void {
        this.clear();
        let s = 0;
        let d = 0;
        while (s < statics.count || d < sizes.count) {
            const takeSize = d < sizes.count && (s >= statics.count || sizes.positions[d] <= statics.positions[s]);
            if (takeSize) {
                this.push(sizes.positions[d], sizes.kinds[d] as ChargeKind, 0);
                d++;
                continue;
            }
            const kind = statics.kinds[s] as ChargeKind;
            const cost = statics.costs[s];
            if (cost > 0 || kind === ChargeKind.blockWithLimitCheck) this.push(statics.positions[s], kind, cost);
            s++;
        }
    }
}
