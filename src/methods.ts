/**
 * The four WebSocket endpoints as an Azle class, built by a factory so that the Candid of `ws_message`'s second
 * argument carries the application's message type (the client SDK reads it from there). The canister lists the
 * class in its default export: `export default [App, ws.methods]`.
 */
import { IDL, msgArgData, msgCaller, msgReply, query, update } from 'azle';
import type { Principal } from '@dfinity/principal';
import { decodeGetMessagesArgs, decodeWsCloseArgs, decodeWsMessageArgs, decodeWsOpenArgs, encodeGetMessagesReply, encodeWsResult } from './candid_codec';
import type { WsResult } from './errors';
import {
    CanisterWsCloseArgumentsIdl,
    CanisterWsGetMessagesArgumentsIdl,
    CanisterWsGetMessagesResultIdl,
    CanisterWsMessageArgumentsIdl,
    CanisterWsOpenArgumentsIdl,
    WsResultIdl,
    type CanisterWsCloseArguments,
    type CanisterOutputCertifiedMessages,
    type CanisterWsGetMessagesArguments,
    type CanisterWsMessageArguments,
    type CanisterWsOpenArguments
} from './types';

/** What the endpoints delegate to, with the caller made explicit. */
export interface WsEndpoints {
    wsOpen(caller: Principal, args: CanisterWsOpenArguments): WsResult;
    wsClose(caller: Principal, args: CanisterWsCloseArguments): WsResult;
    wsMessage(caller: Principal, args: CanisterWsMessageArguments): WsResult;
    wsGetMessages(caller: Principal, args: CanisterWsGetMessagesArguments): CanisterOutputCertifiedMessages;
}

/**
 * Builds the decorated class with `ws_open`, `ws_close`, `ws_message` (update) and `ws_get_messages` (query).
 * `appMessage` only shapes the Candid: the client sends `opt null`, which decodes as `[]` and is ignored.
 */
export function createWsMethods(endpoints: WsEndpoints, appMessage: IDL.Type) {
    return class IcWebSocketMethods {
        // All four use hand-written Candid (candid_codec.ts); the declared types still make the .did.
        @update([CanisterWsOpenArgumentsIdl], WsResultIdl, { manual: true })
        ws_open(): void {
            msgReply(encodeWsResult(endpoints.wsOpen(msgCaller(), decodeWsOpenArgs(msgArgData()))));
        }

        @update([CanisterWsCloseArgumentsIdl], WsResultIdl, { manual: true })
        ws_close(): void {
            msgReply(encodeWsResult(endpoints.wsClose(msgCaller(), decodeWsCloseArgs(msgArgData()))));
        }

        @update([CanisterWsMessageArgumentsIdl, IDL.Opt(appMessage)], WsResultIdl, { manual: true })
        ws_message(): void {
            msgReply(encodeWsResult(endpoints.wsMessage(msgCaller(), decodeWsMessageArgs(msgArgData(), appMessage))));
        }

        @query([CanisterWsGetMessagesArgumentsIdl], CanisterWsGetMessagesResultIdl, { manual: true })
        ws_get_messages(): void {
            const args = decodeGetMessagesArgs(msgArgData());
            msgReply(encodeGetMessagesReply(endpoints.wsGetMessages(msgCaller(), args)));
        }
    };
}
