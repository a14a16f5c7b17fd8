/** The `ws_close` endpoint (spec protocol.md §2.4); the caller is the gateway. */
import type { Principal } from '@dfinity/principal';
import { bytesEqual } from '../bytes';
import { err, OK, WsError, type WsResult } from '../errors';
import { clientKeyToText } from '../keys';
import type { CanisterWsCloseArguments } from '../types';
import { removeClient } from './clients';
import type { WsContext } from './context';

/** Removes a client at its gateway's request: no close message is sent, `onClose` is called. */
export function wsClose(ctx: WsContext, caller: Principal, args: CanisterWsCloseArguments): WsResult {
    return ctx.batch(() => closeByGateway(ctx, caller, args));
}

function closeByGateway(ctx: WsContext, caller: Principal, args: CanisterWsCloseArguments): WsResult {
    if (ctx.store.getGateway(caller) === undefined) return err(WsError.gatewayNotRegistered(caller.toText()));
    const key = args.client_key;
    const client = ctx.store.getClient(key);
    if (client === undefined) return err(WsError.clientKeyNotConnected(clientKeyToText(key)));
    if (!bytesEqual(client.gateway.toUint8Array(), caller.toUint8Array())) {
        return err(WsError.clientNotRegisteredToGateway(clientKeyToText(key), caller.toText()));
    }
    removeClient(ctx, key);
    return OK;
}
