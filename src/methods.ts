/**
 * The four WebSocket endpoints as an Azle class, built by a factory so that the Candid of `ws_message`'s second
 * argument carries the application's message type (the client SDK reads it from there). The canister lists the
 * class in its default export: `export default [App, ws.methods]`.
 */
import { IDL, msgArgData, msgCaller, msgReject, msgReply, query, update } from 'azle';
import type { Principal } from '@dfinity/principal';
import { decodeGetMessagesArgs, decodeWsCloseArgs, decodeWsMessageArgs, decodeWsOpenArgs, encodeGetMessagesReply, encodeWsResult } from './candid_codec';
import { CandidDecodeError, PrincipalTooLongError } from './candid_decoder';
import { err, type WsResult } from './errors';
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
 * Replies with `endpoint`'s result on the decoded arguments. A principal longer than 29 bytes in them is answered
 * with an `Err` (nothing runs, nothing is stored); arguments that are not valid Candid of the endpoint's types, or
 * too costly to decode, are rejected (`msg_reject`, reject code 4: cheaper than a trap, and nothing ran).
 */
function replyTo<A>(decode: () => A, run: (args: A) => Uint8Array, errReply?: (result: WsResult) => Uint8Array): void {
    let args: A;
    try {
        args = decode();
    } catch (error) {
        if (error instanceof PrincipalTooLongError && errReply !== undefined) return msgReply(errReply(err(error.message)));
        if (error instanceof CandidDecodeError) return msgReject(error.message);
        throw error;
    }
    msgReply(run(args));
}

/**
 * Builds the decorated class with `ws_open`, `ws_close`, `ws_message` (update) and `ws_get_messages` (query).
 * `appMessage` only shapes the Candid: the client sends `opt null`, which is skipped (within the decoding quota).
 */
export function createWsMethods(endpoints: WsEndpoints, appMessage: IDL.Type) {
    return class IcWebSocketMethods {
        // All four use hand-written Candid (candid_codec.ts) with a bounded fallback (candid_decoder.ts); the
        // declared types still make the .did.
        @update([CanisterWsOpenArgumentsIdl], WsResultIdl, { manual: true })
        ws_open(): void {
            replyTo(() => decodeWsOpenArgs(msgArgData()), (args) => encodeWsResult(endpoints.wsOpen(msgCaller(), args)), encodeWsResult);
        }

        @update([CanisterWsCloseArgumentsIdl], WsResultIdl, { manual: true })
        ws_close(): void {
            replyTo(() => decodeWsCloseArgs(msgArgData()), (args) => encodeWsResult(endpoints.wsClose(msgCaller(), args)), encodeWsResult);
        }

        @update([CanisterWsMessageArgumentsIdl, IDL.Opt(appMessage)], WsResultIdl, { manual: true })
        ws_message(): void {
            replyTo(() => decodeWsMessageArgs(msgArgData()), (args) => encodeWsResult(endpoints.wsMessage(msgCaller(), args)), encodeWsResult);
        }

        @query([CanisterWsGetMessagesArgumentsIdl], CanisterWsGetMessagesResultIdl, { manual: true })
        ws_get_messages(): void {
            replyTo(() => decodeGetMessagesArgs(msgArgData()), (args) => encodeGetMessagesReply(endpoints.wsGetMessages(msgCaller(), args)));
        }
    };
}
