/**
 * One client connection, as a state machine (spec protocol.md §8):
 * `init` (handshake sent, waiting for the signed `ws_open`) → `setup` (`ws_open` relayed, waiting for the
 * canister's first message) → `open` (client frames relayed, canister messages forwarded) → `closed`.
 * A client that breaks the protocol is closed with code 1008 and a reason; the gateway never throws because of it.
 */
import type { Principal } from '@dfinity/principal';
import type { WebSocket } from 'ws';
import { clientKeyText, type ClientKey } from './candid.js';
import {
    decodeWsOpenArguments,
    encodeCanisterToClientMessage,
    encodeHandshake,
    parseClientFrame,
    ProtocolViolation,
    type CanisterToClientMessage,
    type RelayedCall
} from './frames.js';
import { errorMessage, type Logger } from './log.js';

/** WebSocket close codes the gateway uses. */
export const CloseCode = {
    /** The client broke the protocol (RFC 6455 "policy violation"). */
    ProtocolViolation: 1008,
    /** The IC refused the client's `ws_open`, or the canister's poller failed. */
    UpstreamFailure: 1011,
    /** The gateway is shutting down. */
    GoingAway: 1001
} as const;

/**
 * Test-only hook transforming what is sent to one client: return the messages to send instead of `message`
 * (none to drop it, several to release held-back ones). Lets tests play a malicious gateway.
 */
export type OutgoingMessageHook = (message: CanisterToClientMessage, clientKey: string) => CanisterToClientMessage[];

/** What a session needs from the gateway around it. */
export interface SessionContext {
    gatewayPrincipal: Principal;
    submitCall(call: RelayedCall): Promise<void>;
    closeClient(canisterId: Principal, clientKey: ClientKey): Promise<void>;
    /** Registers the session under its canister and client key; false if that key is already connected. */
    register(session: ClientSession): boolean;
    unregister(session: ClientSession): void;
    outgoingMessageHook?: OutgoingMessageHook;
    /** How long a new connection may take to send its `ws_open` before it is closed. */
    openTimeoutMs: number;
    log: Logger;
}

export type SessionPhase = 'init' | 'setup' | 'open' | 'closed';

/** Longest close reason a WebSocket close frame can carry (125 bytes minus the 2-byte code). */
const MAX_CLOSE_REASON_BYTES = 123;

export class ClientSession {
    private state: SessionPhase = 'init';
    private key: ClientKey | undefined;
    private canister: Principal | undefined;
    // Client calls are submitted one after another so the IC receives them in the order the client sent them.
    private relayQueue: Promise<void> = Promise.resolve();
    private openTimer: NodeJS.Timeout | undefined;
    // Set when the IC refused the ws_open: the canister never knew this client, so there is nothing to ws_close.
    private openRefused = false;

    constructor(
        private readonly socket: WebSocket,
        private readonly context: SessionContext,
        /** A short id for logs. */
        readonly id: number
    ) {}

    get phase(): SessionPhase {
        return this.state;
    }

    /** The client's key, known once its `ws_open` arrived. */
    get clientKey(): ClientKey | undefined {
        return this.key;
    }

    /** The canister this client talks to, known once its `ws_open` arrived. */
    get canisterId(): Principal | undefined {
        return this.canister;
    }

    /** Sends the handshake and starts handling the client's frames. */
    start(): void {
        this.socket.on('message', (data, isBinary) => this.onFrame(toBytes(data), isBinary));
        this.socket.on('close', () => this.onClosed());
        this.socket.on('error', (error) => this.context.log.warn(`client #${this.id}: socket error: ${errorMessage(error)}`));
        this.socket.send(encodeHandshake(this.context.gatewayPrincipal));
        // A connection that never opens would otherwise be held forever.
        this.openTimer = setTimeout(() => {
            if (this.state === 'init') this.terminate(CloseCode.ProtocolViolation, `no ws_open received within ${this.context.openTimeoutMs} ms`);
        }, this.context.openTimeoutMs);
    }

    /** Forwards one certified canister message; the first one completes the opening. */
    deliver(message: CanisterToClientMessage): void {
        if (this.state === 'closed' || this.state === 'init') return;
        if (this.state === 'setup') {
            this.state = 'open';
            this.context.log.info(`client #${this.id} ${this.describe()} open`);
        }
        // A failure here concerns this client only; it must not reach the poller, which serves every client.
        try {
            const outgoing = this.context.outgoingMessageHook ? this.context.outgoingMessageHook(message, this.describe()) : [message];
            for (const frame of outgoing) this.socket.send(encodeCanisterToClientMessage(frame));
        } catch (error) {
            this.context.log.error(`client #${this.id}: could not forward a message: ${errorMessage(error)}`);
            this.terminate(CloseCode.UpstreamFailure, 'internal gateway error');
        }
    }

