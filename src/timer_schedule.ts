/**
 * Runs the CDK's timers in Azle; what an ack round and a keep-alive check do is in `protocol/timers.ts`.
 *
 * The schedule lives in stable memory (`state/schedule.ts`): the start of the last ack round, a round or check in
 * progress and where it continues, and when the keep-alive check is due. One-shot timers only execute it: each timer
 * message runs what is due (the keep-alive check 60 s after an ack round, the next ack round once that check is
 * done, deletion of removed gateways' messages) until the instruction budget runs out, saves where it stopped, and
 * arms the next timer (0 s while work is left). An upgrade drops pending timers, so `restart()` (from `init`) arms
 * again from the stored schedule: however often the canister is upgraded, acks are due one interval after the
 * previous round, never later (unless that round's keep-alive check is not done by then).
 *
 * Module-level timers break `azle build` (its stub `global_timer_set` returns nothing), so timers are armed from
 * `init` only. In Azle 0.33 `clearTimer` of a pending one-shot timer traps (BorrowMutError), so a re-`init()` disowns
 * the pending timer (by generation) instead of clearing it.
 */
import { performanceCounter, setTimer } from 'azle';
import { CLIENT_KEEP_ALIVE_TIMEOUT_MS, LOG_PREFIX, NANOS_PER_MILLI } from './constants';
import type { WsContext } from './protocol/context';
import { checkKeepAlive, sendAcksToClients, type OutOfBudget } from './protocol/timers';
import type { Schedule } from './state/schedule';

const NANOS_PER_SECOND = 1_000_000_000n;

export class TimerSchedule {
    private generation = 0;

    constructor(
        private readonly ctx: WsContext,
        private readonly outOfBudget: OutOfBudget
    ) {}

    /**
     * Arms the timer from the stored schedule (a fresh install starts it: the first acks are due one interval from
     * now). Pending timers of an earlier `restart` are disowned.
     */
    restart(): void {
        const generation = ++this.generation;
        let schedule = this.ctx.store.getSchedule();
        if (schedule === undefined) {
            schedule = { lastAckRoundAt: this.ctx.env.time(), ackRound: null, keepAliveCheckAt: null, keepAliveCheck: null };
            this.ctx.store.putSchedule(schedule);
        }
        this.arm(generation, schedule);
    }

    /**
     * One timer message: runs what is due within the budget, saves the schedule, arms the next timer.
     *
     * A keep-alive check belongs to the ack round before it: it runs to its end before the next round starts, and
     * that round waits for a check still to come, so a check that runs late (the canister was stopped, time jumped,
     * or a round took longer than the interval less 60 s) never sees the next round's acks. The check keeps clients
     * that answered since their round started (`checkKeepAlive`'s `roundStartedAt`).
     */
    private run(generation: number): void {
        if (generation !== this.generation) return;
        const { ctx, outOfBudget } = this;
        const schedule = ctx.store.getSchedule();
        if (schedule === undefined) return; // wiped: the next init starts a new schedule
        const now = ctx.env.time();
        const interval = ctx.sendAckIntervalNs();

        if (schedule.keepAliveCheck === null && schedule.keepAliveCheckAt !== null && now >= schedule.keepAliveCheckAt) {
            schedule.keepAliveCheck = { phase: 'gateways', cursor: undefined };
            schedule.keepAliveCheckAt = null;
        }
        // Each part runs while budget is left, and the first one with work to do in any case (it does at least one
        // step): every message makes progress, whatever the budget.
        let worked = false;
        const mayRun = () => !worked || !outOfBudget();
        const check = schedule.keepAliveCheck;
        if (check !== null) {
            schedule.keepAliveCheck = checkKeepAlive(ctx, outOfBudget, check, schedule.lastAckRoundAt) ?? null;
            worked = true;
        }

        const ackDue = schedule.lastAckRoundAt + interval;
        if (schedule.ackRound === null && !checkPending(schedule) && now >= ackDue) {
            schedule.ackRound = { cursor: undefined };
            // Stay on the interval's grid, unless the canister fell a whole interval behind (stopped, say).
            schedule.lastAckRoundAt = now - ackDue < interval ? ackDue : now;
        }
        if (schedule.ackRound !== null && mayRun()) {
            worked = true;
            const cursor = sendAcksToClients(ctx, outOfBudget, schedule.ackRound.cursor);
            if (cursor !== undefined) schedule.ackRound = { cursor };
            else {
                schedule.ackRound = null;
                schedule.keepAliveCheckAt = ctx.env.time() + CLIENT_KEEP_ALIVE_TIMEOUT_MS * NANOS_PER_MILLI;
            }
        }

        if (ctx.queue.hasReclaims() && mayRun()) {
            const { deleted, left } = ctx.queue.reclaim(outOfBudget);
            ctx.env.log(`${LOG_PREFIX}deleted ${deleted} messages of removed gateways, ${left} left (${performanceCounter(0)} instructions in this message)`);
        }

        ctx.store.putSchedule(schedule);
        this.arm(generation, schedule);
    }

    /**
     * Arms one timer: right away while work is left, else when the keep-alive check is due (the next ack round waits
     * for it), else when the next ack round is due.
     */
    private arm(generation: number, schedule: Schedule): void {
        const now = this.ctx.env.time();
        let due: bigint;
        if (schedule.ackRound !== null || schedule.keepAliveCheck !== null || this.ctx.queue.hasReclaims()) due = now;
        else if (schedule.keepAliveCheckAt !== null) due = schedule.keepAliveCheckAt;
        else due = schedule.lastAckRoundAt + this.ctx.sendAckIntervalNs();
        // Azle's timers take whole seconds: round up, so nothing runs before it is due.
        const seconds = due <= now ? 0 : Number((due - now + NANOS_PER_SECOND - 1n) / NANOS_PER_SECOND);
        setTimer(seconds, () => this.run(generation));
    }
}

/** Whether a keep-alive check is in progress or still to come (the next ack round waits for it). */
function checkPending(schedule: Schedule): boolean {
    return schedule.keepAliveCheck !== null || schedule.keepAliveCheckAt !== null;
}
