/**
 * Traps: how a message execution ends abnormally, and how each kind is reported to the caller.
 * Host code throws {@link Trap}; the wasm engine throws `WebAssembly.RuntimeError` (unreachable, out-of-bounds
 * access) or `RangeError` (stack overflow). {@link trapToReject} turns all of them into the IC's reject.
 */
import { ErrorCode, errorText, type Reject, RejectCode } from './errors.ts';

export type TrapKind =
    /** The canister called `ic0.trap`. */
    | 'called'
    /** The engine trapped (unreachable, out-of-bounds memory access, stack overflow...). */
    | 'trapped'
    /** The canister used the System API in a way the IC forbids. */
    | 'contract'
    /** The message used more instructions than its limit allows. */
    | 'instruction_limit';

/** Thrown by host code to end the current message as a trap. */
export class Trap extends Error {
    constructor(
        readonly kind: TrapKind,
        readonly detail: string,
        /** For `instruction_limit`: the limit that was exceeded. */
        readonly limit?: bigint
    ) {
        super(detail);
        this.name = 'Trap';
    }
}

/** Traps with an IC contract violation, e.g. `contractViolation('ic0.msg_reply: the call is already replied')`. */
export function contractViolation(what: string): never {
    throw new Trap('contract', what);
}

/** Engine messages (V8) mapped to the IC's words for the same trap. */
function engineTrapText(error: Error): string {
    const message = error.message;
    if (error instanceof RangeError && /call stack/i.test(message)) return 'stack overflow';
    if (/unreachable/i.test(message)) return 'unreachable';
    if (/memory access out of bounds/i.test(message)) return 'heap out of bounds';
    if (/divide by zero/i.test(message)) return 'integer division by 0';
    if (/integer overflow|float unrepresentable/i.test(message)) return 'integer overflow';
    if (/table index is out of bounds|invalid index into function table/i.test(message)) return 'table out of bounds';
    if (/null function or function signature mismatch|function signature mismatch/i.test(message)) {
        return 'indirect call signature mismatch';
    }
    return message;
}

/** Whether `error` is something the canister did (a trap) rather than a bug in the replica. */
export function isTrap(error: unknown): error is Error {
    return (
        error instanceof Trap ||
        error instanceof WebAssembly.RuntimeError ||
        (error instanceof RangeError && /call stack/i.test(error.message))
    );
}

/** The reject the caller of a trapped message gets. */
export function trapToReject(canisterId: string, error: Error): Reject {
    if (error instanceof Trap) {
        switch (error.kind) {
            case 'called':
                return { code: RejectCode.CanisterError, errorCode: ErrorCode.CanisterCalledTrap, message: errorText.calledTrap(canisterId, error.detail) };
            case 'contract':
                return {
                    code: RejectCode.CanisterError,
                    errorCode: ErrorCode.CanisterContractViolation,
                    message: errorText.contractViolation(canisterId, error.detail)
                };
            case 'instruction_limit':
                return {
                    code: RejectCode.CanisterError,
                    errorCode: ErrorCode.CanisterInstructionLimitExceeded,
                    message: errorText.instructionLimit(canisterId, error.limit ?? 0n)
                };
            case 'trapped':
                return { code: RejectCode.CanisterError, errorCode: ErrorCode.CanisterTrapped, message: errorText.trapped(canisterId, error.detail) };
        }
    }
    return { code: RejectCode.CanisterError, errorCode: ErrorCode.CanisterTrapped, message: errorText.trapped(canisterId, engineTrapText(error)) };
}
