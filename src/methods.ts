/**
 * The four WebSocket endpoints as an Azle class, built by a factory so that the Candid of `ws_message`'s second
 * argument carries the application's message type (the client SDK reads it from there). The canister lists the
 * class in its default export: `export default [App, ws.methods]`.
 */
import { IDL, msgArgData, msgCaller, msgReply, query, update } from 'azle';
import type { Principal } from '@dfinity/principal';
import { decodeGetMessagesArgs, encodeGetMessagesReply } from './candid_codec';
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
        @update([CanisterWsOpenArgumentsIdl], WsResultIdl)
        ws_open(args: CanisterWsOpenArguments): WsResult {
            return endpoints.wsOpen(msgCaller(), args);
        }

        @update([CanisterWsCloseArgumentsIdl], WsResultIdl)
        ws_close(args: CanisterWsCloseArguments): WsResult {
            return endpoints.wsClose(msgCaller(), args);
        }

        @update([CanisterWsMessageArgumentsIdl, IDL.Opt(appMessage)], WsResultIdl)
        ws_message(args: CanisterWsMessageArguments, _appMessageType: [] | [unknown]): WsResult {
            return endpoints.wsMessage(msgCaller(), args);
        }

        /** Candid by hand (see candid_codec.ts): Azle's automatic reply encoding cost ~2.6M instructions per message. */
        @query([CanisterWsGetMessagesArgumentsIdl], CanisterWsGetMessagesResultIdl, { manual: true })
        ws_get_messages(): void {
            const args = decodeGetMessagesArgs(msgArgData());
            msgReply(encodeGetMessagesReply(endpoints.wsGetMessages(msgCaller(), args)));
        }
    };
}
