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
 * Removes the gateway if it has been empty for longer than one ack interval (strictly) at `now`: from the records
 * and from the certified tree. Its messages' storage is deleted afterwards, by `CertifiedQueue.reclaim`.
 */
export function removeGatewayIfExpired(ctx: WsContext, gateway: Principal, record: GatewayRecord, now: bigint): void {
    if (record.emptySince === null || now - record.emptySince <= ctx.sendAckIntervalNs()) return;
    ctx.queue.removeGateway(gateway);
    ctx.store.removeGateway(gateway);
}
