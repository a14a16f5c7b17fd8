/**
 * `IcWebSocket`: the object an Azle canister creates once at module level to get WebSockets.
 */
import { IDL, inReplicatedExecution, msgArgData, msgCaller, msgMethodName, performanceCounter } from 'azle';
import type { Principal } from '@dfinity/principal';
import { Broadcasts } from './broadcasts';
import { DEFAULT_INSTRUCTION_BUDGET } from './constants';
import type { WsResult } from './errors';
import { decodeAppMessage, prepareCandidTemplates } from './candid_codec';
import { icEnvironment } from './ic_environment';
import { inspectWsCall, type InspectMessageOptions } from './inspect_message';
import { createWsMethods, type WsEndpoints } from './methods';
import { resolveParams, type WsParamsInput } from './params';
import {
    closeClient,
    connectedClients,
    gatewayInfos,
    queueDepth,
    sendToClient,
    type BroadcastResult,
    type GatewayInfo
} from './protocol/app_api';
import { currentClientKey } from './protocol/clients';
import { WsContext, type WsCallbacks } from './protocol/context';
import { wipe } from './protocol/lifecycle';
import { wsClose } from './protocol/ws_close';
import { wsGetMessages } from './protocol/ws_get_messages';
import { wsMessage } from './protocol/ws_message';
import { wsOpen } from './protocol/ws_open';
import { CertifiedQueue } from './queue/certified_queue';
import { handlerPrincipal } from './principal_text';
import { PendingBroadcasts } from './state/pending_broadcasts';
import { StableKvMap } from './state/stable_kv';
import { WsStore } from './state/store';
import { TimerSchedule } from './timer_schedule';

/**
 * Argument of `onOpen`: the client that connected. Handlers' `clientPrincipal` (here, in `onMessage` and `onClose`)
 * is a `Principal` whose `toText()` costs ~0.2M instructions instead of ~0.8M, computed once.
 *
 * @example
 * const onOpen = ({ clientPrincipal }: OnOpenArgs) => ws.send(clientPrincipal, { text: 'welcome' });
 */
export type OnOpenArgs = { clientPrincipal: Principal };

/**
 * Argument of `onClose`: the client that is gone.
 *
 * @example
 * const onClose = ({ clientPrincipal }: OnCloseArgs) => console.log(`${clientPrincipal.toText()} left`);
 */
export type OnCloseArgs = { clientPrincipal: Principal };

/**
 * Argument of `onMessage`: the sender, the Candid bytes it sent, and `message`, those bytes decoded with the app
 * type on first access (a bad payload throws, i.e. traps; so does one whose decoding cost would not be bounded by
 * its size). Read only `bytes` to forward a message without decoding it.
 *
 * @example
 * const onMessage = ({ clientPrincipal, message }: OnMessageArgs<{ text: string }>) =>
 *     ws.broadcast({ text: `${clientPrincipal.toText()}: ${message.text}` });
 */
export type OnMessageArgs<T> = { clientPrincipal: Principal; bytes: Uint8Array; readonly message: T };

/**
 * Memory ids of the five stable maps (0–253, each distinct and not used by the application).
 * Defaults ({@link DEFAULT_MEMORY_IDS}): pendingBroadcasts 249, clients 250, principals 251, gateways 252, messages 253.
 *
 * @example
 * const memoryIds: WsMemoryIds = { pendingBroadcasts: 10, clients: 11, principals: 12, gateways: 13, messages: 14 };
 * const ws = new IcWebSocket({ appMessage, memoryIds });
 */
export type WsMemoryIds = { pendingBroadcasts: number; clients: number; principals: number; gateways: number; messages: number };

/**
 * The memory ids the CDK uses unless told otherwise (`memoryIds`): 249–253. Keep your own `StableBTreeMap`s off
 * them.
 *
 * @example
 * const users = new StableBTreeMap<string, string>(0); // any id outside Object.values(DEFAULT_MEMORY_IDS)
 */
export const DEFAULT_MEMORY_IDS: Readonly<WsMemoryIds> = Object.freeze({ pendingBroadcasts: 249, clients: 250, principals: 251, gateways: 252, messages: 253 });

