/**
 * Helpers for the CDK unit tests: a protocol context over heap maps with a settable clock, and a decoder that turns
 * our witness bytes into @dfinity/agent's HashTree so the agent's own `reconstruct`/`lookup_path` check them.
 */
import type { HashTree as AgentHashTree } from '@dfinity/agent';
import { decode } from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import { WsContext, type WsCallbacks } from '../../src/protocol/context';
import { resolveParams, type WsParamsInput } from '../../src/params';
import { MemoryKvMap } from '../../src/state/kv';
import { WsStore } from '../../src/state/store';
import { CertifiedQueue } from '../../src/queue/certified_queue';

export type FakeIc = { now: bigint; certifiedData: Uint8Array | undefined; logs: string[] };

/** A context whose clock is `ic.now` and whose certified data lands in `ic.certifiedData`. */
export function createContext(params: WsParamsInput = {}, callbacks: WsCallbacks = {}): { ctx: WsContext; ic: FakeIc; queueMap: MemoryKvMap } {
    const ic: FakeIc = { now: 1_700_000_000_000_000_000n, certifiedData: undefined, logs: [] };
    const store = new WsStore({ clients: new MemoryKvMap(), principals: new MemoryKvMap(), gateways: new MemoryKvMap() });
    const env = {
        time: () => ic.now,
        setCertifiedData: (data: Uint8Array) => {
            ic.certifiedData = data.slice();
        },
        dataCertificate: () => new Uint8Array([0xde, 0xad]),
        log: (message: string) => {
            ic.logs.push(message);
        }
    };
    const queueMap = new MemoryKvMap();
    const queue = new CertifiedQueue(queueMap, (data) => env.setCertifiedData(data));
    return { ctx: new WsContext(store, queue, env, resolveParams(params), callbacks), ic, queueMap };
}

/** Our CBOR witness (with or without the 55799 tag) as @dfinity/agent's HashTree. */
export function agentTree(bytes: Uint8Array): AgentHashTree {
    return decode(bytes) as AgentHashTree;
}

export const CLIENT_1 = Principal.fromText('pmisz-prtlk-b6oe6-bj4fl-6l5fy-h7c2h-so6i7-jiz2h-bgto7-piqfr-7ae');
export const CLIENT_2 = Principal.fromText('zuh6g-qnmvg-vky2t-tnob7-h4xoj-ykrcx-jqjpi-cdf3k-23i3i-ykozs-fae');
export const GATEWAY_1 = Principal.fromText('i3gux-m3hwt-5mh2w-t7wwm-fwx5j-6z6ht-hxguo-t4rfw-qp24z-g5ivt-2qe');
export const GATEWAY_2 = Principal.fromText('trj6m-u7l6v-zilnb-2hl6a-3jfz3-asri5-mkw3k-e2tpo-5emmk-6hqxb-uae');

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
