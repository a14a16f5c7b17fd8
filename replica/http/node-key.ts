/**
 * The replica's node: an Ed25519 key that signs query responses, as every IC node does. Agents (3.x) look the
 * key up under `/subnet/<subnet_id>/node/<node_id>/public_key` in a read_state certificate and verify
 * `ed25519(ds("ic-response") · hash_of_map(response))` before accepting a query reply.
 *
 * @example
 * ```ts
 * const node = NodeKey.derive(replica.rootKey);
 * node.nodeId;                          // self-authenticating principal of node.der
 * node.sign(message);                   // 64-byte signature
 * ```
 */
import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha2';
import { Principal } from '@dfinity/principal';
import { concatBytes, utf8 } from '../bytes.ts';

const ED25519_DER_PREFIX = Uint8Array.from(Buffer.from('302a300506032b6570032100', 'hex'));

export class NodeKey {
    /** DER public key (44 bytes, the length agents require). */
    readonly der: Uint8Array;
    readonly nodeId: Principal;

    private constructor(private readonly secret: Uint8Array) {
        this.der = concatBytes([ED25519_DER_PREFIX, ed25519.getPublicKey(secret)]);
        this.nodeId = Principal.selfAuthenticating(this.der);
    }

    /** The node key belonging to a replica, derived from its root key so it is as deterministic as the root key. */
    static derive(rootKeyDer: Uint8Array): NodeKey {
        return new NodeKey(sha256(concatBytes([utf8('ic-websocket-cdk replica node key'), rootKeyDer])));
    }

    sign(message: Uint8Array): Uint8Array {
        return ed25519.sign(message, this.secret);
    }
}
