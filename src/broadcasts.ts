/**
 * Broadcasts that do not fit in one message: recipients beyond the instruction budget are stored (in stable memory,
 * `state/pending_broadcasts.ts`) and served by 0-second timer messages, oldest broadcast first. While one is
 * pending, later broadcasts queue behind it, so every client sees broadcasts in order.
 *
 * A broadcast to everyone is stored as a cursor into the clients map, not as a list: it reaches the clients
 * connected when it was made (clients that register while it is pending are recorded as newcomers and skipped), and
 * no message reads more client keys than it serves.
 */
import { setTimer } from 'azle';
import type { Principal } from '@dfinity/principal';
import { LOG_PREFIX } from './constants';
import { broadcastToAll, broadcastToClients, type BroadcastProgress, type BroadcastResult } from './protocol/app_api';
import type { WsContext } from './protocol/context';
import type { OutOfBudget } from './protocol/timers';
import type { PendingBroadcasts } from './state/pending_broadcasts';
import type { ClientKey } from './types';

/**
 * A continuation timer set this long ago whose message has not run is taken as lost and set again. A timer message
 * that traps (its instruction limit, a corrupt record) is rolled back, and with it the `timer = undefined` it began
 * with, while the timer itself is gone: without this, pending broadcasts (and every later one, queued behind them)
 * would wait for the next upgrade. A delayed timer that does run after all only makes a second, harmless pass.
 */
const STALLED_AFTER_NS = 60_000_000_000n;

export class Broadcasts {
    private timer: bigint | undefined;
    private timerSetAt = 0n;
    /** Whether a broadcast is pending (read from stable memory once, then kept up to date). */
    private anyPending: boolean | undefined;

    constructor(
        private readonly ctx: WsContext,
        private readonly pending: PendingBroadcasts,
        private readonly outOfBudget: OutOfBudget
    ) {
        ctx.onClientRegistered = (key) => this.noteNewcomer(key);
    }

    /** Broadcasts `bytes` to `clients` (default: all connected) now, or behind pending broadcasts. */
    broadcast(bytes: Uint8Array, clients?: Principal[]): BroadcastResult {
        if (this.hasPending()) {
            if (clients === undefined) this.pending.pushToAll(bytes, undefined);
            else this.pending.push(bytes, clients);
            this.schedule(); // a no-op while the timer set is recent; sets a new one if it was lost
            return { sent: 0, failed: [], deferred: clients?.length ?? this.ctx.store.clientCount() };
        }
        const { remaining, next, ...result } = broadcastToClients(this.ctx, bytes, clients, this.outOfBudget);
        if (next !== undefined) this.pending.pushToAll(bytes, next);
        else if (remaining.length > 0) this.pending.push(bytes, remaining);
        else return result;
        this.anyPending = true;
        this.schedule();
        return result;
    }

    /** Continues pending broadcasts (after an upgrade: they are in stable memory, the timer was not). */
    resume(): void {
        if (this.hasPending()) this.schedule();
    }

    /** Forgets pending broadcasts (wipe). */
    clear(): void {
        this.pending.clear();
        this.anyPending = false;
    }

    /** Serves pending broadcasts, oldest first, until the budget runs out again. */
    private continue(): void {
        this.timer = undefined;
        let started = false;
        for (let next = this.pending.first(); next !== undefined; next = this.pending.first()) {
            // Each broadcast serves at least one recipient before it checks the budget, so check it between them too:
            // otherwise a backlog of broadcasts that each finish in one step (one recipient) is drained in one message.
            if (started && this.outOfBudget()) {
                this.schedule();
                return;
            }
            started = true;
            let progress: BroadcastProgress;
            if (next.toAll !== undefined) {
                progress = broadcastToAll(this.ctx, next.content, next.toAll.after, this.outOfBudget, this.pending.newcomersSince(next.id));
                this.pending.updateToAll(next.id, next.content, progress.next);
            } else {
                progress = broadcastToClients(this.ctx, next.content, next.recipients, this.outOfBudget);
                this.pending.update(next.id, next.content, progress.remaining);
            }
            for (const failure of progress.failed) this.ctx.env.log(`${LOG_PREFIX}broadcast to ${failure.client.toText()} failed: ${failure.error}`);
            if (progress.next !== undefined || progress.remaining.length > 0) {
                this.schedule();
                return;
            }
        }
        this.anyPending = false;
    }

    private hasPending(): boolean {
        return (this.anyPending ??= !this.pending.isEmpty());
    }

    /** A client registered: pending broadcasts to everyone made before it must skip it. */
    private noteNewcomer(key: ClientKey): void {
        if (this.hasPending()) this.pending.noteNewcomer(this.ctx.store.clientMapKey(key));
    }

    private schedule(): void {
        const now = this.ctx.env.time();
        if (this.timer !== undefined && now - this.timerSetAt < STALLED_AFTER_NS) return;
        this.timerSetAt = now;
        this.timer = setTimer(0, () => this.continue());
    }
}
