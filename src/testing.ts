/**
 * `ic-websocket-cdk/testing`: helpers for test canisters only, kept off the `IcWebSocket` class so that no
 * production canister calls them by accident. Import it only in a canister built for tests.
 *
 * @example
 * import { wipe } from 'ic-websocket-cdk/testing';
 *
 * // In a test canister's `@update([])` method that resets it between tests:
 * wipe(ws);
 * ws.init();
 */
import { wipeIcWebSocket, type IcWebSocket } from './ic_websocket';

/**
 * Resets `ws` as if the canister had just been installed, as the upstream test canister's `wipe` does: closes
 * every client (calling `onClose`, without sending them a close message), then deletes all the CDK's state and
 * queued messages, pending broadcasts included. Params and timers are left alone: call `ws.init(params)` after it
 * to apply new params and restart the timers. Reads and deletes everything in one message (O(n)), so it is for
 * tests with small states, never for production.
 *
 * @example
 * // Upstream's test canister method: `@update([IDL.Nat64])` `wipe(sendAckIntervalMs: bigint): void`
 * wipe(ws);
 * ws.init({ sendAckIntervalMs });
 */
export function wipe<T>(ws: IcWebSocket<T>): void {
    wipeIcWebSocket(ws as IcWebSocket<unknown>);
}
