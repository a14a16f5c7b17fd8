/**
 * What the application calls: send to one client, broadcast, close, and introspection (spec protocol.md §1.4,
 * §2.7). Every mutating function runs in a batch (`WsContext.batch`), so it
 * certifies once, at the end of the outermost batch.
 */
import type { Principal } from '@dfinity/principal';
import { err, isErr, OK, WsError, type WsResult } from '../errors';
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
 * Queues the same content for each of `clients` (default: every connected client) and certifies once. Stops
 * before a recipient when `outOfBudget()` says so; the recipients not reached are returned in `remaining`.
 *
 * @example
 * const { sent, remaining } = broadcastToClients(ctx, bytes, undefined, () => performanceCounter(0) > budget);
 */
export function broadcastToClients(
    ctx: WsContext,
    content: Uint8Array,
    clients?: Principal[],
    outOfBudget: () => boolean = () => false
): BroadcastResult & { remaining: Principal[] } {
    return ctx.batch(() => {
        // To everyone: the keys come from the clients map itself, so no recipient's current key is looked up.
        const keys = clients === undefined ? ctx.store.allClientKeys() : undefined;
        const count = keys?.length ?? clients!.length;
        const outcome = { sent: 0, failed: [] as BroadcastResult['failed'], deferred: 0, remaining: [] as Principal[] };
        for (let i = 0; i < count; i++) {
            if (i > 0 && outOfBudget()) {
                outcome.remaining = keys?.slice(i).map((key) => key.client_principal) ?? clients!.slice(i);
                outcome.deferred = outcome.remaining.length;
                break;
            }
            const result = keys !== undefined ? queueMessage(ctx, keys[i], content, { isServiceMessage: false }) : queueToPrincipal(ctx, clients![i], content);
            if (isErr(result)) outcome.failed.push({ client: keys?.[i].client_principal ?? clients![i], error: result.Err });
            else outcome.sent++;
        }
        return outcome;
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

