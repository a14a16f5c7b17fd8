/**
 * The gateway-wide account of client frames waiting for relay: how many bytes are held right now across all
 * clients, the peak since start, and who is waiting for room. Sessions charge a frame when they accept it and
 * refund it when its relay ended (or was dropped); while the total is at or over the budget, sessions stop reading
 * their sockets and are called back once relays have made room.
 */

/** What `GET /health` reports under `relays`. */
export interface RelayBudgetStatus {
    /** Client frames accepted and not yet relayed (queued, held, in flight). */
    pending: number;
    /** Their envelopes' bytes. */
    pendingBytes: number;
    /** Highest `pendingBytes` since the gateway started. */
    peakPendingBytes: number;
    /** Clients whose socket is not being read right now (backpressure). */
    pausedClients: number;
}

/**
 * @example
 * const budget = new RelayBudget(64 * 1024 * 1024);
 * budget.charge(frame.length);
 * if (budget.exhausted) budget.whenRoom(() => socket.resume());
 * budget.refund(frame.length); // after the relay
 */
export class RelayBudget {
    private frames = 0;
    private bytes = 0;
    private peak = 0;
    private readonly waiting = new Set<() => void>();
    /** Sessions that paused their socket, for the status. */
    readonly paused = new Set<unknown>();

    constructor(readonly maxBytes: number) {}

    /** True while the bytes held reach the budget: accept no further frames until there is room. */
    get exhausted(): boolean {
        return this.bytes >= this.maxBytes;
    }

    charge(bytes: number): void {
        this.frames += 1;
        this.bytes += bytes;
        if (this.bytes > this.peak) this.peak = this.bytes;
    }

    refund(bytes: number): void {
        this.frames -= 1;
        this.bytes -= bytes;
        if (this.exhausted || this.waiting.size === 0) return;
        const callbacks = [...this.waiting];
        this.waiting.clear();
        for (const callback of callbacks) callback();
    }

    /** Calls `callback` once the budget has room again (at the next refund that leaves room). */
    whenRoom(callback: () => void): void {
        this.waiting.add(callback);
    }

    /** Forgets a callback registered with {@link whenRoom} (its session closed). */
    forget(callback: () => void): void {
        this.waiting.delete(callback);
    }

    status(): RelayBudgetStatus {
        return { pending: this.frames, pendingBytes: this.bytes, peakPendingBytes: this.peak, pausedClients: this.paused.size };
    }
}
