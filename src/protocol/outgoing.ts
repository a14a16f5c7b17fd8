/**
 * Queueing a certified message for a client (upstream `_ws_send`, spec protocol.md §2.7), after deleting the
 * gateway's expired messages (§2.8). Used by `send`, broadcasts, service messages and acks.
 */
import { MESSAGES_TO_DELETE_COUNT } from '../constants';
import { err, OK, WsError, type WsResult } from '../errors';
import { clientKeysEqual, clientKeyToText } from '../keys';
import type { ClientRecord } from '../state/records';
import type { ClientKey } from '../types';
import type { WsContext } from './context';

export type QueueOptions = { isServiceMessage: boolean; markWaitingForKeepAlive?: boolean };

/**
 * Queues `content` for the client with `key` on its gateway: up to 5 expired messages of the gateway are deleted,
 * then the message gets the gateway's next nonce and the client's next sequence number. Application messages are
 * refused with an `Err` when the gateway's or the client's queue is full (`maxQueuedMessagesPerGateway`,
 * `…PerClient`); service messages always go. The certified data is set when the caller's batch ends.
 */
export function queueMessage(ctx: WsContext, key: ClientKey, content: Uint8Array, options: QueueOptions): WsResult {
    const client = ctx.store.getClient(key);
    if (client === undefined) return err(WsError.clientKeyNotConnected(clientKeyToText(key)));
    return queueForClient(ctx, key, client, content, options);
}

/**
 * {@link queueMessage} for a client whose current record the caller holds (`ws_open`'s new client): the record is
 * updated and written once, when the message is queued or refused for a full queue; not on the other errors.
 */
export function queueForClient(ctx: WsContext, key: ClientKey, client: ClientRecord, content: Uint8Array, options: QueueOptions): WsResult {
    if (!ctx.queue.hasGateway(client.gateway)) return err(WsError.gatewayNotRegistered(client.gateway.toText()));
    if (content.length > ctx.params.maxReplyMessagesBytes) {
        return err(WsError.messageTooLarge(content.length, ctx.params.maxReplyMessagesBytes));
    }

    const timestamp = ctx.env.time();
    for (const owner of ctx.queue.deleteExpired(client.gateway, timestamp, ctx.sendAckIntervalNs(), MESSAGES_TO_DELETE_COUNT)) {
        if (clientKeysEqual(owner, key)) client.queuedMessages = Math.max(0, client.queuedMessages - 1);
        else forgetQueuedMessage(ctx, owner);
    }
    if (!options.isServiceMessage) {
        const refusal = queueFull(ctx, key, client);
        if (refusal !== undefined) {
            ctx.store.putClient(key, client); // the deletions above still count
            return refusal;
        }
    }
    client.queuedMessages++;
    client.lastOutgoingSequenceNum += 1n;
    if (options.markWaitingForKeepAlive) client.waitingForKeepAlive = true;
    ctx.queue.append(client.gateway, {
        client_key: key,
        sequence_num: client.lastOutgoingSequenceNum,
        timestamp,
        is_service_message: options.isServiceMessage,
        content
    });
    ctx.store.putClient(key, client);
    return OK;
}

/** An `Err` when the gateway's or the client's queue holds its maximum of messages already. */
function queueFull(ctx: WsContext, key: ClientKey, client: ClientRecord): WsResult | undefined {
    const { maxQueuedMessagesPerGateway, maxQueuedMessagesPerClient } = ctx.params;
    if (ctx.queue.depthOf(client.gateway) >= maxQueuedMessagesPerGateway) {
        return err(WsError.gatewayQueueFull(client.gateway.toText(), maxQueuedMessagesPerGateway));
    }
    if (client.queuedMessages >= maxQueuedMessagesPerClient) return err(WsError.clientQueueFull(clientKeyToText(key), maxQueuedMessagesPerClient));
    return undefined;
}

/** One message of another client was deleted: its queued count goes down (if it is still connected). */
function forgetQueuedMessage(ctx: WsContext, key: ClientKey): void {
    const record = ctx.store.getClient(key);
    if (record === undefined || record.queuedMessages === 0) return;
    record.queuedMessages--;
    ctx.store.putClient(key, record);
}
