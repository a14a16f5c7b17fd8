/**
 * One poller per canister with connected clients: it loops on `ws_get_messages` with the nonce protocol of
 * ic-websocket-gateway (spec protocol.md §8) and hands each message to `deliver` in queue order.
 */
import type { Principal } from '@dfinity/principal';
import type { CanisterOutputCertifiedMessages, CanisterOutputMessage } from '../src/wire.js';
import { PollError } from './ic-client.js';
import { errorMessage, type Logger } from './log.js';

export interface PollerOptions {
    canisterId: Principal;
    /** One `ws_get_messages({nonce})` call; throws {@link PollError}. */
    fetch(nonce: bigint): Promise<CanisterOutputCertifiedMessages>;
    /** Routes one message (with its batch's cert and tree) to its client. */
    deliver(message: CanisterOutputMessage, batch: CanisterOutputCertifiedMessages): void;
    /** Whether any client of this canister is still connected; the poller ends when none is. */
    hasClients(): boolean;
    /** Called once when the poller ends: `error` set when it failed fatally. */
    onStopped(error?: Error): void;
    /** Pause between polls that reached the end of the queue (upstream default 100 ms). */
    intervalMs: number;
    log: Logger;
}

/**
 * The nonce to ask for after a message with `key`: the key's nonce plus one. The first poll (`expected` 0) accepts
 * any nonce, as old messages may have been deleted; afterwards nonces must be consecutive.
 *
 * @example
 * nextNonceAfter(0n, 'aaaaa-aa_00000000000000000007'); // 8n
 * nextNonceAfter(8n, 'aaaaa-aa_00000000000000000009'); // throws: non consecutive nonce
 */
export function nextNonceAfter(expected: bigint, key: string): bigint {
    const nonce = nonceOfKey(key);
    if (expected !== 0n && nonce !== expected) {
        throw new Error(`Non consecutive nonce: expected ${expected}, got ${nonce} (key ${key})`);
    }
    return nonce + 1n;
}

/** The message nonce a certification key ends with (`<gateway principal>_<20-digit nonce>`). */
export function nonceOfKey(key: string): bigint {
    const digits = key.slice(key.lastIndexOf('_') + 1);
    if (!/^\d+$/.test(digits)) throw new Error(`Message key ${JSON.stringify(key)} does not end with _<nonce>`);
    return BigInt(digits);
}

/**
 * What the polls say about the canister: `unknown` until the first poll answered, `stopped` while polls are
 * rejected because it is stopped or stopping (IC0508/IC0509), `running` otherwise.
 */
export type CanisterRunState = 'unknown' | 'running' | 'stopped';

/**
 * @example
 * const poller = new CanisterPoller({ canisterId, fetch: (n) => ic.getMessages(canisterId, n), deliver, hasClients,
 *     onStopped, intervalMs: 100, log });
 * poller.start();
 */
export class CanisterPoller {
    private nextNonce = 0n;
    private successfulPolls = 0;
    private stopped = false;
    private wake: (() => void) | undefined;
    private failingSince: number | undefined;
    private state: CanisterRunState = 'unknown';
    // Relays wait on this while the state is not `running` (see whenRunning).
    private running: { reached: Promise<void>; reach(): void } = deferred();

    constructor(private readonly options: PollerOptions) {}

    /** The nonce the next poll asks for. */
    get nonce(): bigint {
        return this.nextNonce;
    }

    /** Polls answered so far by this poller. */
    get polls(): number {
        return this.successfulPolls;
    }

    get canisterState(): CanisterRunState {
        return this.state;
    }

    /**
     * Resolves once polls say the canister runs (or the poller ended): at once if they do, after the first poll
     * for a new poller, when a poll succeeds again after polls found it stopped or stopping. Client calls submitted
     * to a stopped canister would be rejected and lost (the CDK would then refuse the client's later messages as
     * out of sequence), so relays wait for this. A first poll failing for another reason (network) says nothing
     * about the canister: relays go ahead.
     */
    whenRunning(): Promise<void> {
        return this.running.reached;
    }

    start(): void {
        void this.run();
    }

    /** Ends the loop after the poll in flight (if any); `onStopped` still fires once. */
    stop(): void {
        this.stopped = true;
        this.wake?.();
    }

    private async run(): Promise<void> {
        const { options } = this;
        const canister = options.canisterId.toText();
        options.log.info(`poller for ${canister} started`);
        let failure: Error | undefined;
        while (!this.stopped) {
            const started = Date.now();
            let batch: CanisterOutputCertifiedMessages;
            try {
                batch = await options.fetch(this.nextNonce);
            } catch (error) {
                if (error instanceof PollError && error.fatal) {
                    failure = error;
                    break;
                }
                this.noteFailure(error);
                if (error instanceof PollError && error.canisterPaused) this.setState('stopped');
                else if (this.state === 'unknown') this.setState('running');
                await this.sleep(options.intervalMs);
                continue;
            }
            this.successfulPolls++;
            this.noteSuccess();
            this.setState('running');
            try {
                for (const message of batch.messages) {
                    this.nextNonce = nextNonceAfter(this.nextNonce, message.key);
                    options.deliver(message, batch);
                }
            } catch (error) {
                failure = error instanceof Error ? error : new Error(String(error));
                break;
            }
            if (!options.hasClients()) break;
            if (batch.is_end_of_queue) await this.sleep(options.intervalMs - (Date.now() - started));
        }
        this.running.reach(); // nothing waits on an ended poller
        if (failure) options.log.error(`poller for ${canister} stopped: ${failure.message}`);
        else options.log.info(`poller for ${canister} stopped`);
        options.onStopped(failure);
    }

    private setState(state: CanisterRunState): void {
        if (state === this.state) return;
        if (state === 'stopped') {
            this.options.log.info(`polls say canister ${this.options.canisterId.toText()} is stopped (or stopping); client frames wait until it runs`);
            if (this.state === 'running') this.running = deferred();
        } else if (this.state === 'stopped') {
            this.options.log.info(`canister ${this.options.canisterId.toText()} runs again; relaying the frames it held`);
        }
        this.state = state;
        if (state === 'running') this.running.reach();
    }

    private sleep(ms: number): Promise<void> {
        if (ms <= 0 || this.stopped) return Promise.resolve();
        return new Promise((resolve) => {
            const timer = setTimeout(done, ms);
            function done() {
                clearTimeout(timer);
                resolve();
            }
            this.wake = done;
        });
    }

    // Transient failures (replica restarting, network) are retried silently after the first warning.
    private noteFailure(error: unknown): void {
        if (this.failingSince === undefined) {
            this.failingSince = Date.now();
            this.options.log.warn(`polling ${this.options.canisterId.toText()} failed, retrying: ${errorMessage(error)}`);
        }
    }

    private noteSuccess(): void {
        if (this.failingSince !== undefined) {
            this.options.log.info(`polling ${this.options.canisterId.toText()} recovered after ${Date.now() - this.failingSince} ms`);
            this.failingSince = undefined;
        }
    }
}

function deferred(): { reached: Promise<void>; reach(): void } {
    let reach!: () => void;
    const reached = new Promise<void>((resolve) => (reach = resolve));
    return { reached, reach };
}
