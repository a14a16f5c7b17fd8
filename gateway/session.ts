/**
 * One client connection, as a state machine (spec protocol.md §8):
 * `init` (handshake sent, waiting for the signed `ws_open`) → `setup` (`ws_open` relayed, waiting for the
 * canister's first message) → `open` (client frames relayed, canister messages forwarded) → `closed`.
 * A client that breaks the protocol or a limit is closed with a code and a reason; the gateway never throws because
 * of it. Its calls go through a {@link RelayQueue}; while too many of them wait, the socket is not read (TCP then
 * slows the client down).
 */
import type { Principal } from '@dfinity/principal';
import type { WebSocket } from 'ws';
import type { RelayOutcome, RelayRejected } from './call-outcome.js';
import { clientKeyToText, type ClientKey } from '../src/wire.js';
import {
    decodeWsOpenArguments,
    encodeCanisterToClientMessage,
    encodeHandshake,
    parseClientFrame,
    ProtocolViolation,
    type CanisterToClientMessage,
    type RelayedCall
} from './frames.js';
import { FrameRateLimiter, type ClientLimits } from './limits.js';
import { errorMessage, type Logger } from './log.js';
import type { RelayBudget } from './relay-budget.js';
import { RelayHeldTooLong, RelayQueue } from './relay-queue.js';