    /** Closes the connection with a code and a reason the client sees. */
    terminate(code: number, reason: string): void {
        if (this.socket.readyState === this.socket.CLOSING || this.socket.readyState === this.socket.CLOSED) return;
        this.socket.close(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES));
    }

    private onFrame(frame: Uint8Array, isBinary: boolean): void {
        try {
            if (!isBinary) throw new ProtocolViolation('expected binary CBOR frames, got a text frame');
            if (this.state === 'init') this.open(parseClientFrame(frame));
            else if (this.state === 'open') this.relay(parseClientFrame(frame));
            // In setup, frames are ignored until the canister confirms the opening (as upstream, gateway#41).
            else if (this.state === 'setup') this.context.log.debug(`client #${this.id}: frame ignored while opening`);
        } catch (error) {
            if (error instanceof ProtocolViolation) {
                this.context.log.warn(`client #${this.id} ${this.describe()}: protocol violation: ${error.message}`);
                this.terminate(CloseCode.ProtocolViolation, error.message);
            } else {
                this.context.log.error(`client #${this.id}: unexpected error: ${errorMessage(error)}`);
                this.terminate(CloseCode.UpstreamFailure, 'internal gateway error');
            }
        }
    }

    private open(call: RelayedCall): void {
        if (call.methodName !== 'ws_open') {
            throw new ProtocolViolation(`the first message must be a ws_open call, got ${call.methodName}`);
        }
        const args = decodeWsOpenArguments(call.arg);
        if (args.gateway_principal.toText() !== this.context.gatewayPrincipal.toText()) {
            throw new ProtocolViolation(`ws_open names gateway ${args.gateway_principal.toText()}, but this gateway is ${this.context.gatewayPrincipal.toText()}`);
        }
        this.key = { client_principal: call.sender, client_nonce: args.client_nonce };
        this.canister = call.canisterId;
        if (!this.context.register(this)) {
            this.key = undefined;
            this.canister = undefined;
            throw new ProtocolViolation('this client key already has an open connection on this gateway');
        }
        this.state = 'setup';
        clearTimeout(this.openTimer);
        this.context.log.info(`client #${this.id} ${this.describe()} opening on canister ${call.canisterId.toText()}`);
        this.enqueueRelay(call, (error) => {
            this.openRefused = true;
            this.context.log.warn(`client #${this.id}: ws_open relay failed: ${errorMessage(error)}`);
            this.terminate(CloseCode.UpstreamFailure, `ws_open refused: ${errorMessage(error)}`);
        });
    }

    private relay(call: RelayedCall): void {
        if (this.canister && call.canisterId.toText() !== this.canister.toText()) {
            throw new ProtocolViolation(`this connection is for canister ${this.canister.toText()}, not ${call.canisterId.toText()}`);
        }
        if (this.key && call.sender.toText() !== this.key.client_principal.toText()) {
            throw new ProtocolViolation(`calls must come from ${this.key.client_principal.toText()}, not ${call.sender.toText()}`);
        }
        // As upstream, a relayed call that fails is only logged: the client notices through missing acks.
        this.enqueueRelay(call, (error) => this.context.log.warn(`client #${this.id}: ${call.methodName} relay failed: ${errorMessage(error)}`));
    }

    private enqueueRelay(call: RelayedCall, onError: (error: unknown) => void): void {
        this.relayQueue = this.relayQueue.then(() => this.context.submitCall(call)).catch(onError);
    }

    private onClosed(): void {
        const wasConnected = this.state === 'setup' || this.state === 'open';
        this.state = 'closed';
        clearTimeout(this.openTimer);
        this.context.log.info(`client #${this.id} ${this.describe()} disconnected`);
        if (!wasConnected || !this.key || !this.canister) return;
        this.context.unregister(this);
        if (this.openRefused) return;
        const { key, canister } = this;
        // The canister may already have removed the client (e.g. after a close message): only worth a warning.
        this.context.closeClient(canister, key).catch((error) => this.context.log.warn(`client #${this.id}: ws_close failed: ${errorMessage(error)}`));
    }

    private describe(): string {
        return this.key ? clientKeyText(this.key) : '(not opened)';
    }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
    if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
    // A fresh copy: pooled Buffers have a byteOffset that some decoders mishandle.
    return new Uint8Array(data instanceof ArrayBuffer ? data.slice(0) : Uint8Array.prototype.slice.call(data));
}

function truncateUtf8(text: string, maxBytes: number): string {
    const bytes = new TextEncoder().encode(text);
    if (bytes.length <= maxBytes) return text;
    return new TextDecoder().decode(bytes.subarray(0, maxBytes - 3)).replace(/\uFFFD$/, '') + '...';
}
