/**
 * One connection to a canister through a gateway (spec protocol.md §7): the handshake, the signed `ws_open`, then
 * every canister message verified (certificate, witness, hash, client key, sequence number) and handled in order,
 * acknowledgements and keep-alives, and the application's messages signed and sent in order. A reconnect is a new
 * session with a new client nonce. The first violation closes the connection (code 4000) and nothing after it is
 * delivered.
 */
import type { SignIdentity } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { AckTracker, COMMUNICATION_LATENCY_BOUND_MS } from './acks.js';
import type { WebSocketConstructor, WebSocketLike } from './config.js';
import { IcWebSocketError, messageOf } from './errors.js';
import { decodeHandshake, decodeIncomingMessage, decodeWebsocketMessage, frameBytes } from './frames.js';
import {
    decodeServiceMessage,
    encodeServiceMessage,
    encodeWsMessageArguments,
    encodeWsOpenArguments,
    isSameClientKey,
    type ClientKey,
    type WebsocketMessage
} from './idl.js';
import { signedCallFrame } from './signed-call.js';
import type { MessageVerifier } from './verifier.js';

/** Close code of a protocol violation (as ic-websocket-js). */
export const PROTOCOL_ERROR_CLOSE_CODE = 4000;
/** Close code when the canister closed the connection with `ClosedByApplication` (as ic-websocket-js). */
export const CLOSED_BY_APPLICATION_CLOSE_CODE = 4001;
/** Frames received but not yet verified beyond which the gateway is flooding the client (50 polls of 50 messages). */
const MAX_PENDING_FRAMES = 2_500;

export interface SessionOptions {
    url: string;
    protocols?: string | string[];
    WebSocket: WebSocketConstructor;
    identity: SignIdentity;
    canisterId: Principal;
    verifier: MessageVerifier;
    ackMessageIntervalMs: number;
    openTimeoutMs: number;
}

export interface SessionEvents {
    /** The canister confirmed the connection (its OpenMessage verified). */
    opened(): void;
    /** A verified application message, in order. Throwing closes the session with that error. */
    message(content: Uint8Array): void;
    /** A failure, reported once, before the close. */
    error(error: IcWebSocketError): void;
    /** The WebSocket closed; `cause` is the failure that led to it, if any. */
    closed(event: { code: number; reason: string; wasClean: boolean }, cause: IcWebSocketError | undefined): void;
}

export class Session {
    readonly clientKey: ClientKey;
    private readonly socket: WebSocketLike;
    private gatewayPrincipal: Principal | undefined;
    private established = false;
    private nextIncoming = 1n;
    private lastAssigned = 0n;
    private lastSent = 0n;
    private readonly acks: AckTracker;
    private openTimer: ReturnType<typeof setTimeout> | undefined;
    private incoming: Promise<void> = Promise.resolve();
    private pendingFrames = 0;
    private outgoing: Promise<void> = Promise.resolve();
    private failure: IcWebSocketError | undefined;
    private closing = false;
    private ended = false;

    constructor(
        private readonly options: SessionOptions,
        private readonly events: SessionEvents
    ) {
        this.clientKey = { client_principal: options.identity.getPrincipal(), client_nonce: randomNonce() };
        this.acks = new AckTracker(options.ackMessageIntervalMs + COMMUNICATION_LATENCY_BOUND_MS, (error) => this.fail(error));
        try {
            this.socket = new options.WebSocket(options.url, options.protocols);
        } catch (error) {
            throw new IcWebSocketError('gateway-unreachable', `Cannot open a WebSocket to ${options.url}: ${messageOf(error)}`, { cause: error });
        }
        this.socket.binaryType = 'arraybuffer';
        this.socket.onmessage = (event: { data: unknown }) => this.onFrame(event.data);
        this.socket.onerror = () => this.onSocketError();
        this.socket.onclose = (event: { code: number; reason: string; wasClean: boolean }) => this.onSocketClose(event);
    }

    /** Whether the canister confirmed the connection and it is not closing. */
    get isEstablished(): boolean {
        return this.established && !this.closing && !this.ended;
    }