/** WebSocket close codes the gateway uses. */
export const CloseCode = {
    /** The client broke the protocol or a limit: frame rate, frames waiting for relay, unread messages (RFC 6455 "policy violation"). */
    ProtocolViolation: 1008,
    /** A frame over `maxFrameBytes` (RFC 6455 "message too big"). */
    MessageTooBig: 1009,
    /** The IC refused or rejected one of the client's calls, or the canister's poller failed. */
    UpstreamFailure: 1011,
    /**
     * The canister is stopped or stopping (e.g. being upgraded): the IC rejected one of the client's calls for that
     * reason, or a held call waited too long (RFC 6455 "service restart": reconnect once it runs again).
     */
    CanisterStopped: 1012,
    /** The gateway already holds `maxClients` connections (RFC 6455 "try again later"): closed before the handshake. */
    GatewayFull: 1013,
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
    /** Submits a call as the IC HTTP interface does (see `IcClient.submitCall`). */
    submitCall(call: RelayedCall): Promise<RelayOutcome>;
    /** Resolves true once polls say the canister runs, false if it still does not at `deadline` (ms since the epoch). */
    whenCanisterRunning(canisterId: Principal, deadline: number): Promise<boolean>;
    limits: ClientLimits;
    budget: RelayBudget;
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
/** A client the gateway closed is cut off if its close handshake has not ended by then (ws itself waits 30 s). */
const CLOSE_GRACE_MS = 2_000;

export class ClientSession {
    private state: SessionPhase = 'init';
    private key: ClientKey | undefined;
    private canister: Principal | undefined;
    // Client calls are submitted one after another so the IC receives them in the order the client sent them.
    private readonly relays: RelayQueue;
    private readonly frameRate: FrameRateLimiter;
    private openTimer: NodeJS.Timeout | undefined;
    private closeTimer: NodeJS.Timeout | undefined;
    // Set when the IC refused the ws_open: the canister never knew this client, so there is nothing to ws_close.
    private openRefused = false;
    // Set once the gateway decided to close the client: its frames are ignored from then on.
    private closing = false;
    private readingPaused = false;
    private readonly onBudgetRoom = () => this.updateReading();

    constructor(
        private readonly socket: WebSocket,
        private readonly context: SessionContext,
        /** A short id for logs. */
        readonly id: number
    ) {
        this.frameRate = new FrameRateLimiter(context.limits.maxFramesPerSecond);
        this.relays = new RelayQueue({
            submit: (call) => context.submitCall(call),
            whenCanisterRunning: (canisterId, deadline) => context.whenCanisterRunning(canisterId, deadline),
            budget: context.budget,
            maxHoldMs: context.limits.maxHoldMs,
            onFailure: (failure, call) => this.onRelayFailure(failure, call),
            onUnknownOutcome: (error, call) => this.context.log.warn(`client #${this.id}: ${call.methodName} relay failed (outcome unknown): ${errorMessage(error)}`),
            onProgress: () => this.updateReading()
        });
    }

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

    /** This client's frames waiting for relay (queued, held while the canister is stopped, or in flight). */
    get pendingRelays(): number {
        return this.relays.frames;
    }

    /** Their envelopes' bytes. */
    get pendingRelayBytes(): number {
        return this.relays.bytes;
    }

    /** Sends the handshake and starts handling the client's frames. */
    start(): void {
        giveFrameTooBigAReason(this.socket, this.context.limits.maxFrameBytes);
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
        if (this.state === 'closed' || this.state === 'init' || this.closing) return;
        if (this.state === 'setup') {
            this.state = 'open';
            this.context.log.info(`client #${this.id} ${this.describe()} open`);
        }
        // A failure here concerns this client only; it must not reach the poller, which serves every client.
        try {
            const outgoing = this.context.outgoingMessageHook ? this.context.outgoingMessageHook(message, this.describe()) : [message];
            for (const frame of outgoing) this.socket.send(encodeCanisterToClientMessage(frame));
            const unsent = this.socket.bufferedAmount;
            if (unsent > this.context.limits.maxUnsentBytes) {
                this.closeForLimit(`client does not read its messages: ${unsent} bytes unsent (limit ${this.context.limits.maxUnsentBytes})`);
            }
        } catch (error) {
            this.context.log.error(`client #${this.id}: could not forward a message: ${errorMessage(error)}`);
            this.terminate(CloseCode.UpstreamFailure, 'internal gateway error');
        }
    }

    /**
     * Closes the connection with a code and a reason the client sees. Frames arriving afterwards are ignored, calls
     * not yet submitted are dropped, and a client that does not complete the close handshake is cut off after
     * {@link CLOSE_GRACE_MS}.
     */
    terminate(code: number, reason: string): void {
        if (this.closing || this.socket.readyState === this.socket.CLOSING || this.socket.readyState === this.socket.CLOSED) return;
        this.closing = true;
        this.relays.stop();
        this.socket.close(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES));
        this.closeTimer = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
        this.closeTimer.unref();
    }

    private onFrame(frame: Uint8Array, isBinary: boolean): void {
        if (this.closing) return;
        try {
            if (!this.frameRate.take()) {
                return this.closeForLimit(`frame rate over ${this.context.limits.maxFramesPerSecond} frames per second`);
            }
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
        this.enqueueRelay(call);
    }

    private relay(call: RelayedCall): void {
        if (this.canister && call.canisterId.toText() !== this.canister.toText()) {
            throw new ProtocolViolation(`this connection is for canister ${this.canister.toText()}, not ${call.canisterId.toText()}`);
        }
        if (this.key && call.sender.toText() !== this.key.client_principal.toText()) {
            throw new ProtocolViolation(`calls must come from ${this.key.client_principal.toText()}, not ${call.sender.toText()}`);
        }
        this.enqueueRelay(call);
    }

    private enqueueRelay(call: RelayedCall): void {
        const { maxPendingRelays, maxPendingRelayBytes } = this.context.limits;
        const frames = this.relays.frames + 1;
        const bytes = this.relays.bytes + call.envelope.length;
        if (frames > maxPendingRelays || bytes > maxPendingRelayBytes) {
            return this.closeForLimit(`too many frames waiting for relay: ${frames} frames, ${bytes} bytes (limits ${maxPendingRelays}, ${maxPendingRelayBytes})`);
        }
        this.relays.push(call);
        this.updateReading();
    }

    /**
     * A call is lost for good: the IC rejected or refused it (the canister was stopped, it trapped, a bad signature,
     * an expired envelope...) or it was held past its deadline. The client's later messages would be refused as out
     * of sequence, and the IC deduplicates signed requests, so the message cannot be sent again: close the client
     * now with the cause rather than let it fail later with a sequence-number error.
     */
    private onRelayFailure(failure: RelayRejected | RelayHeldTooLong, call: RelayedCall): void {
        const opening = call.methodName === 'ws_open' && this.state === 'setup';
        // A ws_open that did not run left no client in the canister: nothing to ws_close.
        if (opening) this.openRefused = true;
        this.context.log.warn(`client #${this.id} ${this.describe()}: ${failure.message}`);
        const canister = call.canisterId.toText();
        if (failure instanceof RelayHeldTooLong) {
            const held = Math.round(failure.heldMs / 1000);
            return this.terminate(CloseCode.CanisterStopped, `canister ${canister} stayed stopped: ${call.methodName} held ${held} s, not delivered; reconnect once it runs`);
        }
        if (failure.canisterPaused) {
            const state = failure.errorCode === 'IC0509' ? 'stopping' : 'stopped';
            return this.terminate(CloseCode.CanisterStopped, `canister ${canister} is ${state}: ${call.methodName} rejected (${failure.errorCode}), cannot be replayed; reconnect`);
        }
        this.terminate(CloseCode.UpstreamFailure, opening ? `ws_open refused: ${failure.message}` : failure.message);
    }

    private closeForLimit(reason: string): void {
        if (this.closing) return;
        this.context.log.warn(`client #${this.id} ${this.describe()}: closed: ${reason}`);
        this.terminate(CloseCode.ProtocolViolation, reason);
    }

    /**
     * Backpressure: stops reading the socket while this client has half its limits waiting for relay, or while the
     * gateway's budget is used up and this client has more than one call waiting (so clients with nothing queued,
     * the well-behaved ones, are not stalled by others), and reads again once relays made room. Paused, the
     * client's frames stay in TCP buffers (its memory, not the gateway's) and TCP slows it down; nothing is lost.
     */
    private updateReading(): void {
        const { limits, budget } = this.context;
        const overOwnShare = this.relays.frames >= limits.maxPendingRelays / 2 || this.relays.bytes >= limits.maxPendingRelayBytes / 2;
        const overBudget = budget.exhausted && this.relays.frames > 1;
        const wait = !this.closing && this.state !== 'closed' && (overOwnShare || overBudget);
        if (overBudget) budget.whenRoom(this.onBudgetRoom);
        if (wait === this.readingPaused) return;
        this.readingPaused = wait;
        if (wait) {
            this.socket.pause();
            budget.paused.add(this);
        } else {
            budget.paused.delete(this);
            if (!this.closing) this.socket.resume();
        }
    }

    private onClosed(): void {
        const wasConnected = this.state === 'setup' || this.state === 'open';
        this.state = 'closed';
        clearTimeout(this.openTimer);
        clearTimeout(this.closeTimer);
        // Calls not yet submitted are dropped: the client is gone (the one in flight ends on its own).
        this.relays.stop();
        this.context.budget.forget(this.onBudgetRoom);
        this.context.budget.paused.delete(this);
        this.context.log.info(`client #${this.id} ${this.describe()} disconnected`);
        if (!wasConnected || !this.key || !this.canister) return;
        this.context.unregister(this);
        if (this.openRefused) return;
        const { key, canister } = this;
        // The canister may already have removed the client (e.g. after a close message): only worth a warning.
        this.context.closeClient(canister, key).catch((error) => this.context.log.warn(`client #${this.id}: ws_close failed: ${errorMessage(error)}`));
    }

    private describe(): string {
        return this.key ? clientKeyToText(this.key) : '(not opened)';
    }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
    if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    // A view, not a copy: the frame may be megabytes, and ws hands over a Buffer of its own for each message.
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * `ws` closes a connection whose frame is over `maxPayload` with 1009 and no reason text (it checks the frame
 * header, so the frame is never buffered). This gives that close a reason the client can show.
 */
function giveFrameTooBigAReason(socket: WebSocket, maxFrameBytes: number): void {
    const close = socket.close.bind(socket);
    socket.close = (code?: number, reason?: string | Buffer) =>
        close(code, reason ?? (code === CloseCode.MessageTooBig ? `frame larger than the gateway's limit of ${maxFrameBytes} bytes` : undefined));
}

function truncateUtf8(text: string, maxBytes: number): string {
    const bytes = new TextEncoder().encode(text);
    if (bytes.length <= maxBytes) return text;
    return new TextDecoder().decode(bytes.subarray(0, maxBytes - 3)).replace(/\uFFFD$/, '') + '...';
}
