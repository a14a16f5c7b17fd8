/**
 * What one client may make the gateway hold, and how fast it may send: the limits that keep a flooding client from
 * inflating the gateway (issue #9, finding 7). Defaults fit any legitimate IC WebSocket client: a `ws_message` is
 * bounded by the IC's 2 MiB ingress limit plus its envelope.
 *
 * Cost note: every figure below is checked in O(1) per frame (counters, one token bucket); nothing here scans queues.
 */

/** Per-client and gateway-wide limits; every field has a default (see {@link DEFAULT_LIMITS}). */
export interface ClientLimits {
    /**
     * Largest client frame (bytes). A bigger one closes the connection with 1009 before it is buffered (the `ws`
     * server's `maxPayload` checks the frame header). Default 2 MiB + 64 KiB: the IC's 2 MiB ingress limit on the
     * argument plus room for the envelope (keys, signature, a delegation chain).
     */
    maxFrameBytes: number;
    /**
     * Most frames of one client waiting for relay (queued, held while the canister is stopped, or in flight).
     * The gateway stops reading a client's socket at half of this (TCP then slows the client down); a client that
     * still gets past the limit is closed with 1008. Default 64.
     */
    maxPendingRelays: number;
    /** Same as {@link maxPendingRelays}, in bytes of envelopes. Default 16 MiB (8 MiB before reading pauses). */
    maxPendingRelayBytes: number;
    /**
     * Most frames a client may send per second, as a token bucket holding one second of frames (bursts up to this
     * many are fine). A client going faster is closed with 1008. Default 100.
     */
    maxFramesPerSecond: number;
    /**
     * Bytes of envelopes waiting for relay across all clients. While the total is at or over it, the gateway stops
     * reading clients that have more than one call waiting (they wait, nothing is lost); clients with at most one
     * keep going, so the total may pass it by one frame per such client. Default 64 MiB.
     */
    maxTotalPendingRelayBytes: number;
    /**
     * Longest time a frame is held while its canister is stopped (and never past its envelope's `ingress_expiry`,
     * after which the IC would refuse it): then the client is closed with 1012 and a reason. Default 5 minutes,
     * the IC's ingress expiry window.
     */
    maxHoldMs: number;
    /**
     * Bytes of canister messages the gateway may have queued for a client that does not read them; more closes
     * the client with 1008. Default 32 MiB.
     */
    maxUnsentBytes: number;
    /**
     * Open client connections the gateway accepts, across canisters (each one holds a socket, a session and its
     * buffers, so this bounds the gateway's memory with the per-client limits above). A connection over it is
     * closed at once, before the handshake, with 1013 `gateway full: N clients, try again later`. Default 10,000.
     */
    maxClients: number;
}

export const DEFAULT_LIMITS: Readonly<ClientLimits> = Object.freeze({
    maxFrameBytes: 2 * 1024 * 1024 + 64 * 1024,
    maxPendingRelays: 64,
    maxPendingRelayBytes: 16 * 1024 * 1024,
    maxFramesPerSecond: 100,
    maxTotalPendingRelayBytes: 64 * 1024 * 1024,
    maxHoldMs: 5 * 60 * 1000,
    maxUnsentBytes: 32 * 1024 * 1024,
    maxClients: 10_000
});

/**
 * The defaults overridden by `given`; throws on a value that is not a positive number.
 *
 * @example
 * resolveLimits({ maxFramesPerSecond: 20 }); // { ...DEFAULT_LIMITS, maxFramesPerSecond: 20 }
 */
export function resolveLimits(given: Partial<ClientLimits> = {}): ClientLimits {
    const limits = { ...DEFAULT_LIMITS };
    for (const [name, value] of Object.entries(given) as [keyof ClientLimits, number | undefined][]) {
        if (value === undefined) continue;
        if (!(name in DEFAULT_LIMITS)) throw new Error(`unknown limit ${name}`);
        if (typeof value !== 'number' || !(value > 0)) throw new Error(`${name} must be a number > 0, got ${value}`);
        limits[name] = value;
    }
    return limits;
}

/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most one second's worth. Each frame takes a token.
 *
 * @example
 * const rate = new FrameRateLimiter(100);
 * if (!rate.take()) session.close(1008, 'more than 100 frames per second');
 */
export class FrameRateLimiter {
    private tokens: number;
    private updatedAt: number;

    constructor(
        private readonly ratePerSecond: number,
        private readonly now: () => number = () => performance.now()
    ) {
        this.tokens = ratePerSecond;
        this.updatedAt = now();
    }

    /** Takes a token for one frame; false when the bucket is empty (the client is over the rate). */
    take(): boolean {
        const now = this.now();
        this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
        this.updatedAt = now;
        if (this.tokens < 1) return false;
        this.tokens -= 1;
        return true;
    }
}
