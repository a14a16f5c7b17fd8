/** The `ws_open` endpoint (spec protocol.md §2.2); the caller is the client. */
import type { Principal } from '@dfinity/principal';
import { err, isErr, OK, WsError, type WsResult } from '../errors';
import { clientKeyToText } from '../keys';
import type { CanisterWsOpenArguments, ClientKey } from '../types';
import { addClient, currentClientKey, removeClient } from './clients';
import type { WsContext } from './context';
import { openMessage } from './service_messages';

/**
 * Opens a connection for `(caller, args.client_nonce)` through `args.gateway_principal`. A principal that already
 * has another key loses the old session (with `onClose`, without a close message). The OpenMessage (sequence
 * number 1) is queued before `onOpen` runs, so the application can send from `onOpen`.
 */
export function wsOpen(ctx: WsContext, caller: Principal, args: CanisterWsOpenArguments): WsResult {
    return ctx.batch(() => open(ctx, caller, args));
}

function open(ctx: WsContext, caller: Principal, args: CanisterWsOpenArguments): WsResult {
    if (caller.isAnonymous()) return err(WsError.anonymousPrincipalNotAllowed());
    const key: ClientKey = { client_principal: caller, client_nonce: args.client_nonce };
    if (ctx.store.getClient(key) !== undefined) return err(WsError.clientKeyAlreadyConnected(clientKeyToText(key)));

    const previous = currentClientKey(ctx, caller);
    if (previous !== undefined) removeClient(ctx, previous);
    const queued = addClient(ctx, key, args.gateway_principal, openMessage(key));
    if (isErr(queued)) return queued;
    ctx.callbacks.onOpen?.(caller);
    return OK;
}
