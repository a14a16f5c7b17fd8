/**
 * Queueing a certified message for a client (upstream `_ws_send`, spec protocol.md §2.7), after deleting the
 * gateway's expired messages (§2.8). Used by `send`, broadcasts, service messages and acks.
 */
import { MESSAGES_TO_DELETE_COUNT } from '../constants';
import { err, OK, WsError, type WsResult } from '../errors';
import { clientKeyToText } from '../keys';
import type { ClientKey } from '../types';
import type { WsContext } from './context';

export type QueueOptions = { isServiceMessage: boolean; markWaitingForKeepAlive?: boolean };

/**
 * Queues `content` for the client with `key` on its gateway: up to 5 expired messages of the gateway are deleted,
 * then the message gets the gateway's next nonce and the client's next sequence number. The certified data is set
 * when the caller's batch ends.
 */
export function queueMessage(ctx: WsContext, key: ClientKey, content: Uint8Array, options: QueueOptions): WsResult {
    const client = ctx.store.getClient(key);
    if (client === undefined) return err(WsError.clientKeyNotConnected(clientKeyToText(key)));
    if (!ctx.queue.hasGateway(client.gateway)) return err(WsError.gatewayNotRegistered(client.gateway.toText()));
    if (content.length > ctx.params.maxReplyMessagesBytes) {
        return err(WsError.messageTooLarge(content.length, ctx.params.maxReplyMessagesBytes));
    }

    const timestamp = ctx.env.time();
    ctx.queue.deleteExpired(client.gateway, timestamp, ctx.sendAckIntervalNs(), MESSAGES_TO_DELETE_COUNT);
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
