/**
 * Broadcasts that do not fit in one message: recipients beyond the instruction budget are stored (in stable memory,
 * `state/pending_broadcasts.ts`) and served by 0-second timer messages, oldest broadcast first. While one is
 * pending, later broadcasts queue behind it, so every client sees broadcasts in order.
 */
import { setTimer } from 'azle';
import type { Principal } from '@dfinity/principal';
import { LOG_PREFIX } from './constants';
import { broadcastToClients, connectedClients, type BroadcastResult } from './protocol/app_api';
import type { WsContext } from './protocol/context';
import type { OutOfBudget } from './protocol/timers';
import type { PendingBroadcasts } from './state/pending_broadcasts';

export class Broadcasts {
    private timer: bigint | undefined;

    constructor(
        private readonly ctx: WsContext,
        private readonly pending: PendingBroadcasts,
        private readonly outOfBudget: OutOfBudget
    ) {}

    /** Broadcasts `bytes` to `clients` (default: all connected) now, or behind pending broadcasts. */
    broadcast(bytes: Uint8Array, clients?: Principal[]): BroadcastResult {
        if (!this.pending.isEmpty()) {
            const recipients = clients ?? connectedClients(this.ctx);
            this.pending.push(bytes, recipients);
            return { sent: 0, failed: [], deferred: recipients.length };
        }
        const { remaining, ...result } = broadcastToClients(this.ctx, bytes, clients, this.outOfBudget);
        if (remaining.length > 0) {
            this.pending.push(bytes, remaining);
            this.schedule();
        }
        return result;
    }

    /** Continues pending broadcasts (after an upgrade: they are in stable memory, the timer was not). */
    resume(): void {
        if (!this.pending.isEmpty()) this.schedule();
    }

    /** Forgets pending broadcasts (wipe). */
    clear(): void {
        this.pending.clear();
    }

    /** Serves pending broadcasts, oldest first, until the budget runs out again. */
    private continue(): void {
        this.timer = undefined;
        for (let next = this.pending.first(); next !== undefined; next = this.pending.first()) {
            const { remaining, failed } = broadcastToClients(this.ctx, next.content, next.recipients, this.outOfBudget);
            for (const failure of failed) this.ctx.env.log(`${LOG_PREFIX}broadcast to ${failure.client.toText()} failed: ${failure.error}`);
            this.pending.update(next.id, next.content, remaining);
            if (remaining.length > 0) {
                this.schedule();
                return;
            }
        }
    }

    private schedule(): void {
        this.timer ??= setTimer(0, () => this.continue());
    }
}
