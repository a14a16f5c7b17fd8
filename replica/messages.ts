/**
 * The data that flows through message execution: executions (one run of a canister export), call contexts (what
 * an incoming call is waiting on), outgoing calls and their responses.
 */
import type { Principal } from '@dfinity/principal';
import type { Reject } from './errors.ts';

/** What kind of message an execution runs; it decides which System API calls are allowed. */
export type MessageKind =
    | 'init'
    | 'pre_upgrade'
    | 'post_upgrade'
    | 'update'
    /** A query method run by an update call: replicated, changes discarded. */
    | 'replicated_query'
    /** A query call: non-replicated, sees a data certificate, changes discarded. */
    | 'query'
    /** A composite query: like a query, but it may call query methods (its changes are discarded at the end). */
    | 'composite_query'
    | 'reply_callback'
    | 'reject_callback'
    | 'cleanup'
    | 'global_timer'
    | 'heartbeat'
    | 'inspect_message'
    /** The module's wasm start function, run while a new instance is created. */
    | 'start';

/** How a call ends. */
export type Response = { type: 'reply'; data: Uint8Array } | { type: 'reject'; reject: Reject };

/** The state of one incoming call (ingress or from a canister) on its callee, until it is answered. */
export interface CallContext {
    readonly id: number;
    /** Caller of the call (`msg_caller` in every execution of this context). */
    readonly caller: Principal;
    /** Delivers the answer to whoever waits (an ingress promise or the calling canister's callback). */
    readonly respond: (response: Response) => void;
    /** Whether the call came from a user (ingress): the did-not-reply text differs. */
    readonly fromIngress: boolean;
    /** Part of a composite query: calls reach query methods only, and every change is discarded at the end. */
    readonly composite: boolean;
    /** Cycles attached by the caller and not yet accepted. */
    cyclesAvailable: bigint;
    responded: boolean;
    /** Calls made in this context whose callbacks have not run yet. */
    outstandingCalls: number;
    /** Instructions of the executions of this context so far (`performance_counter(1)`). */
    instructions: bigint;
    /** `ic0.msg_deadline`: when the caller of a best-effort call stops waiting (ns); 0 for guaranteed responses. */
    deadlineNs: bigint;
    /** The reject to answer with when the context ends unanswered because a callback trapped. */
    trapReject?: Reject;
}

/** A table-index closure the canister registered for a callback. */
export interface Closure {
    fun: number;
    env: number;
}

/** A call a canister is building (`call_new` … `call_perform`) or has made. */
export interface OutgoingCall {
    readonly callee: Principal;
    readonly method: string;
    readonly reply: Closure;
    readonly reject: Closure;
    cleanup?: Closure;
    readonly argChunks: Uint8Array[];
    argSize: number;
    cycles: bigint;
    /** The context the call was made in, whose callbacks run when the response comes back. */
    readonly context: CallContext;
    /** Set by `call_with_best_effort_response`: a best-effort call. */
    timeoutSeconds?: number;
    /** Of a best-effort call, set when it is performed: its time plus the timeout. */
    deadlineNs?: bigint;
}

/** One run of a canister export. */
export interface Execution {
    readonly kind: MessageKind;
    readonly arg: Uint8Array;
    readonly caller: Principal;
    readonly methodName: string;
    /** Present for messages that can reply (updates, queries, callbacks). */
    readonly context?: CallContext;
    /** Time the message sees (`ic0.time`), constant within it. */
    readonly timeNs: bigint;
    /** For reject callbacks: the reject being delivered. */
    readonly incomingReject?: Reject;
    /** For callbacks: cycles refunded by the callee. */
    readonly refundedCycles: bigint;
    /** Lazily signed data certificate (only non-replicated queries). */
    readonly dataCertificate?: () => Uint8Array;
    /** `ic0.msg_deadline`: of the incoming call, or for a callback of the call it answers; 0 when guaranteed. */
    readonly deadlineNs: bigint;
    /** Reply limit in bytes (2 MiB; 3 MiB for queries). */
    readonly replyLimit: number;
    /** Instruction limit of this message. */
    readonly instructionLimit: bigint;
    replyChunks: Uint8Array[];
    replySize: number;
    response?: Response;
    pendingCall?: OutgoingCall;
    performedCalls: OutgoingCall[];
    /** System-API charges (used as the whole count when the module is not metered). */
    systemInstructions: bigint;
    messageAccepted: boolean;
    cyclesAccepted: bigint;
}
