/**
 * The gateway's side of the IC HTTP interface, for any endpoint (the embedded replica, a dfx replica, mainnet):
 * submitting clients' signed envelopes unchanged, polling `ws_get_messages` and calling `ws_close` as the gateway.
 */
import { Actor, HttpAgent, requestIdOf, type SignIdentity } from '@dfinity/agent';
import { decode } from '@dfinity/cbor';
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import {
    CanisterWsGetMessagesArgumentsIdl,
    CanisterWsGetMessagesResultIdl,
    wsServiceIdl,
    type CanisterOutputCertifiedMessages,
    type CanisterWsCloseArguments,
    type ClientKey,
    type WsResult
} from '../src/wire.js';
import { CANISTER_PAUSED_ERROR_CODES, outcomeOfSyncCall, refusalOfCall, type RelayOutcome } from './call-outcome.js';
import type { RelayedCall } from './frames.js';

/** Where and as whom the gateway talks to the IC. */
export interface IcClientOptions {
    /** Base URL of an IC HTTP endpoint, e.g. `http://127.0.0.1:4943` or `https://icp-api.io`. */
    icUrl: string;
    /** The gateway's identity: caller of `ws_get_messages` and `ws_close`. */
    identity: SignIdentity;
    /** DER root key of a local network. Fetched from `/api/v2/status` when omitted on a non-mainnet URL. */
    rootKey?: Uint8Array;
    /** Per-call timeout of `ws_get_messages` (upstream: 5 s). */
    pollTimeoutMs?: number;
}

/**
 * A failed poll. `fatal` ones (a reject that is not transient, an `Err` reply, an undecodable reply) stop the
 * canister's poller, as in ic-websocket-gateway; the others (network, HTTP, timeouts, transient rejects: see
 * {@link isTransientReject}) are retried.
 */
export class PollError extends Error {
    override name = 'PollError';
    /**
     * @param fatal stops the poller and closes the canister's clients.
     * @param canisterPaused the canister is stopped or stopping (IC0508/IC0509): calls to it would be rejected.
     */
    constructor(message: string, readonly fatal: boolean, readonly canisterPaused = false) {
        super(message);
    }
}

const MAINNET_HOSTS = ['icp0.io', 'icp-api.io', 'ic0.app'];
const SYS_TRANSIENT = 2;
const SUBMIT_TIMEOUT_MS = 30_000;

/**
 * Whether a rejected poll is worth retrying: `SysTransient` rejects (as upstream), and, unlike upstream, a canister
 * that is stopped or stopping. Operators stop a canister around an upgrade, and its stable state (clients, queues,
 * nonces) is back when it starts, so dropping every session on that reject would lose them for nothing. Any other
 * reject (trap, missing method, empty canister, ...) stays fatal.
 *
 * @example
 * isTransientReject(5, 'IC0508'); // true: canister stopped
 * isTransientReject(5, 'IC0536'); // false: no ws_get_messages method
 */
export function isTransientReject(rejectCode: number, errorCode: string | undefined): boolean {
    return rejectCode === SYS_TRANSIENT || (errorCode !== undefined && CANISTER_PAUSED_ERROR_CODES.has(errorCode));
}

