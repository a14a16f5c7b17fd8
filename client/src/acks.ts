/**
 * Acknowledgements of what the client sent (spec protocol.md §7.2-§7.3): every sent message, keep-alives included,
 * must be acknowledged by a canister `AckMessage` within `ackMessageIntervalMs + 30 s`; otherwise the gateway or
 * the canister lost it and the connection is closed.
 */
import { IcWebSocketError } from './errors.js';

/** The latency the protocol allows between client and canister (the CDK's `COMMUNICATION_LATENCY_BOUND_MS`). */
export const COMMUNICATION_LATENCY_BOUND_MS = 30_000;

interface Pending {
    sequenceNum: bigint;
    sentAt: number;
}

/**
 * @example
 * const acks = new AckTracker(300_000 + COMMUNICATION_LATENCY_BOUND_MS, (error) => fail(error));
 * acks.sent(1n);
 * acks.acknowledge(1n); // from the canister's AckMessage
 */
export class AckTracker {
    private pending: Pending[] = [];
    private timer: ReturnType<typeof setTimeout> | undefined;

    constructor(
        private readonly timeoutMs: number,
        private readonly onTimeout: (error: IcWebSocketError) => void,
        private readonly now: () => number = Date.now
    ) {}

    /** Sequence numbers sent and not acknowledged yet, oldest first. */
    get unacknowledged(): bigint[] {
        return this.pending.map((item) => item.sequenceNum);
    }

    /** Records that the message with `sequenceNum` was sent. */
    sent(sequenceNum: bigint): void {
        this.pending.push({ sequenceNum, sentAt: this.now() });
        if (this.pending.length === 1) this.arm();
    }

    /**
     * Applies the canister's `AckMessage{last_incoming_sequence_num}`: everything up to it is acknowledged. Throws
     * `ack-invalid` if it acknowledges a message the client never sent.
     */
    acknowledge(lastIncomingSequenceNum: bigint, lastSentSequenceNum: bigint): void {
        if (lastIncomingSequenceNum > lastSentSequenceNum) {
            throw new IcWebSocketError('ack-invalid', `The canister acknowledged message ${lastIncomingSequenceNum}, but the client sent only ${lastSentSequenceNum}`);
        }
        const before = this.pending.length;
        this.pending = this.pending.filter((item) => item.sequenceNum > lastIncomingSequenceNum);
        if (this.pending.length !== before) this.arm();
    }

    /** Stops the timer and forgets everything (on close). */
    clear(): void {
        this.pending = [];
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.timer = undefined;
    }

    // The timer fires when the oldest pending message's time is up.
    private arm(): void {
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.timer = undefined;
        const oldest = this.pending[0];
        if (!oldest) return;
        this.timer = setTimeout(() => this.expire(), Math.max(0, oldest.sentAt + this.timeoutMs - this.now()));
    }

    private expire(): void {
        this.timer = undefined;
        const late = this.pending.filter((item) => this.now() - item.sentAt >= this.timeoutMs).map((item) => item.sequenceNum);
        if (late.length === 0) return this.arm();
        this.clear();
        this.onTimeout(
            new IcWebSocketError(
                'ack-timeout',
                `The canister did not acknowledge message${late.length > 1 ? 's' : ''} ${late.join(', ')} within ${Math.round(this.timeoutMs / 1000)} s: ${late.length > 1 ? 'they were' : 'it was'} lost on the way (is ackMessageIntervalMs equal to the canister's sendAckIntervalMs?)`
            )
        );
    }
}
