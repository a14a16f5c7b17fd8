/**
 * The execution core: canisters of one application subnet, the message queue between them, the clock and rounds.
 *
 * Everything here is synchronous. An ingress update runs, then every message it causes (calls, callbacks,
 * responses) runs from a FIFO queue until none is left, then the round ends (due timers fire, the certified time
 * catches up). That makes each public operation atomic with respect to the others.
 */
import { Principal } from '@dfinity/principal';
import { concatBytes } from './bytes.ts';
import { Canister, canisterIdFromIndex, type Imports, type SavedState } from './canister.ts';
import { type DataCertificates } from './certificates.ts';
import { ErrorCode, errorText, type Reject, RejectCode, RejectError } from './errors.ts';
import { execute, type ExecutionInput, type ExecutionOutcome } from './execution.ts';
import { MAX_INGRESS_PAYLOAD } from './limits.ts';
import type { CallContext, MessageKind, OutgoingCall, Response } from './messages.ts';
import { METERING } from './metering/index.ts';
import { createSystemApi, type SystemApiHost } from './system-api.ts';
import { Trap } from './trap.ts';
import type { LoadedModule } from './wasm/load.ts';

/** First and last canister index of the subnet (the range PocketIC gives its first application subnet). */
export const CANISTER_RANGE = { start: 0xffffffffffe00000n, end: 0xffffffffffefffffn };

/** A finished ingress call: its response and the instructions its call context used. */
export interface IngressResult {
    response: Response;
    instructions: bigint;
}

/** Handles calls to the management canister (`aaaaa-aa`); see management-canister.ts. */
export interface ManagementHandler {
    handle(method: string, arg: Uint8Array, caller: Principal, cycles: bigint): Response;
}

export interface SubnetOptions {
    timeNs: bigint;
    /** The subnet's id and root key (DER), which canisters can read through the System API. */
    subnetId: Principal;
    rootKey: Uint8Array;
    /** Implicit time step of a round that follows another without a time change (PocketIC: 1 ns; default 0). */
    roundTimeIncrementNs?: bigint;
    certificates: DataCertificates;
    host: Pick<SystemApiHost, 'onDebugPrint'>;
}

/** A call in flight, with the canister that made it and the instance its callbacks belong to. */
interface CallInFlight {
    call: OutgoingCall;
    from: Canister;
    instance: WebAssembly.Instance;
}

export class Subnet {
    readonly canisters = new Map<string, Canister>();
    management: ManagementHandler | undefined;
    timeNs: bigint;
    certifiedTimeNs: bigint;
    private readonly queue: (() => void)[] = [];
    /** Time of the last round; a round never runs at the same time as the previous one. */
    private lastRoundNs: bigint;
    private nextIndex = CANISTER_RANGE.start;
    /** While a composite query runs: the canisters it touched, with their state before it (restored at its end). */
    private compositeSaves: Map<Canister, SavedState> | undefined;
    private nextContextId = 1;
    private readonly subnetIdBytes: Uint8Array;

    constructor(private readonly options: SubnetOptions) {
        this.subnetIdBytes = options.subnetId.toUint8Array();
        this.timeNs = options.timeNs;
        this.certifiedTimeNs = options.timeNs;
        this.lastRoundNs = options.timeNs - 1n;
    }

    // ------------------------------------------------------------------ canisters

    /** Creates an empty canister (with `specifiedId` if given and free). */
    createCanister(options: { controllers: Principal[]; cycles: bigint; specifiedId?: Principal }): Canister {
        let id = options.specifiedId;
        if (id && this.canisters.has(id.toText())) throw RejectError.of(ErrorCode.CanisterAlreadyInstalled, `Canister ${id.toText()} already exists`);
        while (!id) {
            if (this.nextIndex > CANISTER_RANGE.end) throw new RejectError(RejectCode.SysFatal, 'The subnet has no canister ids left');
            const candidate = canisterIdFromIndex(this.nextIndex++);
            if (!this.canisters.has(candidate.toText())) id = candidate;
        }
        const canister = new Canister(id, options);
        this.canisters.set(id.toText(), canister);
        return canister;
    }

