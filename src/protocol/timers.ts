/**
 * What the timers do (spec protocol.md §4.1); when they run is `../timer_schedule.ts`'s job.
 * - Ack round (every ack interval): every client is sent `AckMessage{last_incoming_sequence_num}` and starts waiting
 *   for a keep-alive; the keep-alive check is due 60 s after the round.
 * - Keep-alive check: gateways empty for longer than an ack interval are removed, then acked clients whose last
 *   keep-alive is older than 60 s (strictly) are closed with `KeepAliveTimeout`, unless it came after the start of
 *   the ack round being checked (below).
 *
 * Not in upstream: both walk their maps in pages and stop when `outOfBudget()` says the current message has done
 * enough (always after at least one client or gateway), returning where to continue, so no number of clients or
 * gateways makes a timer message hit the instruction limit, trap and roll back the whole round. An `onClose` that
 * throws during the keep-alive check is logged with its client and the check goes on (it runs in a timer: nobody
 * would see the trap, and every later check would trap on the same client).
 *
 * Also not in upstream: a client that sent a keep-alive since the ack round started is kept. Upstream's rule alone
 * (the last keep-alive is older than 60 s) assumes the check runs 60 s after acks that all went out at once; when a
 * round spans several timer messages (seconds apart on the IC), a client acked early that answered at once would
 * otherwise be closed by the check 60 s after the round's end, and so would every client if the check runs late.
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
 * acked clients that did not answer in time: their last keep-alive is older than 60 s and, with `roundStartedAt`
 * (ns, the start of the ack round being checked), older than that round. Returns where to continue when the budget
 * ran out, undefined when done.
 */
export function checkKeepAlive(
    ctx: WsContext,
    outOfBudget: OutOfBudget = unlimited,
    progress?: KeepAliveProgress,
    roundStartedAt?: bigint
): KeepAliveProgress | undefined {
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
        // Closed when the last keep-alive is before this instant (strictly older than 60 s, and than the round).
        let answeredBy = now - CLIENT_KEEP_ALIVE_TIMEOUT_MS * NANOS_PER_MILLI;
        if (roundStartedAt !== undefined && roundStartedAt < answeredBy) answeredBy = roundStartedAt;
        for (;;) {
            const page = ctx.store.clientsPage(cursor, PAGE);
            for (const { key, record, cursor: after } of page) {
                if (done > 0 && outOfBudget()) return { phase, cursor };
                if (record.waitingForKeepAlive && record.lastKeepAliveTimestamp < answeredBy) {
                    removeClient(ctx, key, { KeepAliveTimeout: null }, { onCloseErrors: 'log' });
                }
                cursor = after;
                done++;
            }
            if (page.length < PAGE) return undefined;
        }
    });
}
