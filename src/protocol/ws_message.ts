/** The `ws_message` endpoint (spec protocol.md §2.3); the caller is the client (through the gateway). */
import type { Principal } from '@dfinity/principal';
import { err, OK, WsError, type WsResult } from '../errors';
import { clientKeysEqual, clientKeyToText } from '../keys';
import type { CanisterWsMessageArguments, WebsocketServiceMessageContent } from '../types';
import { currentClientKey, removeClient } from './clients';
import type { WsContext } from './context';
import { decodeClientServiceMessage } from './service_messages';

/**
 * Handles one client message. The checks run in upstream's order and return `Err` (never trap), so a wrong
 * sequence number still removes the client and queues its CloseMessage. A service message consumes a sequence number
 * even when it is invalid. Application messages go to `onMessage`; their `timestamp` is ignored.
 */
export function wsMessage(ctx: WsContext, caller: Principal, args: CanisterWsMessageArguments): WsResult {
    return ctx.batch(() => handleMessage(ctx, caller, args));
}

function handleMessage(ctx: WsContext, caller: Principal, args: CanisterWsMessageArguments): WsResult {
    const message = args.msg;
    const key = currentClientKey(ctx, caller);
    if (key === undefined) return err(WsError.clientPrincipalNotConnected(caller.toText()));
    if (!clientKeysEqual(message.client_key, key)) {
        return err(WsError.clientKeyMessageMismatch(message.client_key.client_principal.toText()));
    }
    const client = ctx.store.getClient(key);
    if (client === undefined) return err(WsError.expectedIncomingMessageToClientNumNotInitialized(clientKeyToText(key)));

    const expected = client.nextIncomingSequenceNum;
    if (message.sequence_num !== expected) {
        removeClient(ctx, key, { WrongSequenceNumber: null });
        return err(WsError.incomingSequenceNumberWrong(expected, message.sequence_num));
    }
    client.nextIncomingSequenceNum += 1n;

    if (!message.is_service_message) {
        ctx.store.putClient(key, client);
        ctx.callbacks.onMessage?.(caller, message.content);
        return OK;
    }

    let content: WebsocketServiceMessageContent;
    try {
        content = decodeClientServiceMessage(message.content);
    } catch (error) {
        ctx.store.putClient(key, client);
        return err(WsError.decodeServiceMessageContent(error instanceof Error ? error.message : String(error)));
    }
    if (!('KeepAliveMessage' in content)) {
        ctx.store.putClient(key, client);
        return err(WsError.invalidServiceMessage());
    }
    client.lastKeepAliveTimestamp = ctx.env.time();
    ctx.store.putClient(key, client);
    return OK;
}
