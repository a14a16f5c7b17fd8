/**
 * Serves a static frontend folder on loopback for `ic-websocket dev`, with what a page needs to reach the local
 * network from its own origin:
 *
 * - `/api/*` is proxied to the replica's IC HTTP interface (as pages served by a dfx replica reach it), so the
 *   page's `networkUrl` / agent `host` is simply its own origin and the replica needs no CORS;
 * - `/config.json` answers `{ gatewayUrl, networkUrl, replicaUrl, canisterId?, canisters }`: `networkUrl` is the
 *   page's origin (through the proxy), `replicaUrl` the replica behind it, `canisters` the ids by dfx.json name and
 *   `canisterId` the one id when there is exactly one canister; unless the folder has a `config.json` of its own.
 *
 * Everything else is a file of the folder (`/` and folders → their `index.html`); dotfiles and `node_modules` are
 * never served. Requests are taken only in origin form (`/path?query`): anything else (`//host/...`,
 * `http://host/...`, a malformed percent-escape) is answered 400, and the proxy always goes to the configured IC
 * endpoint with the request's path, never to a host named by the request. A failing request is answered (400, 500,
 * 502), never a crash of the process.
 *
 * @example
 * const page = await servePage({ dir: 'web', port: 0, icUrl: replicaUrl, config: { gatewayUrl, canisters: { backend: id } } });
 * page.url; // http://127.0.0.1:<port>/
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

export interface PageConfig {
    gatewayUrl: string;
    /** Canister ids by dfx.json name. */
    canisters: Record<string, string>;
    /** More fields for `/config.json` (e.g. a page's own settings); they override the computed ones. */
    extra?: Record<string, unknown>;
}

export interface PageServerOptions {
    /** The folder to serve. */
    dir: string;
    port: number;
    host?: string;
    /** The IC HTTP endpoint `/api/*` is forwarded to. */
    icUrl: string;
    config: PageConfig;
}

export interface PageServer {
    /** `http://127.0.0.1:<port>/` */
    url: string;
    close(): Promise<void>;
}

const TYPES: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json',
    '.map': 'application/json',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.ico': 'image/x-icon',
    '.wasm': 'application/wasm',
    '.txt': 'text/plain; charset=utf-8'
};

/** Starts the page server; rejects (EADDRINUSE, ...) when it cannot listen. */
export async function servePage(options: PageServerOptions): Promise<PageServer> {
    const root = resolve(options.dir);
    const host = options.host ?? '127.0.0.1';
    let url = '';
    const server = createServer((request, response) => {
        try {
            const target = originForm(request.url);
            if (target === undefined) return send(response, 400, 'text/plain', 'Bad request: the request target must be a path (/...)\n');
            const path = decodedPath(target);
            if (path === undefined) return send(response, 400, 'text/plain', 'Bad request: malformed percent-encoding in the path\n');
            if (path.startsWith('/api/')) return proxy(request, response, options.icUrl, target);
            if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'GET only\n');
            serveFile(root, path, response, () => pageConfig(options.config, url, options.icUrl)).catch((error: unknown) => failed(response, error));
        } catch (error) {
            failed(response, error);
        }
    });
    await new Promise<void>((resolveListen, reject) => {
        server.once('error', reject);
        server.listen(options.port, host, () => resolveListen());
    });
    url = `http://${host}:${(server.address() as AddressInfo).port}/`;
    return {
        url,
        close: () =>
            new Promise((resolveClose) => {
                server.closeAllConnections();
                server.close(() => resolveClose());
            })
    };
}

/** The request target if it is in origin form (`/path?query`, not `//host/...` nor `http://host/...`). */
function originForm(target: string | undefined): string | undefined {
    if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined;
    return target;
}

/** The target's path, percent-decoded and normalized; undefined when it does not decode. */
function decodedPath(target: string): string | undefined {
    const end = target.search(/[?#]/);
    try {
        return normalize(decodeURIComponent(end < 0 ? target : target.slice(0, end)));
    } catch {
        return undefined;
    }
}

function pageConfig(config: PageConfig, url: string, icUrl: string): string {
    const ids = Object.values(config.canisters);
    return JSON.stringify({
        gatewayUrl: config.gatewayUrl,
        networkUrl: url.slice(0, -1),
        replicaUrl: icUrl,
        ...(ids.length === 1 ? { canisterId: ids[0] } : {}),
        canisters: config.canisters,
        ...config.extra
    });
}

async function serveFile(root: string, path: string, response: ServerResponse, config: () => string): Promise<void> {
    const segments = path.split('/').filter(Boolean);
    if (segments.some((segment) => segment.startsWith('.') || segment === 'node_modules')) return send(response, 404, 'text/plain', 'Not found\n');
    let file = join(root, ...segments);
    if (file !== root && !file.startsWith(root + sep)) return send(response, 404, 'text/plain', 'Not found\n');
    try {
        if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
        send(response, 200, TYPES[extname(file)] ?? 'application/octet-stream', await readFile(file));
    } catch {
        if (path === '/config.json') return send(response, 200, 'application/json', config());
        send(response, 404, 'text/plain', 'Not found\n');
    }
}

/**
 * Forwards one request to the IC endpoint and streams the answer back. The upstream URL is the endpoint's origin
 * with the request's path (origin form, checked by the caller): the request never picks the host.
 */
function proxy(request: IncomingMessage, response: ServerResponse, target: string, path: string): void {
    const endpoint = new URL(target);
    const upstream = httpRequest(
        { protocol: endpoint.protocol, hostname: endpoint.hostname, port: endpoint.port, path, method: request.method, headers: { ...request.headers, host: endpoint.host } },
        (answer) => {
            try {
                response.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(response);
            } catch (error) {
                answer.resume();
                failed(response, error);
            }
        }
    );
    upstream.on('error', (error) => send(response, 502, 'text/plain', `IC endpoint ${target} unreachable: ${error.message}\n`));
    request.on('error', () => upstream.destroy());
    request.pipe(upstream);
}

/** An unexpected failure while answering: a 500 (or the connection closed, if the answer had started). */
function failed(response: ServerResponse, error: unknown): void {
    send(response, 500, 'text/plain', `Internal error: ${error instanceof Error ? error.message : String(error)}\n`);
}

function send(response: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
    if (response.headersSent) return void response.end();
    response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    response.end(body);
}