/**
 * Options of {@link IcWebSocket}: the app's message type, its handlers, and the params of {@link WsParamsInput}
 * (which `ws.init(params)` can change later).
 *
 * @example
 * const options: IcWebSocketOptions<{ text: string }> = {
 *     appMessage: IDL.Record({ text: IDL.Text }),
 *     onMessage: ({ clientPrincipal, message }) => ws.send(clientPrincipal, { text: `echo: ${message.text}` }),
 *     sendAckIntervalMs: 120_000
 * };
 * const ws = new IcWebSocket(options);
 */
export type IcWebSocketOptions<T> = WsParamsInput & {
    /**
     * Candid type of application messages, both directions; `T` is its TypeScript type.
     *
     * @example
     * new IcWebSocket<{ text: string }>({ appMessage: IDL.Record({ text: IDL.Text }) });
     */
    appMessage: IDL.Type;
    /**
     * A client connected (its OpenMessage is already queued, so sending from here works). Runs inside `ws_open`:
     * if it throws, the client is not connected.
     *
     * @example
     * new IcWebSocket({ appMessage, onOpen: ({ clientPrincipal }) => ws.send(clientPrincipal, { text: 'welcome' }) });
     */
    onOpen?: (args: OnOpenArgs) => void;
    /**
     * A client sent an application message. Runs inside `ws_message`: if it throws, the message is not
     * received (the call traps and the client's sequence number does not advance).
     *
     * @example
     * new IcWebSocket<{ text: string }>({ appMessage, onMessage: ({ message }) => ws.broadcast(message) });
     */
    onMessage?: (args: OnMessageArgs<T>) => void;
    /**
     * A client is gone (closed by its gateway, by the app, replaced by a new connection of the same principal,
     * timed out or sent a wrong sequence number). Do not call `ws.close` from here.
     *
     * @example
     * new IcWebSocket({ appMessage, onClose: ({ clientPrincipal }) => presence.delete(clientPrincipal.toText()) });
     */
    onClose?: (args: OnCloseArgs) => void;
    /**
     * Memory ids of the CDK's stable maps, when the defaults ({@link DEFAULT_MEMORY_IDS}, 249–253) collide with
     * yours. Never change them once the canister is deployed: the state stays under the old ids.
     *
     * @example
     * new IcWebSocket({ appMessage, memoryIds: { messages: 100 } }); // the others keep their defaults
     */
    memoryIds?: Partial<WsMemoryIds>;
    /**
     * Instructions a broadcast, an ack round or a keep-alive check may use in one message before deferring the
     * rest to timer messages (default {@link DEFAULT_INSTRUCTION_BUDGET}, 20B of the 40B limit). Lower it if your
     * code does heavy work after a broadcast in the same call; a function is read each time it is needed.
     *
     * @example
     * new IcWebSocket({ appMessage, instructionBudget: 10_000_000_000n });
     */
    instructionBudget?: bigint | (() => bigint);
};

/** What `ic-websocket-cdk/testing` does to an instance: deletes all its state. Not reachable from the class. */
const wipers = new WeakMap<object, () => void>();

/**
 * Closes every client of `ws` (calling `onClose`), deletes all its state and messages (O(n): tests only). The
 * implementation of `wipe` in `ic-websocket-cdk/testing`; not exported by the package's main entry.
 */
export function wipeIcWebSocket(ws: IcWebSocket<unknown>): void {
    const wipe = wipers.get(ws);
    if (wipe === undefined) throw new Error('wipe: not an IcWebSocket');
    wipe();
}

