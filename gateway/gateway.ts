/**
 * The gateway process: an HTTP server on one port answering WebSocket upgrades (any path) and `GET /health`,
 * a {@link ClientSession} per connection, and the {@link SessionRegistry} grouping them per canister with pollers.
 */
import type { SignIdentity } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { IcClient } from './ic-client.js';
import { loadOrCreateIdentity } from './identity.js';
import { resolveLimits, type ClientLimits, type DEFAULT_LIMITS } from './limits.js';
import { createLogger, type Logger, type LogLevel } from './log.js';
import { RelayBudget, type RelayBudgetStatus } from './relay-budget.js';
import { SessionRegistry, type CanisterStatus } from './registry.js';
import { ClientSession, CloseCode, type OutgoingMessageHook, type SessionContext } from './session.js';

/**
 * How to run a gateway; only `icUrl` is required. The limits on what one client may make the gateway hold (fields
 * of {@link ClientLimits}: `maxFrameBytes`, `maxPendingRelays`, ...) default to {@link DEFAULT_LIMITS}.
 */
export interface GatewayOptions extends Partial<ClientLimits> {
    /** IC HTTP endpoint, e.g. the embedded replica's `http://127.0.0.1:4943`, or `https://icp-api.io`. */
    icUrl: string;
    /** DER root key of a local network; fetched from `<icUrl>/api/v2/status` when omitted (never on mainnet). */
    rootKey?: Uint8Array;
    /** Listening port; 0 picks a free one. Default 8080, as ic-websocket-gateway. */
    port?: number;
    /** Listening address. Default `127.0.0.1`. */
    host?: string;
    /** Pause between polls that reached the end of a canister's queue. Default 100 ms. */
    pollingIntervalMs?: number;
    /** The gateway's identity; default: loaded from / created in `dataDir`, or random per run without it. */
    identity?: SignIdentity;
    /** Directory holding the gateway's key pair (`key_pair.json`). */
    dataDir?: string;
    /** Log level for the default logger (`info`); ignored when `logger` is given. */
    logLevel?: LogLevel;
    logger?: Logger;
    /** How long a new connection may take to send its signed `ws_open` before it is closed (1008). Default 60 s. */
    openTimeoutMs?: number;
    /** TEST ONLY: rewrite, drop, hold back or reorder what clients receive (see {@link OutgoingMessageHook}). */
    outgoingMessageHook?: OutgoingMessageHook;
}

/** What `GET /health` returns. */
export interface GatewayStatus {
    status: 'ok';
    principal: string;
    icUrl: string;
    uptimeSeconds: number;
    clients: number;
    /** Open WebSocket connections, including ones not registered with a canister yet (bounded by `maxClients`). */
    connections: number;
    /** Connections closed at once because `maxClients` were open. */
    refusedConnections: number;
    canisters: CanisterStatus[];
    /** Client frames waiting for relay across all clients, their bytes and peak, clients not being read. */
    relays: RelayBudgetStatus;
    /** The limits in force. */
    limits: ClientLimits;
}

/** A running gateway. */
export interface Gateway {
    /** WebSocket URL for clients (`gatewayUrl` of ic-websocket-js). */
    readonly url: string;
    /** URL of the health endpoint. */
    readonly healthUrl: string;
    /** The gateway's principal. */
    readonly principal: Principal;
    status(): GatewayStatus;
    /** Closes every client (1001), stops polling and the server. */
    close(): Promise<void>;
}

/** How long a refused connection (`maxClients`) may take to answer the close frame before it is cut. */
const REFUSED_CLOSE_TIMEOUT_MS = 1_000;