/** True for the IC's public boundary nodes, where the root key is the well-known one and is never fetched. */
export function isMainnetUrl(url: string): boolean {
    const host = new URL(url).hostname;
    return MAINNET_HOSTS.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

const wsInterface: IDL.InterfaceFactory = () => wsServiceIdl();

/**
 * @example
 * const ic = await IcClient.connect({ icUrl: 'http://127.0.0.1:4943', identity });
 * await ic.submitCall(parseClientFrame(frame));
 * const batch = await ic.getMessages(canisterId, 0n);
 */
export class IcClient {
    // Cleared when the endpoint turns out to have no v3 call endpoint (then calls go to v2).
    private syncCalls = true;

    private constructor(
        private readonly agent: HttpAgent,
        private readonly pollAgent: HttpAgent,
        private readonly icUrl: string,
        private readonly pollTimeoutMs: number
    ) {}

    /** Creates the agent and, for a local network without a given root key, fetches it (fails if unreachable). */
    static async connect(options: IcClientOptions): Promise<IcClient> {
        const mainnet = isMainnetUrl(options.icUrl);
        const agent = await HttpAgent.create({
            host: options.icUrl,
            identity: options.identity,
            // Query replies are signed by nodes only on the IC; local replicas are trusted through the root key.
            verifyQuerySignatures: mainnet,
            ...(options.rootKey ? { rootKey: options.rootKey } : { shouldFetchRootKey: !mainnet })
        }).catch((error) => {
            const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
            throw new Error(`cannot reach the IC at ${options.icUrl} to fetch its root key: ${reason}`);
        });
        // The poller is its own retry loop: without the agent's retries (which back off for seconds), an endpoint
        // outage shows up at the next poll instead of stalling it.
        const pollAgent = await HttpAgent.create({
            host: options.icUrl,
            identity: options.identity,
            verifyQuerySignatures: mainnet,
            rootKey: agent.rootKey ?? undefined,
            retryTimes: 0
        });
        return new IcClient(agent, pollAgent, options.icUrl, options.pollTimeoutMs ?? 5_000);
    }

    /** The root key in use (DER), for clients that need the same one. */
    get rootKey(): Uint8Array | null {
        return this.agent.rootKey;
    }

    /**
     * Submits a client's envelope byte for byte and tells what became of it. It goes to the synchronous endpoint
     * (`/api/v3/canister/<id>/call`), which answers once the call ran, so a call the IC rejected (the canister was
     * stopped, it trapped, ...) throws {@link RelayRejected}, as does one the IC refused (HTTP 4xx: bad signature,
     * expired, too large). An endpoint without v3 gets `/api/v2/.../call`, where only refusals are seen. Network
     * errors, timeouts and 5xx leave the outcome unknown (a plain `Error`).
     */
    async submitCall(call: RelayedCall): Promise<RelayOutcome> {
        if (this.syncCalls) {
            const { status, body } = await this.post(call, 'v3');
            if (status === 200) return outcomeOfSyncCall(body, call.methodName, () => requestIdOfEnvelope(call.envelope));
            if (status === 202) return 'accepted';
            if (status !== 404) throw refusalOfCall(status, body, call.methodName);
        }
        const { status, body } = await this.post(call, 'v2');
        if (status !== 202) {
            const refusal = refusalOfCall(status, body, call.methodName);
            if (refusal) throw refusal;
        }
        // Reached after a v3 404 only when v2 took the call: this endpoint predates synchronous calls.
        this.syncCalls = false;
        return 'accepted';
    }

    private async post(call: RelayedCall, version: 'v2' | 'v3'): Promise<{ status: number; body: Uint8Array }> {
        const url = new URL(`/api/${version}/canister/${call.canisterId.toText()}/call`, this.icUrl);
        // Bounded, so an unresponsive endpoint cannot hold this client's later calls (relayed in order) forever.
        const response = await fetch(url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/cbor' },
            body: call.envelope as Uint8Array<ArrayBuffer>,
            signal: AbortSignal.timeout(SUBMIT_TIMEOUT_MS)
        });
        return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
    }

    /** One `ws_get_messages({nonce})` query as the gateway; throws {@link PollError}. */
    async getMessages(canisterId: Principal, nonce: bigint): Promise<CanisterOutputCertifiedMessages> {
        const arg = IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce }]);
        let response;
        try {
            response = await withTimeout(this.pollAgent.query(canisterId, { methodName: 'ws_get_messages', arg }), this.pollTimeoutMs);
        } catch (error) {
            throw new PollError(`ws_get_messages failed: ${error instanceof Error ? error.message : String(error)}`, false);
        }
        if (response.status !== 'replied') {
            const { reject_code: rejectCode, error_code: errorCode, reject_message: rejectMessage } = response;
            const code = errorCode ? `code ${rejectCode}, ${errorCode}` : `code ${rejectCode}`;
            const paused = errorCode !== undefined && CANISTER_PAUSED_ERROR_CODES.has(errorCode);
            throw new PollError(`ws_get_messages rejected (${code}): ${rejectMessage}`, !isTransientReject(Number(rejectCode), errorCode), paused);
        }
        let result: { Ok: CanisterOutputCertifiedMessages } | { Err: string };
        try {
            [result] = IDL.decode([CanisterWsGetMessagesResultIdl], response.reply.arg) as unknown as [typeof result];
        } catch (error) {
            throw new PollError(`ws_get_messages reply is not CanisterWsGetMessagesResult: ${error instanceof Error ? error.message : String(error)}`, true);
        }
        if ('Err' in result) throw new PollError(`ws_get_messages returned Err: ${result.Err}`, true);
        return result.Ok;
    }

    /** Tells the canister that a client's connection ended (`ws_close` as the gateway). Throws on `Err`. */
    async closeClient(canisterId: Principal, clientKey: ClientKey): Promise<void> {
        const actor = Actor.createActor<{ ws_close(args: CanisterWsCloseArguments): Promise<WsResult> }>(wsInterface, {
            agent: this.agent,
            canisterId
        });
        const result = await actor.ws_close({ client_key: clientKey });
        if ('Err' in result) throw new Error(`ws_close returned Err: ${result.Err}`);
    }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The request id of an envelope's content (only needed to match a rejection in a certificate). */
function requestIdOfEnvelope(envelope: Uint8Array): Uint8Array {
    const { content } = decode(envelope) as { content: Record<string, unknown> };
    return new Uint8Array(requestIdOf(content));
}
