/**
 * Child process of bench/e2e.ts: runs many IC WebSocket clients of the test canister (each verifying every
 * certificate) apart from the gateway, so their work does not stall the gateway's event loop, and measures the
 * CPU they use. Which client: argv[2] = `ic-websocket-js` (test/e2e/support, agent 2) or `ic-websocket-client`
 * (test/client/support, agent 3); argv[3] = `isolated` gives each ic-websocket-client its own certificate cache
 * (as separate browsers would have) instead of the process-wide one. Speaks over the IPC channel:
 *   ← { connect: ChatClientOptions, count }   → { connected: count, retried: openings that failed and were retried }
 *   ← { mark: true }                          → { marked: true }     (CPU use is counted from here)
 *   ← { await: n }                            → { delivered: epoch ms of the last delivery, cpuMs, errors: string[] }
 */
import { testCanisterIdlFactory, type TextMessage } from './test-canister-idl.ts';

type Kind = 'ic-websocket-js' | 'ic-websocket-client';
interface Client {
    received: TextMessage[];
    receivedAt: number[];
    errors: string[];
    until(condition: () => boolean, timeoutMs: number, what: string): Promise<void>;
    close(): void;
}
interface Options {
    gatewayUrl: string;
    networkUrl: string;
    canisterId: string;
}

const kind = process.argv[2] as Kind;
const isolated = process.argv[3] === 'isolated';

async function connector(): Promise<(options: Options) => Promise<Client>> {
    if (kind === 'ic-websocket-js') {
        const { ChatClient } = await import('../test/e2e/support/chat-client.ts');
        return (options) => ChatClient.connect<TextMessage>({ ...options, idlFactory: testCanisterIdlFactory }, 120_000);
    }
    const { ChatClient } = await import('../test/client/support/chat-client.ts');
    const { CertificateCache } = await import('../client/src/index.ts');
    return (options) =>
        ChatClient.connect<TextMessage>({ ...options, idlFactory: testCanisterIdlFactory, config: isolated ? { certificateCache: new CertificateCache() } : {} }, 120_000);
}

let clients: Client[] = [];
// Openings that failed and were retried. ic-websocket-js starts fetching the local root key without waiting for
// it, so on a loaded machine its first certificate check can run with the mainnet key and fail.
let retried = 0;

async function openWithRetry(open: (options: Options) => Promise<Client>, options: Options): Promise<Client> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await open(options);
        } catch (error) {
            if (attempt === 3) throw error;
            retried++;
        }
    }
}
let cpuAtMark = process.cpuUsage();
const connect = connector();

process.on('message', async (request: { connect?: Options; count?: number; mark?: true; await?: number; close?: true }) => {
    if (request.connect) {
        const open = await connect;
        const batch = 10;
        for (let i = 0; i < request.count!; i += batch) {
            const size = Math.min(batch, request.count! - i);
            clients.push(...(await Promise.all(Array.from({ length: size }, () => openWithRetry(open, request.connect!)))));
        }
        process.send!({ connected: clients.length, retried });
    } else if (request.mark) {
        cpuAtMark = process.cpuUsage();
        process.send!({ marked: true });
    } else if (request.await !== undefined) {
        const lastAt: number[] = [];
        for (const client of clients) {
            await client.until(() => client.received.length >= request.await!, 600_000, 'the burst');
            lastAt.push(performance.timeOrigin + client.receivedAt[request.await! - 1]!);
        }
        const cpu = process.cpuUsage(cpuAtMark);
        process.send!({ delivered: Math.max(...lastAt), cpuMs: (cpu.user + cpu.system) / 1000, errors: clients.flatMap((client) => client.errors) });
    } else if (request.close) {
        for (const client of clients) client.close();
        clients = [];
        setTimeout(() => process.exit(0), 200);
    }
});
