/**
 * Gateway lifecycle (spec protocol.md §2.2 step 4, §2.5, §2.8): a gateway is registered when a client names it in
 * ws_open, counts its clients, and is removed one ack interval after its last client left (at the keep-alive check),
 * together with its queued messages.
 */
import type { Principal } from '@dfinity/principal';
import { INITIAL_OUTGOING_MESSAGE_NONCE } from '../constants';
import type { GatewayRecord } from '../state/records';
import type { WsContext } from './context';

export function newGatewayRecord(): GatewayRecord {
    return {
        nextNonce: INITIAL_OUTGOING_MESSAGE_NONCE,
        oldestNonce: INITIAL_OUTGOING_MESSAGE_NONCE,
        connectedClientsCount: 0n,
        emptySince: null,
        oldestTimestamp: 0n
    };
}

/** Registers the gateway if needed (an existing one keeps its nonce and queue) and counts one more client. */
export function incrementGatewayClients(ctx: WsContext, gateway: Principal): void {
    const record = ctx.store.getGateway(gateway) ?? newGatewayRecord();
    record.connectedClientsCount += 1n;
    record.emptySince = null;
    ctx.store.putGateway(gateway, record);
}

/** Counts one client less (saturating at 0); at 0 the gateway is scheduled for removal. */
export function decrementGatewayClients(ctx: WsContext, gateway: Principal): void {
    const record = ctx.store.getGateway(gateway);
    if (record === undefined) return;
    if (record.connectedClientsCount > 0n) record.connectedClientsCount -= 1n;
    if (record.connectedClientsCount === 0n) record.emptySince = ctx.env.time();
    ctx.store.putGateway(gateway, record);
}

/** Removes gateways empty for longer than one ack interval (strictly), and their queued messages. */
export function removeEmptyExpiredGateways(ctx: WsContext): void {
    const now = ctx.env.time();
    const interval = ctx.sendAckIntervalNs();
    for (const [gateway, record] of ctx.store.allGateways()) {
        if (record.emptySince === null || now - record.emptySince <= interval) continue;
        deleteQueue(ctx, gateway, record);
        ctx.store.removeGateway(gateway);
    }
}

function deleteQueue(ctx: WsContext, gateway: Principal, record: GatewayRecord): void {
    const labels = ctx.gatewayLabels(gateway);
    for (let nonce = record.oldestNonce; nonce < record.nextNonce; nonce++) {
        ctx.store.removeMessage(gateway, nonce);
        ctx.tree.delete(labels.key(nonce));
    }
}
