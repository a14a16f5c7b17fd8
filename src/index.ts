/**
 * ic-websocket-cdk for Azle: WebSockets for TypeScript canisters on the Internet Computer, wire-compatible with the
 * Rust `ic-websocket-cdk` 0.4.1, with all state in stable memory. Start with {@link IcWebSocket}.
 *
 * @example
 * import { IDL, init, postUpgrade } from 'azle';
 * import { IcWebSocket } from 'ic-websocket-cdk';
 *
 * const ws = new IcWebSocket<{ text: string }>({ appMessage: IDL.Record({ text: IDL.Text }) });
 * class App {
 *     @init([]) init() { ws.init(); }
 *     @postUpgrade([]) postUpgrade() { ws.init(); }
 * }
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
export { MAX_FIXED_ARGUMENT_BYTES, WS_METHOD_NAMES, type InspectMessageOptions } from './inspect_message';
export type { BroadcastResult, GatewayInfo } from './protocol/app_api';
export { OK, err, isErr, WsError, type WsResult } from './errors';
export * from './types';
export * from './constants';
export { formatMessageKey, clientKeyToText } from './keys';
export { encodeWebsocketMessage, decodeWebsocketMessage } from './cbor';
export { createWsMethods } from './methods';
