/**
 * A local network for the end-to-end suites, exactly as `npm start` runs it: the chat canister in the embedded
 * replica, live (clock = wall time), served over the IC HTTP interface. Built on the test harness (`TestNetwork`
 * from `ic-websocket-dev`), with the harness's in-process gateway; suites that stop or tamper with a gateway start
 * their own.
 */
import { TestNetwork, type TestNetworkOptions } from '../../../dev/src/index.ts';
import type { Gateway } from '../../../gateway/index.ts';
import type { Replica } from '../../../replica/index.ts';

export interface ChatNetwork {
    replica: Replica;
    /** IC HTTP endpoint (what `networkUrl` and the gateway's `icUrl` point at). */
    url: string;
    canisterId: string;
    /** The network's gateway, relaying to `url`. */
    gateway: Gateway;
    /** Takes the HTTP interface down for `ms`, then serves it again on the same port (an IC endpoint outage). */
    interruptHttp(ms: number): Promise<void>;
    close(): Promise<void>;
}

/** Builds (cached) and installs the chat canister in a fresh replica, served over HTTP, with a gateway. */
export async function startChatNetwork(options: Pick<TestNetworkOptions, 'gatewayLogLevel' | 'gateway'> = {}): Promise<ChatNetwork> {
    const network = await TestNetwork.start({ live: true, ...options });
    const chat = await network.deploy('chat');
    return {
        replica: network.replica,
        url: network.replicaUrl,
        canisterId: chat.id.toText(),
        gateway: network.gateway,
        interruptHttp: (ms) => network.interruptHttp(ms),
        close: () => network.stop()
    };
}
