/**
 * Rewrites the code section: inserts the charges planned by {@link ChargePlan} into every function body, renumbers
 * direct calls and `ref.func`, and appends the helper that charges a bulk operation's size.
 *
 * Inserted code (counter C and limit L are i64 globals, the counter counts up):
 * - block charge:       C += cost
 * - with a limit check: C += cost; if (C > L unsigned) out_of_instructions()
 * - size charge:        call chargeSize, which does C += zero-extended size; checks the limit; returns the size
 */
import { ByteWriter, readU32, WasmFormatError } from './bytes.ts';
import { ChargeKind, ChargePlan } from './basic-blocks.ts';
import type { FunctionRenumbering } from './function-indices.ts';
import { DecodedInstructions, readFunctionIndex } from './instruction-decoder.ts';
import { Op } from './instruction-costs.ts';

/** Indices (in the rewritten module) of what the inserted code uses. */
export interface MeteringIndices {
    counterGlobal: number;
    limitGlobal: number;
    outOfInstructionsFunction: number;
    chargeSizeFunction: number;
}

/** How much instrumentation went in. */
export interface CodeRewriteStats {
    functions: number;
    blockCharges: number;
    limitChecks: number;
    sizeCharges: number;
}

/**
 * Returns the new code section payload (the module's bodies, rewritten, plus the size-charging helper).
 *
 * @throws WasmFormatError for malformed bodies or unsupported instructions.
 */
export function rewriteCodeSection(
    payload: Uint8Array,
    renumbering: FunctionRenumbering,
    indices: MeteringIndices
): { payload: Uint8Array; stats: CodeRewriteStats } {
    const stats: CodeRewriteStats = { functions: 0, blockCharges: 0, limitChecks: 0, sizeCharges: 0 };
    const out = new ByteWriter(Math.ceil(payload.length * 1.25));
    const body = new ByteWriter(64 * 1024);
    const decoded = new DecodedInstructions();
    const plan = new ChargePlan();
    const snippets = new ChargeSnippets(indices);

    let { value: count, next: pos } = readU32(payload, 0);
    out.u32(count + 1);
    for (let f = 0; f < count; f++) {
        const size = readU32(payload, pos);
        const bodyEnd = size.next + size.value;
        if (bodyEnd > payload.length) throw new WasmFormatError(`body of function ${f} runs past the code section`, pos);
        const codeStart = skipLocals(payload, size.next);
        decoded.decode(payload, codeStart, bodyEnd);
        plan.build(decoded);
        body.reset();
        body.copy(payload, size.next, codeStart);
        rewriteBody(payload, decoded, plan, renumbering, snippets, body, stats);
        out.u32(body.length);
        out.copy(body.view());
        stats.functions++;
        pos = bodyEnd;
    }
    const helper = snippets.chargeSizeHelperBody();
    out.u32(helper.length);
    out.copy(helper);
    return { payload: out.toBytes(), stats };
}

function skipLocals(payload: Uint8Array, pos: number): number {
    const { value: groups, next } = readU32(payload, pos);
    pos = next;
    for (let i = 0; i < groups; i++) {
        pos = readU32(payload, pos).next;
        const valueType = payload[pos];
        if (valueType === 0x63 || valueType === 0x64) throw new WasmFormatError('typed reference locals are not supported', pos);
        pos++;
    }
    return pos;
}

function rewriteBody(
    payload: Uint8Array,
    code: DecodedInstructions,
    plan: ChargePlan,
    renumbering: FunctionRenumbering,
    snippets: ChargeSnippets,
    body: ByteWriter,
    stats: CodeRewriteStats
): void {
    const { starts, opcodes } = code;
    let copied = starts[0];
    let charge = 0;
    for (let i = 0; i < code.count; i++) {
        while (charge < plan.count && plan.positions[charge] === i) {
            body.copy(payload, copied, starts[i]);
            copied = starts[i];
            snippets.write(body, plan.kinds[charge] as ChargeKind, plan.costs[charge], stats);
            charge++;
        }
        const opcode = opcodes[i];
        if (opcode === Op.call || opcode === Op.returnCall || opcode === Op.refFunc) {
            const index = readFunctionIndex(payload, starts[i]);
            const mapped = renumbering.map(index);
            if (mapped !== index) {
                body.copy(payload, copied, starts[i]);
                body.byte(opcode);
                body.u32(mapped);
                copied = starts[i + 1];
            }
        }
    }
    if (charge !== plan.count) throw new Error('metering: a charge was planned after the end of a function body');
    body.copy(payload, copied, starts[code.count]);
}

/** Encodes the inserted instruction sequences; constant parts are pre-encoded once. */
class ChargeSnippets {
    private readonly addPrefix: Uint8Array;
    private readonly addSuffix: Uint8Array;
    private readonly limitCheck: Uint8Array;
    private readonly chargeSizeCall: Uint8Array;

    constructor(private readonly indices: MeteringIndices) {
        const w = new ByteWriter(32);
        w.byte(Op.globalGet);
        w.u32(indices.counterGlobal);
        w.byte(Op.i64Const);
        this.addPrefix = w.toBytes();
        w.reset();
        w.byte(Op.i64Add);
        w.byte(Op.globalSet);
        w.u32(indices.counterGlobal);
        this.addSuffix = w.toBytes();
        w.reset();
        this.writeLimitCheck(w);
        this.limitCheck = w.toBytes();
        w.reset();
        w.byte(Op.call);
        w.u32(indices.chargeSizeFunction);
        this.chargeSizeCall = w.toBytes();
    }

    private writeLimitCheck(w: ByteWriter): void {
        w.byte(Op.globalGet);
        w.u32(this.indices.counterGlobal);
        w.byte(Op.globalGet);
        w.u32(this.indices.limitGlobal);
        w.byte(Op.i64GtU);
        w.byte(Op.if);
        w.byte(0x40); // no result
        w.byte(Op.call);
        w.u32(this.indices.outOfInstructionsFunction);
        w.byte(Op.end);
    }

    write(body: ByteWriter, kind: ChargeKind, cost: number, stats: CodeRewriteStats): void {
        if (kind === ChargeKind.sizeOperand) {
            body.copy(this.chargeSizeCall);
            stats.sizeCharges++;
            return;
        }
        if (cost > 0) {
            body.copy(this.addPrefix);
            body.sint(cost);
            body.copy(this.addSuffix);
            stats.blockCharges++;
        }
        if (kind === ChargeKind.blockWithLimitCheck) {
            body.copy(this.limitCheck);
            stats.limitChecks++;
        }
    }

    /** `(func (param $size i32) (result i32))`: C += zext($size); check the limit; return $size. */
    chargeSizeHelperBody(): Uint8Array {
        const w = new ByteWriter(64);
        w.byte(0); // no locals
        w.byte(Op.globalGet);
        w.u32(this.indices.counterGlobal);
        w.byte(Op.localGet);
        w.byte(0);
        w.byte(Op.i64ExtendI32U);
        w.copy(this.addSuffix);
        this.writeLimitCheck(w);
        w.byte(Op.localGet);
        w.byte(0);
        w.byte(Op.end);
        return w.toBytes();
    }
}
