/**
 * Gateway lifecycle (spec protocol.md §2.2 step 4, §2.5, §2.8): a gateway is registered when a client names it in
 * ws_open, counts its clients, and is removed one ack interval after its last client left (at the keep-alive check),
 * together with its queued messages (`CertifiedQueue.removeGateway`).
 */
import type { Principal } from '@dfinity/principal';
import type { GatewayRecord } from '../state/records';
import type { WsContext } from './context';

/** Registers the gateway if needed (an existing one keeps its nonce and queue) and counts one more client. */
export function incrementGatewayClients(ctx: WsContext, gateway: Principal): void {
    let record: GatewayRecord | undefined = ctx.store.getGateway(gateway);
    if (record === undefined) {
        record = { connectedClientsCount: 0n, emptySince: null };
        ctx.queue.addGateway(gateway, ctx.env.time());
    }
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

/**
 * Removes gateways empty for longer than one ack interval (strictly) from the records and the certified tree. Their
 * messages' storage is deleted afterwards, by `CertifiedQueue.reclaim`. Returns how many were removed.
 */
export function removeEmptyExpiredGateways(ctx: WsContext): number {
    const now = ctx.env.time();
    const interval = ctx.sendAckIntervalNs();
    let removed = 0;
    for (const [gateway, record] of ctx.store.allGateways()) {
        if (record.emptySince === null || now - record.emptySince <= interval) continue;
        ctx.queue.removeGateway(gateway);
        ctx.store.removeGateway(gateway);
        removed++;
    }
    return removed;
}
