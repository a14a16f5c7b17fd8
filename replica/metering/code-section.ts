/**
 * Rewrites the code section: inserts the charges planned by {@link ChargePlan} into every function body, adds the
 * stack-depth accounting of `stack-depth.ts`, renumbers direct calls and `ref.func`, and appends the helpers that
 * charge a bulk operation's size.
 *
 * Inserted code (counter C and limit L are i64 globals, the counter counts up):
 * - block charge:       C += cost
 * - with a limit check: C += cost; if (C > L unsigned) out_of_instructions()
 * - size charge:        call chargeSize (or chargeSize64 for i64 sizes), which does C += zero-extended size;
 *                       checks the limit; returns the size
 * - non-leaf functions: the stack-depth entry and exit sequences, the body wrapped in a block so that branches
 *                       out of the body still pass the exit sequence
 */
import { ByteWriter, readU32, WasmFormatError } from './bytes.ts';
import { ChargeKind, ChargePlan } from './basic-blocks.ts';
import type { FunctionRenumbering } from './function-indices.ts';
import type { FunctionType } from './function-types.ts';
import { DecodedInstructions, readFunctionIndex } from './instruction-decoder.ts';
import { Op } from './instruction-costs.ts';
import { frameBytes, isLeaf, type StackIndices, StackSnippets } from './stack-depth.ts';

/** Indices (in the rewritten module) of what the inserted code uses. */
export interface MeteringIndices extends StackIndices {
    counterGlobal: number;
    limitGlobal: number;
    outOfInstructionsFunction: number;
    chargeSizeFunction: number;
    chargeSize64Function: number;
}

/** What the code section rewrite needs to know about the module. */
export interface ModuleFacts {
    /** Function imports of the original module (calls below this index go to the host). */
    importedFunctions: number;
    types: readonly FunctionType[];
    /** Type index of each defined function. */
    typeOfFunction: Uint32Array;
    /** Encoded block type `[] -> results` for each type index (a value type byte, 0x40, or an added type index). */
    resultBlockType: (typeIndex: number) => Uint8Array;
    /** Whether the main memory is 64-bit (loads/stores cost 2, fill/copy sizes are i64). */
    memory64: boolean;
}

/** How much instrumentation went in. */
export interface CodeRewriteStats {
    functions: number;
    blockCharges: number;
    limitChecks: number;
    sizeCharges: number;
    /** Functions with stack-depth accounting (the others are leaves). */
    stackChecks: number;
    /** The largest estimated frame of a leaf function: the limit leaves room for it. */
    largestLeafFrame: number;
}

/**
 * Returns the new code section payload (the module's bodies, rewritten, plus the two size-charging helpers).
 *
 * @throws WasmFormatError for malformed bodies or unsupported instructions.
 */
export function rewriteCodeSection(
    payload: Uint8Array,
    renumbering: FunctionRenumbering,
    indices: MeteringIndices,
    facts: ModuleFacts
): { payload: Uint8Array; stats: CodeRewriteStats } {
    const stats: CodeRewriteStats = { functions: 0, blockCharges: 0, limitChecks: 0, sizeCharges: 0, stackChecks: 0, largestLeafFrame: 0 };
    const out = new ByteWriter(Math.ceil(payload.length * 1.3));
    const body = new ByteWriter(64 * 1024);
    const decoded = new DecodedInstructions();
    const plan = new ChargePlan();
    const snippets = new ChargeSnippets(indices);
    const stack = new StackSnippets(indices);

    let { value: count, next: pos } = readU32(payload, 0);
    if (count !== facts.typeOfFunction.length) throw new WasmFormatError('function and code sections disagree on the number of functions');
    out.u32(count + 2);
    for (let f = 0; f < count; f++) {
        const size = readU32(payload, pos);
        const bodyEnd = size.next + size.value;
        if (bodyEnd > payload.length) throw new WasmFormatError(`body of function ${f} runs past the code section`, pos);
        const locals = readLocals(payload, size.next);
        decoded.decode(payload, locals.codeStart, bodyEnd);
        plan.build(decoded, facts.memory64);
        const typeIndex = facts.typeOfFunction[f];
        const type = facts.types[typeIndex];
        if (!type) throw new WasmFormatError(`function ${f} has an unknown type ${typeIndex}`);
        const frame = frameBytes(type.params, locals.groups, size.value);
        const leaf = isLeaf(decoded, payload, facts.importedFunctions, readFunctionIndex);
        body.reset();
        body.copy(payload, size.next, locals.codeStart);
        if (leaf) {
            stats.largestLeafFrame = Math.max(stats.largestLeafFrame, frame);
            rewriteBody(payload, decoded, plan, renumbering, snippets, body, stats, undefined);
        } else {
            stack.enter(body, frame);
            body.byte(Op.block);
            body.copy(facts.resultBlockType(typeIndex));
            rewriteBody(payload, decoded, plan, renumbering, snippets, body, stats, { snippets: stack, frame });
            stats.stackChecks++;
        }
        out.u32(body.length);
        out.copy(body.view());
        stats.functions++;
        pos = bodyEnd;
    }
    for (const helper of [snippets.chargeSizeHelperBody(false), snippets.chargeSizeHelperBody(true)]) {
        out.u32(helper.length);
        out.copy(helper);
    }
    return { payload: out.toBytes(), stats };
}

