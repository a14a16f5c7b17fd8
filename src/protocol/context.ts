/**
 * The explicit state every protocol function works on: storage, the heap certified tree, params, the application's
 * callbacks and the IC environment. In a canister the environment is Azle's (`../ic_environment.ts`); unit tests
 * pass a fake clock and record certified data.
 */
import type { Principal } from '@dfinity/principal';
import { CertTree } from '../cert_tree';
import { websocketCertifiedData } from '../hash_tree';
import { binaryKey } from '../bytes';
import { GatewayLabels } from '../message_labels';
import { sha256, sha256From, sha256Midstate, type Sha256Midstate } from '../sha256';
import type { WsStore } from '../state/store';

/** The IC system API the protocol needs. */
export interface WsEnvironment {
    /** IC time in nanoseconds. */
    time(): bigint;
    /** `ic0.certified_data_set` (32 bytes). */
    setCertifiedData(data: Uint8Array): void;
    /** `ic0.data_certificate`, only available in non-replicated queries. */
    dataCertificate(): Uint8Array | undefined;
    /** Debug output. */
    log(message: string): void;
}

/** The application's callbacks, in their raw form (the public API wraps them with decoding). */
export type WsCallbacks = {
    onOpen?: (clientPrincipal: Principal) => void;
    onMessage?: (clientPrincipal: Principal, content: Uint8Array) => void;
    onClose?: (clientPrincipal: Principal) => void;
};

/** Validated parameters (see `../params.ts`). */
export type WsParams = {
    maxNumberOfReturnedMessages: number;
    sendAckIntervalMs: bigint;
    /** Byte budget of the messages in one ws_get_messages reply. */
    maxReplyMessagesBytes: number;
};

export class WsContext {
    readonly tree = new CertTree();
    private readonly principalTexts = new Map<string, string>();
    private readonly labels = new Map<string, GatewayLabels>();
    private readonly clientMidstates = new Map<string, Sha256Midstate>();

    constructor(
        readonly store: WsStore,
        readonly env: WsEnvironment,
        public params: WsParams,
        public callbacks: WsCallbacks = {}
    ) {}

    /** `principal.toText()`, cached: the text form costs a CRC and base32 encoding each time. */
    principalText(principal: Principal): string {
        const id = binaryKey(principal.toUint8Array());
        let text = this.principalTexts.get(id);
        if (text === undefined) {
            text = principal.toText();
            this.principalTexts.set(id, text);
        }
        return text;
    }

    /** The cached key/label/hash helper of `gateway`'s messages. */
    gatewayLabels(gateway: Principal): GatewayLabels {
        const text = this.principalText(gateway);
        let labels = this.labels.get(text);
        if (labels === undefined) {
            labels = new GatewayLabels(text);
            this.labels.set(text, labels);
        }
        return labels;
    }

    /**
     * sha256 of a message's CBOR. Its first 64 bytes are the same for every message to a client with a 29-byte
     * (self-authenticating) principal: 35 bytes of CBOR header, then the principal. Their SHA-256 midstate is kept
     * per client (until {@link WsContext.forgetClient}), saving one of the ~4 blocks per message.
     */
    contentHash(client: Principal, cbor: Uint8Array): Uint8Array {
        const principal = client.toUint8Array();
        if (principal.length !== 29 || cbor.length < 64) return sha256(cbor);
        const id = binaryKey(principal);
        let midstate = this.clientMidstates.get(id);
        if (midstate === undefined) {
            midstate = sha256Midstate(cbor.subarray(0, 64));
            this.clientMidstates.set(id, midstate);
        }
        return sha256From(midstate, cbor.subarray(64));
    }

    /** Drops per-client caches of a client that left. */
    forgetClient(client: Principal): void {
        this.clientMidstates.delete(binaryKey(client.toUint8Array()));
    }

    /** Ack interval in nanoseconds. */
    sendAckIntervalNs(): bigint {
        return this.params.sendAckIntervalMs * 1_000_000n;
    }

    private batchDepth = 0;

    /**
     * Runs `work` and then certifies once. Nested batches certify only when the outermost one ends: the endpoints
     * run the application's handlers inside a batch, so a handler that sends 100 messages re-hashes the path to the
     * root once, not 100 times. If `work` throws (a trap), nothing is certified: the IC rolls everything back.
     *
     * @example
     * ctx.batch(() => { sendToClient(ctx, a, bytes); sendToClient(ctx, b, bytes); });
     */
    batch<R>(work: () => R): R {
        this.batchDepth++;
        let result: R;
        try {
            result = work();
        } finally {
            this.batchDepth--;
        }
        if (this.batchDepth === 0) this.certify();
        return result;
    }

    /**
     * Sets the certified data to `labeled("websocket", root)` if the tree changed since it was last set (always with
     * `force`). Inside a batch it waits for the batch's end.
     */
    certify(force = false): void {
        if (!force && (this.batchDepth > 0 || !this.tree.isDirty())) return;
        this.env.setCertifiedData(websocketCertifiedData(this.tree.rootHash()));
    }
}
