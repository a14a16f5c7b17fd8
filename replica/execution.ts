/**
 * Runs one canister export as a message: atomic (a trap undoes every change to wasm memory, globals, stable
 * memory, certified data, the timer and cycles, and drops the calls it made) and metered (counter reset to 0,
 * limit per message kind, instructions reported).
 */
import type { Principal } from '@dfinity/principal';
import type { Canister } from './canister.ts';
import type { Reject } from './errors.ts';
import { instructionLimitOf, replyLimitOf } from './limits.ts';
import type { CallContext, Execution, MessageKind } from './messages.ts';
import { isTrap, trapToReject } from './trap.ts';

/** What a message needs to start. */
export interface ExecutionInput {
    kind: MessageKind;
    arg?: Uint8Array;
    caller: Principal;
    methodName?: string;
    context?: CallContext;
    timeNs: bigint;
    incomingReject?: Reject;
    refundedCycles?: bigint;
    dataCertificate?: () => Uint8Array;
    /** For callbacks: the deadline of the call they answer (otherwise the context's). */
    deadlineNs?: bigint;
}

/** How it ended: the execution (with its response and calls when committed), the trap if any, instructions used. */
export interface ExecutionOutcome {
    execution: Execution;
    trap: Reject | undefined;
    instructions: bigint;
}

/** Builds the execution record for `input`. */
export function newExecution(input: ExecutionInput): Execution {
    return {
        kind: input.kind,
        arg: input.arg ?? new Uint8Array(0),
        caller: input.caller,
        methodName: input.methodName ?? '',
        context: input.context,
        timeNs: input.timeNs,
        incomingReject: input.incomingReject,
        refundedCycles: input.refundedCycles ?? 0n,
        dataCertificate: input.dataCertificate,
        deadlineNs: input.deadlineNs ?? input.context?.deadlineNs ?? 0n,
        replyLimit: replyLimitOf(input.kind),
        instructionLimit: instructionLimitOf(input.kind),
        replyChunks: [],
        replySize: 0,
        performedCalls: [],
        systemInstructions: 0n,
        messageAccepted: false,
        cyclesAccepted: 0n
    };
}

/** Message kinds whose changes are always discarded. */
const ALWAYS_ROLLED_BACK = new Set<MessageKind>(['query', 'replicated_query', 'inspect_message']);

/**
 * Runs `entry` (a call into the canister's instance) as the message `input`.
 * Errors that are not traps (bugs in the replica) roll back and propagate.
 *
 * @example
 * const { trap, execution } = execute(canister, { kind: 'update', caller, timeNs, methodName: 'f', arg }, () => fn());
 */
export function execute(canister: Canister, input: ExecutionInput, entry: () => void): ExecutionOutcome {
    const execution = newExecution(input);
    const code = canister.code;
    if (!code) throw new Error(`canister ${canister.idText} has no code`);
    if (canister.current) throw new Error(`canister ${canister.idText} is already executing a message`);
    const snapshot = canister.snapshot();
    if (code.counter) code.counter.value = 0n;
    if (code.limit) code.limit.value = execution.instructionLimit;
    if (code.stack) code.stack.value = 0; // a trap leaves it where the message stopped
    canister.current = execution;
    let trap: Reject | undefined;
    let failure: unknown;
    try {
        entry();
    } catch (error) {
        if (isTrap(error)) trap = trapToReject(canister.idText, error);
        else failure = error;
    } finally {
        canister.current = undefined;
    }
    const instructions = code.counter ? (code.counter.value as bigint) : execution.systemInstructions;
    if (input.context) input.context.instructions += instructions;
    if (trap || failure !== undefined || ALWAYS_ROLLED_BACK.has(input.kind)) canister.restore(snapshot);
    else canister.commit();
    if (failure !== undefined) throw failure;
    if (trap) {
        execution.response = undefined;
        execution.performedCalls = [];
    }
    return { execution, trap, instructions };
}
