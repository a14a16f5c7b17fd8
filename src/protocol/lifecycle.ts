/** Rebuilding the heap state from storage (after init or upgrade) and the test-only wipe. */
import { removeClient } from './clients';
import type { WsContext } from './context';

/**
 * Rebuilds the certified tree from the stored messages and sets the certified data. Only fork hashes are
 * recomputed (each message stores its leaf hashes); the tree's shape depends only on its keys, so the root equals
 * the one certified before an upgrade.
 */
export function rebuildCertTree(ctx: WsContext): void {
    ctx.tree.clear();
    for (const [gateway, nonce, record] of ctx.store.allMessages()) {
        const labels = ctx.gatewayLabels(gateway);
        const key = labels.key(nonce);
        ctx.tree.insert(key, record.contentHash, record.ownHash, labels.label(key));
    }
    ctx.certify(true);
}

/**
 * Test helper of upstream's test canister: removes every client (calling `onClose` for each), then empties all
 * storage and the tree. Params and timers are left alone (the caller re-runs init).
 */
export function wipe(ctx: WsContext): void {
    ctx.batch(() => {
        for (const [key] of ctx.store.allClients()) removeClient(ctx, key);
    });
    ctx.store.clear();
    ctx.tree.clear();
    ctx.certify(true);
}