    /** The canister with `id`, or a reject 3 error. */
    canister(id: Principal | string): Canister {
        const text = typeof id === 'string' ? id : id.toText();
        const canister = this.canisters.get(text);
        if (!canister) throw RejectError.of(ErrorCode.CanisterNotFound, errorText.canisterNotFound(text));
        return canister;
    }

    /** Imports for a new instance of `canister` running `loaded`. */
    importsFor = (canister: Canister, loaded: LoadedModule): Imports => ({
        ic0: createSystemApi(canister, { ...this.options.host, subnetId: this.subnetIdBytes, rootKey: this.options.rootKey }, loaded.memory64),
        [METERING.importModule]: {
            [METERING.outOfInstructions]: () => {
                throw new Trap('instruction_limit', 'out of instructions', canister.current?.instructionLimit);
            },
            [METERING.stackOverflow]: () => {
                throw new Trap('trapped', 'stack overflow');
            }
        }
    });

    // ------------------------------------------------------------------ ingress

    /** Runs an update call from a user to completion (including every message it causes), then ends the round. */
    ingressUpdate(canisterId: Principal, method: string, arg: Uint8Array, sender: Principal): IngressResult {
        checkIngressSize(arg);
        this.startRound();
        if (canisterId.toText() === 'aaaaa-aa') {
            const response = this.managementHandler().handle(method, arg, sender, 0n);
            this.drain();
            this.executeRound();
            return { response, instructions: 0n };
        }
        const canister = this.canister(canisterId);
        this.checkAcceptsMessages(canister);
        this.inspectMessage(canister, method, arg, sender);
        let response: Response | undefined;
        const context = this.newContext(sender, true, 0n, (r) => (response = r));
        this.startCall(canister, method, arg, context);
        this.drain();
        this.executeRound(); // the rounds that follow: timers due now run, the time gets certified
        if (!response) throw new Error(`the call to ${canister.idText}.${method} never completed`);
        return { response, instructions: context.instructions };
    }

    /** Runs a query call: non-replicated, sees a data certificate and the certified time, changes discarded. */
    ingressQuery(canisterId: Principal, method: string, arg: Uint8Array, sender: Principal): IngressResult {
        checkIngressSize(arg);
        const canister = this.canister(canisterId);
        this.checkAcceptsMessages(canister);
        const exports = canister.code!.instance.exports;
        const query = exports[`canister_query ${method}`];
        const composite = exports[`canister_composite_query ${method}`];
        const fn = typeof query === 'function' ? query : composite;
        if (typeof fn !== 'function') {
            throw RejectError.of(ErrorCode.CanisterMethodNotFound, errorText.methodNotFound(canister.idText, 'query', method));
        }
        let response: Response | undefined;
        const isComposite = fn === composite;
        const context = this.newContext(sender, true, 0n, (r) => (response = r), isComposite);
        const timeNs = this.certifiedTimeNs;
        const certificates = this.options.certificates;
        const input: ExecutionInput = {
            kind: isComposite ? 'composite_query' : 'query',
            arg,
            caller: sender,
            methodName: method,
            context,
            timeNs,
            dataCertificate: () => certificates.get(canister.idBytes, canister.certifiedData, timeNs)
        };
        if (isComposite) return this.compositeQuery(canister, input, fn as () => void, () => response);
        const outcome = execute(canister, input, () => (fn as () => void)());
        this.finish(canister, outcome);
        if (!response) throw new Error(`the query ${canister.idText}.${method} never completed`);
        return { response, instructions: outcome.instructions };
    }

    /**
     * Runs a composite query and every call it makes (to query methods, as non-replicated queries), then discards
     * all their changes on every canister they touched.
     */
    private compositeQuery(canister: Canister, input: ExecutionInput, fn: () => void, response: () => Response | undefined): IngressResult {
        this.compositeSaves = new Map();
        try {
            const outcome = this.run(canister, input, fn);
            this.finish(canister, outcome);
            this.drain();
        } finally {
            for (const [touched, saved] of this.compositeSaves) touched.discardSince(saved);
            this.compositeSaves = undefined;
        }
        const answer = response();
        if (!answer) throw new Error(`the composite query ${canister.idText}.${input.methodName} never completed`);
        return { response: answer, instructions: input.context!.instructions };
    }

