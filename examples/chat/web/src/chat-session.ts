/**
 * One chat connection through ic-websocket-client: a fresh random identity, a certified WebSocket to the canister
 * via the gateway, and the chat's join/post messages on top. A dropped connection is reopened automatically a few
 * times (a new session: the page joins again); after that, the page offers a Reconnect button.
 */
import { Actor, HttpAgent } from '@dfinity/agent';
import { IcWebSocket, IcWebSocketError, createWsConfig, generateRandomIdentity } from 'ic-websocket-client';
import { chatIdlFactory, type ChatMessage, type ChatService } from './chat-idl';

/** Where the chat lives; `npm start` serves these as /config.json. */
export interface ChatConfig {
    /** The gateway's WebSocket URL, e.g. `ws://127.0.0.1:8080`. */
    gatewayUrl: string;
    /** The IC HTTP endpoint the client fetches the root key from (not needed on mainnet: `https://icp-api.io`). */
    networkUrl: string;
    canisterId: string;
    /** Must equal the canister's send_ack_interval_ms (default 300 000). */
    ackMessageIntervalMs?: number;
    /** The replica behind `networkUrl` when the page proxies it (what `npm start` printed), for the footer. */
    replicaUrl?: string;
    /** Automatic reconnects after a drop before the page offers its Reconnect button (default 3; 0: none). */
    reconnectAttempts?: number;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ChatEvents {
    onState(state: ConnectionState, detail?: string): void;
    onMessage(message: ChatMessage): void;
    onError(message: string): void;
}

export interface ChatSession {
    /** The principal this browser tab chats as. */
    readonly principal: string;
    post(text: string): void;
    leave(): void;
}

/**
 * Connects and joins with `nickname` as soon as the canister confirmed the connection (again after a reconnect).
 * Throws if the configuration is unusable (e.g. an invalid canister id).
 *
 * @example
 * const session = openChatSession(config, 'ada', { onState, onMessage, onError });
 * session.post('hello');
 */
export function openChatSession(config: ChatConfig, nickname: string, events: ChatEvents): ChatSession {
    const identity = generateRandomIdentity();
    const agent = HttpAgent.createSync({ host: config.networkUrl, identity });
    const canisterActor = Actor.createActor<ChatService>(chatIdlFactory, { agent, canisterId: config.canisterId });
    const socket = new IcWebSocket(
        config.gatewayUrl,
        undefined,
        createWsConfig({
            canisterId: config.canisterId,
            canisterActor,
            identity,
            networkUrl: config.networkUrl,
            ackMessageIntervalMs: config.ackMessageIntervalMs,
            reconnect: config.reconnectAttempts === 0 ? false : { maxAttempts: config.reconnectAttempts ?? 3, delayMs: 1_000 }
        })
    );
    events.onState('connecting');
    socket.onopen = () => {
        events.onState('open');
        socket.send({ Join: { nickname } });
    };
    socket.onmessage = (event) => events.onMessage(event.data);
    socket.onerror = (event) => events.onError(describeError(event.error, config));
    socket.onreconnect = (event) =>
        events.onState(
            'reconnecting',
            `Connection lost; reconnecting (attempt ${event.attempt})…${event.unacknowledgedMessages > 0 ? ` ${event.unacknowledgedMessages} message(s) may not have arrived.` : ''}`
        );
    socket.onclose = (event) => {
        // A refusal (unknown canister, not a WebSocket canister) is an error the user must see: the banner.
        const refusal = refusalOf(event.code, event.reason, config);
        if (refusal) events.onError(refusal);
        events.onState('closed', closeDetail(event));
    };
    return {
        principal: identity.getPrincipal().toText(),
        post(text) {
            socket.send({ Post: { text } });
        },
        leave() {
            socket.close();
        }
    };
}

function describeError(error: unknown, config: ChatConfig): string {
    if (!(error instanceof IcWebSocketError)) return error instanceof Error ? error.message : String(error);
    switch (error.reason) {
        case 'certificate-invalid':
        case 'certificate-expired':
        case 'sequence-mismatch':
        case 'client-key-mismatch':
            return `A message failed verification, so the connection was closed: ${error.message}`;
        case 'open-timeout':
            return `Canister ${config.canisterId} did not answer: is the canister id right and is it running?`;
        default:
            return error.message;
    }
}

/** The gateway's reason for refusing the connection, in words for the banner; undefined for ordinary closes. */
function refusalOf(code: number, reason: string, config: Pick<ChatConfig, 'canisterId'>): string | undefined {
    if (code !== 1011 && code !== 1008) return undefined;
    if (/ws_open refused|canister polling failed/.test(reason)) {
        return `Canister ${config.canisterId} refused the connection: it may not exist here or not be an IC WebSocket canister (gateway: ${reason})`;
    }
    return `The gateway closed the connection: ${reason || `code ${code}`}`;
}

function closeDetail(event: CloseEvent): string {
    if (event.code === 1000) return 'You left the chat.';
    if (event.code === 4001) return 'The chat closed your connection.';
    if (event.code === 1011 || event.code === 1008) return 'The gateway closed the connection.';
    if (event.code === 1006) return 'The connection to the gateway was lost.';
    return `The connection closed (code ${event.code}${event.reason ? `: ${event.reason}` : ''}).`;
}
