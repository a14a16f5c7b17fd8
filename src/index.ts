/**
 * ic-websocket-cdk for Azle: WebSockets for TypeScript canisters on the Internet Computer, wire-compatible with the
 * Rust `ic-websocket-cdk` 0.4.1, with all state in stable memory. Start with {@link IcWebSocket}.
 *
 * The package has three entries: this one (what a canister needs), `ic-websocket-cdk/wire` (the Candid and CBOR
 * wire format, for gateways and tools) and `ic-websocket-cdk/testing` (test-only helpers). The list below is the
 * whole public API; `src/README.md` ("Public API") documents it and `test/docs/public_api.test.ts` holds them equal.
 *
 * @example
 * import { IDL } from 'azle';
 * import { IcWebSocket } from 'ic-websocket-cdk';
 *
 * const ws = new IcWebSocket<{ text: string }>({ appMessage: IDL.Record({ text: IDL.Text }) });
 * // Your canister class: its `@init([])` and `@postUpgrade([])` methods call `ws.init()`.
 * class App {}
 * export default [App, ws.methods];
 */
export {
    IcWebSocket,
    DEFAULT_MEMORY_IDS,
    type IcWebSocketOptions,
    type OnOpenArgs,
    type OnMessageArgs,
    type OnCloseArgs,
    type WsMemoryIds
} from './ic_websocket';
export type { WsParamsInput } from './params';
export type { InspectMessageOptions } from './inspect_message';
export type { BroadcastResult, GatewayInfo } from './protocol/app_api';
export { errorKind, isErr, type WsErrorKind, type WsResult } from './errors';
export {
    DEFAULT_INSTRUCTION_BUDGET,
    DEFAULT_MAX_NUMBER_OF_RETURNED_MESSAGES,
    DEFAULT_MAX_QUEUED_MESSAGES_PER_CLIENT,
    DEFAULT_MAX_QUEUED_MESSAGES_PER_GATEWAY,
    DEFAULT_SEND_ACK_INTERVAL_MS
} from './constants';
