/**
 * A WebSocket client of a canister under test: `ic-websocket-client` (the protocol as ic-websocket-js speaks it,
 * through the gateway) with every message verified before it is delivered — certificate signed by the replica's root
 * key, witness, SHA-256 of the content, consecutive sequence numbers — and a test-friendly surface: messages are
 * queued for `nextMessage()`, errors and the close are recorded, and every wait has a timeout.
 *
 * @example
 * const alice = await canister.connect<AppMessage>();
 * expect(await alice.nextMessage()).toEqual({ text: 'welcome' });
 * alice.send({ text: 'hi' });
 * await alice.close();
 */
import type { ActorSubclass, SignIdentity } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { WebSocket } from 'ws';
import { IcWebSocket, generateRandomIdentity, type WebSocketConstructor, type _WS_CANISTER_SERVICE } from '../../../client/src/index.ts';

/** How long waits last unless told otherwise. */
export const DEFAULT_WAIT_MS = 10_000;

export interface TestClientOptions {
    /** Gateway WebSocket URL. */
    gatewayUrl: string;
    /** IC HTTP endpoint. */
    networkUrl: string;
    canisterId: Principal;
    /** An actor of the canister (its `ws_message` types the messages). */
    actor: ActorSubclass<_WS_CANISTER_SERVICE>;
    /** DER root key the certificates must be signed with. */
    rootKey: Uint8Array;
    /** Who the client is; default a fresh random identity. */
    identity?: SignIdentity;
    /** Must equal the canister's `sendAckIntervalMs` (default 300 000). */
    ackMessageIntervalMs?: number;
}

export class TestClient<M = unknown> {
    /** Every message the client delivered, verified, in order. */
    readonly received: M[] = [];
    /** Errors the client reported (a failed verification, a lost gateway, ...), in order. */
    readonly errors: Error[] = [];
    /** How the connection closed, once it did. */
    closeEvent: { code: number; reason: string } | undefined;
    private taken = 0;
    private opened = false;
    private readonly waiters = new Set<() => void>();

    private constructor(
        /** The underlying `ic-websocket-client` socket. */
        readonly socket: IcWebSocket<_WS_CANISTER_SERVICE, M>
    ) {
        socket.onopen = () => {
            this.opened = true;
            this.notify();
        };
        socket.onmessage = (event) => {
            this.received.push(event.data);
            this.notify();
        };
        socket.onerror = (event) => {
            const error = (event as ErrorEvent).error;
            this.errors.push(error instanceof Error ? error : new Error(String(error)));
            this.notify();
        };
        socket.onclose = (event) => {
            this.closeEvent = { code: event.code, reason: event.reason };
            this.notify();
        };
    }

    /** Opens a client; resolves once the canister confirmed the connection (its open message was verified). */
    static async connect<M>(options: TestClientOptions, timeoutMs = DEFAULT_WAIT_MS): Promise<TestClient<M>> {
        const identity = options.identity ?? generateRandomIdentity();
        const socket = new IcWebSocket<_WS_CANISTER_SERVICE, M>(options.gatewayUrl, undefined, {
            canisterId: options.canisterId,
            canisterActor: options.actor,
            identity,
            networkUrl: options.networkUrl,
            rootKey: options.rootKey,
            ackMessageIntervalMs: options.ackMessageIntervalMs,
            WebSocket: WebSocket as unknown as WebSocketConstructor
        });
        const client = new TestClient<M>(socket);
        try {
            await client.until(() => client.opened, timeoutMs, 'the connection to open');
        } catch (error) {
            socket.close();
            throw error;
        }
        return client;
    }

    /** The principal the canister sees for this client. */
    get principal(): Principal {
        return this.socket.getPrincipal();
    }

    /** Whether the connection is open. */
    get isOpen(): boolean {
        return this.socket.isConnectionEstablished();
    }

    /** Sends an application message (Candid-encoded with the canister's message type, signed by the client). */
    send(message: M): void {
        this.socket.send(message);
    }

    /**
     * The next message not yet returned by `nextMessage` (one already received, or the next to arrive). Rejects after
     * `timeoutMs`, or at once if the connection closed with nothing left to read.
     */
    async nextMessage(timeoutMs = DEFAULT_WAIT_MS): Promise<M> {
        await this.until(() => this.received.length > this.taken, timeoutMs, 'the next message', true);
        return this.received[this.taken++]!;
    }

    /** The first received message (past or future) matching `predicate`. */
    async waitFor(predicate: (message: M) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<M> {
        await this.until(() => this.received.some(predicate), timeoutMs, 'a matching message', true);
        return this.received.find(predicate)!;
    }

    /** Resolves with the close code and reason once the connection closed (by either side). */
    async closed(timeoutMs = DEFAULT_WAIT_MS): Promise<{ code: number; reason: string }> {
        await this.until(() => this.closeEvent !== undefined, timeoutMs, 'the connection to close');
        return this.closeEvent!;
    }

    /** Closes the connection (1000) and waits until it is closed. */
    async close(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
        if (this.closeEvent) return;
        this.socket.close();
        await this.closed(timeoutMs);
    }

    /** Waits until `condition` holds, re-checking on every client event. */
    private until(condition: () => boolean, timeoutMs: number, what: string, failOnClose = false): Promise<void> {
        return new Promise((resolve, reject) => {
            const fail = (why: string) => {
                const errors = this.errors.map((error) => error.message);
                const close = this.closeEvent ? `closed ${this.closeEvent.code}${this.closeEvent.reason ? ` (${this.closeEvent.reason})` : ''}` : 'open';
                reject(new Error(`${why} waiting for ${what}: ${this.received.length} message(s) received, connection ${close}${errors.length ? `, errors: ${errors.join('; ')}` : ''}`));
            };
            const check = () => {
                if (condition()) {
                    finish();
                    resolve();
                } else if (failOnClose && this.closeEvent) {
                    finish();
                    fail('the connection closed');
                }
            };
            const timer = setTimeout(() => {
                finish();
                fail(`timed out after ${timeoutMs} ms`);
            }, timeoutMs);
            const finish = () => {
                clearTimeout(timer);
                this.waiters.delete(check);
            };
            this.waiters.add(check);
            check();
        });
    }

    private notify(): void {
        for (const waiter of [...this.waiters]) waiter();
    }
}
