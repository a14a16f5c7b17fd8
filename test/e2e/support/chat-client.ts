/**
 * A chat participant in Node, built on the unmodified ic-websocket-js 0.5.0 (with @dfinity/agent 2.x from this
 * folder's node_modules): it records what the client delivers, reports and how it closes, for assertions.
 * With another `idlFactory` (and message type `M`) it is a client of any IC WebSocket canister.
 */
import './quiet-client-logs.ts';
import { Actor, HttpAgent } from '@dfinity/agent';
import { IcWebSocket, generateRandomIdentity } from 'ic-websocket-js';
import { chatIdlFactory, type ChatMessage } from '../../../examples/chat/web/src/chat-idl.ts';
import { installNodeWebSocketGlobals } from './node-websocket.ts';

export type { ChatMessage };

export interface ChatClientOptions {
    gatewayUrl: string;
    networkUrl: string;
    canisterId: string;
    ackMessageIntervalMs?: number;
    /** The canister's `ws_message` interface; default: the chat's. */
    idlFactory?: (module: { IDL: unknown }) => unknown;
}

/**
 * @example
 * const ada = await ChatClient.connect({ gatewayUrl, networkUrl, canisterId });
 * ada.send({ Join: { nickname: 'ada' } });
 * await ada.waitFor((m) => 'Joined' in m);
 */
export class ChatClient<M = ChatMessage> {
    /** Application messages the client delivered (each one certificate-verified by ic-websocket-js). */
    readonly received: M[] = [];
    /** `performance.now()` when each message of `received` was delivered. */
    readonly receivedAt: number[] = [];
    /** Errors the client reported through onerror. */
    readonly errors: string[] = [];
    closeEvent: { code: number; reason: string } | undefined;
    private readonly waiters = new Set<() => void>();

    private constructor(readonly socket: IcWebSocket<any, M>) {
        socket.onmessage = (event) => {
            this.received.push(event.data);
            this.receivedAt.push(performance.now());
            this.notify();
        };
        socket.onerror = (event) => {
            const error = (event as ErrorEvent).error;
            this.errors.push(error instanceof Error ? error.message : String(error));
            this.notify();
        };
        socket.onclose = (event) => {
            this.closeEvent = { code: event.code, reason: event.reason };
            this.notify();
        };
    }

    /** Opens a client with a fresh random identity; resolves once the canister's OpenMessage was verified. */
    static async connect<M = ChatMessage>(options: ChatClientOptions, timeoutMs = 30_000): Promise<ChatClient<M>> {
        const client = ChatClient.create<M>(options);
        await client.until(() => client.socket.isConnectionEstablished(), timeoutMs, 'the connection to open');
        return client;
    }

    /** Creates a client without waiting for the opening (for tests of failed openings). */
    static create<M = ChatMessage>(options: ChatClientOptions): ChatClient<M> {
        installNodeWebSocketGlobals();
        const identity = generateRandomIdentity();
        const agent = HttpAgent.createSync({ host: options.networkUrl, identity });
        const canisterActor = Actor.createActor((options.idlFactory ?? chatIdlFactory) as any, { agent, canisterId: options.canisterId });
        const socket = new IcWebSocket<any, M>(options.gatewayUrl, undefined, {
            canisterId: options.canisterId,
            canisterActor: canisterActor as any,
            identity,
            networkUrl: options.networkUrl,
            ackMessageIntervalMs: options.ackMessageIntervalMs
        });
        const client = new ChatClient<M>(socket);
        socket.onopen = () => client.notify();
        return client;
    }

    get principal(): string {
        return this.socket.getPrincipal().toText();
    }

    send(message: M): void {
        this.socket.send(message);
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

    close(): void {
        this.socket.close();
    }

    /** Waits until `condition` holds, re-checking on every client event. */
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

    private notify(): void {
        for (const waiter of [...this.waiters]) waiter();
    }
}
