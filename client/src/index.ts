/**
 * ic-websocket-client: IC WebSockets for browsers and Node on @dfinity/agent 3, with the API of ic-websocket-js 0.5.
 *
 * @example
 * import { IcWebSocket, createWsConfig, generateRandomIdentity } from 'ic-websocket-client';
 * const ws = new IcWebSocket(gatewayUrl, undefined, createWsConfig({ canisterId, canisterActor, identity, networkUrl }));
 */
export { IcWebSocket, ReconnectEvent, COMMUNICATION_LATENCY_BOUND_MS } from './ic-websocket.js';
export { createWsConfig, type IcWebSocketConfig, type ReconnectOptions, type WebSocketConstructor, type WebSocketLike } from './config.js';
export { generateRandomIdentity } from './identity.js';
export { IcWebSocketError, type IcWebSocketErrorReason } from './errors.js';
// The protocol's parts, for tools that speak it themselves (e.g. a test harness reading frames from a gateway).
export { MessageVerifier, CertificateCache, sharedCertificateCache, type MessageVerifierOptions, type VerifiedCertificate, type BlsVerify } from './verifier.js';
export { decodeHandshake, decodeIncomingMessage, decodeWebsocketMessage, type ClientIncomingMessage } from './frames.js';
export {
    decodeServiceMessage,
    encodeServiceMessage,
    encodeWsMessageArguments,
    encodeWsOpenArguments,
    extractApplicationMessageIdl,
    isSameClientKey,
    type CanisterWsMessageArguments,
    type CanisterWsMessageResult,
    type CanisterWsOpenArguments,
    type CanisterWsOpenResult,
    type ClientKey,
    type CloseMessageReason,
    type GetApplicationMessageType,
    type WebsocketMessage,
    type WebsocketServiceMessageContent,
    type _WS_CANISTER_SERVICE
} from './idl.js';
export { signedCallFrame } from './signed-call.js';
export { rootKeyFor, isMainnet } from './root-key.js';
export { AckTracker } from './acks.js';
