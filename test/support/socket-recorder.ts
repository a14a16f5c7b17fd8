/**
 * Records what an IC WebSocket client (ic-websocket-js or ic-websocket-client: same event API) delivers, reports
 * and how it closes, and waits on it: the tests' view of a client through its public interface only.
 */

/** The event API both clients share. */
export interface RecordableSocket<M> {
    onopen: ((event: Event) => unknown) | null;
    onmessage: ((event: MessageEvent<M>) => unknown) | null;
    onerror: ((event: ErrorEvent) => unknown) | null;
    onclose: ((event: CloseEvent) => unknown) | null;
}

/**
 * @example
 * const recorder = new SocketRecorder<ChatMessage>(socket);
 * await recorder.waitFor((m) => 'Joined' in m);
 * expect(recorder.errors).toEqual([]);
 */
export class SocketRecorder<M> {
    /** Application messages the client delivered (each one certificate-verified by the client). */
    readonly received: M[] = [];
    /** `performance.now()` when each message of `received` was delivered. */
    readonly receivedAt: number[] = [];
    /** Errors the client reported through onerror (their messages). */
    readonly errors: string[] = [];
    /** The errors themselves, in order. */
    readonly errorObjects: unknown[] = [];
    /** How many times onopen fired. */
    opens = 0;
    closeEvent: { code: number; reason: string } | undefined;
    private readonly waiters = new Set<() => void>();

    constructor(socket: RecordableSocket<M>) {
        socket.onopen = () => {
            this.opens++;
            this.notify();
        };
        socket.onmessage = (event) => {
            this.received.push(event.data);
            this.receivedAt.push(performance.now());
            this.notify();
        };
        socket.onerror = (event) => {
            const error = event.error;
            this.errorObjects.push(error);
            this.errors.push(error instanceof Error ? error.message : String(error));
            this.notify();
        };
        socket.onclose = (event) => {
            this.closeEvent = { code: event.code, reason: event.reason };
            this.notify();
        };
    }

    /** Resolves with the first received message (past or future) matching `predicate`. */
    async waitFor(predicate: (message: M) => boolean, timeoutMs = 15_000, what = 'a matching message'): Promise<M> {
        await this.until(() => this.received.some(predicate), timeoutMs, what);
        return this.received.find(predicate)!;
    }

    /** Resolves once the client closed (for whatever reason). */
    async closed(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
        await this.until(() => this.closeEvent !== undefined, timeoutMs, 'the connection to close');
        return this.closeEvent!;
    }

    /** Waits until `condition` holds, re-checking on every client event (and on `notify()`). */
    until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
        if (condition()) return Promise.resolve();
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.waiters.delete(check);
                reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; errors: ${JSON.stringify(this.errors)}, close: ${JSON.stringify(this.closeEvent)}`));
            }, timeoutMs);
            const check = () => {
                if (!condition()) return;
                clearTimeout(timer);
                this.waiters.delete(check);
                resolve();
            };
            this.waiters.add(check);
        });
    }

    /** Re-checks the waiters (for conditions on state the events do not cover). */
    notify(): void {
        for (const waiter of [...this.waiters]) waiter();
    }
}
