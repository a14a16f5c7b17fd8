/**
 * The explicit state every protocol function works on: the client and gateway records, the certified queue, params,
 * the application's callbacks and the IC environment. Wiring only: each part owns its own invariants. In a
 * canister the environment is Azle's (`../ic_environment.ts`); unit tests pass a fake clock and heap maps.
 */
import type { Principal } from '@dfinity/principal';
import { NANOS_PER_MILLI } from '../constants';
import type { CertifiedQueue } from '../queue/certified_queue';
import type { WsStore } from '../state/store';
import type { ClientKey } from '../types';

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
    /** Most messages queued per gateway / per client (application messages beyond are refused). */
    maxQueuedMessagesPerGateway: number;
    maxQueuedMessagesPerClient: number;
};

export class WsContext {
    constructor(
        /** Clients, their current keys, gateway registrations. */
        readonly store: WsStore,
        /** Queued messages and their certification. */
        readonly queue: CertifiedQueue,
        readonly env: WsEnvironment,
        public params: WsParams,
        public callbacks: WsCallbacks = {}
    ) {}

    /**
     * Called when a client is registered (`ws_open`): pending broadcasts to everyone (`../broadcasts.ts`) record it
     * as a newcomer to skip. Unset in the unit tests' contexts.
     */
    onClientRegistered: ((key: ClientKey) => void) | undefined;

    /** Ack interval in nanoseconds. */
    sendAckIntervalNs(): bigint {
        return this.params.sendAckIntervalMs * NANOS_PER_MILLI;
    }

    /**
     * Runs `work` as one queue transaction: nested batches certify only when the outermost one ends. The endpoints
     * run the application's handlers inside a batch, so a handler that sends 100 messages re-hashes the tree once,
     * not 100 times. If `work` throws (a trap), nothing is certified: the IC rolls everything back.
     *
     * @example
     * ctx.batch(() => { sendToClient(ctx, a, bytes); sendToClient(ctx, b, bytes); });
     */
    batch<R>(work: () => R): R {
        return this.queue.transaction(work);
    }
}
