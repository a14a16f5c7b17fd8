/**
 * The IC's cost of each wasm instruction (application subnets, 32-bit memory), and which instructions end a basic
 * block. Described in our words from the IC's instrumentation rules (see README.md, "Sources").
 *
 * Costs are looked up by opcode; the 0xfc prefix (saturating truncation, bulk memory, tables) by its sub-opcode.
 */

/** Opcode bytes the metering code treats specially. */
export const Op = {
    unreachable: 0x00,
    block: 0x02,
    loop: 0x03,
    if: 0x04,
    else: 0x05,
    end: 0x0b,
    br: 0x0c,
    brIf: 0x0d,
    brTable: 0x0e,
    return: 0x0f,
    call: 0x10,
    callIndirect: 0x11,
    returnCall: 0x12,
    returnCallIndirect: 0x13,
    globalGet: 0x23,
    globalSet: 0x24,
    i32WrapI64: 0xa7,
    i32Const: 0x41,
    i64Const: 0x42,
    i32GtU: 0x4b,
    i32Add: 0x6a,
    i32Sub: 0x6b,
    i64Add: 0x7c,
    i64GtU: 0x56,
    i64ExtendI32U: 0xad,
    localGet: 0x20,
    refFunc: 0xd2,
    prefixFC: 0xfc
} as const;

/** Sub-opcodes of 0xfc. */
export const SubOp = {
    memoryInit: 8,
    dataDrop: 9,
    memoryCopy: 10,
    memoryFill: 11,
    tableInit: 12,
    elemDrop: 13,
    tableCopy: 14,
    tableGrow: 15,
    tableSize: 16,
    tableFill: 17
} as const;

function buildOpcodeCosts(): Uint16Array {
    const cost = new Uint16Array(256).fill(1); // the IC's default: constants, integer ops, locals, loads, stores, ...
    const set = (value: number, ...opcodes: number[]) => opcodes.forEach((op) => (cost[op] = value));
    set(0, 0x02, 0x03, 0x05, 0x0b); // block, loop, else, end: structure only
    set(2, 0x04, 0x0c, 0x0d, 0x0e); // if, br, br_if, br_table
    set(5, 0x10); // call
    set(10, 0x11); // call_indirect
    set(3, 0x12); // return_call
    set(60, 0x13); // return_call_indirect
    set(2, 0x23, 0x24); // global.get/set
    set(5, 0x25, 0x26); // table.get/set
    set(20, 0x3f); // memory.size
    set(300, 0x40); // memory.grow
    set(10, 0x6d, 0x6e, 0x6f, 0x70, 0x7f, 0x80, 0x81, 0x82); // integer div/rem
    for (let op = 0x5b; op <= 0x66; op++) cost[op] = 3; // float comparisons
    set(2, 0x8d, 0x8e, 0x8f, 0x90, 0x92, 0x93, 0x94); // f32 ceil floor trunc nearest add sub mul
    set(2, 0x9b, 0x9c, 0x9d, 0x9e, 0xa0, 0xa1, 0xa2); // f64 ceil floor trunc nearest add sub mul
    set(5, 0x91); // f32.sqrt
    set(8, 0x9f); // f64.sqrt
    set(3, 0x95); // f32.div
    set(5, 0xa3); // f64.div
    set(18, 0x96, 0x97, 0xa4, 0xa5); // float min/max
    set(2, 0x98); // f32.copysign
    set(3, 0xa6); // f64.copysign
    set(20, 0xa8, 0xa9, 0xaa, 0xab, 0xae, 0xaf, 0xb0, 0xb1); // float -> int truncation
    set(3, 0xb2, 0xb4, 0xb7, 0xb9); // convert from signed int
    set(16, 0xb3, 0xb5, 0xb8, 0xba); // convert from unsigned int
    set(5, 0xd1); // ref.is_null
    set(130, 0xd2); // ref.func
    return cost;
}

const OPCODE_COSTS = buildOpcodeCosts();

/** With a 64-bit main memory the IC charges 2 for every load and store (its bounds checks cost more). */
function buildWasm64OpcodeCosts(): Uint16Array {
    const cost = buildOpcodeCosts();
    for (let op = 0x28; op <= 0x3e; op++) cost[op] = 2;
    return cost;
}

const OPCODE_COSTS_WASM64 = buildWasm64OpcodeCosts();

/** Static cost of a 0xfc-prefixed instruction (bulk operations also pay their size at run time). */
function prefixedCost(subOp: number): number {
    if (subOp <= 7) return 20; // saturating float -> int truncation
    switch (subOp) {
        case SubOp.memoryInit:
        case SubOp.memoryCopy:
        case SubOp.memoryFill:
        case SubOp.tableInit:
        case SubOp.tableCopy:
        case SubOp.tableFill:
            return 100;
        case SubOp.dataDrop:
        case SubOp.elemDrop:
        case SubOp.tableGrow:
            return 300;
        case SubOp.tableSize:
            return 100;
        default:
            return 1;
    }
}

/**
 * The IC's static cost of one instruction.
 *
 * @param opcode the first byte of the instruction
 * @param subOp the sub-opcode for 0xfc-prefixed instructions (ignored otherwise)
 * @param memory64 whether the module's main memory is 64-bit (loads and stores cost 2 there)
 * @example instructionCost(0x6d, -1) // 10 (i32.div_s)
 */
export function instructionCost(opcode: number, subOp: number, memory64 = false): number {
    if (opcode === Op.prefixFC) return prefixedCost(subOp);
    return (memory64 ? OPCODE_COSTS_WASM64 : OPCODE_COSTS)[opcode];
}

/**
 * Whether a new basic block starts right after this instruction. Calls do not end blocks; the IC charges a whole
 * block up front, so a trap in the middle of a block still pays for all of it.
 */
export function endsBasicBlock(opcode: number): boolean {
    switch (opcode) {
        case Op.loop:
        case Op.if:
        case Op.else:
        case Op.end:
        case Op.br:
        case Op.brIf:
        case Op.brTable:
        case Op.return:
        case Op.unreachable:
        case Op.returnCall:
        case Op.returnCallIndirect:
            return true;
        default:
            return false;
    }
}

/** Whether this 0xfc instruction also costs its size operand (memory/table fill, copy, init), charged at run time. */
export function chargesSizeAtRunTime(opcode: number, subOp: number): boolean {
    if (opcode !== Op.prefixFC) return false;
    return (
        subOp === SubOp.memoryInit ||
        subOp === SubOp.memoryCopy ||
        subOp === SubOp.memoryFill ||
        subOp === SubOp.tableInit ||
        subOp === SubOp.tableCopy ||
        subOp === SubOp.tableFill
    );
}

/**
 * Whether the size operand of a bulk instruction is an i64: memory.fill and memory.copy on a 64-bit memory
 * (memory.init takes an i32 length into its data segment; tables stay 32-bit).
 */
export function hasI64SizeOperand(subOp: number, memory64: boolean): boolean {
    return memory64 && (subOp === SubOp.memoryCopy || subOp === SubOp.memoryFill);
}
