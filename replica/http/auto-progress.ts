/**
 * Live mode for a served replica, as a local dfx replica behaves: the clock follows wall time and rounds run on
 * their own, so timers fire without anyone calling `tick`.
 *
 * @example
 * ```ts
 * const progress = startAutoProgress(replica, 100);
 * // ... later
 * progress.stop();
 * ```
 */
import type { Replica } from '../replica.ts';

export function startAutoProgress(replica: Replica, intervalMs: number): { stop(): void } {
    let running = false;
    const timer = setInterval(async () => {
        if (running) return; // a slow round (e.g. a long timer) is never overlapped by the next
        running = true;
        try {
            if (replica.getTime() < Date.now()) replica.setTime(Date.now());
            await replica.tick(1);
        } catch (error) {
            console.error('[replica http] auto-progress round failed:', error);
        } finally {
            running = false;
        }
    }, intervalMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
}