/**
 * WebSockets for an Azle canister, wire-compatible with ic-websocket-cdk 0.4.1 (ic-websocket-js clients and the
 * ic-websocket-gateway work unchanged). All state lives in stable memory and survives upgrades.
 *
 * Handlers run inside the calling message: if one throws, the message traps and every change is rolled back.
 * `send`, `close` and `broadcast` return `{ Ok: null } | { Err: string }`-style results like upstream, never throw.
 *
 * @example
 * import { IDL } from 'azle';
 * import { IcWebSocket } from 'ic-websocket-cdk';
 *
 * const AppMessage = IDL.Record({ text: IDL.Text });
 * type AppMessage = { text: string };
 *
 * const ws = new IcWebSocket<AppMessage>({
 *     appMessage: AppMessage,
 *     onOpen: ({ clientPrincipal }) => ws.send(clientPrincipal, { text: 'welcome' }),
 *     onMessage: ({ clientPrincipal, message }) => ws.broadcast({ text: `${clientPrincipal.toText()}: ${message.text}` })
 * });
 *
 * // Your canister class: its `@init([])` and `@postUpgrade([])` methods call `ws.init()` (README, "Using the CDK").
 * class App {}
 *
 * export default [App, ws.methods];
 */
export class IcWebSocket<T> {
    /**
     * The class with the four endpoints (`ws_open`, `ws_close`, `ws_message`, `ws_get_messages`): list it next to
     * your own class in the canister's default export.
     *
     * @example
     * export default [App, ws.methods];
     */
    readonly methods: ReturnType<typeof createWsMethods>;
    private readonly ctx: WsContext;
    private readonly appMessage: IDL.Type;
    private readonly broadcasts: Broadcasts;
    private readonly timers: TimerSchedule;
    /** Whether init ran since this module was evaluated (i.e. since the install or upgrade). */
    private initialized = false;

    /**
     * Creates the WebSocket side of the canister: call it once, at module level (the constructor also initializes
     * on every install and upgrade, see {@link IcWebSocket.init}). Throws (traps) on invalid options.
     *
     * @example
     * const ws = new IcWebSocket<{ text: string }>({ appMessage: IDL.Record({ text: IDL.Text }), onMessage: ({ message }) => ws.broadcast(message) });
     */
    constructor(options: IcWebSocketOptions<T>) {
        this.appMessage = options.appMessage;
        const budget = options.instructionBudget ?? DEFAULT_INSTRUCTION_BUDGET;
        const ids = { ...DEFAULT_MEMORY_IDS, ...options.memoryIds };
        checkMemoryIds(ids);
        // What the message has used, plus what certifying its changes will still cost when the batch ends.
        const outOfBudget = () => performanceCounter(0) + this.ctx.queue.pendingCommitCost() > (typeof budget === 'function' ? budget() : budget);
        const store = new WsStore({
            clients: new StableKvMap(ids.clients),
            principals: new StableKvMap(ids.principals),
            gateways: new StableKvMap(ids.gateways)
        });
        const queue = new CertifiedQueue(new StableKvMap(ids.messages), (data) => icEnvironment.setCertifiedData(data));
        this.ctx = new WsContext(store, queue, icEnvironment, resolveParams(options), this.callbacksOf(options));
        this.broadcasts = new Broadcasts(this.ctx, new PendingBroadcasts(new StableKvMap(ids.pendingBroadcasts)), outOfBudget);
        this.timers = new TimerSchedule(this.ctx, outOfBudget);
        this.methods = createWsMethods(this.endpoints(), options.appMessage);
        wipers.set(this, () => {
            wipe(this.ctx);
            this.broadcasts.clear();
        });
        // Module-level code runs (replicated) on every install and upgrade, and (not replicated) at build time:
        // initializing here means a canister that forgets `ws.init()` in `@postUpgrade` still serves valid
        // witnesses and keeps its ack timer.
        if (inReplicatedExecution()) this.init();
    }

