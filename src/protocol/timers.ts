/**
 * What the timers do (spec protocol.md §4.1); when they run is `../timer_schedule.ts`'s job.
 * - Ack round (every ack interval): every client is sent `AckMessage{last_incoming_sequence_num}` and starts waiting
 *   for a keep-alive; the keep-alive check is due 60 s after the round.
 * - Keep-alive check: gateways empty for longer than an ack interval are removed, then acked clients whose last
 *   keep-alive is older than 60 s (strictly) are closed with `KeepAliveTimeout`.
 *
 * Not in upstream: both walk their maps in pages and stop when `outOfBudget()` says the current message has done
 * enough (always after at least one client or gateway), returning where to continue, so no number of clients or
 * gateways makes a timer message hit the instruction limit, trap and roll back the whole round. An `onClose` that
 * throws during the keep-alive check is logged with its client and the check goes on (it runs in a timer: nobody
 * would see the trap, and every later check would trap on the same client).
 */
import { CLIENT_KEEP_ALIVE_TIMEOUT_MS, LOG_PREFIX, NANOS_PER_MILLI } from '../constants';
import { isErr } from '../errors';
import type { KeepAliveProgress } from '../state/schedule';
import type { ScanCursor } from '../state/scan';
import { removeClient } from './clients';
import type { WsContext } from './context';
import { removeGatewayIfExpired } from './gateways';
import { queueMessage } from './outgoing';
import { ackMessage } from './service_messages';

/** Whether the current message should stop and leave the rest to a follow-up message. */
export type OutOfBudget = () => boolean;

const unlimited: OutOfBudget = () => false;

/** Entries read per page of a scan. */
const PAGE = 64;

/**
 * Queues an ack for every connected client after `cursor` (from the first without one); errors are logged, not
 * fatal; certifies once. Returns where to continue when the budget ran out, undefined when the round is complete.
 */
export function sendAcksToClients(ctx: WsContext, outOfBudget: OutOfBudget = unlimited, cursor?: ScanCursor): ScanCursor | undefined {
    return ctx.batch(() => {
        let acked = 0;
        for (;;) {
            const page = ctx.store.clientsPage(cursor, PAGE);
            for (const { key, record, cursor: after } of page) {
                if (acked > 0 && outOfBudget()) return cursor;
                const result = queueMessage(ctx, key, ackMessage(record.nextIncomingSequenceNum - 1n), {
                    isServiceMessage: true,
                    markWaitingForKeepAlive: true
                });
                if (isErr(result)) ctx.env.log(`${LOG_PREFIX}Error sending ack message to client ${key.client_principal.toText()}: ${result.Err}`);
                cursor = after;
                acked++;
            }
            if (page.length < PAGE) return undefined;
        }
    });
}

/**
 * The keep-alive check from `progress` on (from its start without one): drops expired empty gateways, then closes
 * acked clients that did not answer in time. Returns where to continue when the budget ran out, undefined when done.
 */
export function checkKeepAlive(ctx: WsContext, outOfBudget: OutOfBudget = unlimited, progress?: KeepAliveProgress): KeepAliveProgress | undefined {
    return ctx.batch(() => {
        let done = 0;
        let phase = progress?.phase ?? 'gateways';
        let cursor = progress?.cursor;
        const now = ctx.env.time();
        if (phase === 'gateways') {
            for (;;) {
                const page = ctx.store.gatewaysPage(cursor, PAGE);
                for (const { gateway, record, cursor: after } of page) {
                    if (done > 0 && outOfBudget()) return { phase, cursor };
                    removeGatewayIfExpired(ctx, gateway, record, now);
                    cursor = after;
                    done++;
                }
                if (page.length < PAGE) break;
            }
            phase = 'clients';
            cursor = undefined;
        }
        const timeoutNs = CLIENT_KEEP_ALIVE_TIMEOUT_MS * NANOS_PER_MILLI;
        for (;;) {
            const page = ctx.store.clientsPage(cursor, PAGE);
            for (const { key, record, cursor: after } of page) {
                if (done > 0 && outOfBudget()) return { phase, cursor };
                if (record.waitingForKeepAlive && now - record.lastKeepAliveTimestamp > timeoutNs) {
                    removeClient(ctx, key, { KeepAliveTimeout: null }, { onCloseErrors: 'log' });
                }
                cursor = after;
                done++;
            }
            if (page.length < PAGE) return undefined;
        }
    });
}
