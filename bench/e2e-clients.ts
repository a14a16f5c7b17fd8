/**
 * Child process of bench/e2e.ts: runs many ic-websocket-js clients of the test canister (each verifying every certificate) apart from
 * the gateway, so their verification work does not stall the gateway's event loop. Speaks over the IPC channel:
 *   ← { connect: ChatClientOptions, count }   → { connected: count }
 *   ← { await: n }                            → { delivered: epoch ms of the last delivery, errors: string[] }
 */
import { ChatClient, type ChatClientOptions } from '../test/e2e/support/chat-client.ts';
import { testCanisterIdlFactory, type TextMessage } from './test-canister-idl.ts';

let clients: ChatClient<TextMessage>[] = [];

process.on('message', async (request: { connect?: ChatClientOptions; count?: number; await?: number; close?: true }) => {
    if (request.connect) {
        const batch = 10;
        for (let i = 0; i < request.count!; i += batch) {
            const size = Math.min(batch, request.count! - i);
            clients.push(...(await Promise.all(Array.from({ length: size }, () => ChatClient.connect<TextMessage>({ ...request.connect!, idlFactory: testCanisterIdlFactory }, 120_000)))));
        }
        process.send!({ connected: clients.length });
    } else if (request.await !== undefined) {
        const lastAt: number[] = [];
        for (const client of clients) {
            await client.until(() => client.received.length >= request.await!, 600_000, 'the burst');
            lastAt.push(performance.timeOrigin + client.receivedAt[request.await! - 1]);
        }
        process.send!({ delivered: Math.max(...lastAt), errors: clients.flatMap((client) => client.errors) });
    } else if (request.close) {
        for (const client of clients) client.close();
        clients = [];
        setTimeout(() => process.exit(0), 200);
    }
});
