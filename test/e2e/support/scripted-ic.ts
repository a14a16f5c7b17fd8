/**
 * An IC HTTP endpoint on loopback whose answers a test scripts, for gateway behaviour the real replica cannot be
 * made to show on demand: an endpoint without the v3 call endpoint, HTTP refusals, a canister queue of megabyte
 * messages. Calls (`/api/v2|v3/canister/<id>/call`) are answered by `onCall`; queries (`/api/v2/canister/<id>/query`)
 * by `onQuery` with the reply's Candid bytes, sent as an unsigned `replied` answer (the gateway verifies query
 * signatures only on mainnet).
 */
import { decode, encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The decoded `content` of a request envelope. */
export type RequestContent = Record<string, unknown> & { method_name: string; arg: Uint8Array; sender: Uint8Array };

export interface ScriptedAnswer {
    status: number;
    body?: Uint8Array | string;
}

export interface ScriptedIcHandlers {
    onCall?(path: string, content: RequestContent): ScriptedAnswer;
    /** The Candid reply of a query. */
    onQuery?(content: RequestContent): Uint8Array;
}

export interface ScriptedIc {
    url: string;
    /** Paths of the requests received, in order. */
    paths: string[];
    close(): Promise<void>;
}

/**
 * @example
 * const ic = await startScriptedIc({ onCall: (path) => ({ status: path.includes('/v3/') ? 404 : 202 }) });
 * const gateway = await startGateway({ icUrl: ic.url, rootKey: new Uint8Array(133), port: 0 });
 */
export async function startScriptedIc(handlers: ScriptedIcHandlers): Promise<ScriptedIc> {
    const paths: string[] = [];
    const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
            const path = request.url ?? '/';
            paths.push(path);
            const { content } = decode(new Uint8Array(Buffer.concat(chunks))) as { content: RequestContent };
            let answer: ScriptedAnswer = { status: 404, body: 'not scripted' };
            if (path.endsWith('/call') && handlers.onCall) answer = handlers.onCall(path, content);
            if (path.endsWith('/query') && handlers.onQuery) {
                answer = { status: 200, body: encodeWithSelfDescribedTag({ status: 'replied', reply: { arg: handlers.onQuery(content) } }) };
            }
            response.writeHead(answer.status, { 'Content-Type': typeof answer.body === 'string' ? 'text/plain' : 'application/cbor' });
            response.end(answer.body ?? '');
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        paths,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            })
    };
}
