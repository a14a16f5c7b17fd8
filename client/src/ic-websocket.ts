/**
 * `IcWebSocket`: a WebSocket to a canister through an IC WebSocket gateway, with the public API of
 * ic-websocket-js 0.5 (switching is an import change) on @dfinity/agent 3. Every canister message is verified
 * before `onmessage` sees it (see session.ts and verifier.ts); optional reconnects start a new session.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import type { SignIdentity } from '@dfinity/agent';
import { COMMUNICATION_LATENCY_BOUND_MS } from './acks.js';
import type { IcWebSocketConfig, ReconnectOptions, WebSocketConstructor } from './config.js';
import { IcWebSocketError, messageOf } from './errors.js';
import { closeEvent, errorEvent, messageEvent } from './events.js';
import { extractApplicationMessageIdl, type ClientKey, type GetApplicationMessageType, type _WS_CANISTER_SERVICE } from './idl.js';
import { rootKeyFor } from './root-key.js';
import { Session } from './session.js';
import { MessageVerifier } from './verifier.js';

export { COMMUNICATION_LATENCY_BOUND_MS };

const DEFAULT_ACK_MESSAGE_INTERVAL_MS = 300_000;
const DEFAULT_OPEN_TIMEOUT_MS = 2 * COMMUNICATION_LATENCY_BOUND_MS;
const DEFAULT_RECONNECT: Required<ReconnectOptions> = { maxAttempts: 5, delayMs: 1_000, maxDelayMs: 30_000 };

/** What `onreconnect` receives: a dropped connection is being replaced by a new session. */
export class ReconnectEvent extends Event {
    constructor(
        /** 1 for the first attempt after a drop. */
        readonly attempt: number,
        /** When the attempt starts, in ms from now. */
        readonly delayMs: number,
        /** Why the connection dropped. */
        readonly error: IcWebSocketError,
        /**
         * Messages sent on the dropped connection that the canister had not acknowledged: they may be lost, and are
         * not resent.
         */
        readonly unacknowledgedMessages: number
    ) {
        super('reconnect');
    }
}

// Root keys by network URL: many clients of one network fetch it once.
const rootKeys = new Map<string, Promise<Uint8Array>>();

function rootKeyOf(networkUrl: string): Promise<Uint8Array> {
    let key = rootKeys.get(networkUrl);
    if (!key) {
        key = rootKeyFor(networkUrl);
        rootKeys.set(networkUrl, key);
        key.catch(() => rootKeys.delete(networkUrl));
    }
    return key;
}

function isSignIdentity(identity: unknown): identity is SignIdentity {
    const candidate = identity as Partial<SignIdentity> | undefined;
    return typeof candidate?.getPrincipal === 'function' && typeof candidate.transformRequest === 'function' && typeof candidate.sign === 'function';
}

/**
 * @example
 * const ws = new IcWebSocket(gatewayUrl, undefined, createWsConfig({ canisterId, canisterActor, identity, networkUrl }));
 * ws.onopen = () => ws.send({ Join: { nickname: 'ada' } });
 * ws.onmessage = (event) => console.log(event.data);           // decoded and certificate-verified
 * ws.onerror = (event) => console.error(event.error.message);  // an IcWebSocketError, with a `reason`
 * ws.onclose = (event) => console.log('closed', event.code);
 */
export class IcWebSocket<S extends _WS_CANISTER_SERVICE, ApplicationMessageType = GetApplicationMessageType<S>> extends EventTarget {
    readonly CONNECTING = 0 as const;
    readonly OPEN = 1 as const;
    readonly CLOSING = 2 as const;
    readonly CLOSED = 3 as const;

    /** The canister this socket talks to. */
    readonly canisterId: Principal;

    onopen: ((this: IcWebSocket<S, ApplicationMessageType>, ev: Event) => any) | null = null;
    onmessage: ((this: IcWebSocket<S, ApplicationMessageType>, ev: MessageEvent<ApplicationMessageType>) => any) | null = null;
    onerror: ((this: IcWebSocket<S, ApplicationMessageType>, ev: ErrorEvent) => any) | null = null;
    onclose: ((this: IcWebSocket<S, ApplicationMessageType>, ev: CloseEvent) => any) | null = null;
    /** Called when a dropped connection is about to be replaced (with `reconnect` enabled). */
    onreconnect: ((this: IcWebSocket<S, ApplicationMessageType>, ev: ReconnectEvent) => any) | null = null;

