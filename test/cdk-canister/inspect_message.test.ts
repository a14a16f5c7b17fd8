/**
 * `ws.inspectMessage()` in the root README's inspect_message example (test/canisters/inspect_example, that code block
 * verbatim), run in the embedded replica, which executes `canister_inspect_message` for ingress update calls as
 * the IC does: in-process (a refusal is `RejectError { refused: true }`, 4 / IC0406) and over the IC HTTP interface
 * with `@dfinity/agent` (HTTP 403). Refused calls must never execute: the state (clients, certified data, the
 * gateway's verified queue) is compared before and after.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { buildCanister, RejectError, Replica } from '../../replica/index.ts';
import { PROJECT_ROOT } from '../../replica/build.ts';
import { serveHttp, type HttpInterface } from '../../replica/http/index.ts';
import { readmeCodeBlock } from '../docs/readme.ts';
import { verifyCertifiedBatch } from '../support/certification.ts';
import { CLIENT_1, CLIENT_2, GATEWAY_1 } from '../support/principals.ts';
import { appendArgs, leb128, NULL, optOf, vecOf } from '../support/raw-candid.ts';
import { encodeAppMessage, encodeServiceMessage } from '../support/service-messages.ts';
import { wsTypes, type CanisterOutputCertifiedMessages, type ClientKey, type WsResult } from '../support/test-canister-interface.ts';

const README_SECTION = '## Refusing bad WebSocket calls before they run (inspect_message)';
const EXAMPLE_FILE = 'test/canisters/inspect_example/index.ts';
const CONTROLLER = Principal.fromText('rwlgt-iiaaa-aaaaa-aaaaa-cai');
const STRANGER = Principal.fromUint8Array(new Uint8Array(29).fill(9));

const openArg = (nonce: bigint, gateway: Principal | Uint8Array) =>
    new Uint8Array(IDL.encode([wsTypes.WsOpenArguments], [{ client_nonce: nonce, gateway_principal: gateway instanceof Principal ? gateway : Principal.fromUint8Array(gateway) }]));
const messageArg = (key: ClientKey, sequenceNum: bigint, content: Uint8Array, isServiceMessage = false) =>
    new Uint8Array(
        IDL.encode([wsTypes.WsMessageArguments, IDL.Opt(IDL.Null)], [{ msg: { client_key: key, sequence_num: sequenceNum, timestamp: 0n, is_service_message: isServiceMessage, content } }, []])
    );
const closeArg = (key: ClientKey) => new Uint8Array(IDL.encode([wsTypes.WsCloseArguments], [{ client_key: key }]));
const pollArg = (nonce: bigint) => new Uint8Array(IDL.encode([wsTypes.WsGetMessagesArguments], [{ nonce }]));

describe('ws.inspectMessage() in the README example', () => {
    let replica: Replica;
    let canisterId: Principal;
    const client1: ClientKey = { client_principal: CLIENT_1, client_nonce: 1n };
    const client2: ClientKey = { client_principal: CLIENT_2, client_nonce: 2n };

    async function call(method: string, arg: Uint8Array, sender: Principal): Promise<WsResult> {
        const { reply } = await replica.update(canisterId, method, arg, { sender });
        return IDL.decode([wsTypes.WsResult], reply)[0] as unknown as WsResult;
    }

    async function refusal(method: string, arg: Uint8Array, sender: Principal): Promise<RejectError> {
        const error = await replica.update(canisterId, method, arg, { sender }).then(
            () => undefined,
            (e: unknown) => e
        );
        expect(error, `${method} should be refused`).toBeInstanceOf(RejectError);
        return error as RejectError;
    }

    async function connected(): Promise<number> {
        return IDL.decode([IDL.Nat32], (await replica.query(canisterId, 'connected')).reply)[0] as number;
    }

    /** Everything a refused call could have changed: clients, certified data, and the gateway's queue (verified). */
    async function snapshot() {
        const { reply } = await replica.query(canisterId, 'ws_get_messages', pollArg(0n), { sender: GATEWAY_1 });
        const batch = (IDL.decode([wsTypes.WsGetMessagesResult], reply)[0] as unknown as { Ok: CanisterOutputCertifiedMessages }).Ok;
        if (batch.messages.length > 0) await verifyCertifiedBatch(batch, { rootKey: replica.rootKey, canisterId, icTimeNs: replica.getTimeNs() });
        return { connected: await connected(), certified: Buffer.from(replica.getCertifiedData(canisterId)).toString('hex'), keys: batch.messages.map((m) => m.key) };
    }

    beforeAll(async () => {
        replica = await Replica.create({ seed: 'inspect-example' });
        canisterId = await replica.installCanister({ wasm: await buildCanister('inspect_example'), controllers: [CONTROLLER], sender: CONTROLLER });
    });

    it('is the README code block, verbatim', () => {
        expect(readFileSync(join(PROJECT_ROOT, EXAMPLE_FILE), 'utf8')).toBe(readmeCodeBlock(README_SECTION));
    });

    it('lets well-formed WebSocket calls through: open, an echoed message, a keep-alive, a close by the gateway', async () => {
        expect(await call('ws_open', openArg(client1.client_nonce, GATEWAY_1), CLIENT_1)).toEqual({ Ok: null });
        expect(await call('ws_open', openArg(client2.client_nonce, GATEWAY_1), CLIENT_2)).toEqual({ Ok: null });
        expect(await call('ws_message', messageArg(client1, 1n, encodeAppMessage({ text: 'hi' })), CLIENT_1)).toEqual({ Ok: null });
        const keepAlive = encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: 0n } });
        expect(await call('ws_message', messageArg(client1, 2n, keepAlive, true), CLIENT_1)).toEqual({ Ok: null });
        // ws_message with its first argument only (Candid: a missing trailing opt is null), as the Rust suite calls it.
        const firstOnly = new Uint8Array(IDL.encode([wsTypes.WsMessageArguments], [{ msg: { client_key: client1, sequence_num: 3n, timestamp: 0n, is_service_message: false, content: encodeAppMessage({ text: 'again' }) } }]));
        expect(await call('ws_message', firstOnly, CLIENT_1)).toEqual({ Ok: null });
        expect(await call('ws_close', closeArg(client2), GATEWAY_1)).toEqual({ Ok: null });
        expect(await connected()).toBe(1);
        expect((await snapshot()).keys.length).toBe(4); // 2 OpenMessages, 2 echoes, nothing for the keep-alive
    });

    it('refuses malformed or oversized WebSocket calls and calls that could only fail, before they run', async () => {
        const before = await snapshot();
        const gatewayPlus256 = new Uint8Array([...GATEWAY_1.toUint8Array(), ...new Uint8Array(256).fill(0xab)]);
        const vecNull6M = appendArgs(messageArg(client1, 4n, new Uint8Array(10)), (first) => ({ entries: [vecOf(NULL)], args: [first], values: leb128(6_000_000) }));
        // 13,000 entries `t_i = opt t_{i+1}`: ~40 KB of nested type table, an extra argument of type t_0.
        const nestedTable = appendArgs(pollArg(0n), (first) => ({
            entries: Array.from({ length: 13_000 }, (_, i) => optOf(i === 12_999 ? NULL : first + i + 1)),
            args: [first],
            values: [0]
        }));
        const cases: [string, string, Uint8Array, Principal][] = [
            ['ws_message with an extra vec null of 6,000,000', 'ws_message', vecNull6M, CLIENT_1],
            ['ws_open from the anonymous principal', 'ws_open', openArg(9n, GATEWAY_1), Principal.anonymous()],
            ['ws_open naming a 285-byte gateway principal', 'ws_open', openArg(9n, gatewayPlus256), STRANGER],
            ['ws_open naming a 256-byte gateway principal', 'ws_open', openArg(9n, new Uint8Array(256).fill(1)), STRANGER],
            ['ws_open with a 2 KiB argument', 'ws_open', appendArgs(openArg(9n, GATEWAY_1), (first) => ({ entries: [vecOf(-5)], args: [first], values: [...leb128(2048), ...new Uint8Array(2048)] })), STRANGER],
            ['ws_open with bytes that are not Candid', 'ws_open', new TextEncoder().encode('not Candid'), STRANGER],
            ['ws_message from a principal that is not connected', 'ws_message', messageArg({ client_principal: STRANGER, client_nonce: 1n }, 1n, encodeAppMessage({ text: 'x' })), STRANGER],
            ["ws_message naming another client's key", 'ws_message', messageArg(client2, 4n, encodeAppMessage({ text: 'x' })), CLIENT_1],
            ['ws_message with 65 KiB of content (the example allows 64 KiB)', 'ws_message', messageArg(client1, 4n, new Uint8Array(65 * 1024)), CLIENT_1],
            ['ws_close from a principal that is not the gateway', 'ws_close', closeArg(client1), STRANGER],
            ['ws_close of a client that is not connected', 'ws_close', closeArg(client2), GATEWAY_1],
            ['ws_get_messages called as an update with a 40 KB nested type table', 'ws_get_messages', nestedTable, GATEWAY_1]
        ];
        for (const [description, method, arg, sender] of cases) {
            const error = await refusal(method, arg, sender);
            expect([error.code, error.errorCode, error.refused], description).toEqual([4, 'IC0406', true]);
        }
        expect(await snapshot()).toEqual(before);
        // The client whose calls were refused is still served: its next message (sequence number 4) goes through.
        expect(await call('ws_message', messageArg(client1, 4n, encodeAppMessage({ text: 'still here' })), CLIENT_1)).toEqual({ Ok: null });
    });

    it("applies the application's own rule after the CDK's: closeAll only for controllers", async () => {
        const error = await refusal('closeAll', new Uint8Array(IDL.encode([], [])), STRANGER);
        expect(error.errorCode).toBe('IC0406');
        expect(await connected()).toBe(1);
        const { reply } = await replica.update(canisterId, 'closeAll', new Uint8Array(IDL.encode([], [])), { sender: CONTROLLER });
        expect(IDL.decode([IDL.Nat32], reply)[0]).toBe(1);
        expect(await connected()).toBe(0);
    });

    describe('over the IC HTTP interface', () => {
        let http: HttpInterface;
        beforeAll(async () => {
            http = await serveHttp(replica, { port: 0 });
        });
        afterAll(async () => {
            await http?.close();
        });

        it('answers a refused call with HTTP 403 and never runs it; a well-formed one is accepted and runs', async () => {
            const identity = Ed25519KeyIdentity.generate();
            const agent = await HttpAgent.create({ host: http.url, identity, shouldFetchRootKey: true, retryTimes: 0 });
            const gatewayPlus256 = new Uint8Array([...GATEWAY_1.toUint8Array(), ...new Uint8Array(256).fill(0xab)]);
            const before = await snapshot();
            await expect(agent.call(canisterId, { methodName: 'ws_open', arg: openArg(1n, gatewayPlus256) })).rejects.toThrow(/403|inspect/i);
            expect(await snapshot()).toEqual(before);
            const accepted = await agent.call(canisterId, { methodName: 'ws_open', arg: openArg(1n, GATEWAY_1) });
            expect(accepted.response.ok).toBe(true);
            expect(await connected()).toBe(before.connected + 1);
        });
    });
});
