/**
 * What `ws.inspectMessage()` decides for a WebSocket call, before the IC executes it (`canister_inspect_message`
 * runs on one replica, for ingress update calls only; a refused call is answered with HTTP 403 and never executes,
 * so the canister never pays for it). Pure over the store, so the unit tests run it in Node.
 *
 * Refused: arguments that the endpoint would reject (not valid Candid of its types, too costly to decode, a
 * principal over 29 bytes), oversized arguments, and calls that could only return an `Err` without changing
 * anything: `ws_open` from the anonymous principal, `ws_message` from a principal that is not connected or naming
 * another client key, `ws_close` from a principal that is not the client's gateway. A `ws_message` with a wrong
 * sequence number is let through: the endpoint closes that client (a state change clients rely on).
 */
import type { Principal } from '@dfinity/principal';
import { decodeGetMessagesArgs, decodeWsCloseArgs, decodeWsMessageArgs, decodeWsOpenArgs } from './candid_codec';
import { bytesEqual } from './bytes';
import { clientKeysEqual } from './keys';
import { currentClientKey } from './protocol/clients';
import type { WsContext } from './protocol/context';
import { WS_METHOD_NAMES } from './types';

/**
 * Options of `ws.inspectMessage`.
 *
 * @example
 * const options: InspectMessageOptions = { maxMessageBytes: 64 * 1024 };
 * ws.inspectMessage(options);
 */
export type InspectMessageOptions = {
    /**
     * Largest `content` of a `ws_message` (an application or service message) to accept, in bytes. Default: no
     * limit beyond the IC's 2 MiB per ingress message.
     *
     * @example
     * ws.inspectMessage({ maxMessageBytes: 16 * 1024 }); // refuse messages over 16 KiB before they execute
     */
    maxMessageBytes?: number;
};

/** Largest argument of `ws_open`, `ws_close` and `ws_get_messages` accepted: theirs are under 100 bytes. */
export const MAX_FIXED_ARGUMENT_BYTES = 1024;


/** Accept, or refuse with the reason (for tests and logs). */
export type InspectVerdict = { accept: true } | { accept: false; reason: string };

const ACCEPT: InspectVerdict = Object.freeze({ accept: true });
const refuse = (reason: string): InspectVerdict => ({ accept: false, reason });

/**
 * The verdict on an ingress call of `method` with `arg` from `caller`; undefined for methods that are not
 * WebSocket methods (the application decides those).
 *
 * @example
 * inspectWsCall(ctx, 'ws_open', arg, Principal.anonymous()); // { accept: false, reason: 'anonymous caller' }
 */
export function inspectWsCall(ctx: WsContext, method: string, arg: Uint8Array, caller: Principal, options: InspectMessageOptions = {}): InspectVerdict | undefined {
    if (!WS_METHOD_NAMES.includes(method)) return undefined;
    if (method !== 'ws_message' && arg.length > MAX_FIXED_ARGUMENT_BYTES) return refuse(`argument of ${arg.length} bytes (at most ${MAX_FIXED_ARGUMENT_BYTES})`);
    try {
        switch (method) {
            case 'ws_open':
                decodeWsOpenArgs(arg);
                return caller.isAnonymous() ? refuse('anonymous caller') : ACCEPT;
            case 'ws_close': {
                const { client_key } = decodeWsCloseArgs(arg);
                const client = ctx.store.getClient(client_key);
                if (client === undefined) return refuse('client not connected');
                return bytesEqual(client.gateway.toUint8Array(), caller.toUint8Array()) ? ACCEPT : refuse("caller is not the client's gateway");
            }
            case 'ws_message': {
                const { msg } = decodeWsMessageArgs(arg);
                if (options.maxMessageBytes !== undefined && msg.content.length > options.maxMessageBytes) {
                    return refuse(`content of ${msg.content.length} bytes (at most ${options.maxMessageBytes})`);
                }
                const key = currentClientKey(ctx, caller);
                if (key === undefined) return refuse('caller not connected');
                return clientKeysEqual(key, msg.client_key) ? ACCEPT : refuse("client key is not the caller's");
            }
            default:
                decodeGetMessagesArgs(arg);
                return ACCEPT;
        }
    } catch (error) {
        return refuse(error instanceof Error ? error.message : String(error));
    }
}
