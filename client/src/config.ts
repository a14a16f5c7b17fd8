/**
 * The client's configuration: the same fields as ic-websocket-js 0.5 (`createWsConfig`), plus optional ones for
 * Node, reconnects and measurements.
 */
import type { ActorSubclass, SignIdentity } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import type { _WS_CANISTER_SERVICE } from './idl.js';
import type { BlsVerify, CertificateCache } from './verifier.js';

/** The part of a WebSocket the client uses: browsers', Node 22's and the `ws` package's all have it. */
export interface WebSocketLike {
    binaryType: string;
    readonly readyState: number;
    send(data: Uint8Array): void;
    close(code?: number, reason?: string): void;
    onopen: ((event: any) => void) | null;
    onmessage: ((event: any) => void) | null;
    onerror: ((event: any) => void) | null;
    onclose: ((event: any) => void) | null;
}

/** A WebSocket class: the browser's (global) one, Node 22's, or `WebSocket` from the `ws` package. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Automatic reconnection after a dropped connection. */
export interface ReconnectOptions {
    /** How many reconnects to try in a row before giving up (closing). @default 5 */
    maxAttempts?: number;
    /** Delay before the first attempt; doubled for each further one, up to `maxDelayMs`. @default 1000 */
    delayMs?: number;
    /** @default 30000 */
    maxDelayMs?: number;
}

export interface IcWebSocketConfig<S extends _WS_CANISTER_SERVICE> {
    /** The canister to connect to. */
    canisterId: string | Principal;
    /** An actor of the canister: its `ws_message(args, opt T)` gives the application message type `T`. */
    canisterActor: ActorSubclass<S>;
    /**
     * The identity that signs the client's calls (the canister sees its principal). For anonymous users, use
     * {@link generateRandomIdentity}.
     */
    identity: SignIdentity;
    /**
     * The IC HTTP endpoint: `https://icp-api.io` for mainnet, whose root key is built in, or a local replica (e.g.
     * `http://127.0.0.1:4943`), whose root key is fetched from it.
     */
    networkUrl: string;
    /** Must equal the canister's send ack interval. @default 300_000 */
    ackMessageIntervalMs?: number;
    /** Certificates older than this are refused. @default 5 */
    maxCertificateAgeInMinutes?: number;

    // Not in ic-websocket-js:

    /** How long to wait for the canister to confirm `ws_open`. @default 60_000 */
    openTimeoutMs?: number;
    /**
     * Reconnect automatically (with a new client nonce: a new session) when an open connection drops or times out;
     * `true` for the defaults. Not when the first connection fails, and never after a verification failure,
     * `close()`, a refusal by the gateway, or a close by the application in the canister. The application gets an `onreconnect` event; unacknowledged messages are not resent.
     * @default false
     */
    reconnect?: boolean | ReconnectOptions;
    /** The WebSocket class to use. @default globalThis.WebSocket (in Node 20: pass `WebSocket` from the `ws` package) */
    WebSocket?: WebSocketConstructor;
    /** The root key (DER) to verify certificates with, instead of the built-in/fetched one. */
    rootKey?: Uint8Array;
    /** Where verified certificates are kept. @default sharedCertificateCache (one per process) */
    certificateCache?: CertificateCache;
    /** A BLS check to use instead of @dfinity/agent's. */
    blsVerify?: BlsVerify;
}

/**
 * Returns its argument, typed: the service type `S` (from the actor) types `send` and `onmessage`.
 *
 * @example
 * const config = createWsConfig({ canisterId, canisterActor, identity, networkUrl });
 */
export function createWsConfig<S extends _WS_CANISTER_SERVICE>(config: IcWebSocketConfig<S>): IcWebSocketConfig<S> {
    return config;
}
