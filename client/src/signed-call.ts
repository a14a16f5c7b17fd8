/**
 * Signed call envelopes sent through the gateway (spec ic-certificates.md §2): the client signs `ws_open` and
 * `ws_message` calls with its own identity, so the canister sees the client's principal as caller and the gateway
 * can relay them but not forge them. The frame is CBOR `{envelope: {content, sender_pubkey, sender_sig}}`.
 */
import { Cbor, Endpoint, Expiry, makeNonce, SubmitRequestType, type CallRequest, type HttpAgentRequest, type SignIdentity } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';

/** An envelope's lifetime: the IC accepts ingress up to 5 minutes ahead (agent-js uses the same). */
const INGRESS_EXPIRY_MS = 5 * 60_000;

/**
 * The WebSocket frame carrying a signed call of `methodName(arg)` on `canisterId` by `identity`.
 *
 * @example
 * socket.send(await signedCallFrame(identity, canisterId, 'ws_open', encodeWsOpenArguments(args)));
 */
export async function signedCallFrame(identity: SignIdentity, canisterId: Principal, methodName: string, arg: Uint8Array): Promise<Uint8Array> {
    const content: CallRequest = {
        request_type: SubmitRequestType.Call,
        canister_id: canisterId,
        method_name: methodName,
        arg,
        sender: identity.getPrincipal(),
        ingress_expiry: Expiry.fromDeltaInMilliseconds(INGRESS_EXPIRY_MS),
        nonce: makeNonce()
    };
    const request: HttpAgentRequest = { endpoint: Endpoint.Call, request: { method: 'POST', headers: {} }, body: content };
    const signed = (await identity.transformRequest(request)) as { body: unknown };
    return Cbor.encode({ envelope: signed.body });
}
