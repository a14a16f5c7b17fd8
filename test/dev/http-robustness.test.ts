/**
 * Every HTTP server of the tools answers hostile request targets with a 4xx and keeps running: `ic-websocket dev`'s
 * page server (and its `/api` proxy, which must never be steered to another host), the gateway's plain HTTP side,
 * the replica's IC HTTP interface and its PocketIC REST server. Requests are written on raw sockets so the targets
 * reach the servers exactly as written (`/%`, `//host/...`, `http://host/...`).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePage, type PageServer } from '../../dev/src/page-server.ts';
import { startGateway, type Gateway } from '../../gateway/index.ts';
import { Replica } from '../../replica/index.ts';
import { serveHttp, type HttpInterface } from '../../replica/http/index.ts';
import { startPocketIcServer, type RunningPocketIcServer } from '../../replica/server/rest-server.ts';

/** Sends one request with `target` exactly as given; resolves with the status code (0: closed without answer). */
function rawRequest(url: string, target: string, method = 'GET'): Promise<number> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => socket.write(`${method} ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`));
        let answer = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk: string) => (answer += chunk));
        socket.on('error', reject);
        socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    });
}

let replica: Replica;
let http: HttpInterface;
let web: string;
/** A server standing for a host an attacker names in a request target: it must never be reached. */
let elsewhere: Server;
let elsewhereUrl: string;
const reachedElsewhere: string[] = [];

beforeAll(async () => {
    replica = await Replica.create({ seed: 'http-robustness' });
    http = await serveHttp(replica, { port: 0 });
    web = mkdtempSync(join(tmpdir(), 'page-'));
    writeFileSync(join(web, 'index.html'), '<h1>home</h1>');
    mkdirSync(join(web, '.secret'));
    writeFileSync(join(web, '.secret', 'key'), 'do not serve');
    elsewhere = createServer((request: IncomingMessage, response) => {
        reachedElsewhere.push(request.url ?? '');
        response.end('elsewhere');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
});

afterAll(async () => {
    await http?.close();
    replica?.close();
    await new Promise((resolve) => elsewhere?.close(resolve));
    rmSync(web, { recursive: true, force: true });
});

describe('page server (ic-websocket dev --frontend)', () => {
    let page: PageServer;
    beforeAll(async () => {
        page = await servePage({ dir: web, port: 0, icUrl: http.url, config: { gatewayUrl: 'ws://127.0.0.1:1', canisters: {} } });
    });
    afterAll(() => page?.close());

    it('answers a malformed percent-escape with 400 and keeps serving', async () => {
        for (const target of ['/%', '/%E0%A4%A', '/api/%zz', '/index.html?%']) {
            const status = await rawRequest(page.url, target);
            expect([target, status]).toEqual([target, target === '/index.html?%' ? 200 : 400]);
        }
        expect(await rawRequest(page.url, '/')).toBe(200);
        expect(await rawRequest(page.url, '/api/v2/status')).toBe(200); // proxied to the replica
    });

    it('never proxies to a host named by the request target', async () => {
        const elsewhereHost = new URL(elsewhereUrl).host;
        for (const target of [`//${elsewhereHost}/api/v2/status`, `${elsewhereUrl}/api/v2/status`, `//${elsewhereHost}/`]) {
            expect([target, await rawRequest(page.url, target)]).toEqual([target, 400]);
        }
        expect(reachedElsewhere).toEqual([]);
    });

    it('serves no dotfile and nothing outside its folder, also when the path is percent-encoded', async () => {
        for (const target of ['/.secret/key', '/%2esecret/key', '/..%2f..%2fetc%2fpasswd', '/../../etc/passwd']) {
            expect([target, await rawRequest(page.url, target)]).toEqual([target, 404]);
        }
    });

    it('answers 502 when the IC endpoint is down, and keeps serving', async () => {
        const down = await servePage({ dir: web, port: 0, icUrl: 'http://127.0.0.1:1', config: { gatewayUrl: 'ws://127.0.0.1:1', canisters: {} } });
        try {
            expect(await rawRequest(down.url, '/api/v2/status')).toBe(502);
            expect(await rawRequest(down.url, '/')).toBe(200);
        } finally {
            await down.close();
        }
    });
});

describe('gateway HTTP side', () => {
    let gateway: Gateway;
    beforeAll(async () => {
        gateway = await startGateway({ icUrl: http.url, rootKey: replica.rootKey, port: 0, logLevel: 'silent' });
    });
    afterAll(() => gateway?.close());

    it('answers /health (with a query too), 426 to anything else, and survives hostile targets', async () => {
        const base = gateway.url.replace('ws://', 'http://');
        expect(await rawRequest(base, '/health')).toBe(200);
        expect(await rawRequest(base, '/health?probe=1')).toBe(200);
        for (const target of ['/%', '//[', 'http://x/health', '*']) expect([target, await rawRequest(base, target)]).toEqual([target, 426]);
        expect(await rawRequest(base, '/health')).toBe(200);
    });
});

describe('replica servers', () => {
    it('IC HTTP interface: a target that does not parse is a 400, and the server keeps answering', async () => {
        expect(await rawRequest(http.url, '//[')).toBe(400);
        expect(await rawRequest(http.url, '/%')).toBe(404);
        expect(await rawRequest(http.url, '/api/v2/status')).toBe(200);
    });

    it('PocketIC REST server: the same', async () => {
        let rest: RunningPocketIcServer | undefined;
        try {
            rest = await startPocketIcServer({ port: 0 });
            expect(await rawRequest(rest.url, '//[')).toBe(400);
            expect(await rawRequest(rest.url, '/status')).toBe(200);
        } finally {
            await rest?.close();
        }
    });
});
