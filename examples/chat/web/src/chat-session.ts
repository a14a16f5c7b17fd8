/**
 * One chat connection through the unmodified ic-websocket-js client: a fresh random identity, a certified
 * WebSocket to the canister via the gateway, and the chat's join/post messages on top.
 */
import { Actor, HttpAgent } from '@dfinity/agent';
import { IcWebSocket, createWsConfig, generateRandomIdentity } from 'ic-websocket-js';
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
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

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
 * Connects and joins with `nickname` as soon as the canister confirmed the connection.
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
            ackMessageIntervalMs: config.ackMessageIntervalMs
        })
    );
    events.onState('connecting');
    socket.onopen = () => {
        events.onState('open');
        socket.send({ Join: { nickname } });
    };
    socket.onmessage = (event) => events.onMessage(event.data);
    socket.onerror = (event) => events.onError(describeError(event, config.gatewayUrl));
    socket.onclose = (event) => events.onState('closed', closeDetail(event));
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

function describeError(event: ErrorEvent, gatewayUrl: string): string {
    const error = event.error;
    const message = error instanceof Error ? error.message : String(error ?? event.message ?? 'unknown error');
    // The browser hides why a WebSocket failed; the client reports it as "[object Event]".
    if (message.startsWith('WebSocket error')) return `Cannot reach the gateway at ${gatewayUrl}. Is it running?`;
    return message;
}

function closeDetail(event: CloseEvent): string {
    if (event.code === 1000) return 'You left the chat.';
    if (event.code === 1006) return 'The connection to the gateway was lost.';
    return `Connection closed by ${event.code >= 4000 ? 'the client' : 'the gateway'} (code ${event.code}${event.reason ? `: ${event.reason}` : ''}).`;
}
