import type { Principal } from '@dfinity/principal';
import type { ClientKey } from './test-canister-interface.ts';

/**
 * The exact error texts of protocol spec §5, built from their parameters. The upstream suite compares them byte
 * for byte (only the service-message decode error is prefix-matched), so do we.
 *
 * @example
 * ```ts
 * expect(await canister.open(key, GATEWAY_1)).toEqual({ Err: wsError.clientKeyAlreadyConnected(key) });
 * ```
 */
export const wsError = {
    anonymousPrincipalNotAllowed: () => 'Anonymous principal is not allowed',
    clientKeyAlreadyConnected: (key: ClientKey) => `Client with key ${keyText(key)} already has an open connection`,
    clientKeyMessageMismatch: (messagePrincipal: Principal) =>
        `Client with principal ${messagePrincipal.toText()} has a different key than the one used in the message`,
    clientKeyNotConnected: (key: ClientKey) => `Client with key ${keyText(key)} doesn't have an open connection`,
    clientNotRegisteredToGateway: (key: ClientKey, gateway: Principal) =>
        `Client with key ${keyText(key)} was not registered to gateway ${gateway.toText()}`,
    clientPrincipalNotConnected: (client: Principal) =>
        `Client with principal ${client.toText()} doesn't have an open connection`,
    gatewayNotRegistered: (gateway: Principal) => `Gateway with principal ${gateway.toText()} is not registered`,
    invalidServiceMessage: () => 'Invalid service message',
    incomingSequenceNumberWrong: (expected: bigint, actual: bigint) =>
        `Expected incoming sequence number ${expected} but got ${actual}`,
    /** Prefix only: the decoder's own text follows (spec §5). */
    decodeServiceMessageContentPrefix: 'Error decoding service message content:'
};

/** `<principal text>_<nonce decimal>`: the ClientKey display form of spec §2.1/§5. */
function keyText(key: ClientKey): string {
    return `${key.client_principal.toText()}_${key.client_nonce}`;
}