    get isClosing(): boolean {
        return this.closing && !this.ended;
    }

    /** How many sent messages the canister has not acknowledged yet. */
    get unacknowledged(): number {
        return this.acks.unacknowledged.length + Number(this.lastAssigned - this.lastSent);
    }

    /** Sends an application message (Candid bytes); the caller checks {@link isEstablished} first. */
    send(content: Uint8Array): void {
        this.enqueue(content, false);
    }

    /** Closes the WebSocket (default code 1000). */
    close(code = 1000, reason = ''): void {
        if (this.closing || this.ended) return;
        this.closing = true;
        this.stopTimers();
        try {
            this.socket.close(code, reason);
        } catch {
            this.socket.close();
        }
    }

    /** Reports `error` once and closes with the protocol error code. */
    fail(error: IcWebSocketError): void {
        if (this.failure || this.ended) return;
        this.failure = error;
        this.events.error(error);
        this.close(PROTOCOL_ERROR_CLOSE_CODE, error.reason);
    }

    private onFrame(data: unknown): void {
        if (this.failure || this.closing) return;
        if (++this.pendingFrames > MAX_PENDING_FRAMES) {
            return this.fail(new IcWebSocketError('frame-invalid', `The gateway sent more than ${MAX_PENDING_FRAMES} frames faster than they could be verified`));
        }
        this.incoming = this.incoming
            .then(() => this.process(data))
            .catch((error) => this.fail(asIcError(error, 'frame-invalid')))
            .finally(() => this.pendingFrames--);
    }

    private async process(data: unknown): Promise<void> {
        if (this.failure || this.closing) return;
        const frame = frameBytes(data);
        if (!this.gatewayPrincipal) return this.handshake(frame);
        const incoming = decodeIncomingMessage(frame);
        await this.options.verifier.verify(incoming);
        if (this.failure || this.closing) return;
        const message = decodeWebsocketMessage(incoming.content);
        if (!isSameClientKey(message.client_key, this.clientKey) || !incoming.key.startsWith(`${this.gatewayPrincipal.toText()}_`)) {
            throw new IcWebSocketError('client-key-mismatch', `The gateway forwarded a message certified for another connection (${message.client_key.client_principal.toText()}, key ${incoming.key})`);
        }
        if (message.sequence_num !== this.nextIncoming) {
            throw new IcWebSocketError(
                'sequence-mismatch',
                `Received message ${message.sequence_num} where ${this.nextIncoming} was expected: the gateway dropped, reordered or replayed messages`
            );
        }
        this.nextIncoming++;
        if (message.is_service_message) return this.handleServiceMessage(message);
        if (!this.established) throw new IcWebSocketError('service-message-invalid', 'The canister sent an application message before confirming the connection');
        this.events.message(message.content as Uint8Array);
    }

    private async handshake(frame: Uint8Array): Promise<void> {
        this.gatewayPrincipal = decodeHandshake(frame);
        const arg = encodeWsOpenArguments({ client_nonce: this.clientKey.client_nonce, gateway_principal: this.gatewayPrincipal });
        let envelope: Uint8Array;
        try {
            envelope = await signedCallFrame(this.options.identity, this.options.canisterId, 'ws_open', arg);
        } catch (error) {
            throw new IcWebSocketError('send-failed', `Could not sign ws_open: ${messageOf(error)}`, { cause: error });
        }
        if (this.failure || this.closing) return;
        this.socket.send(envelope);
        this.openTimer = setTimeout(() => {
            this.fail(
                new IcWebSocketError(
                    'open-timeout',
                    `Canister ${this.options.canisterId.toText()} did not confirm the connection within ${Math.round(this.options.openTimeoutMs / 1000)} s: is the canister id right, is it running, and does it use the IC WebSocket CDK?`
                )
            );
        }, this.options.openTimeoutMs);
    }

