import type { Actor, PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { Principal } from '@dfinity/principal';
import { buildCanister } from '../../replica/index.ts';
import { createPic, rootKeyOf } from '../setup/ic.ts';
import { verifyCertifiedBatch } from './certification.ts';
import { ANONYMOUS } from './principals.ts';
import { decodeServiceMessage, encodeAppMessage, type ServiceMessage } from './service-messages.ts';
import {
    type CanisterOutputCertifiedMessages,
    type ClientKey,
    type TestCanisterIntrospection,
    type TestCanisterService,
    type WebsocketMessage,
    type WsResult,
    encodeInitArgs,
    idlFactory,
    introspectionIdlFactory
} from './test-canister-interface.ts';
import { decodeWebsocketMessage } from './websocket-message-cbor.ts';

/** The upstream suite's defaults (spec §6.1): 50 messages per poll, an ack every 5 minutes. */
export const DEFAULT_MAX_NUMBER_OF_RETURNED_MESSAGES = 50n;
export const DEFAULT_SEND_ACK_INTERVAL_MS = 300_000n;
/** CLIENT_KEEP_ALIVE_TIMEOUT_MS of spec §4. */
export const KEEP_ALIVE_TIMEOUT_MS = 60_000;

/** Rounds run after moving the clock: the global timer fires, then Azle's timer self-call executes. */
const TICKS_AFTER_ADVANCE = 10;

export interface TestCanisterParams {
    maxNumberOfReturnedMessages?: bigint;
    sendAckIntervalMs?: bigint;
}

/** A polled batch with each message's content CBOR-decoded (and, from `pollVerified`, its certificate checked). */
export interface DecodedBatch {
    batch: CanisterOutputCertifiedMessages;
    messages: WebsocketMessage[];
}

/**
 * The test canister (spec §6.1) installed from the real `azle build` wasm in a fresh pic instance, with one
 * helper per endpoint called as the principal the protocol expects (clients for ws_open/ws_message, gateways for
 * ws_close/ws_get_messages, anonymous for send/close/wipe like upstream).
 *
 * @example
 * ```ts
 * const canister = await TestCanister.setup();
 * await canister.open(clientKey, GATEWAY_1);
 * const { messages } = await canister.pollVerified(GATEWAY_1, 0n); // certificate + witness checked
 * await canister.tearDown();
 * ```
 */
export class TestCanister {
    private readonly actors = new Map<string, Actor<TestCanisterService>>();

    private constructor(
        readonly pic: PocketIc,
        readonly canisterId: Principal,
        readonly wasm: string | Uint8Array,
        readonly rootKey: Uint8Array
    ) {}

    /** Builds (cached) and installs the test canister with init args, the IC clock set to the wall clock. */
    static async setup(params: TestCanisterParams = {}): Promise<TestCanister> {
        const wasm = await buildCanister('test_canister');
        const pic = await createPic();
        await pic.setTime(Date.now());
        await pic.tick();
        const { canisterId } = await pic.setupCanister({
            idlFactory: idlFactory as never,
            wasm,
            arg: encodeInitArgs(
                params.maxNumberOfReturnedMessages ?? DEFAULT_MAX_NUMBER_OF_RETURNED_MESSAGES,
                params.sendAckIntervalMs ?? DEFAULT_SEND_ACK_INTERVAL_MS
            )
        });
        return new TestCanister(pic, Principal.fromText(canisterId.toText()), wasm, await rootKeyOf(pic));
    }

    /** An actor whose calls come from `caller`. */
    as(caller: Principal): Actor<TestCanisterService> {
        const id = caller.toText();
        let actor = this.actors.get(id);
        if (actor === undefined) {
            actor = this.pic.createActor<TestCanisterService>(idlFactory as never, this.canisterId as never);
            actor.setPrincipal(caller as never);
            this.actors.set(id, actor);
        }
        return actor;
    }

    open(clientKey: ClientKey, gateway: Principal): Promise<WsResult> {
        return this.as(clientKey.client_principal).ws_open({
            client_nonce: clientKey.client_nonce,
            gateway_principal: gateway
        });
    }

    /** `ws_message` as `caller` with the second argument absent, like the client SDK. */
    message(caller: Principal, msg: WebsocketMessage): Promise<WsResult> {
        return this.as(caller).ws_message({ msg }, []);
    }

    wsClose(gateway: Principal, clientKey: ClientKey): Promise<WsResult> {
        return this.as(gateway).ws_close({ client_key: clientKey });
    }

    /** `ws_get_messages` as `gateway`; an `Err` (which the CDK must never return) fails the test. */
    async getMessages(gateway: Principal, nonce: bigint): Promise<CanisterOutputCertifiedMessages> {
        const result = await this.as(gateway).ws_get_messages({ nonce });
        if ('Err' in result) throw new Error(`ws_get_messages returned Err: ${result.Err}`);
        return result.Ok;
    }

    /** Polls, verifies certificate and witness like the client, and decodes every message's CBOR content. */
    async pollVerified(gateway: Principal, nonce: bigint): Promise<DecodedBatch> {
        const decoded = await this.pollDecoded(gateway, nonce);
        await verifyCertifiedBatch(decoded.batch, {
            rootKey: this.rootKey,
            canisterId: this.canisterId,
            icTimeNs: await this.timeNs()
        });
        return decoded;
    }

    /** Polls and decodes every message's CBOR content, without the (BLS-pairing, ~50 ms) certificate check. */
    async pollDecoded(gateway: Principal, nonce: bigint): Promise<DecodedBatch> {
        const batch = await this.getMessages(gateway, nonce);
        return { batch, messages: batch.messages.map((m) => decodeWebsocketMessage(m.content)) };
    }

    /**
     * Handler events and gateway bookkeeping from the test canister's test-only `test_state` query (not part of
     * spec §6.1), with principals as text.
     */
    async introspect(): Promise<{ clients: string[]; gateways: Map<string, { clients: number; queued: number }>; events: string[] }> {
        const actor = this.pic.createActor<TestCanisterIntrospection>(introspectionIdlFactory as never, this.canisterId as never);
        const state = await actor.test_state();
        return {
            clients: state.clients.map((p) => p.toText()),
            gateways: new Map(state.gateways.map(([g, clients, queued]) => [g.toText(), { clients, queued }])),
            events: state.events
        };
    }

    /** The test canister's `send`: each text becomes a Candid `record { text }` app message. */
    send(client: Principal, texts: string[]): Promise<WsResult> {
        return this.as(ANONYMOUS).send(client, texts.map((text) => encodeAppMessage({ text })));
    }

    /** The test canister's `close` (the CDK's `close`, reason ClosedByApplication). */
    closeByApp(client: Principal): Promise<WsResult> {
        return this.as(ANONYMOUS).close(client);
    }

    /** Resets the CDK state and re-runs its init with these params (restarts the ack timer now). */
    wipe(params: TestCanisterParams = {}): Promise<void> {
        return this.as(ANONYMOUS).wipe(
            params.maxNumberOfReturnedMessages ?? DEFAULT_MAX_NUMBER_OF_RETURNED_MESSAGES,
            params.sendAckIntervalMs ?? DEFAULT_SEND_ACK_INTERVAL_MS
        );
    }

    /** Moves the IC clock forward and runs rounds so that due timers fire (like upstream's advance_canister_time). */
    async advanceTime(ms: number): Promise<void> {
        await this.pic.advanceTime(ms);
        await this.pic.tick(TICKS_AFTER_ADVANCE);
    }

    /**
     * Moves the clock so that `totalMs` have passed since `sinceMs` (an earlier `pic.getTime()`), counting the time
     * the calls in between took; for reaching a timer due exactly `totalMs` after an earlier event.
     */
    async advanceTimeSince(sinceMs: number, totalMs: number): Promise<void> {
        await this.advanceTime(Math.max(0, totalMs - ((await this.pic.getTime()) - sinceMs)));
    }

    /** The IC time in nanoseconds (millisecond resolution: pic-js reports milliseconds). */
    async timeNs(): Promise<bigint> {
        return BigInt(await this.pic.getTime()) * 1_000_000n;
    }

    /** Upgrades the canister to the same wasm with the same init args (post_upgrade receives them). */
    async upgrade(params: TestCanisterParams = {}): Promise<void> {
        await this.pic.upgradeCanister({
            canisterId: this.canisterId as never,
            wasm: this.wasm,
            arg: encodeInitArgs(
                params.maxNumberOfReturnedMessages ?? DEFAULT_MAX_NUMBER_OF_RETURNED_MESSAGES,
                params.sendAckIntervalMs ?? DEFAULT_SEND_ACK_INTERVAL_MS
            )
        });
    }

    tearDown(): Promise<void> {
        return this.pic.tearDown();
    }
}

/**
 * Registers the usual hooks of a conformance suite in the calling `describe`: the test canister is installed once
 * before all tests and torn down after them, and wiped before each test unless `wipeBeforeEach` is false (for
 * suites whose tests build on each other). Hooks the suite registers afterwards run after the install.
 *
 * @example
 * ```ts
 * describe('e_send', () => {
 *     const suite = useTestCanister();
 *     it('E1', async () => expect(await suite.canister.send(CLIENT_2, ['hi'])).toHaveProperty('Err'));
 * });
 * ```
 */
export function useTestCanister(
    options: { params?: TestCanisterParams; wipeBeforeEach?: boolean } = {}
): { readonly canister: TestCanister } {
    let installed: TestCanister | undefined;
    const suite = {
        get canister(): TestCanister {
            if (installed === undefined) throw new Error('the test canister is only available inside hooks and tests');
            return installed;
        }
    };
    beforeAll(async () => {
        installed = await TestCanister.setup(options.params);
    });
    afterAll(() => installed?.tearDown());
    if (options.wipeBeforeEach ?? true) beforeEach(() => suite.canister.wipe());
    return suite;
}

/** A `WebsocketMessage` as a client would send it to `ws_message`. */
export function clientMessage(
    clientKey: ClientKey,
    sequenceNum: bigint,
    content: Uint8Array = new Uint8Array(),
    isServiceMessage = false
): WebsocketMessage {
    return {
        client_key: clientKey,
        sequence_num: sequenceNum,
        timestamp: BigInt(Date.now()) * 1_000_000n,
        is_service_message: isServiceMessage,
        content
    };
}

/** The service message carried by a decoded canister message; throws if it is an app message. */
export function serviceMessageOf(message: WebsocketMessage): ServiceMessage {
    if (!message.is_service_message) throw new Error(`message seq ${message.sequence_num} is not a service message`);
    return decodeServiceMessage(message.content);
}

/** The outgoing nonce encoded in a message key `<gateway>_<20 digits>` (spec §2.9). */
export function nonceOfKey(key: string): bigint {
    return BigInt(key.slice(key.lastIndexOf('_') + 1));
}

/** `<gateway principal text>_<nonce zero-padded to 20 digits>` (spec §2.9), the expected certification key. */
export function messageKey(gateway: Principal, nonce: bigint): string {
    return `${gateway.toText()}_${nonce.toString().padStart(20, '0')}`;
}


/** A ClientKey with its principal as text, so keys from different Principal classes compare with `toEqual`. */
export function clientKeyView(key: ClientKey): { client_principal: string; client_nonce: bigint } {
    return { client_principal: key.client_principal.toText(), client_nonce: BigInt(key.client_nonce) };
}
