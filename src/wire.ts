/**
 * `ic-websocket-cdk/wire`: the wire format of the IC WebSocket protocol 0.4.x, for gateways, clients and tools
 * (and canisters whose own methods return a `WsResult`): the Candid IDL of the four endpoints and of the service
 * messages with their TypeScript types, the CBOR of a `WebsocketMessage` (the certified bytes), the key formats,
 * and `errorKind` to classify an `Err` text a canister answered (the same function as in the main entry). Imports `@dfinity/candid` and `@dfinity/principal` only (never `azle`), so it runs in Node and browsers:
 * the package ships it as JavaScript for Node, and canisters bundle it from source.
 *
 * @example
 * import { IDL } from '@dfinity/candid';
 * import { CanisterWsGetMessagesArgumentsIdl, CanisterWsGetMessagesResultIdl, decodeWebsocketMessage, type CanisterWsGetMessagesResult } from 'ic-websocket-cdk/wire';
 *
 * const arg = IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce: 0n }]);
 * const [result] = IDL.decode([CanisterWsGetMessagesResultIdl], reply) as unknown as [CanisterWsGetMessagesResult];
 * if ('Ok' in result) for (const { content } of result.Ok.messages) console.log(decodeWebsocketMessage(content));
 */
export {
    ClientKeyIdl,
    WebsocketMessageIdl,
    CanisterOutputMessageIdl,
    CanisterOutputCertifiedMessagesIdl,
    CanisterWsOpenArgumentsIdl,
    CanisterWsCloseArgumentsIdl,
    CanisterWsMessageArgumentsIdl,
    CanisterWsGetMessagesArgumentsIdl,
    WsResultIdl,
    CanisterWsOpenResultIdl,
    CanisterWsCloseResultIdl,
    CanisterWsMessageResultIdl,
    CanisterWsGetMessagesResultIdl,
    CloseMessageReasonIdl,
    WebsocketServiceMessageContentIdl,
    wsServiceIdl,
    WS_METHOD_NAMES,
    type ClientKey,
    type WebsocketMessage,
    type CanisterOutputMessage,
    type CanisterOutputCertifiedMessages,
    type CanisterWsOpenArguments,
    type CanisterWsCloseArguments,
    type CanisterWsMessageArguments,
    type CanisterWsGetMessagesArguments,
    type CanisterWsGetMessagesResult,
    type CloseMessageReason,
    type WebsocketServiceMessageContent
} from './types';
export { errorKind, isErr, type WsErrorKind, type WsResult } from './errors';
export { encodeWebsocketMessage, decodeWebsocketMessage } from './cbor';
export { formatMessageKey, nonceOfMessageKey, clientKeyToText } from './keys';
export { LABEL_WEBSOCKET } from './constants';
