/**
 * A local network for the end-to-end suites, exactly as `npm start` runs it: the chat canister in the embedded
 * replica, live (clock = wall time), served over the IC HTTP interface. Built on the test harness (`TestNetwork`
 * from `ic-websocket-dev`); the suites start their own gateways (with loggers and test hooks).
 */
import { TestNetwork } from '../../../dev/src/index.ts';
import type { Replica } from '../../../replica/index.ts';

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
    const network = await TestNetwork.start({ live: true });
    const chat = await network.deploy('chat');
    return {
        replica: network.replica,
        url: network.replicaUrl,
        canisterId: chat.id.toText(),
        interruptHttp: (ms) => network.interruptHttp(ms),
        close: () => network.stop()
    };
}