    /** Executes a message; inside a composite query, first saves the canister's state for the final discard. */
    private run(canister: Canister, input: ExecutionInput, entry: () => void): ExecutionOutcome {
        if (this.compositeSaves && !this.compositeSaves.has(canister)) this.compositeSaves.set(canister, canister.saveForDiscard());
        return execute(canister, input, entry);
    }

    // ------------------------------------------------------------------ time and rounds

    /**
     * Starts a round (the one in which the next messages execute). With `roundTimeIncrementNs` > 0 (PocketIC: 1 ns),
     * time moves on by that much when nothing else moved it since the previous round, so every round has its own
     * time; with 0 (the default) rounds keep the time the clock shows.
     */
    startRound(): void {
        const increment = this.options.roundTimeIncrementNs ?? 0n;
        if (increment > 0n && this.timeNs <= this.lastRoundNs) this.timeNs = this.lastRoundNs + increment;
        this.lastRoundNs = this.timeNs;
    }

    /**
     * Executes one round: due global timers and heartbeats run (each canister at most once), then time is
     * certified.
     */
    executeRound(): void {
        this.startRound();
        for (const canister of [...this.canisters.values()]) {
            if (canister.status !== 'running' || !canister.code) continue;
            const exports = canister.code.instance.exports;
            if (typeof exports.canister_heartbeat === 'function') this.runSystemTask(canister, 'heartbeat', exports.canister_heartbeat as () => void);
            const timer = exports.canister_global_timer;
            if (typeof timer === 'function' && canister.globalTimerNs !== 0n && canister.globalTimerNs <= this.timeNs) {
                canister.globalTimerNs = 0n; // deactivated once it fires, as on the IC
                this.runSystemTask(canister, 'global_timer', timer as () => void);
            }
            this.drain();
        }
        this.certifiedTimeNs = this.timeNs;
    }

    private runSystemTask(canister: Canister, kind: MessageKind, fn: () => void): void {
        const context = this.newContext(canister.id, false, 0n, () => {});
        context.responded = true; // nobody waits for an answer
        const outcome = execute(canister, { kind, caller: canister.id, context, timeNs: this.timeNs }, fn);
        if (outcome.trap) canister.logs.push(`[TRAP] ${kind}: ${outcome.trap.message}`);
        this.finish(canister, outcome);
    }

    // ------------------------------------------------------------------ calls

    private managementHandler(): ManagementHandler {
        if (!this.management) throw new Error('the management canister is not attached');
        return this.management;
    }

    private newContext(caller: Principal, fromIngress: boolean, cycles: bigint, deliver: (response: Response) => void, composite = false): CallContext {
        return {
            id: this.nextContextId++,
            caller,
            fromIngress,
            composite,
            respond: deliver,
            cyclesAvailable: cycles,
            responded: false,
            outstandingCalls: 0,
            instructions: 0n,
            deadlineNs: 0n
        };
    }

    /** Throws the reject a stopped, stopping or empty canister gives to any message. */
    private checkAcceptsMessages(canister: Canister): void {
        const reject = rejectIfUnavailable(canister);
        if (reject) throw RejectError.of(reject.errorCode!, reject.message);
    }

    /** Runs `canister_inspect_message` (if exported) for an ingress update; throws a refusal unless it accepts. */
    private inspectMessage(canister: Canister, method: string, arg: Uint8Array, sender: Principal): void {
        const inspect = canister.code!.instance.exports.canister_inspect_message;
        if (typeof inspect !== 'function') return;
        const outcome = execute(canister, { kind: 'inspect_message', arg, caller: sender, methodName: method, timeNs: this.timeNs }, () => (inspect as () => void)());
        if (outcome.trap) throw new RejectError(outcome.trap.code, outcome.trap.message, outcome.trap.errorCode, { refused: true });
        if (!outcome.execution.messageAccepted) {
            throw RejectError.of(ErrorCode.CanisterRejectedMessage, errorText.rejectedMessage(canister.idText), { refused: true });
        }
    }

