/** The test-only wipe (upstream's test canister resets the CDK between tests). */
import { removeClient } from './clients';
import type { WsContext } from './context';

/**
 * Removes every client (calling `onClose` for each), then empties all storage, queued messages included (O(n): for
 * tests only). Params and timers are left alone (the caller re-runs init).
 */
export function wipe(ctx: WsContext): void {
    ctx.batch(() => {
        for (const [key] of ctx.store.allClients()) removeClient(ctx, key);
    });
    ctx.store.clear();
    ctx.queue.clear();
}
