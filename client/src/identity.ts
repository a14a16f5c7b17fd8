import { Ed25519KeyIdentity } from '@dfinity/identity';

/**
 * A fresh random identity for users who do not sign in: the client signs its calls with it and the canister sees
 * its principal. Ed25519 (ic-websocket-js returns a secp256k1 one; both are `SignIdentity`s).
 *
 * @example
 * const identity = generateRandomIdentity();
 * identity.getPrincipal().toText();
 */
export function generateRandomIdentity(): Ed25519KeyIdentity {
    return Ed25519KeyIdentity.generate();
}
