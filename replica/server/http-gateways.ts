/**
 * PocketIC's HTTP gateways (`POST /http_gateway`, `POST /http_gateway/<id>/stop`), what pic-js's `makeLive()`
 * starts: each serves one instance over the IC HTTP interface (replica/http), so @dfinity/agent can talk to it.
 * Only the IC API endpoints are served (`/api/v2/...`, `/api/v3/...`), not canister HTTP (`http_request`).
 */
import { serveHttp, type HttpInterface } from '../http/index.ts';
import type { PicInstance } from './instance.ts';
import { UnsupportedError } from './topology.ts';

interface Gateway {
    instanceId: number;
    http: HttpInterface;
}

export class HttpGateways {
    readonly #gateways: Array<Gateway | 'Stopped'> = [];

    /**
     * Starts a gateway as PocketIC's `HttpGatewayConfig` asks; returns PocketIC's answer.
     *
     * @example
     * ```ts
     * await gateways.create({ forward_to: { PocketIcInstance: 0 } }, lookup); // { Created: { instance_id: 0, port } }
     * ```
     */
    async create(config: Record<string, unknown>, instanceById: (id: number) => PicInstance): Promise<unknown> {
        const target = (config.forward_to as { PocketIcInstance?: unknown } | undefined)?.PocketIcInstance;
        if (typeof target !== 'number') {
            throw new UnsupportedError('the embedded replica can only start HTTP gateways forwarding to one of its instances (forward_to.PocketIcInstance)');
        }
        if (config.https_config !== undefined && config.https_config !== null) throw new UnsupportedError('HTTP gateways with https_config are not supported');
        const address = config.ip_addr;
        if (address !== undefined && address !== null && address !== '127.0.0.1' && address !== 'localhost') {
            throw new UnsupportedError(`HTTP gateways listen on 127.0.0.1 only, not ${String(address)}`);
        }
        const instance = instanceById(target);
        const http = await serveHttp(instance.replica, { port: typeof config.port === 'number' ? config.port : 0 });
        const id = this.#gateways.push({ instanceId: instance.id, http }) - 1;
        return { Created: { instance_id: id, port: http.port } };
    }

    async stop(id: number): Promise<void> {
        const gateway = this.#gateways[id];
        if (gateway === undefined) throw new TypeError(`HTTP gateway ${id} does not exist`);
        if (gateway === 'Stopped') return;
        this.#gateways[id] = 'Stopped';
        await gateway.http.close();
    }

    /** Stops the gateways of a deleted instance. */
    async stopFor(instanceId: number): Promise<void> {
        const ids = this.#gateways.flatMap((g, id) => (g !== 'Stopped' && g.instanceId === instanceId ? [id] : []));
        await Promise.all(ids.map((id) => this.stop(id)));
    }
}
