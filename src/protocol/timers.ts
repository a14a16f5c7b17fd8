/**
 * What the two timers do (spec protocol.md §4.1); arming them is the canister layer's job (`../ic_websocket.ts`).
 * - Every ack interval: every client is sent `AckMessage{last_incoming_sequence_num}` and starts waiting for a
 *   keep-alive; then the keep-alive check is scheduled 60 s later.
 * - Keep-alive check: empty expired gateways are removed, and acked clients whose last keep-alive is older than
 *   60 s (strictly) are closed with `KeepAliveTimeout`.
 */
import { CLIENT_KEEP_ALIVE_TIMEOUT_MS, LOG_PREFIX } from '../constants';
import { isErr } from '../errors';
import type { ClientKey } from '../types';
import { removeClient } from './clients';
import type { WsContext } from './context';
import { removeEmptyExpiredGateways } from './gateways';
import { queueMessage } from './outgoing';
import { ackMessage } from './service_messages';

/** Queues an ack for every connected client (errors are logged, not fatal) and certifies once. */
export function sendAcksToClients(ctx: WsContext): void {
    ctx.batch(() => sendAcks(ctx));
}

function sendAcks(ctx: WsContext): void {
    for (const [key, client] of ctx.store.allClients()) {
        const result = queueMessage(ctx, key, ackMessage(client.nextIncomingSequenceNum - 1n), {
            isServiceMessage: true,
            markWaitingForKeepAlive: true
        });
        if (isErr(result)) ctx.env.log(`${LOG_PREFIX}Error sending ack message to client ${key.client_principal.toText()}: ${result.Err}`);
    }
}

/** The keep-alive check: drops expired empty gateways and closes acked clients that did not answer in time. */
export function checkKeepAlive(ctx: WsContext): void {
    ctx.batch(() => checkClients(ctx));
}

function checkClients(ctx: WsContext): void {
    removeEmptyExpiredGateways(ctx);
    const now = ctx.env.time();
    const timeoutNs = CLIENT_KEEP_ALIVE_TIMEOUT_MS * 1_000_000n;
    const expired: ClientKey[] = [];
    for (const [key, client] of ctx.store.allClients()) {
        if (client.waitingForKeepAlive && now - client.lastKeepAliveTimestamp > timeoutNs) expired.push(key);
    }
    for (const key of expired) removeClient(ctx, key, { KeepAliveTimeout: null });
}