/** The local declarations of a body: groups of (count, value type), and where the instructions start. */
function readLocals(payload: Uint8Array, pos: number): { groups: [number, number][]; codeStart: number } {
    const { value: groupCount, next } = readU32(payload, pos);
    pos = next;
    const groups: [number, number][] = [];
    for (let i = 0; i < groupCount; i++) {
        const countRead = readU32(payload, pos);
        pos = countRead.next;
        const valueType = payload[pos];
        if (valueType === 0x63 || valueType === 0x64) throw new WasmFormatError('typed reference locals are not supported', pos);
        groups.push([countRead.value, valueType]);
        pos++;
    }
    return { groups, codeStart: pos };
}

/** Stack accounting of a non-leaf function: its exits pass `leave`, and its final `end` closes the wrapper block. */
interface StackExits {
    snippets: StackSnippets;
    frame: number;
}

function rewriteBody(
    payload: Uint8Array,
    code: DecodedInstructions,
    plan: ChargePlan,
    renumbering: FunctionRenumbering,
    snippets: ChargeSnippets,
    body: ByteWriter,
    stats: CodeRewriteStats,
    exits: StackExits | undefined
): void {
    const { starts, opcodes } = code;
    const last = code.count - 1;
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
        if (exits && (opcode === Op.return || opcode === Op.returnCall || opcode === Op.returnCallIndirect)) {
            body.copy(payload, copied, starts[i]);
            copied = starts[i];
            exits.snippets.leave(body, exits.frame);
        }
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
        if (exits && i === last) {
            // The body's own `end` now closes the wrapper block; the function ends after the exit sequence.
            if (opcode !== Op.end) throw new WasmFormatError('a function body does not end with `end`');
            body.copy(payload, copied, starts[i + 1]);
            copied = starts[i + 1];
            exits.snippets.leave(body, exits.frame);
            body.byte(Op.end);
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
    private readonly chargeSize64Call: Uint8Array;

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
        w.reset();
        w.byte(Op.call);
        w.u32(indices.chargeSize64Function);
        this.chargeSize64Call = w.toBytes();
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
        if (kind === ChargeKind.sizeOperand || kind === ChargeKind.sizeOperand64) {
            body.copy(kind === ChargeKind.sizeOperand ? this.chargeSizeCall : this.chargeSize64Call);
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

    /**
     * `(func (param $size i32) (result i32))`: C += zext($size); check the limit; return $size. With `wide`, the
     * i64 version `(func (param $size i64) (result i64))`.
     */
    chargeSizeHelperBody(wide: boolean): Uint8Array {
        const w = new ByteWriter(64);
        w.byte(0); // no locals
        w.byte(Op.globalGet);
        w.u32(this.indices.counterGlobal);
        w.byte(Op.localGet);
        w.byte(0);
        if (!wide) w.byte(Op.i64ExtendI32U);
        w.copy(this.addSuffix);
        this.writeLimitCheck(w);
        w.byte(Op.localGet);
        w.byte(0);
        w.byte(Op.end);
        return w.toBytes();
    }
}
