/**
 * The gateway's live state: the connected sessions grouped per canister, and one {@link CanisterPoller} per
 * canister that has sessions. Pollers start with the first session of a canister and end after the last one left.
 */
import type { Principal } from '@dfinity/principal';
import { clientKeyToText, type CanisterOutputCertifiedMessages } from '../src/wire.js';
import type { Logger } from './log.js';
import { CanisterPoller, type CanisterRunState } from './poller.js';
import { CloseCode, type ClientSession } from './session.js';

/** What `GET /health` lists per canister. */
export interface CanisterStatus {
    canisterId: string;
    clients: number;
    polling: boolean;
    nextNonce: string;
    /** What the polls say: `unknown` before the first answer, `stopped` (or stopping: frames are held), `running`. */
    canisterState: CanisterRunState;
    /** Polls answered since this canister's poller started. */
    polls: number;
    /** Client frames of this canister waiting for relay (queued, held or in flight), and their bytes. */
    pendingRelays: number;
    pendingRelayBytes: number;
}

export interface RegistryOptions {
    /** One `ws_get_messages({nonce})` for a canister (see `IcClient.getMessages`). */
    fetchMessages(canisterId: Principal, nonce: bigint): Promise<CanisterOutputCertifiedMessages>;
    pollingIntervalMs: number;
    log: Logger;
}

interface CanisterEntry {
    canisterId: Principal;
    sessions: Map<string, ClientSession>;
    poller?: CanisterPoller;
}

/**
 * @example
 * const registry = new SessionRegistry({ fetchMessages: (id, n) => ic.getMessages(id, n), pollingIntervalMs: 100, log });
 * registry.add(session);     // after the session's ws_open named its canister and key
 * registry.remove(session);  // when its WebSocket closed
 */
export class SessionRegistry {
    private readonly canisters = new Map<string, CanisterEntry>();
    private stopping = false;

    constructor(private readonly options: RegistryOptions) {}

    /** Registers an opening session; false if its client key is already connected here. */
    add(session: ClientSession): boolean {
        const canisterId = session.canisterId!;
        let entry = this.canisters.get(canisterId.toText());
        if (!entry) this.canisters.set(canisterId.toText(), (entry = { canisterId, sessions: new Map() }));
        const key = clientKeyToText(session.clientKey!);
        if (entry.sessions.has(key)) return false;
        entry.sessions.set(key, session);
        if (!entry.poller && !this.stopping) this.startPoller(entry);
        return true;
    }

    remove(session: ClientSession): void {
        const entry = this.canisters.get(session.canisterId!.toText());
        if (!entry) return;
        const key = clientKeyToText(session.clientKey!);
        if (entry.sessions.get(key) === session) entry.sessions.delete(key);
        // With a poller running, it removes the entry when it ends.
        if (entry.sessions.size === 0 && !entry.poller) this.canisters.delete(entry.canisterId.toText());
    }

    /**
     * Resolves `true` once polls say `canisterId` runs (see {@link CanisterPoller.whenRunning}), or `false` if it is
     * still stopped (or not yet polled) at `deadline` (ms since the epoch).
     */
    async whenCanisterRunning(canisterId: Principal, deadline: number): Promise<boolean> {
        const running = this.canisters.get(canisterId.toText())?.poller?.whenRunning();
        if (!running) return true;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
        return Promise.race([running.then(() => true as const), late]).finally(() => clearTimeout(timer));
    }

    status(): CanisterStatus[] {
        return [...this.canisters.values()].map((entry) => {
            const sessions = [...entry.sessions.values()];
            return {
                canisterId: entry.canisterId.toText(),
                clients: entry.sessions.size,
                polling: entry.poller !== undefined,
                nextNonce: String(entry.poller?.nonce ?? 0n),
                canisterState: entry.poller?.canisterState ?? 'unknown',
                polls: entry.poller?.polls ?? 0,
                pendingRelays: sessions.reduce((sum, session) => sum + session.pendingRelays, 0),
                pendingRelayBytes: sessions.reduce((sum, session) => sum + session.pendingRelayBytes, 0)
            };
        });
    }

    /** Stops every poller for good (gateway shutdown). */
    stopPolling(): void {
        this.stopping = true;
        for (const entry of this.canisters.values()) entry.poller?.stop();
    }

    private startPoller(entry: CanisterEntry): void {
        const { options } = this;
        const poller = new CanisterPoller({
            canisterId: entry.canisterId,
            intervalMs: options.pollingIntervalMs,
            log: options.log,
            fetch: (nonce) => options.fetchMessages(entry.canisterId, nonce),
            hasClients: () => entry.sessions.size > 0,
            deliver(message, batch) {
                // Messages for clients not (or no longer) connected here are skipped, as upstream does.
                entry.sessions.get(clientKeyToText(message.client_key))?.deliver({ key: message.key, content: message.content, cert: batch.cert, tree: batch.tree });
            },
            onStopped: (error) => {
                entry.poller = undefined;
                if (error) {
                    for (const session of entry.sessions.values()) session.terminate(CloseCode.UpstreamFailure, `canister polling failed: ${error.message}`);
                } else if (entry.sessions.size > 0 && !this.stopping) {
                    this.startPoller(entry); // a client arrived as the poller was ending
                }
                if (entry.sessions.size === 0) this.canisters.delete(entry.canisterId.toText());
            }
        });
        entry.poller = poller;
        poller.start();
    }
}
