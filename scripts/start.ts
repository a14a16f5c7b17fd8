/**
 * `npm start`: the chat example, running locally with nothing but Node.
 *
 * 1. builds the chat canister with azle (cached by source hash),
 * 2. starts the embedded replica and serves it over the IC HTTP interface,
 * 3. installs the chat canister,
 * 4. starts the IC WebSocket gateway,
 * 5. builds and serves the web page,
 * then prints `page:`, `gateway:`, `replica:` and `canister:` lines and `ready`. Logs go to stderr.
 *
 * Ports: PAGE_PORT (default 5173), GATEWAY_PORT (8080), REPLICA_PORT (4943); a busy default port falls back to a
 * free one (the printed URLs are the ones in use). Stop with Ctrl-C.
 */
import { servePage } from '../examples/chat/web/serve.mjs';
import { startGateway } from '../gateway/index.ts';
import { buildCanister, Replica } from '../replica/index.ts';
import { serveHttp } from '../replica/http/index.ts';

function log(message: string): void {
    process.stderr.write(`[start] ${message}\n`);
}

function portFromEnv(name: string, fallback: number): number {
    const text = process.env[name];
    if (text === undefined || text === '') return fallback;
    const port = Number(text);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number (0-65535), got "${text}"`);
    return port;
}

/** Starts a server on `port`; if that port is taken, on any free one instead. */
async function onPreferredPort<T>(what: string, port: number, start: (port: number) => Promise<T>): Promise<T> {
    try {
        return await start(port);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
        log(`port ${port} is in use: the ${what} takes a free port instead`);
        return start(0);
    }
}

async function main(): Promise<void> {
    const pagePort = portFromEnv('PAGE_PORT', 5173);
    const gatewayPort = portFromEnv('GATEWAY_PORT', 8080);
    const replicaPort = portFromEnv('REPLICA_PORT', 4943);

    log('building the chat canister with azle (cached after the first run)…');
    const wasm = await buildCanister('chat');
    const replica = await Replica.create();
    const canisterId = await replica.installCanister({ wasm });
    const http = await onPreferredPort('replica', replicaPort, (port) => serveHttp(replica, { port, autoProgress: true }));
    const gateway = await onPreferredPort('gateway', gatewayPort, (port) => startGateway({ icUrl: http.url, port }));
    const page = await onPreferredPort('page', pagePort, (port) =>
        servePage({ port, icProxy: http.url, config: { gatewayUrl: gateway.url, canisterId: canisterId.toText() } })
    );

    process.stdout.write(`page: ${page.url}\ngateway: ${gateway.url}\nreplica: ${http.url}\ncanister: ${canisterId.toText()}\nready\n`);
    log(`open ${page.url} in two browser tabs and chat; Ctrl-C stops everything`);

    let stopping = false;
    const stop = async () => {
        if (stopping) return;
        stopping = true;
        log('stopping…');
        await page.close();
        await gateway.close();
        await http.close();
        process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
}

main().catch((error) => {
    process.stderr.write(`npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
});
