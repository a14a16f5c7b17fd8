/**
 * Typed errors: every failure the client reports carries a `reason` an application can switch on and a message
 * written for the person using it.
 */

/**
 * Why a connection failed or was refused.
 *
 * | reason | meaning |
 * |---|---|
 * | `gateway-unreachable` | the WebSocket to the gateway failed or dropped |
 * | `closed-by-gateway` | the gateway closed the connection with a reason (e.g. the IC refused `ws_open`) |
 * | `handshake-invalid` | the gateway's first frame was not `{gateway_principal}` |
 * | `root-key-unavailable` | the root key could not be fetched from `networkUrl` (local networks only) |
 * | `open-timeout` | the canister did not confirm `ws_open` in time (refused, wrong canister id, canister down) |
 * | `frame-invalid` | a frame from the gateway is not a well-formed canister message |
 * | `certificate-invalid` | a message's certificate, witness or hash does not verify: the gateway altered or forged it |
 * | `certificate-expired` | the certificate is older than `maxCertificateAgeInMinutes` (or from the future): held back or replayed |
 * | `client-key-mismatch` | a verified message was meant for another client or another gateway |
 * | `sequence-mismatch` | a message arrived out of order, twice, or one was dropped |
 * | `service-message-invalid` | the canister sent a service message the protocol does not allow here |
 * | `ack-invalid` | the canister acknowledged a message the client never sent |
 * | `ack-timeout` | the canister did not acknowledge sent messages in time (messages lost on the way) |
 * | `closed-by-canister` | the canister closed the connection (`WrongSequenceNumber`, `KeepAliveTimeout`, …) |
 * | `send-failed` | a message could not be signed or written to the WebSocket |
 * | `not-open` | `send` was called before the connection was established or after it closed |
 */
export type IcWebSocketErrorReason =
    | 'gateway-unreachable'
    | 'closed-by-gateway'
    | 'handshake-invalid'
    | 'root-key-unavailable'
    | 'open-timeout'
    | 'frame-invalid'
    | 'certificate-invalid'
    | 'certificate-expired'
    | 'client-key-mismatch'
    | 'sequence-mismatch'
    | 'service-message-invalid'
    | 'ack-invalid'
    | 'ack-timeout'
    | 'closed-by-canister'
    | 'send-failed'
    | 'not-open';

/** Reasons that say nothing about the gateway's honesty: an automatic reconnect may be tried after them. */
const RECOVERABLE: ReadonlySet<IcWebSocketErrorReason> = new Set(['gateway-unreachable', 'open-timeout', 'ack-timeout', 'closed-by-canister', 'root-key-unavailable']);

/**
 * An error of the IC WebSocket client. `message` can be shown to users as is; `reason` says what happened.
 *
 * @example
 * ws.onerror = (event) => {
 *     const error = event.error as IcWebSocketError;
 *     if (error.reason === 'certificate-invalid') alert(`The gateway tampered with a message: ${error.message}`);
 * };
 */
export class IcWebSocketError extends Error {
    override name = 'IcWebSocketError';

    constructor(
        /** What happened, for code. */
        readonly reason: IcWebSocketErrorReason,
        message: string,
        options?: { cause?: unknown }
    ) {
        super(message, options);
    }

    /** Whether the failure may go away on a new connection (transport, timeouts), as opposed to a protocol violation. */
    get recoverable(): boolean {
        return RECOVERABLE.has(this.reason);
    }
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
