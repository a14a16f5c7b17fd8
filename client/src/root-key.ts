/**
 * The root key certificates are verified against. Mainnet's is built into @dfinity/agent and never fetched (a
 * fetched key would be only as trustworthy as the network path); any other network (a local replica, PocketIC) is
 * asked for its key at `<networkUrl>/api/v2/status`, as ic-websocket-js and dfx do.
 */
import { HttpAgent, IC_ROOT_KEY } from '@dfinity/agent';
import { hexToBytes } from '@noble/hashes/utils';
import { IcWebSocketError, messageOf } from './errors.js';

const MAINNET_DOMAINS = ['icp-api.io', 'ic0.app', 'icp0.io'];

/** Whether `networkUrl` is the IC mainnet (its API domains and their subdomains). */
export function isMainnet(networkUrl: string): boolean {
    const { hostname } = new URL(networkUrl);
    return MAINNET_DOMAINS.some((domain) => hostname === domain || hostname.endsWith(`.${domain}`));
}

/**
 * The root key (DER) for `networkUrl`: the IC's for mainnet, else fetched from the network's status endpoint.
 * Rejects with `root-key-unavailable` if it cannot be fetched.
 *
 * @example
 * const rootKey = await rootKeyFor('http://127.0.0.1:4943');
 */
export async function rootKeyFor(networkUrl: string): Promise<Uint8Array> {
    if (isMainnet(networkUrl)) return hexToBytes(IC_ROOT_KEY);
    try {
        const agent = HttpAgent.createSync({ host: networkUrl, shouldFetchRootKey: true });
        const key = await agent.fetchRootKey();
        if (!(key instanceof Uint8Array)) throw new Error('the status response has no root_key');
        return key;
    } catch (error) {
        throw new IcWebSocketError('root-key-unavailable', `Could not fetch the root key from ${networkUrl}: ${messageOf(error)}. Is the local replica running at that address?`, {
            cause: error
        });
    }
}
