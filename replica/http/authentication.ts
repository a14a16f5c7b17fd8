/**
 * Ingress authentication as the IC performs it on every call, query and read_state envelope:
 * - the anonymous sender (`0x04`) carries no key, signature or delegation;
 * - any other sender is the self-authenticating principal of `sender_pubkey`;
 * - `sender_delegation` (at most 20) chains from `sender_pubkey`, each link signed by the previous key, unexpired,
 *   and, where it lists targets, allowing the target canister;
 * - `sender_sig` signs `ds("ic-request") · request_id` with the last key of the chain;
 * - `ingress_expiry` lies in [now, now + 5 min + 60 s drift] of the replica's clock.
 *
 * Failures are HttpError 400 (403 for delegation targets) with a reason, as the IC answers them.
 *
 * @example
 * ```ts
 * authenticate(envelope, { nowNs, targetCanister: canisterId }); // throws HttpError on a bad envelope
 * ```
 */
import { Principal } from '@dfinity/principal';
import { concatBytes, toHex } from '../bytes.ts';
import { domainSeparator } from '../hash-tree.ts';
import type { Envelope } from './envelope.ts';
import { parsePublicKey, verifySignature, type PublicKey } from './public-keys.ts';
import { hashOfMap } from './request-id.ts';
import { HttpError } from './transport.ts';

const REQUEST_DS = domainSeparator('ic-request');
const DELEGATION_DS = domainSeparator('ic-request-auth-delegation');
const MAX_DELEGATIONS = 20;
const MAX_DELEGATION_TARGETS = 1000;
/** The IC's MAX_INGRESS_TTL plus its permitted clock drift. */
const MAX_EXPIRY_AHEAD_NS = (5n * 60n + 60n) * 1_000_000_000n;

export interface AuthenticationContext {
    /** The replica's current time in nanoseconds. */
    nowNs: bigint;
    /** The canister the request addresses (for delegation targets); undefined for read_state of no canister. */
    targetCanister?: Principal;
}

/** Throws HttpError when `envelope` would be refused by the IC; returns normally when it is authentic. */
export function authenticate(envelope: Envelope, context: AuthenticationContext): void {
    checkExpiry(envelope.content.ingressExpiry, context.nowNs);
    const sender = envelope.content.sender;
    if (sender.isAnonymous()) {
        if (envelope.senderPubkey || envelope.senderSig || envelope.senderDelegation) {
            throw new HttpError(400, 'Invalid request: the anonymous sender must not carry sender_pubkey, sender_sig or sender_delegation');
        }
        return;
    }
    if (!envelope.senderPubkey || !envelope.senderSig) {
        throw new HttpError(400, `Invalid signature: sender ${sender.toText()} is not anonymous, so sender_pubkey and sender_sig are required`);
    }
    const expectedSender = Principal.selfAuthenticating(envelope.senderPubkey);
    if (expectedSender.toText() !== sender.toText()) {
        throw new HttpError(400, `Invalid request: sender ${sender.toText()} does not match the public key, whose principal is ${expectedSender.toText()}`);
    }
    const signingKey = walkDelegations(envelope, context);
    const message = concatBytes([REQUEST_DS, envelope.requestId]);
    if (!verifySignature(signingKey, message, envelope.senderSig)) {
        throw new HttpError(400, `Invalid signature: the ${signingKey.scheme} signature over request ${toHex(envelope.requestId)} does not verify`);
    }
}

/** Follows the delegation chain from `sender_pubkey`; returns the key that must sign the request. */
function walkDelegations(envelope: Envelope, context: AuthenticationContext): PublicKey {
    let key = publicKey(envelope.senderPubkey!, 'sender_pubkey');
    const chain = envelope.senderDelegation ?? [];
    if (chain.length > MAX_DELEGATIONS) {
        throw new HttpError(400, `Invalid delegation: ${chain.length} delegations, more than the maximum of ${MAX_DELEGATIONS}`);
    }
    chain.forEach(({ delegation, signature }, i) => {
        const message = concatBytes([DELEGATION_DS, hashOfMap(delegation.raw)]);
        if (!verifySignature(key, message, signature)) {
            throw new HttpError(400, `Invalid delegation: the signature of delegation ${i} does not verify under the previous key`);
        }
        if (delegation.expiration < context.nowNs) {
            throw new HttpError(400, `Invalid delegation: delegation ${i} expired at ${delegation.expiration} ns, now is ${context.nowNs} ns`);
        }
        if (delegation.targets) {
            if (delegation.targets.length > MAX_DELEGATION_TARGETS) {
                throw new HttpError(400, `Invalid delegation: delegation ${i} has more than ${MAX_DELEGATION_TARGETS} targets`);
            }
            const target = context.targetCanister;
            if (target && !delegation.targets.some((t) => t.toText() === target.toText())) {
                throw new HttpError(403, `Invalid delegation: canister ${target.toText()} is not one of the targets of delegation ${i}`);
            }
        }
        key = publicKey(delegation.pubkey, `sender_delegation[${i}].delegation.pubkey`);
    });
    return key;
}

function publicKey(der: Uint8Array, what: string): PublicKey {
    try {
        return parsePublicKey(der);
    } catch (e) {
        throw new HttpError(400, `Invalid signature: ${what}: ${(e as Error).message}`);
    }
}

function checkExpiry(expiry: bigint, nowNs: bigint): void {
    const max = nowNs + MAX_EXPIRY_AHEAD_NS;
    if (expiry < nowNs || expiry > max) {
        // The agent recognises this prefix and re-syncs its clock with the replica's /time.
        throw new HttpError(
            400,
            `Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: ${nowNs}, Maximum allowed expiry: ${max}, Provided expiry: ${expiry}`
        );
    }
}
