/**
 * Small node:http helpers shared by the IC HTTP interface (replica/http) and the PocketIC REST API (replica/server).
 */
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An error that is answered with an HTTP status and a plain-text or JSON reason, never a crash. */
export class HttpError extends Error {
    constructor(
        readonly status: number,
        message: string
    ) {
        super(message);
        this.name = 'HttpError';
    }
}

/** Runs `answer` (e.g. sending an error); if even that fails (the connection is gone, headers sent), drops the connection: never a crash. */
export function answerOrDrop(res: ServerResponse, answer: () => void): void {
    try {
        answer();
    } catch {
        res.destroy();
    }
}

/** The path of a request's target; a target that does not parse (e.g. `//[`) is a 400, never an internal error. */
export function requestPath(req: IncomingMessage): string {
    try {
        return new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
        throw new HttpError(400, `malformed request target ${JSON.stringify(req.url)}`);
    }
}

/**
 * Reads a request body, refusing bodies over `limit` bytes with 413 (the rest of the upload is drained so the
 * client sees the answer instead of a reset).
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) tooLarge = true;
        if (!tooLarge) chunks.push(chunk);
    }
    if (tooLarge) throw new HttpError(413, `request body of ${size} bytes exceeds the limit of ${limit} bytes`);
    const body = Buffer.concat(chunks);
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

export function send(res: ServerResponse, status: number, body: Uint8Array | string, contentType: string): void {
    if (res.headersSent) return;
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
}

/**
 * CORS headers as IC API endpoints send them: any origin may call (requests are authenticated by signatures, not
 * by origin), so web pages can reach the replica directly.
 */
export const CORS_HEADERS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': 'Accept, Authorization, Content-Type',
    'Access-Control-Max-Age': '7200'
} as const;

/** Starts listening on loopback and resolves with the bound port (`port: 0` picks a free one). */
export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
    // Idle keep-alive connections are closed by the client, never by the server: with Node's default (the server
    // closes after 5 s and hints `Keep-Alive: timeout=5`, so undici reuses for up to 4 s) a client whose event loop ran
    // late reused a connection the server was closing, and its request failed with "other side closed" (seen once
    // in test/server under load). `close` drops idle connections itself.
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    return (server.address() as AddressInfo).port;
}

/** Closes a server, also dropping idle keep-alive connections so close() does not hang. */
export async function close(server: Server): Promise<void> {
    await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
    });
}
