/**
 * The IC HTTP interface of one replica on loopback, what @dfinity/agent (2.x and 3.x), dfx-style deploy scripts
 * and the gateway talk to:
 *
 *   GET  /api/v2/status                              CBOR { root_key, ic_api_version, impl_version, replica_health_status }
 *   POST /api/v2/canister/<ecid>/call                 202 once executed; the outcome is read back with read_state
 *   POST /api/v3/canister/<ecid>/call                 200 { status: 'replied', certificate } (synchronous call)
 *   POST /api/v2/canister/<ecid>/query                200 signed reply or reject
 *   POST /api/v2/canister/<ecid>/read_state           200 { certificate }
 *   POST /api/v2/subnet/<subnet_id>/read_state        200 { certificate } (time and subnet paths)
 *
 * Every envelope is authenticated as the IC does it (authentication.ts); refusals get the IC's status codes with
 * a plain-text reason.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import { RejectError } from '../errors.ts';
import type { Replica } from '../replica.ts';
import { describe, optionsRecord } from '../options.ts';
import { treeFromPaths } from '../hash-tree.ts';
import { utf8 } from '../bytes.ts';
import { authenticate } from './authentication.ts';
import { decodeEnvelope } from './envelope.ts';
import { checkEffectiveCanister, LOCAL_SUBNET_RANGES } from './effective-canister.ts';
import { startAutoProgress } from './auto-progress.ts';
import { authorizeReadState } from './read-state-access.ts';
import { NodeKey } from './node-key.ts';
import { queryResponseBody, type QueryOutcome } from './query-response.ts';
import { RequestStatuses } from './request-status.ts';
import { readStateEntries, type StateSources, type SubnetState } from './state-tree.ts';
import { answerOrDrop, close, CORS_HEADERS, HttpError, listen, readBody, requestPath, send } from './transport.ts';

/** The IC's HTTP body limit for ingress (2 MiB payload plus envelope overhead). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const IC_API_VERSION = '0.18.0';
const CBOR = 'application/cbor';
const NANOS_PER_MILLI = 1_000_000n;

export interface ServeHttpOptions {
    /** Loopback port; 0 (default) picks a free one. */
    port?: number;
    /**
     * Make progress like a live local replica: every `autoProgressMs` (default 100) the replica's clock catches up
     * with wall time and a round runs (timers fire). Off by default, so tests keep control of time.
     */
    autoProgress?: boolean;
    autoProgressMs?: number;
}

export interface HttpInterface {
    /** `http://127.0.0.1:<port>`: pass it as `host` to HttpAgent. */
    url: string;
    port: number;
    close(): Promise<void>;
}

/**
 * Serves `replica` over the IC HTTP interface.
 *
 * @example
 * ```ts
 * const http = await serveHttp(replica, { port: 0 });
 * const agent = await HttpAgent.create({ host: http.url, shouldFetchRootKey: true, identity });
 * // ... deploy through aaaaa-aa, call, query, read certified data ...
 * await http.close();
 * ```
 */
export async function serveHttp(replica: Replica, options: ServeHttpOptions = {}): Promise<HttpInterface> {
    const valid = validateServeHttpOptions(replica, options);
    const api = new HttpApi(replica);
    const server = createServer((req, res) => {
        for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
        if (req.method === 'OPTIONS') return send(res, 204, '', 'text/plain'); // CORS preflight
        api.handle(req, res).catch((error: unknown) => answerOrDrop(res, () => answerError(res, error)));
    });
    const port = await listen(server, valid.port ?? 0);
    const progress = valid.autoProgress ? startAutoProgress(replica, valid.autoProgressMs ?? 100) : undefined;
    return {
        url: `http://127.0.0.1:${port}`,
        port,
        close: async () => {
            progress?.stop();
            await close(server);
        }
    };
}

