/**
 * A bare WebSocket client of the gateway, for suites and benchmarks that play a hostile client: it does the
 * handshake, opens a real session with a correctly signed `ws_open` (Ed25519, as ic-websocket-js does), then sends
 * whatever frames it is told to, and records how the gateway closes it.
 */
import { requestIdOf } from '@dfinity/agent';
import { decode, encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';

const IC_REQUEST_DOMAIN = new TextEncoder().encode('\x0Aic-request');
const WsOpenArguments = IDL.Record({ client_nonce: IDL.Nat64, gateway_principal: IDL.Principal });

export interface GatewayClose {
    code: number;
    reason: string;
}

/**
 * @example
 * const flooder = await RawGatewayClient.open(gateway.url, canisterId);   // handshake + signed ws_open + OpenMessage
 * flooder.send(flooder.unsignedCall('ws_message', new Uint8Array(1024)));
 * const { code, reason } = await flooder.closed();
 */
export class RawGatewayClient {
    /** Canister frames received after the handshake (the first is the OpenMessage). */
    readonly received: Uint8Array[] = [];
    closeEvent: GatewayClose | undefined;
    private readonly closedPromise: Promise<GatewayClose>;

    private constructor(
        readonly socket: WebSocket,
        readonly identity: Ed25519KeyIdentity,
        readonly canisterId: Principal,
        readonly gatewayPrincipal: Principal
    ) {
        this.closedPromise = new Promise((resolve) => {
            socket.on('close', (code, reason) => {
                this.closeEvent = { code, reason: reason.toString() };
                resolve(this.closeEvent);
            });
        });
        socket.on('message', (data: Buffer) => this.received.push(new Uint8Array(data)));
    }

    /** Connects and opens a session for `canisterId` (resolves once the canister's first message arrived). */
    static async open(gatewayUrl: string, canisterId: string, timeoutMs = 15_000): Promise<RawGatewayClient> {
        const socket = new WebSocket(gatewayUrl);
        socket.on('error', () => undefined); // a refused or reset connection shows up as the close event
        const handshake = await new Promise<Uint8Array>((resolve, reject) => {
            socket.once('message', (data: Buffer) => resolve(new Uint8Array(data)));
            socket.once('close', (code, reason) => reject(new Error(`closed before the handshake: ${code} ${reason}`)));
        });
        const { gateway_principal } = decode(handshake) as { gateway_principal: Uint8Array };
        const client = new RawGatewayClient(socket, Ed25519KeyIdentity.generate(), Principal.fromText(canisterId), Principal.fromUint8Array(gateway_principal));
        const arg = new Uint8Array(IDL.encode([WsOpenArguments], [{ client_nonce: BigInt(Date.now()), gateway_principal: client.gatewayPrincipal }]));
        client.send(await client.signedCall('ws_open', arg));
        await client.until(() => client.received.length > 0, timeoutMs, 'the OpenMessage');
        return client;
    }

    /** A frame carrying a correctly signed call of `methodName` from this client's identity. */
    async signedCall(methodName: string, arg: Uint8Array): Promise<Uint8Array> {
        const content = this.content(methodName, arg);
        const requestId = new Uint8Array(requestIdOf(content));
        const signature = new Uint8Array(await this.identity.sign(concat(IC_REQUEST_DOMAIN, requestId).buffer as ArrayBuffer));
        return this.frame(content, signature);
    }

    /** A well-formed frame whose signature is zeros: the IC refuses it ("invalid signature"). */
    unsignedCall(methodName: string, arg: Uint8Array): Uint8Array {
        return this.frame(this.content(methodName, arg), new Uint8Array(64));
    }

    /** Sends one binary frame; resolves true once it was handed to the kernel, false if the socket closed first. */
    send(frame: Uint8Array): Promise<boolean> {
        return new Promise((resolve) => this.socket.send(frame, { binary: true }, (error) => resolve(!error)));
    }

    /** Sends `frames` in one write to the kernel, so the gateway reads them together (as a fast client's would). */
    sendTogether(frames: Uint8Array[]): void {
        const tcp = (this.socket as unknown as { _socket: import('node:net').Socket })._socket;
        tcp.cork();
        for (const frame of frames) this.socket.send(frame, { binary: true });
        tcp.uncork();
    }

    closed(timeoutMs = 15_000): Promise<GatewayClose> {
        return withTimeout(this.closedPromise, timeoutMs, 'the gateway to close the connection');
    }

    close(): void {
        this.socket.close();
    }

    private content(methodName: string, arg: Uint8Array): Record<string, unknown> {
        return {
            request_type: 'call',
            canister_id: this.canisterId.toUint8Array(),
            method_name: methodName,
            arg,
            sender: this.identity.getPrincipal().toUint8Array(),
            ingress_expiry: BigInt(Date.now() + 240_000) * 1_000_000n,
            nonce: new Uint8Array(randomBytes(16))
        };
    }

    private frame(content: Record<string, unknown>, signature: Uint8Array): Uint8Array {
        const sender_pubkey = new Uint8Array(this.identity.getPublicKey().toDer());
        return encodeWithSelfDescribedTag({ envelope: { content, sender_pubkey, sender_sig: signature } } as never);
    }

    /** Waits until `condition` holds, re-checking on every frame; fails on close or after `timeoutMs`. */
    private until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
        return new Promise((resolve, reject) => {
            const finish = (error?: Error) => {
                clearTimeout(timer);
                this.socket.off('message', check).off('close', check);
                if (error) reject(error);
                else resolve();
            };
            const check = () => {
                if (condition()) finish();
                else if (this.closeEvent) finish(new Error(`closed while waiting for ${what}: ${this.closeEvent.code} ${this.closeEvent.reason}`));
            };
            const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
            this.socket.on('message', check).on('close', check);
            check();
        });
    }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
