/**
 * Reject codes, IC error codes and the texts the IC uses for them, so callers see what they would see on the IC.
 *
 * The reject code is the first digit of the error code (IC0503 → 5), as on the IC.
 */
import { instructionLimitMessage } from './metering/index.ts';

/** The IC's reject codes. */
export const RejectCode = {
    SysFatal: 1,
    SysTransient: 2,
    DestinationInvalid: 3,
    CanisterReject: 4,
    CanisterError: 5
} as const;
export type RejectCode = (typeof RejectCode)[keyof typeof RejectCode];

/** The IC error codes the replica produces (`IC0503` etc.). */
export const ErrorCode = {
    CanisterNotFound: 'IC0301',
    CanisterRejectedMessage: 'IC0406',
    UnknownManagementMessage: 'IC0407',
    InvalidManagementPayload: 'IC0408',
    CanisterTrapped: 'IC0502',
    CanisterCalledTrap: 'IC0503',
    CanisterContractViolation: 'IC0504',
    CanisterInvalidWasm: 'IC0505',
    CanisterDidNotReply: 'IC0506',
    CanisterStopped: 'IC0508',
    CanisterStopping: 'IC0509',
    CanisterNotStopped: 'IC0510',
    CanisterInvalidController: 'IC0512',
    CanisterInstructionLimitExceeded: 'IC0522',
    CompositeQueryCalledInReplicatedMode: 'IC0527',
    CanisterMethodNotFound: 'IC0536',
    CanisterWasmModuleNotFound: 'IC0537',
    CanisterAlreadyInstalled: 'IC0538'
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Reject code implied by an error code (its first digit). */
export function rejectCodeOf(errorCode: ErrorCode): RejectCode {
    return Number(errorCode[3]) as RejectCode;
}

/**
 * A call that did not get a reply: rejected by the canister, trapped, or refused by the replica.
 *
 * @example
 * try { await r.update(id, 'nope', arg); }
 * catch (e) { if (e instanceof RejectError) console.log(e.code, e.errorCode, e.message); }
 */
export class RejectError extends Error {
    /** The IC reject code (1-5). */
    readonly code: RejectCode;
    /** The IC error code (`IC0503`...), absent for explicit rejects by canister code (`msg_reject`). */
    readonly errorCode: ErrorCode | undefined;
    /**
     * True when the request was refused before it was accepted for execution (argument too large, rejected by
     * `canister_inspect_message`): the IC's HTTP interface answers those with an HTTP error, not a reject.
     */
    readonly refused: boolean;
    /**
     * IC instructions the rejected call used (summed over its call context, as `CallResult.instructions`), when it
     * executed: set by `Replica.update` and `Replica.query`, so benchmarks can measure calls that trap.
     */
    readonly instructions: bigint | undefined;

    constructor(code: RejectCode, message: string, errorCode?: ErrorCode, options: { refused?: boolean; instructions?: bigint } = {}) {
        super(message);
        this.name = 'RejectError';
        this.code = code;
        this.errorCode = errorCode;
        this.refused = options.refused ?? false;
        this.instructions = options.instructions;
    }

    /** Builds the error from an IC error code, deriving the reject code. */
    static of(errorCode: ErrorCode, message: string, options: { refused?: boolean } = {}): RejectError {
        return new RejectError(rejectCodeOf(errorCode), message, errorCode, options);
    }
}

/** A reject as it travels between canisters and back to ingress callers. */
export interface Reject {
    code: RejectCode;
    message: string;
    errorCode?: ErrorCode;
}

/** The link the IC appends to execution errors, naming the documentation section. */
function docs(anchor: string): string {
    return `See documentation: https://internetcomputer.org/docs/current/references/execution-errors#${anchor}`;
}

/** Texts of the IC's execution errors, as the IC words them. */
export const errorText = {
    canisterNotFound: (id: string) => `Canister ${id} not found`,
    didNotReply: (id: string) => `Canister ${id} did not reply to the call`,
    didNotProduceResponse: (id: string) => `Canister ${id} did not produce a response`,
    stopped: (id: string) => `Canister ${id} is stopped`,
    stopping: (id: string) => `Canister ${id} is stopping`,
    notStopped: (id: string) => `Canister ${id} is not stopped`,
    empty: (id: string) =>
        `Error from Canister ${id}: Attempted to execute a message, but the canister contains no Wasm module.\n` +
        `Try installing code with dfx or the management canister's install_code. ${docs('wasm-module-not-found')}`,
    methodNotFound: (id: string, kind: 'update' | 'query', method: string) =>
        `Error from Canister ${id}: Canister has no ${kind} method '${method}'.\n` +
        `Check that the method being called is exported by the canister. ${docs('method-not-found')}`,
    calledTrap: (id: string, message: string) =>
        `Error from Canister ${id}: Canister called \`ic0.trap\` with message: '${message}'.\n` +
        `Consider gracefully handling failures from this canister or altering the canister to handle exceptions. ${docs('trapped-explicitly')}`,
    trapped: (id: string, what: string) =>
        `Error from Canister ${id}: Canister trapped: ${what}.\n` +
        `Consider gracefully handling failures from this canister or altering the canister to handle exceptions. ${docs('trapped')}`,
    contractViolation: (id: string, what: string) =>
        `Error from Canister ${id}: Canister violated contract: ${what}.\n` +
        `This is likely an error with the compiler/CDK toolchain being used to build the canister. ${docs('contract-violation')}`,
    instructionLimit: (id: string, limit: bigint) =>
        `Error from Canister ${id}: ${instructionLimitMessage(limit)}\n` +
        `Try optimizing this method to consume fewer instructions or split the work across multiple messages. ${docs('instruction-limit-exceeded')}`,
    invalidController: (id: string, controllers: string[], sender: string) =>
        `Only the controllers of the canister ${id} can control it.\n` +
        `Canister's controllers: ${controllers.join(' ')}\nSender's ID: ${sender}`,
    rejectedMessage: (id: string) => `Canister ${id} rejected the message`,
    compositeInReplicatedMode: (id: string) => `Error from Canister ${id}: Composite query cannot be called in replicated mode`,
    alreadyInstalled: (id: string) =>
        `Canister ${id} cannot be installed because the canister is not empty. Try installing with mode='reinstall' or mode='upgrade'.`,
    invalidWasm: (id: string, why: string) => `Error from Canister ${id}: Canister's Wasm module is not valid: ${why}`
};
