/**
 * A chat participant in Node built on ic-websocket-client (client/, @dfinity/agent 3, the `ws` package as
 * WebSocket): the same interface as test/e2e/support/chat-client.ts (ic-websocket-js), so suites and benchmarks
 * can run either. With another `idlFactory` (and message type `M`) it is a client of any IC WebSocket canister.
 */
import { Actor, HttpAgent } from '@dfinity/agent';
import { WebSocket } from 'ws';
import { IcWebSocket, createWsConfig, generateRandomIdentity, type IcWebSocketConfig } from '../../../client/src/index.ts';
import { chatIdlFactory, type ChatMessage } from '../../../examples/chat/web/src/chat-idl.ts';
import { SocketRecorder } from '../../support/socket-recorder.ts';

export type { ChatMessage };

export interface ChatClientOptions {
    gatewayUrl: string;
    networkUrl: string;
    canisterId: string;
    ackMessageIntervalMs?: number;
    /** The canister's `ws_message` interface; default: the chat's. */
    idlFactory?: (module: { IDL: unknown }) => unknown;
    /** Further client options (reconnect, certificate cache, timeouts). */
    config?: Partial<IcWebSocketConfig<any>>;
}

/**
 * @example
 * const ada = await ChatClient.connect({ gatewayUrl, networkUrl, canisterId });
 * ada.send({ Join: { nickname: 'ada' } });
 * await ada.waitFor((m) => 'Joined' in m);
 */
export class ChatClient<M = ChatMessage> extends SocketRecorder<M> {
    private constructor(readonly socket: IcWebSocket<any, M>) {
        super(socket as never);
    }

    /** Opens a client with a fresh random identity; resolves once the canister's OpenMessage was verified. */
    static async connect<M = ChatMessage>(options: ChatClientOptions, timeoutMs = 30_000): Promise<ChatClient<M>> {
        const client = ChatClient.create<M>(options);
        await client.until(() => client.socket.isConnectionEstablished(), timeoutMs, 'the connection to open');
        return client;
    }

    /** Creates a client without waiting for the opening (for tests of failed openings). */
    static create<M = ChatMessage>(options: ChatClientOptions): ChatClient<M> {
        const identity = generateRandomIdentity();
        const agent = HttpAgent.createSync({ host: options.networkUrl, identity });
        const canisterActor = Actor.createActor((options.idlFactory ?? chatIdlFactory) as any, { agent, canisterId: options.canisterId });
        const socket = new IcWebSocket<any, M>(
            options.gatewayUrl,
            undefined,
            createWsConfig({
                canisterId: options.canisterId,
                canisterActor: canisterActor as any,
                identity,
                networkUrl: options.networkUrl,
                ackMessageIntervalMs: options.ackMessageIntervalMs,
                WebSocket,
                ...options.config
            })
        );
        return new ChatClient<M>(socket);
    }

    get principal(): string {
        return this.socket.getPrincipal().toText();
    }

    /** Whether the canister's OpenMessage was verified. */
    get isOpen(): boolean {
        return this.socket.isConnectionEstablished();
    }

    send(message: M): void {
        this.socket.send(message);
    }

    close(): void {
        this.socket.close();
    }
}
