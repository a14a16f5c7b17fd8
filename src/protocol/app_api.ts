/**
 * What the application calls: send to one client, broadcast, close, and introspection (spec protocol.md §1.4,
 * §2.7). Every mutating function runs in a batch (`WsContext.batch`), so it
 * certifies once, at the end of the outermost batch.
 */
import type { Principal } from '@dfinity/principal';
import { binaryKey } from '../bytes';
import { err, isErr, OK, WsError, type WsResult } from '../errors';
import type { ScanCursor } from '../state/scan';
import { currentClientKey, removeClient } from './clients';
import type { WsContext } from './context';
import { queueMessage } from './outgoing';

/** Queues an application message (already Candid-encoded) for `client`. */
export function sendToClient(ctx: WsContext, client: Principal, content: Uint8Array): WsResult {
    return ctx.batch(() => queueToPrincipal(ctx, client, content));
}

function queueToPrincipal(ctx: WsContext, client: Principal, content: Uint8Array): WsResult {
    const key = currentClientKey(ctx, client);
    if (key === undefined) return err(WsError.clientPrincipalNotConnected(client.toText()));
    return queueMessage(ctx, key, content, { isServiceMessage: false });
}

/**
 * Outcome of a broadcast: how many clients got the message now, why others did not (`error` is the `Err` text;
 * `errorKind(error)` classifies it), and how many recipients were deferred to follow-up timer messages because the
 * call's instruction budget ran out (they get it seconds later, in order).
 *
 * @example
 * const { sent, failed, deferred }: BroadcastResult = ws.broadcast({ text: 'hello everyone' });
 * for (const { client, error } of failed) console.log(client.toText(), errorKind(error));
 */
export type BroadcastResult = { sent: number; failed: { client: Principal; error: string }[]; deferred: number };

/**
 * Queues the same content for each of `clients` (default: every connected client, see {@link broadcastToAll}) and
 * certifies once. Stops before a recipient when `outOfBudget()` says so; the recipients of a list not reached are
 * returned in `remaining`, where a broadcast to everyone continues in `next`.
 *
 * @example
 * const { sent, remaining } = broadcastToClients(ctx, bytes, [alice, bob], () => performanceCounter(0) > budget);
 */
export function broadcastToClients(
    ctx: WsContext,
    content: Uint8Array,
    clients?: Principal[],
    outOfBudget: () => boolean = () => false
): BroadcastProgress {
    if (clients === undefined) return broadcastToAll(ctx, content, undefined, outOfBudget);
    return ctx.batch(() => {
        const outcome: BroadcastProgress = { sent: 0, failed: [], deferred: 0, remaining: [] };
        for (let i = 0; i < clients.length; i++) {
            if (i > 0 && outOfBudget()) {
                outcome.remaining = clients.slice(i);
                outcome.deferred = outcome.remaining.length;
                break;
            }
            const result = queueToPrincipal(ctx, clients[i], content);
            if (isErr(result)) outcome.failed.push({ client: clients[i], error: result.Err });
            else outcome.sent++;
        }
        return outcome;
    });
}

/** Where a broadcast stopped: the recipients of a list not reached, or the cursor a broadcast to everyone continues from. */
export type BroadcastProgress = BroadcastResult & { remaining: Principal[]; next?: ScanCursor };

/**
 * Client keys read per page of a broadcast to everyone. Large, because a StableBTreeMap page skips its start
 * position entry by entry (in Rust): pages of 32 doubling to 1,024 cost ~60k instructions more per recipient at
 * 100 and 1,000 clients than one page; reading a key it does not serve costs only its copy (no decoding).
 */
const BROADCAST_PAGE = 1_024;

/**
 * Queues `content` for every client after `after` (from the first when undefined), in key order, skipping the
 * client keys in `newcomers` (binary keys of clients registered after the broadcast was made), and certifies once.
 * When `outOfBudget()` stops it (never before the first client), `next` is where it continues and `deferred` the
 * number of clients after it.
 *
 * Cost note: the client keys are read in pages of 1,024 from the cursor and decoded only when served, so a call
 * reads at most a page more than it serves: before, a broadcast listed and decoded every client first, ~0.15M
 * instructions per recipient served in a call at 10,000 clients (bench/RESULTS.md).
 */
export function broadcastToAll(
    ctx: WsContext,
    content: Uint8Array,
    after: ScanCursor | undefined,
    outOfBudget: () => boolean = () => false,
    newcomers?: Set<string>
): BroadcastProgress {
    return ctx.batch(() => {
        const outcome: BroadcastProgress = { sent: 0, failed: [], deferred: 0, remaining: [] };
        const skip = newcomers !== undefined && newcomers.size > 0 ? newcomers : undefined;
        let cursor = after;
        for (;;) {
            const { keys, start } = ctx.store.clientMapKeysPage(cursor, BROADCAST_PAGE);
            for (let i = 0; i < keys.length; i++) {
                if ((i > 0 || cursor !== after) && outOfBudget()) {
                    outcome.next = { after: keys[i - 1] ?? cursor!.after, position: start + i };
                    outcome.deferred = ctx.store.clientCount() - outcome.next.position;
                    return outcome;
                }
                if (skip?.has(binaryKey(keys[i]))) continue;
                const key = ctx.store.decodeClientMapKey(keys[i]);
                const result = queueMessage(ctx, key, content, { isServiceMessage: false });
                if (isErr(result)) outcome.failed.push({ client: key.client_principal, error: result.Err });
                else outcome.sent++;
            }
            if (keys.length < BROADCAST_PAGE) return outcome;
            cursor = { after: keys[keys.length - 1], position: start + keys.length };
        }
    });
}

/** Closes `client`'s connection with reason `ClosedByApplication` (calls `onClose`; not from inside `onClose`). */
export function closeClient(ctx: WsContext, client: Principal): WsResult {
    const key = currentClientKey(ctx, client);
    if (key === undefined) return err(WsError.clientPrincipalNotConnected(client.toText()));
    ctx.batch(() => removeClient(ctx, key, { ClosedByApplication: null }));
    return OK;
}

/** Principals with an open connection, in byte order. */
export function connectedClients(ctx: WsContext): Principal[] {
    return ctx.store.allClientPrincipals();
}

/**
 * One registered gateway, for introspection: how many clients it serves and how many messages are queued for it.
 *
 * @example
 * const busiest: GatewayInfo | undefined = ws.gateways().sort((a, b) => b.queueDepth - a.queueDepth)[0];
 */
export type GatewayInfo = { gateway: Principal; connectedClients: number; queueDepth: number };

/** Every registered gateway with its client count and number of queued messages. */
export function gatewayInfos(ctx: WsContext): GatewayInfo[] {
    return ctx.store.allGateways().map(([gateway, record]) => ({
        gateway,
        connectedClients: Number(record.connectedClientsCount),
        queueDepth: ctx.queue.depthOf(gateway)
    }));
}

/** Number of messages queued for `gateway` (0 for an unknown gateway). */
export function queueDepth(ctx: WsContext, gateway: Principal): number {
    return ctx.queue.depthOf(gateway);
}

