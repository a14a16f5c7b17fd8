/**
 * Arms the CDK's timers in Azle; what each round does is in `protocol/timers.ts`.
 * - Ack interval (`sendAckIntervalMs`, rounded up to whole seconds): an ack round, continued in 0-second timers
 *   while the instruction budget runs out, then the keep-alive check 60 s later (also continued when needed).
 * - Reclaim: storage of removed gateways is deleted in 0-second timers, a budget's worth per message.
 *
 * Module-level timers break `azle build` (its stub `global_timer_set` returns nothing), so timers are armed from
 * `init` only. In Azle 0.33 `clearTimer` of a pending one-shot timer traps (BorrowMutError), so a re-`init()`
 * disowns pending rounds (by generation) instead of clearing them.
 */
import { clearTimer, setTimer, setTimerInterval } from 'azle';
import { CLIENT_KEEP_ALIVE_TIMEOUT_MS } from './constants';
import { ackTimerSeconds } from './params';
import type { WsContext } from './protocol/context';
import { checkKeepAlive, sendAcksToClients, type OutOfBudget } from './protocol/timers';

export class TimerSchedule {
    private ackTimer: bigint | undefined;
    private generation = 0;
    private reclaimTimer: bigint | undefined;

    constructor(
        private readonly ctx: WsContext,
        private readonly outOfBudget: OutOfBudget
    ) {}

    /** (Re)arms the ack interval with the current params, and resumes reclaiming if storage is left to delete. */
    restart(): void {
        if (this.ackTimer !== undefined) clearTimer(this.ackTimer);
        const generation = ++this.generation;
        this.ackTimer = setTimerInterval(ackTimerSeconds(this.ctx.params.sendAckIntervalMs), () => this.ackRound(generation));
        if (this.ctx.queue.hasReclaims()) this.scheduleReclaim();
    }

    /** Acks every client (continuing in 0-second timers if the budget runs out), then schedules the keep-alive check. */
    private ackRound(generation: number, resumeAfter?: Uint8Array): void {
        if (generation !== this.generation) return;
        const next = sendAcksToClients(this.ctx, this.outOfBudget, resumeAfter);
        if (next !== undefined) {
            setTimer(0, () => this.ackRound(generation, next));
            return;
        }
        setTimer(Number(CLIENT_KEEP_ALIVE_TIMEOUT_MS / 1000n), () => this.keepAliveRound(generation));
    }

    private keepAliveRound(generation: number): void {
        if (generation !== this.generation) return;
        const done = checkKeepAlive(this.ctx, this.outOfBudget);
        if (this.ctx.queue.hasReclaims()) this.scheduleReclaim();
        if (!done) setTimer(0, () => this.keepAliveRound(generation));
    }

    private scheduleReclaim(): void {
        this.reclaimTimer ??= setTimer(0, () => {
            this.reclaimTimer = undefined;
            if (!this.ctx.queue.reclaim(this.outOfBudget)) this.scheduleReclaim();
        });
    }
}
