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
    /** Takes the HTTP interface down for `ms`, then serves it again on the same port (an IC endpoint outage). */
    interruptHttp(ms: number): Promise<void>;
    close(): Promise<void>;
}

/** Builds (cached) and installs the chat canister in a fresh replica and serves it over HTTP. */
export async function startChatNetwork(): Promise<ChatNetwork> {
    const wasm = await buildCanister('chat');
    const replica = await Replica.create();
    const canisterId = await replica.installCanister({ wasm });
    let http = await serveHttp(replica, { port: 0, autoProgress: true });
    const port = http.port;
    return {
        replica,
        url: http.url,
        canisterId: canisterId.toText(),
        async interruptHttp(ms) {
            await http.close();
            await new Promise((resolve) => setTimeout(resolve, ms));
            http = await serveHttp(replica, { port, autoProgress: true });
        },
        close: () => http.close()
    };
}
