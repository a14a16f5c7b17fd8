/**
 * A local network for the end-to-end suites: the embedded replica with the chat canister installed, served over
 * the IC HTTP interface on loopback, exactly as `npm start` runs it. Gateways are started by the tests.
 */
import { buildCanister, Replica } from '../../../replica/index.ts';
import { serveHttp } from '../../../replica/http/index.ts';

export interface ChatNetwork {
    replica: Replica;
    /** IC HTTP endpoint (what `networkUrl` and the gateway's `icUrl` point at). */
    url: string;
    canisterId: string;
    close(): Promise<void>;
}

/** Builds (cached) and installs the chat canister in a fresh replica and serves it over HTTP. */
export async function startChatNetwork(): Promise<ChatNetwork> {
    const wasm = await buildCanister('chat');
    const replica = await Replica.create();
    const canisterId = await replica.installCanister({ wasm });
    const http = await serveHttp(replica, { port: 0, autoProgress: true });
    return { replica, url: http.url, canisterId: canisterId.toText(), close: () => http.close() };
}