    /**
     * Applies params (overriding the constructor's) and (re)arms the ack timer. Throws (traps) if
     * `sendAckIntervalMs <= 60 000`.
     *
     * The constructor already initializes on every install and upgrade (it runs at module level): it sets the
     * certified data from the tree stored in stable memory (constant work, whatever the number of queued messages)
     * and arms the timers. Calling `init` from the canister's `@init` and `@postUpgrade` is still recommended and is
     * how params taken from init arguments are applied.
     *
     * @example
     * // In your `@init([IDL.Nat64])` and `@postUpgrade([IDL.Nat64])` methods, with the init argument `ackMs`:
     * ws.init({ sendAckIntervalMs: ackMs });
     */
    init(params?: WsParamsInput): void {
        if (params !== undefined) {
            const current = this.ctx.params;
            this.ctx.params = resolveParams({
                maxNumberOfReturnedMessages: params.maxNumberOfReturnedMessages ?? current.maxNumberOfReturnedMessages,
                sendAckIntervalMs: params.sendAckIntervalMs ?? current.sendAckIntervalMs,
                maxQueuedMessagesPerGateway: params.maxQueuedMessagesPerGateway ?? current.maxQueuedMessagesPerGateway,
                maxQueuedMessagesPerClient: params.maxQueuedMessagesPerClient ?? current.maxQueuedMessagesPerClient
            });
        }
        if (!this.initialized) {
            prepareCandidTemplates();
            this.ctx.queue.recertify();
            this.initialized = true;
        }
        this.timers.restart();
        this.broadcasts.resume();
    }

    /**
     * Sends an application message to `client`, Candid-encoded with the app type; `{ Err }` (never a throw) when it
     * is not connected, its queue or its gateway's is full, or the message is over 2 MiB ({@link errorKind} names
     * which).
     *
     * @example
     * const result = ws.send(client, { text: 'hi' });
     * if ('Err' in result) console.log(result.Err, errorKind(result)); // "Client with principal … doesn't have an open connection" ClientPrincipalNotConnected
     */
    send(client: Principal, message: T): WsResult {
        return sendToClient(this.ctx, client, this.encode(message));
    }

    /**
     * Sends bytes that are already a Candid encoding of an application message (as upstream's `send`): encode a
     * message once and send it to many clients.
     *
     * @example
     * const bytes = new Uint8Array(IDL.encode([AppMessage], [{ text: 'tick' }]));
     * for (const client of subscribers) ws.sendRaw(client, bytes);
     */
    sendRaw(client: Principal, bytes: Uint8Array): WsResult {
        return sendToClient(this.ctx, client, bytes);
    }

    /**
     * Sends one message to many clients (default: every client connected now; clients that connect while it is still
     * being served do not get it), encoding it once and certifying once.
     *
     * A broadcast never exceeds the instruction limit: once the current message has used
     * its instruction budget (`instructionBudget`, default {@link DEFAULT_INSTRUCTION_BUDGET}), the remaining recipients (`deferred` in the result) are
     * stored in stable memory and served by follow-up timer messages, seconds later. While a broadcast is pending,
     * later broadcasts queue behind it, so every client sees broadcasts in order; direct `send`s are not held back.
     *
     * @example
     * const { sent, failed, deferred } = ws.broadcast({ text: 'hello everyone' });
     */
    broadcast(message: T, clients?: Principal[]): BroadcastResult {
        return this.broadcastRaw(this.encode(message), clients);
    }

    /**
     * {@link IcWebSocket.broadcast} of bytes that are already a Candid encoding of an application message.
     *
     * @example
     * const { sent } = ws.broadcastRaw(new Uint8Array(IDL.encode([AppMessage], [{ text: 'tick' }])));
     */
    broadcastRaw(bytes: Uint8Array, clients?: Principal[]): BroadcastResult {
        return this.broadcasts.broadcast(bytes, clients);
    }

    /**
     * Runs `work` and certifies once at its end instead of after every `send`: each certification re-hashes what
     * changed up to the root. Handlers (`onOpen`, `onMessage`, `onClose`) already run inside a
     * batch; use this when your own update method sends several messages.
     *
     * @example
     * ws.batch(() => { for (const [client, text] of replies) ws.send(client, { text }); });
     */
    batch<R>(work: () => R): R {
        return this.ctx.batch(work);
    }

