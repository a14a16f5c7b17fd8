// Serves the chat page on loopback: index.html, style.css, the bundle in dist/, and /config.json telling the page
// where the gateway, the IC endpoint and the canister are. Used by `npm start` and the browser test.
// With `icProxy`, it also forwards /api/* to that IC endpoint, so the page reaches the IC on its own origin (as
// pages served by a dfx replica do) and needs no CORS headers from the replica.
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage } from './build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const FILES = new Set(['/index.html', '/style.css', '/dist/app.js', '/dist/app.js.map']);
const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.map': 'application/json' };

/**
 * Builds the bundle, then serves the page. `config` is what /config.json returns
 * ({ gatewayUrl, networkUrl, canisterId, ackMessageIntervalMs? }); with `icProxy` (an IC HTTP endpoint) the page's
 * own origin proxies /api/* to it and becomes the page's `networkUrl`, and `replicaUrl` names the endpoint.
 *
 * @example
 * const page = await servePage({ port: 0, icProxy: replicaUrl, config: { gatewayUrl, canisterId } });
 * console.log(page.url); // http://127.0.0.1:<port>/
 * await page.close();
 *
 * @param {{ port?: number, host?: string, config: object, icProxy?: string }} options
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function servePage({ port = 0, host = '127.0.0.1', config, icProxy }) {
    await buildPage();
    let served = config;
    const server = createServer(async (request, response) => {
        const path = normalize(new URL(request.url ?? '/', 'http://page').pathname);
        if (icProxy && path.startsWith('/api/')) return proxy(request, response, icProxy);
        if (request.method !== 'GET') return send(response, 405, 'text/plain', 'GET only\n');
        if (path === '/config.json') return send(response, 200, 'application/json', JSON.stringify(served));
        const file = path === '/' ? '/index.html' : path;
        if (!FILES.has(file)) return send(response, 404, 'text/plain', 'Not found\n');
        try {
            send(response, 200, TYPES[extname(file)] ?? 'application/octet-stream', await readFile(join(here, file)));
        } catch {
            send(response, 500, 'text/plain', `Could not read ${file}\n`);
        }
    });
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(undefined));
    });
    const address = server.address();
    const url = `http://${host}:${address.port}/`;
    // The page reaches the IC through its own /api proxy; the footer names the replica behind it.
    if (icProxy) served = { ...config, networkUrl: url.slice(0, -1), replicaUrl: icProxy };
    return {
        url,
        close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve(undefined)); })
    };
}

// Forwards one request to the IC endpoint and streams the answer back.
function proxy(request, response, target) {
    const upstream = httpRequest(new URL(request.url, target), { method: request.method, headers: { ...request.headers, host: new URL(target).host } }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
    });
    upstream.on('error', (error) => send(response, 502, 'text/plain', `IC endpoint ${target} unreachable: ${error.message}\n`));
    request.pipe(upstream);
}

function send(response, status, type, body) {
    response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    response.end(body);
}