/** Checks serveHttp's arguments: a Replica, a port in 0..65535, a boolean, a positive interval. */
function validateServeHttpOptions(replica: unknown, options: unknown): ServeHttpOptions {
    // By shape, not `instanceof`: a Replica from another copy of this module is just as good.
    const candidate = replica as Partial<Replica> | null;
    if (typeof candidate?.update !== 'function' || typeof candidate.signCertificate !== 'function' || !(candidate.rootKey instanceof Uint8Array)) {
        throw new TypeError(`serveHttp: the first argument must be a Replica (from Replica.create()), got ${describe(replica)}`);
    }
    const record = optionsRecord('serveHttp', options, ['port', 'autoProgress', 'autoProgressMs'] as const);
    const { port, autoProgress, autoProgressMs } = record;
    if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new RangeError(`serveHttp: \`port\` must be an integer from 0 (any free port) to 65535, got ${describe(port)}`);
    }
    if (autoProgress !== undefined && typeof autoProgress !== 'boolean') throw new TypeError(`serveHttp: \`autoProgress\` must be a boolean, got ${describe(autoProgress)}`);
    if (autoProgressMs !== undefined && (typeof autoProgressMs !== 'number' || !Number.isFinite(autoProgressMs) || autoProgressMs < 1)) {
        throw new RangeError(`serveHttp: \`autoProgressMs\` must be a finite number of milliseconds, at least 1, got ${describe(autoProgressMs)}`);
    }
    return record as ServeHttpOptions;
}

class HttpApi {
    readonly #statuses = new RequestStatuses();
    readonly #node: NodeKey;
    readonly #subnet: SubnetState;

