/**
 * Registering and removing clients (spec protocol.md §2.2 step 4 and §2.5).
 */
import type { Principal } from '@dfinity/principal';
import { INITIAL_CANISTER_SEQUENCE_NUM, INITIAL_CLIENT_SEQUENCE_NUM, LOG_PREFIX } from '../constants';
import { isErr, type WsResult } from '../errors';
import { clientKeyToText } from '../keys';
import type { ClientRecord } from '../state/records';
import type { ClientKey, CloseMessageReason } from '../types';
import type { WsContext } from './context';
import { decrementGatewayClients, incrementGatewayClients } from './gateways';
import { queueForClient, queueMessage } from './outgoing';
import { closeMessage } from './service_messages';

/**
 * Registers `key` on `gateway` (client record, current key of the principal, gateway client count) with its first
 * message, the OpenMessage `openMessage`, queued. The new record is written once, with the message counted
 * (writing it before queueing and reading it back cost ~0.2M instructions more per `ws_open`, bench/RESULTS.md).
 */
export function addClient(ctx: WsContext, key: ClientKey, gateway: Principal, openMessage: Uint8Array): WsResult {
    const record: ClientRecord = {
        gateway,
        lastKeepAliveTimestamp: ctx.env.time(),
        nextIncomingSequenceNum: INITIAL_CLIENT_SEQUENCE_NUM,
        lastOutgoingSequenceNum: INITIAL_CANISTER_SEQUENCE_NUM,
        waitingForKeepAlive: false,
        queuedMessages: 0
    };
    ctx.store.setCurrentNonce(key.client_principal, key.client_nonce);
    incrementGatewayClients(ctx, gateway);
    ctx.onClientRegistered?.(key);
    const queued = queueForClient(ctx, key, record, openMessage, { isServiceMessage: true });
    if (isErr(queued)) ctx.store.putClient(key, record); // registered even so (the caller returns the Err)
    return queued;
}

/**
 * Removes a client. With a `reason`, a CloseMessage is queued first (errors ignored, as upstream). `onClose` is
 * called when the client was registered; removing an unknown client does nothing else. An `onClose` that throws
 * traps the call (all-or-nothing), unless `onCloseErrors: 'log'` (timers): then the error is logged with the
 * client and the removal stands.
 */
export function removeClient(ctx: WsContext, key: ClientKey, reason?: CloseMessageReason, options: { onCloseErrors?: 'throw' | 'log' } = {}): void {
    if (reason !== undefined) queueMessage(ctx, key, closeMessage(reason), { isServiceMessage: true });
    const record = ctx.store.getClient(key);
    ctx.store.removeClient(key);
    ctx.store.removeCurrentNonce(key.client_principal);
    ctx.queue.hashing.forgetClient(key.client_principal);
    if (record === undefined) return;
    decrementGatewayClients(ctx, record.gateway);
    if (options.onCloseErrors !== 'log') {
        ctx.callbacks.onClose?.(key.client_principal);
        return;
    }
    try {
        ctx.callbacks.onClose?.(key.client_principal);
    } catch (error) {
        const why = reason === undefined ? '' : ` (${Object.keys(reason)[0]})`;
        ctx.env.log(`${LOG_PREFIX}onClose of client ${clientKeyToText(key)}${why} threw, the client is closed anyway: ${error instanceof Error ? error.message : String(error)}`);
    }
}

/** The current client key of `principal`, if it is connected. */
export function currentClientKey(ctx: WsContext, principal: Principal): ClientKey | undefined {
    const nonce = ctx.store.getCurrentNonce(principal);
    return nonce === undefined ? undefined : { client_principal: principal, client_nonce: nonce };
}
