/**
 * The test canister (test/canisters/test_canister) built with azle and installed in the embedded replica, with one
 * helper per endpoint called as the principal the protocol expects. Encodes with the CDK's own IDL types (they are
 * the wire interface) and verifies polled batches like the client does (test/support/certification.ts).
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { Replica, buildCanister } from '../../replica/index.ts';
import { verifyCertifiedBatch } from '../support/certification.ts';
import { decodeWebsocketMessage } from '../../src/cbor.ts';
import {
    CanisterWsCloseArgumentsIdl,
    CanisterWsGetMessagesArgumentsIdl,
    CanisterWsGetMessagesResultIdl,
    CanisterWsMessageArgumentsIdl,
    CanisterWsOpenArgumentsIdl,
    WsResultIdl,
    type CanisterOutputCertifiedMessages,
    type ClientKey,
    type WebsocketMessage
} from '../../src/types.ts';
import type { WsResult } from '../../src/errors.ts';

export const AppMessageIdl = IDL.Record({ text: IDL.Text });
export const appMessage = (text: string) => new Uint8Array(IDL.encode([AppMessageIdl], [{ text }]));

const StateIdl = IDL.Record({
    clients: IDL.Vec(IDL.Principal),
    gateways: IDL.Vec(IDL.Tuple(IDL.Principal, IDL.Nat32, IDL.Nat32)),
    events: IDL.Vec(IDL.Text)
});

export type Params = { maxNumberOfReturnedMessages?: bigint; sendAckIntervalMs?: bigint };

export class WsCanister {
    private constructor(
        readonly replica: Replica,
        readonly canisterId: Principal,
        readonly wasm: Uint8Array,
        private readonly initArg: Uint8Array
    ) {}

    /** Installs the test canister with init args (max messages per poll, ack interval). */
    static async install(params: Params = {}): Promise<WsCanister> {
        const initArg = new Uint8Array(IDL.encode([IDL.Nat64, IDL.Nat64], [params.maxNumberOfReturnedMessages ?? 50n, params.sendAckIntervalMs ?? 300_000n]));
        return WsCanister.installNamed('test_canister', initArg);
    }

    /** Installs any canister of dfx.json that uses the CDK (the WebSocket helpers work on all of them). */
    static async installNamed(name: string, initArg: Uint8Array = new Uint8Array(IDL.encode([], []))): Promise<WsCanister> {
        const replica = await Replica.create({ seed: `cdk-canister-${name}` });
        const wasm = await buildCanister(name);
        const canisterId = await replica.installCanister({ wasm, arg: initArg });
        return new WsCanister(replica, canisterId, wasm, initArg);
    }

    async upgrade(): Promise<void> {
        await this.replica.upgradeCanister(this.canisterId, this.wasm, { arg: this.initArg });
    }

    async update<T>(method: string, types: IDL.Type[], args: unknown[], returns: IDL.Type[], sender: Principal): Promise<T> {
        const { reply } = await this.replica.update(this.canisterId, method, new Uint8Array(IDL.encode(types, args)), { sender });
        return IDL.decode(returns, reply)[0] as T;
    }

    open(key: ClientKey, gateway: Principal): Promise<WsResult> {
        return this.update('ws_open', [CanisterWsOpenArgumentsIdl], [{ client_nonce: key.client_nonce, gateway_principal: gateway }], [WsResultIdl], key.client_principal);
    }

    /** A client message sent like ic-websocket-js does: second argument `opt null`, value none. */
    message(key: ClientKey, sequenceNum: bigint, content: Uint8Array, isServiceMessage = false): Promise<WsResult> {
        const msg: WebsocketMessage = { client_key: key, sequence_num: sequenceNum, timestamp: 0n, is_service_message: isServiceMessage, content };
        return this.update('ws_message', [CanisterWsMessageArgumentsIdl, IDL.Opt(IDL.Null)], [{ msg }, []], [WsResultIdl], key.client_principal);
    }

    close(gateway: Principal, key: ClientKey): Promise<WsResult> {
        return this.update('ws_close', [CanisterWsCloseArgumentsIdl], [{ client_key: key }], [WsResultIdl], gateway);
    }

    send(client: Principal, messages: Uint8Array[]): Promise<WsResult> {
        return this.update('send', [IDL.Principal, IDL.Vec(IDL.Vec(IDL.Nat8))], [client, messages], [WsResultIdl], Principal.anonymous());
    }

    closeByApp(client: Principal): Promise<WsResult> {
        return this.update('close', [IDL.Principal], [client], [WsResultIdl], Principal.anonymous());
    }

    async setTrap(handler: 'open' | 'message' | 'close', enabled: boolean): Promise<void> {
        await this.update('test_set_trap', [IDL.Text, IDL.Bool], [handler, enabled], [IDL.Null], Principal.anonymous());
    }

    async setQueueLimits(perGateway: bigint, perClient: bigint): Promise<void> {
        await this.update('test_set_queue_limits', [IDL.Nat64, IDL.Nat64], [perGateway, perClient], [IDL.Null], Principal.anonymous());
    }

    async setInstructionBudget(budget: bigint): Promise<void> {
        await this.update('test_set_instruction_budget', [IDL.Nat64], [budget], [IDL.Null], Principal.anonymous());
    }

    async broadcast(text: string): Promise<{ sent: number; deferred: number }> {
        return this.update('test_broadcast', [IDL.Text], [text], [IDL.Record({ sent: IDL.Nat32, deferred: IDL.Nat32 })], Principal.anonymous());
    }

    async state(): Promise<{ clients: Principal[]; gateways: [Principal, number, number][]; events: string[] }> {
        const { reply } = await this.replica.query(this.canisterId, 'test_state', new Uint8Array(IDL.encode([], [])));
        return IDL.decode([StateIdl], reply)[0] as never;
    }

    async poll(gateway: Principal, nonce: bigint): Promise<CanisterOutputCertifiedMessages & { replyBytes: number; instructions: bigint }> {
        const { reply, instructions } = await this.replica.query(this.canisterId, 'ws_get_messages', new Uint8Array(IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce }])), { sender: gateway });
        const result = IDL.decode([CanisterWsGetMessagesResultIdl], reply)[0] as unknown as { Ok: CanisterOutputCertifiedMessages } | { Err: string };
        if ('Err' in result) throw new Error(`ws_get_messages returned Err: ${result.Err}`);
        return { ...result.Ok, replyBytes: reply.length, instructions };
    }

    /** Polls, verifies certificate and witness as the client does, and decodes every message. */
    async pollVerified(gateway: Principal, nonce: bigint): Promise<{ batch: CanisterOutputCertifiedMessages; messages: WebsocketMessage[] }> {
        const batch = await this.poll(gateway, nonce);
        await verifyCertifiedBatch(batch as never, { rootKey: this.replica.rootKey, canisterId: this.canisterId, icTimeNs: this.replica.getTimeNs() });
        return { batch, messages: batch.messages.map((m) => decodeWebsocketMessage(m.content)) };
    }

    /** Every message queued for `gateway`, following pagination like the gateway does. */
    async pollAll(gateway: Principal): Promise<WebsocketMessage[]> {
        const all: WebsocketMessage[] = [];
        let nonce = 0n;
        for (;;) {
            const { batch, messages } = await this.pollVerified(gateway, nonce);
            all.push(...messages);
            if (batch.is_end_of_queue || batch.messages.length === 0) return all;
            const lastKey = batch.messages[batch.messages.length - 1].key;
            nonce = BigInt(lastKey.slice(lastKey.lastIndexOf('_') + 1)) + 1n;
        }
    }

    certifiedData(): Uint8Array {
        return this.replica.getCertifiedData(this.canisterId);
    }
}
