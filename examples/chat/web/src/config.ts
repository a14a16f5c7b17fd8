/**
 * Where the chat lives: config.json next to the page (which `npm start` serves), overridden by
 * ?gateway=…&network=…&canister=…; checked here, so a mistake in the address is a clear banner, not a dead page.
 */
import { Principal } from '@dfinity/principal';
import type { ChatConfig } from './chat-session';

/** The chat's configuration, or an Error whose message says what is wrong and how to fix it. */
export async function loadConfig(search: string): Promise<ChatConfig> {
    const params = new URLSearchParams(search);
    let served: Partial<ChatConfig> = {};
    const response = await fetch('config.json').catch(() => undefined);
    if (response?.ok) served = await response.json();
    const config = {
        gatewayUrl: params.get('gateway') ?? served.gatewayUrl,
        networkUrl: params.get('network') ?? served.networkUrl,
        canisterId: params.get('canister') ?? served.canisterId,
        ackMessageIntervalMs: served.ackMessageIntervalMs,
        reconnectAttempts: served.reconnectAttempts,
        // The replica behind the page's proxy, unless the address names another network.
        replicaUrl: params.has('network') ? undefined : served.replicaUrl
    };
    const missing = (['gatewayUrl', 'networkUrl', 'canisterId'] as const).filter((name) => !config[name]);
    if (missing.length > 0) {
        throw new Error(`This page needs ${missing.join(', ')}: serve a config.json next to it or add ?gateway=…&network=…&canister=… to the URL.`);
    }
    const from = (name: string) => (params.has(name) ? ` (from ?${name}= in the page address)` : '');
    try {
        Principal.fromText(config.canisterId!);
    } catch {
        throw new Error(`"${config.canisterId}"${from('canister')} is not a valid canister id. A canister id looks like lxzze-o7777-77777-aaaaa-cai.`);
    }
    if (!/^wss?:\/\/[^/]/.test(config.gatewayUrl!)) {
        throw new Error(`"${config.gatewayUrl}"${from('gateway')} is not a WebSocket address: the gateway's starts with ws:// or wss://.`);
    }
    if (!/^https?:\/\/[^/]/.test(config.networkUrl!)) {
        throw new Error(`"${config.networkUrl}"${from('network')} is not an HTTP address of the IC (e.g. https://icp-api.io).`);
    }
    return config as ChatConfig;
}