    /**
     * For the canister's `@inspectMessage({ manual: true })` method: false for a WebSocket call to refuse before it
     * executes (malformed or oversized arguments, and calls that could only return an `Err`: anonymous `ws_open`,
     * `ws_message` from a principal that is not connected, `ws_close` not from the client's gateway), true for any
     * other call, so the application's own rules follow with `&&`. Use `manual: true`: without it Azle decodes
     * every argument with `IDL.decode` before your method runs, the unbounded decoding this guards against.
     * Queries (`ws_get_messages` polls) are never inspected by the IC; the endpoints bound their own work anyway.
     *
     * @example
     * // The body of your `@inspectMessage({ manual: true })` method:
     * return ws.inspectMessage({ maxMessageBytes: 64 * 1024 }) && myOwnRules();
     */
    inspectMessage(options?: InspectMessageOptions): boolean {
        const verdict = inspectWsCall(this.ctx, msgMethodName(), msgArgData(), msgCaller(), options);
        return verdict === undefined || verdict.accept;
    }

    /**
     * Closes a client's connection (reason `ClosedByApplication`); `onClose` is called. Do not call it from
     * `onClose`. `{ Err }` (kind `ClientPrincipalNotConnected`) when it is not connected.
     *
     * @example
     * if (isBanned(client)) ws.close(client);
     */
    close(client: Principal): WsResult {
        return closeClient(this.ctx, client);
    }

    /**
     * Principals with an open connection, in byte order (reads every client: O(n)).
     *
     * @example
     * const online: string[] = ws.clients().map((client) => client.toText());
     */
    clients(): Principal[] {
        return connectedClients(this.ctx);
    }

    /**
     * Whether `client` has an open connection (one lookup).
     *
     * @example
     * if (!ws.isConnected(client)) return 'offline';
     */
    isConnected(client: Principal): boolean {
        return currentClientKey(this.ctx, client) !== undefined;
    }

    /**
     * Number of messages queued (not yet deleted) for `gateway`; 0 for a gateway that is not registered.
     *
     * @example
     * const depth = ws.queueDepth(Principal.fromText(gatewayText));
     */
    queueDepth(gateway: Principal): number {
        return queueDepth(this.ctx, gateway);
    }

    /**
     * Registered gateways with their client counts and queue depths (reads every gateway).
     *
     * @example
     * for (const { gateway, connectedClients, queueDepth } of ws.gateways()) console.log(gateway.toText(), connectedClients, queueDepth);
     */
    gateways(): GatewayInfo[] {
        return gatewayInfos(this.ctx);
    }

    private encode(message: T): Uint8Array {
        return new Uint8Array(IDL.encode([this.appMessage], [message]));
    }

    private endpoints(): WsEndpoints {
        return {
            wsOpen: (caller, args) => wsOpen(this.ctx, caller, args),
            wsClose: (caller, args) => wsClose(this.ctx, caller, args),
            wsMessage: (caller, args) => wsMessage(this.ctx, caller, args),
            wsGetMessages: (caller, args) => wsGetMessages(this.ctx, caller, args.nonce)
        };
    }

    private callbacksOf(options: IcWebSocketOptions<T>): WsCallbacks {
        const { onOpen, onMessage, onClose } = options;
        const appMessage = options.appMessage;
        return {
            // Handlers get principals with a cheap `toText()` (principal_text.ts: ~0.8M instructions less per call).
            onOpen: onOpen && ((clientPrincipal) => onOpen({ clientPrincipal: handlerPrincipal(clientPrincipal) })),
            onClose: onClose && ((clientPrincipal) => onClose({ clientPrincipal: handlerPrincipal(clientPrincipal) })),
            onMessage:
                onMessage &&
                ((clientPrincipal, bytes) => {
                    let decoded: { value: T } | undefined;
                    onMessage({
                        clientPrincipal: handlerPrincipal(clientPrincipal),
                        bytes,
                        get message(): T {
                            decoded ??= { value: decodeAppMessage(appMessage, bytes) as T };
                            return decoded.value;
                        }
                    });
                })
        };
    }
}

function checkMemoryIds(ids: WsMemoryIds): void {
    const values = [ids.pendingBroadcasts, ids.clients, ids.principals, ids.gateways, ids.messages];
    for (const id of values) {
        if (!Number.isInteger(id) || id < 0 || id > 253) throw new Error(`IcWebSocket memory ids must be integers in 0..253, got ${id}`);
    }
    if (new Set(values).size !== values.length) throw new Error(`IcWebSocket memory ids must be distinct, got ${values.join(', ')}`);
}