    /** Starts executing an incoming call (`method` on `canister`) in `context`. */
    private startCall(canister: Canister, method: string, arg: Uint8Array, context: CallContext): void {
        const unavailable = rejectIfUnavailable(canister);
        if (unavailable) return this.answer(context, unavailable);
        const target = findMethod(canister, method, context.composite);
        if (!target && !context.composite && typeof canister.code!.instance.exports[`canister_composite_query ${method}`] === 'function') {
            const reject: Reject = {
                code: RejectCode.CanisterError,
                errorCode: ErrorCode.CompositeQueryCalledInReplicatedMode,
                message: errorText.compositeInReplicatedMode(canister.idText)
            };
            return this.answer(context, reject);
        }
        if (!target) {
            const reject: Reject = {
                code: RejectCode.CanisterError,
                errorCode: ErrorCode.CanisterMethodNotFound,
                message: errorText.methodNotFound(canister.idText, context.composite ? 'query' : 'update', method)
            };
            return this.answer(context, reject);
        }
        const timeNs = context.composite ? this.certifiedTimeNs : this.timeNs;
        const { kind, fn } = target;
        const outcome = this.run(canister, { kind, arg, caller: context.caller, methodName: method, context, timeNs }, fn);
        this.finish(canister, outcome);
    }

    /** Answers `context` with a reject, if it is still open. */
    private answer(context: CallContext, reject: Reject): void {
        if (context.responded) return;
        context.responded = true;
        context.respond({ type: 'reject', reject });
    }

    /** After an execution: deliver its response, send its calls, and close its context if nothing can answer anymore. */
    private finish(canister: Canister, outcome: ExecutionOutcome): void {
        const { execution, trap } = outcome;
        const context = execution.context;
        if (!context) return;
        if (trap) context.trapReject = trap;
        if (execution.response && !context.responded) {
            context.responded = true;
            context.respond(execution.response);
        }
        for (const call of execution.performedCalls) {
            context.outstandingCalls++;
            const inFlight: CallInFlight = { call, from: canister, instance: canister.code!.instance };
            this.queue.push(() => this.deliverCall(inFlight));
        }
        this.closeIfUnanswerable(canister, context);
    }

    private closeIfUnanswerable(canister: Canister, context: CallContext): void {
        if (context.responded || context.outstandingCalls > 0) return;
        const reject: Reject = context.trapReject ?? {
            code: RejectCode.CanisterError,
            errorCode: ErrorCode.CanisterDidNotReply,
            message: context.fromIngress ? errorText.didNotReply(canister.idText) : errorText.didNotProduceResponse(canister.idText)
        };
        this.answer(context, reject);
    }

    /** Delivers a call to its callee (a canister or the management canister). */
    private deliverCall(inFlight: CallInFlight): void {
        const { call, from } = inFlight;
        const arg = concatBytes(call.argChunks);
        let responded = false;
        const respond = (response: Response, refund: bigint) => {
            if (responded) return;
            responded = true;
            this.queue.push(() => this.deliverResponse(inFlight, response, refund));
        };
        if (call.callee.toText() === 'aaaaa-aa') {
            const response = this.managementHandler().handle(call.method, arg, from.id, call.cycles);
            // Only these methods keep the attached cycles (they fund a canister); everything else refunds them.
            const keepsCycles = response.type === 'reply' && (call.method === 'create_canister' || call.method === 'deposit_cycles');
            return respond(response, keepsCycles ? 0n : call.cycles);
        }
        const callee = this.canisters.get(call.callee.toText());
        if (!callee) {
            return respond(
                { type: 'reject', reject: { code: RejectCode.DestinationInvalid, errorCode: ErrorCode.CanisterNotFound, message: errorText.canisterNotFound(call.callee.toText()) } },
                call.cycles
            );
        }
        const context: CallContext = this.newContext(
            from.id,
            false,
            call.cycles,
            (response) => {
                const refund = context.cyclesAvailable;
                context.cyclesAvailable = 0n;
                respond(response, refund);
            },
            call.context.composite
        );
        context.deadlineNs = call.deadlineNs ?? 0n;
        this.startCall(callee, call.method, arg, context);
    }