    private readonly url: string;
    private readonly protocols: string | string[] | undefined;
    private readonly identity: SignIdentity;
    private readonly applicationMessageIdl: IDL.Type<ApplicationMessageType>;
    private readonly verifier: MessageVerifier;
    private readonly WebSocketClass: WebSocketConstructor;
    private readonly ackMessageIntervalMs: number;
    private readonly openTimeoutMs: number;
    private readonly reconnect: Required<ReconnectOptions> | undefined;
    private session: Session | undefined;
    private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
    private reconnectAttempts = 0;
    private closedByUser = false;
    private finished = false;
    // Reconnects replace a connection that was open: a first connection that never opens is not retried.
    private everOpened = false;
    // Between a drop and the next opening, a failed attempt's error is kept for the next ReconnectEvent or the
    // final close instead of being reported on its own.
    private reconnecting = false;
    private attemptError: IcWebSocketError | undefined;

    /**
     * Opens the connection right away. Throws (synchronously) on an invalid configuration.
     * @param url The gateway's WebSocket URL.
     * @param protocols WebSocket subprotocols, passed through.
     * @param config {@link createWsConfig}
     */
    constructor(url: string | URL, protocols: string | string[] | undefined, config: IcWebSocketConfig<S>) {
        super();
        if (!config?.canisterActor) throw new Error('IcWebSocket: canisterActor is required (an actor created from the canister\'s IDL factory)');
        if (!config.identity) throw new Error('IcWebSocket: identity is required (use generateRandomIdentity() for anonymous users)');
        if (!isSignIdentity(config.identity)) throw new Error('IcWebSocket: identity must be a SignIdentity (it signs the calls)');
        if (!config.networkUrl && !config.rootKey) throw new Error('IcWebSocket: networkUrl is required (e.g. https://icp-api.io)');
        try {
            this.canisterId = Principal.from(config.canisterId);
        } catch (error) {
            throw new Error(`IcWebSocket: ${JSON.stringify(String(config.canisterId))} is not a valid canister id (${messageOf(error)})`);
        }
        const WebSocketClass = config.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
        if (!WebSocketClass) throw new Error("IcWebSocket: no WebSocket class: in Node < 22 pass createWsConfig({ ..., WebSocket }) with WebSocket from the 'ws' package");
        this.WebSocketClass = WebSocketClass;
        this.url = String(url);
        this.protocols = protocols;
        this.identity = config.identity;
        this.applicationMessageIdl = extractApplicationMessageIdl(config.canisterActor as never) as IDL.Type<ApplicationMessageType>;
        this.ackMessageIntervalMs = config.ackMessageIntervalMs || DEFAULT_ACK_MESSAGE_INTERVAL_MS;
        this.openTimeoutMs = config.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
        this.reconnect = config.reconnect ? { ...DEFAULT_RECONNECT, ...(config.reconnect === true ? {} : config.reconnect) } : undefined;
        this.verifier = new MessageVerifier({
            canisterId: this.canisterId,
            rootKey: config.rootKey ?? rootKeyOf(config.networkUrl),
            maxCertificateAgeInMinutes: config.maxCertificateAgeInMinutes || 5,
            certificateCache: config.certificateCache,
            blsVerify: config.blsVerify
        });
        this.addEventListener('open', (event) => this.callHandler(this.onopen, event));
        this.addEventListener('message', (event) => this.callHandler(this.onmessage, event as MessageEvent<ApplicationMessageType>));
        this.addEventListener('error', (event) => this.callHandler(this.onerror, event as ErrorEvent));
        this.addEventListener('close', (event) => this.callHandler(this.onclose, event as CloseEvent));
        this.addEventListener('reconnect', (event) => this.callHandler(this.onreconnect, event as ReconnectEvent));
        this.connect();
    }

    /** CONNECTING until the canister confirmed the connection (and while reconnecting), then OPEN, CLOSING, CLOSED. */
    get readyState(): number {
        if (this.finished) return this.CLOSED;
        if (!this.session) return this.CONNECTING;
        if (this.session.isClosing) return this.CLOSING;
        return this.session.isEstablished ? this.OPEN : this.CONNECTING;
    }

    /** This connection's client key (principal and the current session's nonce). */
    get clientKey(): ClientKey | undefined {
        return this.session?.clientKey;
    }

    /** How many sent messages the canister has not acknowledged yet. */
    get unacknowledgedMessages(): number {
        return this.session?.unacknowledged ?? 0;
    }

    /**
     * Sends an application message, Candid-encoded with the canister's message type. Messages are signed and sent
     * in call order. Throws an {@link IcWebSocketError} (`not-open`) before `onopen` or after a close, and an error
     * if `message` does not fit the type.
     */
    send(message: ApplicationMessageType): void {
        if (!this.session?.isEstablished) {
            throw new IcWebSocketError('not-open', this.finished ? 'The connection is closed' : 'The connection is not established yet: wait for onopen');
        }
        this.session.send(new Uint8Array(IDL.encode([this.applicationMessageIdl], [message])));
    }