    constructor(private readonly replica: Replica) {
        this.#node = NodeKey.derive(replica.rootKey);
        // Agents (3.x) take a root-signed certificate without delegation to come from the subnet whose id is the
        // self-authenticating principal of the root key, as on a local dfx replica (the replica's subnetId).
        this.#subnet = {
            id: replica.subnetId,
            publicKeyDer: replica.rootKey,
            canisterRanges: LOCAL_SUBNET_RANGES.map(([start, end]) => [start, end]),
            nodes: [{ id: this.#node.nodeId, publicKeyDer: this.#node.der }]
        };
    }

    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const path = requestPath(req);
        const method = req.method ?? 'GET';
        if (path === '/api/v2/status' && method === 'GET') return send(res, 200, this.#status(), CBOR);

        const route = /^\/api\/(v2|v3)\/(canister|subnet)\/([^/]+)\/(call|query|read_state)$/.exec(path);
        if (!route) throw new HttpError(404, `no such endpoint: ${method} ${path}`);
        if (method !== 'POST') throw new HttpError(405, `${path} accepts POST only`);
        const [, version, scope, idText, endpoint] = route;
        const effectiveId = principalFromUrl(idText);
        const body = await readBody(req, MAX_BODY_BYTES);

        if (scope === 'subnet') {
            if (endpoint !== 'read_state' || version !== 'v2') throw new HttpError(404, `no such endpoint: ${method} ${path}`);
            return send(res, 200, await this.#readState(body, undefined), CBOR);
        }
        if (endpoint === 'call' && version === 'v2') {
            await this.#call(body, effectiveId);
            return send(res, 202, '', 'text/plain');
        }
        if (endpoint === 'call' && version === 'v3') {
            const requestId = await this.#call(body, effectiveId);
            return send(res, 200, encodeWithSelfDescribedTag({ status: 'replied', certificate: this.#certify([[utf8('request_status'), requestId]]) } as never), CBOR);
        }
        if (version !== 'v2') throw new HttpError(404, `no such endpoint: ${method} ${path}`);
        if (endpoint === 'query') return send(res, 200, await this.#query(body, effectiveId), CBOR);
        return send(res, 200, await this.#readState(body, effectiveId), CBOR);
    }

    #status(): Uint8Array {
        return encodeWithSelfDescribedTag({
            ic_api_version: IC_API_VERSION,
            impl_version: 'ic-websocket-cdk embedded replica',
            root_key: this.replica.rootKey,
            replica_health_status: 'healthy'
        } as never);
    }

    /** Authenticates and executes an update call; resolves with its request id once it has a final status. */
    async #call(body: Uint8Array, effectiveId: Principal): Promise<Uint8Array> {
        const envelope = decodeEnvelope(body, 'call');
        const { content, requestId } = envelope;
        checkEffectiveCanister(content, effectiveId, LOCAL_SUBNET_RANGES);
        authenticate(envelope, { nowNs: this.replica.getTimeNs(), targetCanister: effectiveId });
        if (this.#statuses.has(requestId)) return requestId; // a replay: the IC executes a request once
        this.#statuses.set(requestId, content.sender, { status: 'processing' });
        try {
            const { reply } = await this.replica.update(content.canisterId, content.methodName, content.arg, { sender: content.sender });
            this.#statuses.set(requestId, content.sender, { status: 'replied', reply });
        } catch (error) {
            if (!(error instanceof RejectError)) throw error;
            if (error.refused) {
                // Refused before execution (too large, inspect_message): the IC answers the HTTP request itself.
                this.#statuses.delete(requestId);
                throw new HttpError(refusalStatus(error), error.message);
            }
            this.#statuses.set(requestId, content.sender, {
                status: 'rejected',
                rejectCode: error.code,
                rejectMessage: error.message,
                errorCode: error.errorCode
            });
        }
        return requestId;
    }

    async #query(body: Uint8Array, effectiveId: Principal): Promise<Uint8Array> {
        const envelope = decodeEnvelope(body, 'query');
        const { content, requestId } = envelope;
        checkEffectiveCanister(content, effectiveId, LOCAL_SUBNET_RANGES);
        authenticate(envelope, { nowNs: this.replica.getTimeNs(), targetCanister: effectiveId });
        let outcome: QueryOutcome;
        try {
            const { reply } = await this.replica.query(content.canisterId, content.methodName, content.arg, { sender: content.sender });
            outcome = { ok: true, reply };
        } catch (error) {
            if (!(error instanceof RejectError)) throw error;
            outcome = { ok: false, rejectCode: error.code, rejectMessage: error.message, errorCode: error.errorCode ?? '' };
        }
        // Nodes stamp responses with their own (wall-clock) time; agents reject stamps older than 5 minutes.
        return queryResponseBody(outcome, requestId, this.#node, BigInt(Date.now()) * NANOS_PER_MILLI);
    }

    async #readState(body: Uint8Array, effectiveId: Principal | undefined): Promise<Uint8Array> {
        const envelope = decodeEnvelope(body, 'read_state');
        authenticate(envelope, { nowNs: this.replica.getTimeNs(), targetCanister: effectiveId });
        authorizeReadState(envelope.content.paths, envelope.content.sender, effectiveId, (id) => this.#statuses.senderOf(id));
        return encodeWithSelfDescribedTag({ certificate: this.#certify(envelope.content.paths) } as never);
    }

    #certify(paths: readonly Uint8Array[][]): Uint8Array {
        const sources: StateSources = {
            timeNs: this.replica.certifiedTimeNs(),
            requestStatus: (id) => this.#statuses.treeEntries(id),
            canister: (id) => this.replica.canisterState(id),
            subnet: this.#subnet
        };
        return this.replica.signCertificate(treeFromPaths(readStateEntries(paths, sources)));
    }
}

/** The HTTP status the IC gives an ingress message refused before execution. */
function refusalStatus(error: RejectError): number {
    if (error.message.startsWith('Request is too large')) return 413;
    return 403; // rejected by canister_inspect_message (or it trapped)
}

function principalFromUrl(text: string): Principal {
    try {
        return Principal.fromText(decodeURIComponent(text));
    } catch {
        throw new HttpError(400, `Could not parse the principal ${text} in the URL`);
    }
}

function answerError(res: ServerResponse, error: unknown): void {
    if (error instanceof HttpError) return send(res, error.status, error.message, 'text/plain');
    console.error('[replica http] internal error:', error);
    send(res, 500, `Internal error: ${error instanceof Error ? error.message : String(error)}`, 'text/plain');
}
