/**
 * The PocketIC REST API over the embedded replica: what `PocketIcServer.start({ binPath })` of @dfinity/pic 0.23
 * talks to. Instances are independent replicas; requests are answered synchronously (never 202), and anything
 * this server does not implement is answered at once with an error naming it.
 *
 * @example
 * ```ts
 * const server = await startPocketIcServer({ port: 0 });
 * const pic = await PocketIc.create(server.url);
 * // ...
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BlobStore } from './blobstore.ts';
import { HttpGateways } from './http-gateways.ts';
import { PicInstance } from './instance.ts';
import { INSTANCE_ROUTES } from './instance-routes.ts';
import { parseJson, stringifyJson, toBigInt } from './json.ts';
import { requestedSubnetKinds, topologyJson, UnsupportedError } from './topology.ts';
import { answerOrDrop, close, HttpError, listen, readBody, requestPath, send } from '../http/transport.ts';

/** Largest request body accepted: a wasm module or stable-memory image. */
const MAX_BODY_BYTES = 512 * 1024 * 1024;

export interface PocketIcServerOptions {
    /** TCP port on 127.0.0.1; 0 picks a free one. */
    port?: number;
    /** Called on every request (the executable uses it for its idle TTL). */
    onActivity?: () => void;
    /** Print every canister's `debug_print` output as `[<canister id>] text` (off by default). */
    printCanisterLogs?: boolean;
}

export interface RunningPocketIcServer {
    /** `http://127.0.0.1:<port>` */
    url: string;
    port: number;
    close(): Promise<void>;
}

/** Starts the REST server; resolves once it listens. */
export async function startPocketIcServer(options: PocketIcServerOptions = {}): Promise<RunningPocketIcServer> {
    const state = new ServerState(options.printCanisterLogs ?? false);
    const server = createServer((req, res) => {
        options.onActivity?.();
        state.handle(req, res).catch((error: unknown) => answerOrDrop(res, () => answerError(res, error)));
    });
    const port = await listen(server, options.port ?? 0);
    return {
        url: `http://127.0.0.1:${port}`,
        port,
        close: async () => {
            await state.shutdown();
            await close(server);
        }
    };
}

class ServerState {
    readonly #instances: Array<PicInstance | 'Deleted'> = [];
    readonly #blobs = new BlobStore();
    readonly #gateways = new HttpGateways();

    constructor(private readonly printCanisterLogs: boolean) {}

    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const method = req.method ?? 'GET';
        const path = requestPath(req);
        const raw = await readBody(req, MAX_BODY_BYTES);

        if (path === '/status' && method === 'GET') return send(res, 200, '', 'text/plain');
        if (path === '/blobstore' && method === 'POST') {
            const id = this.#blobs.put(raw, req.headers['content-encoding'] === 'gzip');
            return send(res, 200, Buffer.from(id).toString('hex'), 'text/plain');
        }
        const blob = /^\/blobstore\/([0-9a-f]+)$/.exec(path);
        if (blob && method === 'GET') return send(res, 200, this.#blobs.get(Buffer.from(blob[1], 'hex')), 'application/octet-stream');
        if (path === '/instances' && method === 'GET') return answerJson(res, this.#instances.map((i) => (i === 'Deleted' ? 'Deleted' : 'Available')));
        if (path === '/instances' && method === 'POST') return answerJson(res, await this.#createInstance(jsonBody(raw)));
        if (path === '/http_gateway' && method === 'POST') return answerJson(res, await this.#gateways.create(jsonBody(raw), (id) => this.#instance(id)));
        const gatewayStop = /^\/http_gateway\/(\d+)\/stop$/.exec(path);
        if (gatewayStop && method === 'POST') {
            await this.#gateways.stop(Number(gatewayStop[1]));
            return answerJson(res, null);
        }

        const scoped = /^\/instances\/(\d+)(\/.*)?$/.exec(path);
        if (scoped) {
            const instance = this.#instance(Number(scoped[1]));
            const rest = scoped[2] ?? '';
            if (rest === '' && method === 'DELETE') {
                this.#instances[instance.id] = 'Deleted';
                instance.stopLive();
                await this.#gateways.stopFor(instance.id);
                return send(res, 200, '', 'text/plain');
            }
            const handler = INSTANCE_ROUTES[`${method} ${rest}`];
            if (handler) return answerJson(res, await handler(instance, method === 'GET' ? {} : jsonBody(raw), this.#blobs));
        }
        throw new HttpError(404, `the embedded replica does not support the PocketIC endpoint ${method} ${path}`);
    }

    async #createInstance(body: Record<string, unknown>): Promise<unknown> {
        const kinds = requestedSubnetKinds(body.subnet_config_set);
        for (const feature of ['icp_features', 'http_gateway_config', 'state_dir'] as const) {
            if (body[feature] !== undefined && body[feature] !== null) {
                throw new UnsupportedError(`the embedded replica does not support the instance option ${feature}`);
            }
        }
        const id = this.#instances.length;
        const instance = await PicInstance.create(id, kinds, { initialTimeMs: initialTimeMs(body.initial_time), printLogs: this.printCanisterLogs });
        this.#instances.push(instance);
        return {
            Created: {
                instance_id: id,
                topology: topologyJson(instance.subnets, instance.defaultEffectiveCanisterId),
                http_gateway_info: null
            }
        };
    }

    /** Stops what runs beside the REST server: live instances' rounds and HTTP gateways. */
    async shutdown(): Promise<void> {
        for (const instance of this.#instances) {
            if (instance === 'Deleted') continue;
            instance.stopLive();
            await this.#gateways.stopFor(instance.id);
        }
    }

    #instance(id: number): PicInstance {
        const instance = this.#instances[id];
        if (instance === undefined) throw new HttpError(404, `instance ${id} does not exist`);
        if (instance === 'Deleted') throw new HttpError(410, `instance ${id} was deleted`);
        return instance;
    }
}

function initialTimeMs(initialTime: unknown): number | undefined {
    if (initialTime === undefined || initialTime === null) return undefined;
    const timestamp = (initialTime as { Timestamp?: { nanos_since_epoch?: unknown } }).Timestamp;
    if (!timestamp) throw new UnsupportedError(`the embedded replica supports only initial_time.Timestamp, got ${stringifyJson(initialTime)}`);
    return Number(toBigInt(timestamp.nanos_since_epoch, 'initial_time.Timestamp.nanos_since_epoch') / 1_000_000n);
}

function jsonBody(raw: Uint8Array): Record<string, unknown> {
    if (raw.length === 0) return {};
    let value: unknown;
    try {
        value = parseJson(Buffer.from(raw).toString('utf8'));
    } catch (e) {
        throw new HttpError(400, `request body is not valid JSON: ${(e as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'request body must be a JSON object');
    return value as Record<string, unknown>;
}

function answerJson(res: ServerResponse, value: unknown): void {
    send(res, 200, value === undefined ? 'null' : stringifyJson(value), 'application/json');
}

/** Errors become `{ "message": ... }`, which @dfinity/pic raises at once as a ServerError (no retry loop). */
function answerError(res: ServerResponse, error: unknown): void {
    const status = error instanceof HttpError ? error.status : error instanceof UnsupportedError ? 501 : error instanceof TypeError || error instanceof RangeError ? 400 : 500;
    const message = error instanceof Error ? error.message : String(error);
    if (status === 500) console.error('[local-replica] internal error:', error);
    send(res, status, stringifyJson({ message }), 'application/json');
}