    /** The principal the canister sees as the caller. */
    getPrincipal(): Principal {
        return this.identity.getPrincipal();
    }

    /** Closes the connection (code 1000); no reconnect follows. */
    close(): void {
        this.closedByUser = true;
        if (this.reconnectTimer !== undefined) {
            clearTimeout(this.reconnectTimer);
            this.reconnectTimer = undefined;
            this.finish(closeEvent(1000, '', true));
            return;
        }
        this.session?.close(1000);
    }

    /** Whether the canister confirmed the connection and it is open. */
    isConnectionEstablished(): boolean {
        return this.session?.isEstablished ?? false;
    }

    private connect(): void {
        try {
            this.session = new Session(
                {
                    url: this.url,
                    protocols: this.protocols,
                    WebSocket: this.WebSocketClass,
                    identity: this.identity,
                    canisterId: this.canisterId,
                    verifier: this.verifier,
                    ackMessageIntervalMs: this.ackMessageIntervalMs,
                    openTimeoutMs: this.openTimeoutMs
                },
                {
                    opened: () => {
                        this.reconnectAttempts = 0;
                        this.everOpened = true;
                        this.reconnecting = false;
                        this.attemptError = undefined;
                        this.dispatchEvent(new Event('open'));
                    },
                    message: (content) => {
                        let data: ApplicationMessageType;
                        try {
                            data = IDL.decode([this.applicationMessageIdl], content)[0] as ApplicationMessageType;
                        } catch (error) {
                            throw new IcWebSocketError('frame-invalid', `A canister message does not decode as the application message type: ${messageOf(error)}`);
                        }
                        this.dispatchEvent(messageEvent(data));
                    },
                    error: (error) => {
                        if (this.reconnecting) this.attemptError = error;
                        else this.dispatchEvent(errorEvent(error));
                    },
                    closed: (event, cause) => this.onSessionClosed(event, cause)
                }
            );
        } catch (error) {
            // The WebSocket constructor threw (e.g. a malformed URL): reported like a failed connection, asynchronously.
            const failure = error instanceof IcWebSocketError ? error : new IcWebSocketError('gateway-unreachable', messageOf(error));
            this.session = undefined;
            setTimeout(() => {
                this.dispatchEvent(errorEvent(failure));
                this.finish(closeEvent(1006, '', false));
            });
        }
    }

    private onSessionClosed(event: { code: number; reason: string; wasClean: boolean }, cause: IcWebSocketError | undefined): void {
        const session = this.session;
        if (this.reconnect && this.everOpened && !this.closedByUser && cause?.recoverable && this.reconnectAttempts < this.reconnect.maxAttempts) {
            this.reconnectAttempts++;
            const delayMs = Math.min(this.reconnect.maxDelayMs, this.reconnect.delayMs * 2 ** (this.reconnectAttempts - 1));
            const unacknowledged = this.reconnecting ? 0 : (session?.unacknowledged ?? 0);
            this.reconnecting = true;
            this.attemptError = undefined;
            this.dispatchEvent(new ReconnectEvent(this.reconnectAttempts, delayMs, cause, unacknowledged));
            this.session = undefined;
            this.reconnectTimer = setTimeout(() => {
                this.reconnectTimer = undefined;
                if (!this.closedByUser) this.connect();
            }, delayMs);
            return;
        }
        if (this.reconnecting) {
            // The last attempt failed, or the application closed while reconnecting: the socket ends here.
            if (this.attemptError && !this.closedByUser) this.dispatchEvent(errorEvent(this.attemptError));
            this.finish(this.closedByUser ? closeEvent(1000, '', true) : closeEvent(event.code, event.reason, event.wasClean));
            return;
        }
        this.finish(closeEvent(event.code, event.reason, event.wasClean));
    }

    private finish(event: CloseEvent | Event): void {
        if (this.finished) return;
        this.finished = true;
        this.dispatchEvent(event);
    }

    private callHandler<E extends Event>(handler: ((this: IcWebSocket<S, ApplicationMessageType>, ev: E) => any) | null, event: E): void {
        if (!handler) return;
        try {
            handler.call(this, event);
        } catch (error) {
            // A throwing handler must not break the connection (as ic-websocket-js); it is reported, not rethrown.
            console.error(`IcWebSocket: the on${event.type} handler threw:`, error);
        }
    }
}
