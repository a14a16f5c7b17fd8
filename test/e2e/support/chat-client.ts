/**
 * A chat participant in Node, built on the unmodified ic-websocket-js 0.5.0 (with @dfinity/agent 2.x from this
 * folder's node_modules): it records what the client delivers, reports and how it closes, for assertions.
 * With another `idlFactory` (and message type `M`) it is a client of any IC WebSocket canister.
 * test/client/support/chat-client.ts is the same for ic-websocket-client.
 */
import './quiet-client-logs.ts';
import { Actor, HttpAgent } from '@dfinity/agent';
import { IcWebSocket, generateRandomIdentity } from 'ic-websocket-js';
import { chatIdlFactory, type ChatMessage } from '../../../examples/chat/web/src/chat-idl.ts';
import { SocketRecorder } from '../../support/socket-recorder.ts';
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
