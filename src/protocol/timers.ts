/**
 * What the two timers do (spec protocol.md §4.1); arming them is the canister layer's job (`../ic_websocket.ts`).
 * - Every ack interval: every client is sent `AckMessage{last_incoming_sequence_num}` and starts waiting for a
 *   keep-alive; then the keep-alive check is scheduled 60 s later.
 * - Keep-alive check: empty expired gateways are removed, and acked clients whose last keep-alive is older than
 *   60 s (strictly) are closed with `KeepAliveTimeout`.
 *
 * Not in upstream: both stop when `outOfBudget()` says the current message has done enough and report where to
 * resume, so that thousands of clients never push a timer message over the instruction limit (which would trap
 * and roll back every ack, every interval). With few clients everything happens in one go, as upstream.
 */
import { CLIENT_KEEP_ALIVE_TIMEOUT_MS, LOG_PREFIX, NANOS_PER_MILLI } from '../constants';
import { compareBytes } from '../bytes';
import { isErr } from '../errors';
import { clientKeyBytes } from '../keys';
import type { ClientKey } from '../types';
import { removeClient } from './clients';
import type { WsContext } from './context';
import { removeEmptyExpiredGateways } from './gateways';
import { queueMessage } from './outgoing';
import { ackMessage } from './service_messages';

/** Whether the current message should stop and leave the rest to a follow-up message. */
export type OutOfBudget = () => boolean;

const unlimited: OutOfBudget = () => false;

/**
 * Queues an ack for every connected client whose key sorts after `resumeAfter` (errors are logged, not fatal),
 * certifying once. Returns the key to resume after when the budget ran out, undefined when the round is complete.
 */
export function sendAcksToClients(ctx: WsContext, outOfBudget: OutOfBudget = unlimited, resumeAfter?: Uint8Array): Uint8Array | undefined {
    return ctx.batch(() => {
        let acked = 0;
        for (const [key, client] of ctx.store.allClients()) {
            const keyBytes = clientKeyBytes(key);
            if (resumeAfter !== undefined && compareBytes(keyBytes, resumeAfter) <= 0) continue;
            if (acked > 0 && outOfBudget()) return resumeAfter;
            const result = queueMessage(ctx, key, ackMessage(client.nextIncomingSequenceNum - 1n), {
                isServiceMessage: true,
                markWaitingForKeepAlive: true
            });
            if (isErr(result)) ctx.env.log(`${LOG_PREFIX}Error sending ack message to client ${key.client_principal.toText()}: ${result.Err}`);
            resumeAfter = keyBytes;
            acked++;
        }
        return undefined;
    });
}

/**
 * The keep-alive check: drops expired empty gateways and closes acked clients that did not answer in time.
 * Returns false when the budget ran out before every such client was closed (call again to continue).
 */
export function checkKeepAlive(ctx: WsContext, outOfBudget: OutOfBudget = unlimited): boolean {
    return ctx.batch(() => {
        removeEmptyExpiredGateways(ctx);
        const now = ctx.env.time();
        const timeoutNs = CLIENT_KEEP_ALIVE_TIMEOUT_MS * NANOS_PER_MILLI;
        const expired: ClientKey[] = [];
        for (const [key, client] of ctx.store.allClients()) {
            if (client.waitingForKeepAlive && now - client.lastKeepAliveTimestamp > timeoutNs) expired.push(key);
        }
        for (let i = 0; i < expired.length; i++) {
            if (i > 0 && outOfBudget()) return false;
            removeClient(ctx, expired[i], { KeepAliveTimeout: null });
        }
        return true;
    });
}