    /** Runs the caller's reply or reject callback (and its cleanup callback if that traps). */
    private deliverResponse(inFlight: CallInFlight, response: Response, refund: bigint): void {
        const { call, from: canister } = inFlight;
        const context = call.context;
        context.outstandingCalls--;
        canister.cycles += refund;
        if (!canister.code || canister.code.instance !== inFlight.instance) {
            // The caller was upgraded, reinstalled or uninstalled meanwhile: its callbacks no longer exist.
            canister.logs.push(`[TRAP] dropped a response to a call made by a previous instance (${call.method})`);
            return this.closeIfUnanswerable(canister, context);
        }
        const table = canister.code.table;
        if (!table) throw new Error(`canister ${canister.idText} has no function table to run callbacks`);
        const isReply = response.type === 'reply';
        const closure = isReply ? call.reply : call.reject;
        const outcome = this.run(
            canister,
            {
                kind: isReply ? 'reply_callback' : 'reject_callback',
                arg: isReply ? response.data : undefined,
                incomingReject: isReply ? undefined : response.reject,
                refundedCycles: refund,
                caller: context.caller,
                context,
                timeNs: context.composite ? this.certifiedTimeNs : this.timeNs,
                deadlineNs: call.deadlineNs ?? 0n
            },
            () => (table.get(closure.fun) as (env: number) => void)(closure.env)
        );
        if (outcome.trap && call.cleanup) {
            const cleanup = call.cleanup;
            const cleaned = this.run(canister, { kind: 'cleanup', caller: context.caller, context, timeNs: this.timeNs, deadlineNs: call.deadlineNs ?? 0n }, () =>
                (table.get(cleanup.fun) as (env: number) => void)(cleanup.env)
            );
            if (cleaned.trap) canister.logs.push(`[TRAP] cleanup: ${cleaned.trap.message}`);
        }
        this.finish(canister, outcome);
    }

    /** Runs queued messages until none is left. */
    drain(): void {
        for (let handled = 0; this.queue.length > 0; handled++) {
            if (handled > 1_000_000) throw new Error('the message queue does not quiesce (a canister keeps calling itself?)');
            this.queue.shift()!();
        }
    }
}

/**
 * The export a call to `method` runs, and as what: an update method (or a query method, run as a replicated
 * query) for ordinary calls; inside a composite query only query methods, run non-replicated.
 */
function findMethod(canister: Canister, method: string, composite: boolean): { kind: MessageKind; fn: () => void } | undefined {
    const exports = canister.code!.instance.exports;
    const pick = (name: string, kind: MessageKind) => {
        const fn = exports[`${name} ${method}`];
        return typeof fn === 'function' ? { kind, fn: fn as () => void } : undefined;
    };
    if (composite) return pick('canister_query', 'query') ?? pick('canister_composite_query', 'composite_query');
    return pick('canister_update', 'update') ?? pick('canister_query', 'replicated_query');
}

/** The reject any message to `canister` gets when it is stopped, stopping or empty. */
function rejectIfUnavailable(canister: Canister): Reject | undefined {
    if (canister.status === 'stopped') return { code: RejectCode.CanisterError, errorCode: ErrorCode.CanisterStopped, message: errorText.stopped(canister.idText) };
    if (canister.status === 'stopping') return { code: RejectCode.CanisterError, errorCode: ErrorCode.CanisterStopping, message: errorText.stopping(canister.idText) };
    if (!canister.code) return { code: RejectCode.CanisterError, errorCode: ErrorCode.CanisterWasmModuleNotFound, message: errorText.empty(canister.idText) };
    return undefined;
}

/** The IC refuses ingress messages over 2 MiB before they reach the canister. */
function checkIngressSize(arg: Uint8Array): void {
    if (arg.length > MAX_INGRESS_PAYLOAD) {
        throw new RejectError(
            RejectCode.CanisterReject,
            `Request is too large. Message byte size ${arg.length} is larger than the max allowed ${MAX_INGRESS_PAYLOAD}.`,
            undefined,
            { refused: true }
        );
    }
}