    private handleServiceMessage(message: WebsocketMessage): void {
        let service;
        try {
            service = decodeServiceMessage(message.content as Uint8Array);
        } catch (error) {
            throw new IcWebSocketError('service-message-invalid', `The canister sent an undecodable service message: ${messageOf(error)}`);
        }
        if (!this.established && !('OpenMessage' in service)) {
            throw new IcWebSocketError('service-message-invalid', `The canister's first message must confirm the connection, it is ${Object.keys(service)[0]}`);
        }
        if ('OpenMessage' in service) {
            if (this.established) throw new IcWebSocketError('service-message-invalid', 'The canister confirmed the connection twice');
            if (!isSameClientKey(service.OpenMessage.client_key, this.clientKey)) {
                throw new IcWebSocketError('client-key-mismatch', "The canister's open message is for another connection");
            }
            this.established = true;
            clearTimeout(this.openTimer);
            this.openTimer = undefined;
            this.events.opened();
        } else if ('AckMessage' in service) {
            this.acks.acknowledge(service.AckMessage.last_incoming_sequence_num, this.lastSent);
            this.enqueue(encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: this.nextIncoming - 1n } }), true);
        } else if ('CloseMessage' in service) {
            const reason = Object.keys(service.CloseMessage.reason)[0];
            if (reason === 'ClosedByApplication') return this.close(CLOSED_BY_APPLICATION_CLOSE_CODE, 'ClosedByApplication');
            this.fail(new IcWebSocketError('closed-by-canister', `The canister closed the connection: ${reason}${reason === 'KeepAliveTimeout' ? ' (the client did not answer its acknowledgement in time)' : ''}`));
        } else {
            throw new IcWebSocketError('service-message-invalid', 'The canister sent a keep-alive message, which only clients send');
        }
    }

    // Messages get their sequence numbers in call order and are signed and written one after the other.
    private enqueue(content: Uint8Array, isServiceMessage: boolean): void {
        const sequenceNum = ++this.lastAssigned;
        const arg = encodeWsMessageArguments({
            msg: { client_key: this.clientKey, sequence_num: sequenceNum, timestamp: BigInt(Date.now()) * 1_000_000n, is_service_message: isServiceMessage, content }
        });
        this.outgoing = this.outgoing
            .then(async () => {
                if (this.failure || this.closing) return;
                const frame = await signedCallFrame(this.options.identity, this.options.canisterId, 'ws_message', arg);
                if (this.failure || this.closing) return;
                this.socket.send(frame);
                this.lastSent = sequenceNum;
                this.acks.sent(sequenceNum);
            })
            .catch((error) => this.fail(asIcError(error, 'send-failed')));
    }

    private onSocketError(): void {
        if (this.failure || this.closing) return;
        const opened = this.gatewayPrincipal !== undefined;
        this.failure = new IcWebSocketError(
            'gateway-unreachable',
            opened ? `The connection to the gateway at ${this.options.url} failed` : `Cannot reach the gateway at ${this.options.url}. Is it running?`
        );
        this.events.error(this.failure);
    }

    private onSocketClose(event: { code: number; reason: string; wasClean: boolean }): void {
        if (this.ended) return;
        this.ended = true;
        this.stopTimers();
        let cause = this.failure;
        if (!cause && !this.closing) {
            // 1008/1011 and application codes: the gateway refused us (its reason says why); others: it went away.
            const refused = event.code === 1008 || event.code === 1011 || event.code >= 3000;
            cause = new IcWebSocketError(
                refused ? 'closed-by-gateway' : 'gateway-unreachable',
                `The gateway closed the connection (code ${event.code}${event.reason ? `: ${event.reason}` : ''})`
            );
        }
        this.events.closed({ code: event.code, reason: event.reason, wasClean: event.wasClean }, cause);
    }

    private stopTimers(): void {
        clearTimeout(this.openTimer);
        this.openTimer = undefined;
        this.acks.clear();
    }
}

function asIcError(error: unknown, reason: 'frame-invalid' | 'send-failed'): IcWebSocketError {
    if (error instanceof IcWebSocketError) return error;
    return new IcWebSocketError(reason, reason === 'send-failed' ? `Could not send a message: ${messageOf(error)}` : messageOf(error), { cause: error });
}

function randomNonce(): bigint {
    const words = new BigUint64Array(1);
    crypto.getRandomValues(words);
    return words[0]!;
}
