// Serves the chat page on loopback: index.html, style.css, the bundle in dist/, and /config.json telling the page
// where the gateway, the IC endpoint and the canister are. Used by `npm start` and the browser test.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage } from './build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const FILES = new Set(['/index.html', '/style.css', '/dist/app.js', '/dist/app.js.map']);
const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.map': 'application/json' };

/**
 * Builds the bundle, then serves the page. `config` is what /config.json returns
 * ({ gatewayUrl, networkUrl, canisterId, ackMessageIntervalMs? }).
 *
 * @example
 * const page = await servePage({ port: 0, config: { gatewayUrl, networkUrl, canisterId } });
 * console.log(page.url); // http://127.0.0.1:<port>/
 * await page.close();
 *
 * @param {{ port?: number, host?: string, config: object }} options
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function servePage({ port = 0, host = '127.0.0.1', config }) {
    await buildPage();
    const server = createServer(async (request, response) => {
        const path = normalize(new URL(request.url ?? '/', 'http://page').pathname);
        if (request.method !== 'GET') return send(response, 405, 'text/plain', 'GET only\n');
        if (path === '/config.json') return send(response, 200, 'application/json', JSON.stringify(config));
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
    return {
        url: `http://${host}:${address.port}/`,
        close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve(undefined)); })
    };
}

function send(response, status, type, body) {
    response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    response.end(body);
}
