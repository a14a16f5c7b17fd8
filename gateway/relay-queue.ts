/**
 * One client's calls on their way to the IC: submitted one after another, in the order the client sent them (the
 * CDK requires consecutive sequence numbers), each held while polls say the canister is stopped, and charged to the
 * gateway-wide {@link RelayBudget} from the moment it is accepted until its relay ended.
 *
 * A relay fails for good when the IC rejected or refused the call, or when it was held past its deadline (the
 * envelope's `ingress_expiry`, or `maxHoldMs`): the queue then stops, since every later message of the client
 * would be refused as out of sequence, and its owner closes the client.
 */
import type { Principal } from '@dfinity/principal';
import { RelayRejected, type RelayOutcome } from './call-outcome.js';
import type { RelayedCall } from './frames.js';
import type { RelayBudget } from './relay-budget.js';

/** A held call whose canister did not run again before the call's deadline; it was not submitted. */
export class RelayHeldTooLong extends Error {
    override name = 'RelayHeldTooLong';

    constructor(
        readonly call: RelayedCall,
        readonly heldMs: number
    ) {
        super(`${call.methodName} was held ${Math.round(heldMs / 1000)} s while canister ${call.canisterId.toText()} was stopped`);
    }
}

export interface RelayQueueOptions {
    /** Submits one call (see `IcClient.submitCall`). */
    submit(call: RelayedCall): Promise<RelayOutcome>;
    /** Resolves true once the canister runs, false if it still does not at `deadline` (ms since the epoch). */
    whenCanisterRunning(canisterId: Principal, deadline: number): Promise<boolean>;
    budget: RelayBudget;
    /** Longest hold of one call. */
    maxHoldMs: number;
    /** A relay failed for good; the queue has stopped. */
    onFailure(failure: RelayRejected | RelayHeldTooLong, call: RelayedCall): void;
    /** A relay's outcome is unknown (network error, timeout, 5xx); the queue goes on. */
    onUnknownOutcome(error: unknown, call: RelayedCall): void;
    /** A call left the queue (relayed, failed or dropped). */
    onProgress(): void;
}

// A held call is given up this long before its envelope expires: submitted later, the IC would refuse it anyway.
const EXPIRY_MARGIN_MS = 5_000;

interface Entry {
    call: RelayedCall;
    bytes: number;
    acceptedAt: number;
}

/**
 * @example
 * const queue = new RelayQueue({ submit, whenCanisterRunning, budget, maxHoldMs, onFailure, onUnknownOutcome, onProgress });
 * queue.push(call);        // relayed after the calls pushed before it
 * queue.frames, queue.bytes // what waits (including the call in flight)
 * queue.stop();            // drops what has not been submitted yet
 */
export class RelayQueue {
    // Calls not yet submitted, oldest first; the one being relayed is `current`.
    private readonly waiting: Entry[] = [];
    private current: Entry | undefined;
    private pumping = false;
    private pendingBytes = 0;
    private stopped = false;

    constructor(private readonly options: RelayQueueOptions) {}

    /** Calls waiting, including the one in flight. */
    get frames(): number {
        return this.waiting.length + (this.current ? 1 : 0);
    }

    /** Their envelopes' bytes. */
    get bytes(): number {
        return this.pendingBytes;
    }

    push(call: RelayedCall): void {
        if (this.stopped) return;
        const entry = { call, bytes: call.envelope.length, acceptedAt: Date.now() };
        this.waiting.push(entry);
        this.pendingBytes += entry.bytes;
        this.options.budget.charge(entry.bytes);
        if (!this.pumping) void this.pump();
    }

    /** Drops every call not yet submitted; the one in flight (if any) ends on its own. Later pushes are ignored. */
    stop(): void {
        if (this.stopped) return;
        this.stopped = true;
        const dropped = this.waiting.splice(0);
        for (const entry of dropped) this.release(entry);
        if (dropped.length > 0) this.options.onProgress();
    }

    private async pump(): Promise<void> {
        this.pumping = true;
        while (!this.stopped && this.waiting.length > 0) {
            const entry = this.waiting.shift()!;
            this.current = entry;
            const failure = await this.relay(entry);
            this.current = undefined;
            this.release(entry);
            if (failure && !this.stopped) {
                this.stop();
                this.options.onFailure(failure, entry.call);
            }
            this.options.onProgress();
        }
        this.pumping = false;
    }

    private async relay({ call, acceptedAt }: Entry): Promise<RelayRejected | RelayHeldTooLong | undefined> {
        const deadline = Math.min(acceptedAt + this.options.maxHoldMs, call.ingressExpiryMs - EXPIRY_MARGIN_MS);
        try {
            if (!(await this.options.whenCanisterRunning(call.canisterId, deadline))) return new RelayHeldTooLong(call, Date.now() - acceptedAt);
            if (!this.stopped) await this.options.submit(call);
        } catch (error) {
            if (error instanceof RelayRejected) return error;
            this.options.onUnknownOutcome(error, call);
        }
        return undefined;
    }

    private release(entry: Entry): void {
        this.pendingBytes -= entry.bytes;
        this.options.budget.refund(entry.bytes);
    }
}
