/**
 * Queueing a certified message for a client (upstream `_ws_send`, spec protocol.md §2.7) and deleting expired
 * messages (§2.8). Used by `send`, broadcasts, service messages and acks.
 */
import type { Principal } from '@dfinity/principal';
import { MESSAGES_TO_DELETE_COUNT } from '../constants';
import { encodeWebsocketMessage } from '../cbor';
import { err, OK, WsError, type WsResult } from '../errors';
import { clientKeyToText } from '../keys';
import type { GatewayRecord } from '../state/records';
import type { ClientKey } from '../types';
import type { WsContext } from './context';

export type QueueOptions = { isServiceMessage: boolean; markWaitingForKeepAlive?: boolean };

/**
 * Queues `content` for the client with `key` on its gateway: next gateway nonce, next client sequence number,
 * CBOR of the WebsocketMessage, expired-message deletion, then the new leaf in the certified tree.
 * Does not set the certified data: the entry point calls `ctx.certify()` once at the end.
 */
export function queueMessage(ctx: WsContext, key: ClientKey, content: Uint8Array, options: QueueOptions): WsResult {
    const client = ctx.store.getClient(key);
    if (client === undefined) return err(WsError.clientKeyNotConnected(clientKeyToText(key)));
    const gateway = ctx.store.getGateway(client.gateway);
    if (gateway === undefined) return err(WsError.gatewayNotRegistered(ctx.principalText(client.gateway)));
    if (content.length > ctx.params.maxReplyMessagesBytes) {
        return err(WsError.messageTooLarge(content.length, ctx.params.maxReplyMessagesBytes));
    }

    const nonce = gateway.nextNonce;
    gateway.nextNonce += 1n;
    client.lastOutgoingSequenceNum += 1n;
    if (options.markWaitingForKeepAlive) client.waitingForKeepAlive = true;
    const timestamp = ctx.env.time();
    const bytes = encodeWebsocketMessage({
        client_key: key,
        sequence_num: client.lastOutgoingSequenceNum,
        timestamp,
        is_service_message: options.isServiceMessage,
        content
    });

    deleteExpiredMessages(ctx, client.gateway, gateway, nonce);
    if (gateway.oldestNonce === nonce) gateway.oldestTimestamp = timestamp; // the queue was empty

    const labels = ctx.gatewayLabels(client.gateway);
    const messageKey = labels.key(nonce);
    const label = labels.label(messageKey);
    const contentHash = ctx.contentHash(key.client_principal, bytes);
    const ownHash = labels.ownHash(label, contentHash);
    ctx.tree.insert(messageKey, contentHash, ownHash, label);
    ctx.store.putMessage(client.gateway, nonce, { contentHash, ownHash, timestamp, clientKey: key, content: bytes });
    ctx.store.putGateway(client.gateway, gateway);
    ctx.store.putClient(key, client);
    return OK;
}

/**
 * Deletes up to {@link MESSAGES_TO_DELETE_COUNT} of the oldest messages of the gateway, stopping at the first one
 * not older than the ack interval (strictly). Updates `gateway.oldestNonce`; the caller stores the record.
 */
export function deleteExpiredMessages(ctx: WsContext, gatewayPrincipal: Principal, gateway: GatewayRecord, endNonce: bigint): void {
    const now = ctx.env.time();
    const interval = ctx.sendAckIntervalNs();
    for (let deleted = 0; deleted < MESSAGES_TO_DELETE_COUNT && gateway.oldestNonce < endNonce; deleted++) {
        if (now - gateway.oldestTimestamp <= interval) return;
        ctx.store.removeMessage(gatewayPrincipal, gateway.oldestNonce);
        ctx.tree.delete(ctx.gatewayLabels(gatewayPrincipal).key(gateway.oldestNonce));
        gateway.oldestNonce += 1n;
        if (gateway.oldestNonce < endNonce) gateway.oldestTimestamp = ctx.store.getMessageTimestamp(gatewayPrincipal, gateway.oldestNonce) ?? now;
    }
}