/**
 * Starts a gateway in this process.
 *
 * @example
 * const gateway = await startGateway({ icUrl: replicaUrl, port: 0 });
 * // in the client: new IcWebSocket(gateway.url, undefined, { canisterId, networkUrl: replicaUrl, ... })
 * await gateway.close();
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
    const log = options.logger ?? createLogger(options.logLevel ?? 'info');
    const limits = resolveLimits({
        maxFrameBytes: options.maxFrameBytes,
        maxPendingRelays: options.maxPendingRelays,
        maxPendingRelayBytes: options.maxPendingRelayBytes,
        maxFramesPerSecond: options.maxFramesPerSecond,
        maxTotalPendingRelayBytes: options.maxTotalPendingRelayBytes,
        maxHoldMs: options.maxHoldMs,
        maxUnsentBytes: options.maxUnsentBytes,
        maxClients: options.maxClients
    });
    const budget = new RelayBudget(limits.maxTotalPendingRelayBytes);
    const pollingIntervalMs = options.pollingIntervalMs ?? 100;
    if (!(pollingIntervalMs >= 0)) throw new Error(`pollingIntervalMs must be a number >= 0, got ${options.pollingIntervalMs}`);
    const identity = options.identity ?? loadOrCreateIdentity(options.dataDir);
    const principal = identity.getPrincipal();
    const ic = await IcClient.connect({ icUrl: options.icUrl, identity, rootKey: options.rootKey });
    const registry = new SessionRegistry({ fetchMessages: (canisterId, nonce) => ic.getMessages(canisterId, nonce), pollingIntervalMs, log });
    const startedAt = Date.now();
    // ws_close calls in flight: close() lets them finish so the canister learns about every departed client.
    const pendingCloses = new Set<Promise<void>>();
    let nextSessionId = 1;

    const context: SessionContext = {
        gatewayPrincipal: principal,
        log,
        outgoingMessageHook: options.outgoingMessageHook,
        openTimeoutMs: options.openTimeoutMs ?? 60_000,
        limits,
        budget,
        submitCall: (call) => ic.submitCall(call),
        // Calls wait while the canister is known to be stopped (an upgrade): the IC would reject them, lost.
        whenCanisterRunning: (canisterId, deadline) => registry.whenCanisterRunning(canisterId, deadline),
        closeClient(canisterId, key) {
            const closing = ic.closeClient(canisterId, key);
            pendingCloses.add(closing);
            return closing.finally(() => pendingCloses.delete(closing));
        },
        register: (session) => registry.add(session),
        unregister: (session) => registry.remove(session)
    };

    function status(): GatewayStatus {
        const canisters = registry.status();
        return {
            status: 'ok',
            principal: principal.toText(),
            icUrl: options.icUrl,
            uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
            clients: canisters.reduce((sum, entry) => sum + entry.clients, 0),
            connections: openConnections,
            refusedConnections,
            canisters,
            relays: budget.status(),
            limits
        };
    }

    const server = createServer((request, response) => answerHttp(request, response, status, log));
    // maxPayload: ws refuses a bigger frame from its header (1009), before buffering it.
    const sockets = new WebSocketServer({ server, maxPayload: limits.maxFrameBytes });
    let refusedConnections = 0;
    /** Accepted connections not closed yet (closing ones included: their buffers are not freed yet); refused ones never count. */
    let openConnections = 0;
    sockets.on('connection', (socket, request) => {
        if (openConnections >= limits.maxClients) {
            refusedConnections++;
            log.warn(`refused a connection from ${request.socket.remoteAddress}: ${limits.maxClients} clients already (maxClients)`);
            socket.close(CloseCode.GatewayFull, `gateway full: ${limits.maxClients} clients, try again later`);
            // A peer that does not answer the close would keep its socket for ws's 30 s close timeout: cut it sooner.
            setTimeout(() => socket.terminate(), REFUSED_CLOSE_TIMEOUT_MS).unref();
            return;
        }
        openConnections++;
        socket.once('close', () => openConnections--);
        const session = new ClientSession(socket, context, nextSessionId++);
        log.debug(`client #${session.id} connected from ${request.socket.remoteAddress}`);
        session.start();
    });
    sockets.on('error', (error) => log.error(`WebSocket server error: ${error.message}`));

    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
        });
    });
    const address = server.address() as AddressInfo;
    const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `ws://${hostForUrl}:${address.port}`;
    log.info(`gateway ${principal.toText()} listening on ${url}, relaying to ${options.icUrl} (polling every ${pollingIntervalMs} ms)`);

    return {
        url,
        healthUrl: `http://${hostForUrl}:${address.port}/health`,
        principal,
        status,
        async close() {
            registry.stopPolling();
            const clients = [...sockets.clients];
            const allClosed = Promise.all(clients.map((client) => new Promise((resolve) => client.once('close', resolve))));
            for (const client of clients) client.close(CloseCode.GoingAway, 'gateway shutting down');
            await settleWithin([allClosed], 3_000);
            for (const client of sockets.clients) client.terminate();
            // Each closed session has asked the canister to forget its client (ws_close): let those calls finish.
            await settleWithin([...pendingCloses], 5_000);
            await new Promise<void>((resolve) => sockets.close(() => resolve()));
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
            log.info('gateway stopped');
        }
    };
}

function settleWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([Promise.allSettled(promises).then(() => undefined), deadline]).finally(() => clearTimeout(timer));
}

/** Plain HTTP requests: `GET /health`, else 426. A failure while answering is a 500, never a crash of the gateway. */
function answerHttp(request: IncomingMessage, response: ServerResponse, status: () => GatewayStatus, log: Logger): void {
    try {
        const path = request.url?.split('?')[0];
        if (request.method === 'GET' && path === '/health') {
            const body = JSON.stringify(status());
            response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
            response.end(body);
            return;
        }
        response.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
        response.end('This is an IC WebSocket gateway: connect with an IC WebSocket client (ic-websocket-client, ic-websocket-js). Status: GET /health\n');
    } catch (error) {
        log.error(`HTTP ${request.method} ${JSON.stringify(request.url)} failed: ${(error as Error).message}`);
        if (response.headersSent) return void response.destroy();
        response.writeHead(500, { 'Content-Type': 'text/plain' });
        response.end('Internal error\n');
    }
}
