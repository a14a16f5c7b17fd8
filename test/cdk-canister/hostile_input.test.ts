/**
 * Issue #9's findings 1-3 as regression tests on the real test canister in the embedded replica (IC metering):
 * over-long principals (a client cutting off every client of a real gateway), tiny arguments burning the
 * instruction limit, and `ws_message` with its first argument only. Each case failed before the fix: the attack
 * removed the real gateway, the costly arguments hit the 40B/5B limits (or cost 14.9B and succeeded), and the
 * one-argument `ws_message` trapped. Costs are compared with the cheapest well-formed call of the same byte size,
 * measured here, never hard-coded.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { RejectError } from '../../replica/index.ts';
import { CanisterWsGetMessagesArgumentsIdl, CanisterWsMessageArgumentsIdl, CanisterWsOpenArgumentsIdl, WsResultIdl } from '../../src/types.ts';
import { CLIENT_1, CLIENT_2, GATEWAY_1, GATEWAY_2 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { cheapestWellFormedCall, wellFormedArg, type EndpointName } from '../support/hostile-args.ts';
import { appendArgs, leb128, NULL, optOf, recordOf, vecOf } from '../support/raw-candid.ts';
import { decodeAppMessage, encodeServiceMessage } from '../support/service-messages.ts';
import type { WsResult } from '../support/test-canister-interface.ts';
import { appMessage, WsCanister } from './ws_canister.ts';

const rng = new SeededRandom(0x9n);
const STRANGER = rng.principal();
const TOO_LONG = /^Invalid principal in .* \((\d+) bytes\): Bytes is longer than 29 bytes\.$/;

const openArg = (nonce: bigint, gateway: Uint8Array) =>
    new Uint8Array(IDL.encode([CanisterWsOpenArgumentsIdl], [{ client_nonce: nonce, gateway_principal: Principal.fromUint8Array(gateway) }]));
const messageArg = (sender: Principal, sequenceNum: bigint, content: Uint8Array) =>
    new Uint8Array(
        IDL.encode([CanisterWsMessageArgumentsIdl, IDL.Opt(IDL.Null)], [{ msg: { client_key: { client_principal: sender, client_nonce: 1n }, sequence_num: sequenceNum, timestamp: 0n, is_service_message: false, content } }, []])
    );
const pollArg = (nonce: bigint) => new Uint8Array(IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce }]));

describe('finding 1: principals longer than 29 bytes', () => {
    let canister: WsCanister;
    const victim = { client_principal: CLIENT_1, client_nonce: 1n };
    const attacker = rng.principal();
    const gatewayPlus256 = new Uint8Array([...GATEWAY_1.toUint8Array(), ...rng.bytes(256)]);

    beforeAll(async () => {
        canister = await WsCanister.install(); // ack interval 300 s, keep-alive check 60 s after each ack round
    });

    const openAs = async (sender: Principal, arg: Uint8Array): Promise<WsResult> => IDL.decode([WsResultIdl], (await canister.replica.update(canister.canisterId, 'ws_open', arg, { sender })).reply)[0] as never;

    it("cannot make the keep-alive check remove a real gateway: its clients keep receiving (the issue's attack)", async () => {
        expect(await canister.open(victim, GATEWAY_1)).toEqual({ Ok: null });
        // The attack: open naming "GATEWAY_1 + 256 bytes" (stored with length 285 mod 256 = 29, read back as
        // GATEWAY_1), then re-open elsewhere, which decremented GATEWAY_1's count; four rounds, as in the issue.
        const answers: WsResult[] = [];
        for (let round = 0n; round < 4n; round++) {
            answers.push(await openAs(attacker, openArg(10n + 2n * round, gatewayPlus256)));
            expect(await canister.open({ client_principal: attacker, client_nonce: 11n + 2n * round }, GATEWAY_2)).toEqual({ Ok: null });
        }
        // One ack round; the victim answers its ack 30 s later; the keep-alive check, 60 s after the round, removes
        // gateways empty for longer than an ack interval.
        await canister.replica.advanceTime(300_001);
        await canister.replica.tick(3);
        await canister.replica.advanceTime(30_000);
        const keepAlive = encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: 0n } });
        expect(await canister.message(victim, 1n, keepAlive, true)).toEqual({ Ok: null });
        await canister.replica.advanceTime(30_001);
        await canister.replica.tick(3);

        expect(await canister.send(CLIENT_1, [appMessage('still served')])).toEqual({ Ok: null });
        const received = (await canister.pollAll(GATEWAY_1)).filter((m) => !m.is_service_message).map((m) => decodeAppMessage(m.content).text);
        expect(received).toEqual(['still served']);
        const gateways = (await canister.state()).gateways.map(([gateway, clients]) => [gateway.toText(), clients]);
        expect(gateways).toContainEqual([GATEWAY_1.toText(), 1]);
        // Every attempt got an Err naming the field and the length, and stored nothing.
        for (const answer of answers) expect((answer as { Err: string }).Err).toMatch(TOO_LONG);
        expect((answers[0] as { Err: string }).Err).toContain('gateway_principal (285 bytes)');
        expect(gateways.every(([gateway]) => Principal.fromText(gateway as string).toUint8Array().length <= 29)).toBe(true);
    });

    it('refuses a 256-byte principal (stored with length 0, it read back as aaaaa-aa) and accepts 29 bytes', async () => {
        const before = await canister.state();
        expect((await openAs(STRANGER, openArg(1n, rng.bytes(256)))) as { Err: string }).toEqual({ Err: expect.stringMatching(TOO_LONG) });
        expect(await openAs(STRANGER, openArg(2n, rng.bytes(30)))).toEqual({ Err: expect.stringContaining('(30 bytes)') });
        expect(await canister.state()).toEqual(before);
        expect((await canister.state()).gateways.map(([gateway]) => gateway.toText())).not.toContain('aaaaa-aa');
        expect(await openAs(STRANGER, openArg(3n, rng.bytes(29)))).toEqual({ Ok: null });
    });

    it('answers over-long client principals in ws_close and ws_message with an Err, changing nothing', async () => {
        const before = await canister.state();
        const longKey = { client_principal: Principal.fromUint8Array(rng.bytes(40)), client_nonce: 1n };
        expect(await canister.close(GATEWAY_1, longKey)).toEqual({ Err: expect.stringContaining('client_principal (40 bytes)') });
        expect(await canister.message(longKey, 1n, appMessage('x'))).toEqual({ Err: expect.stringMatching(TOO_LONG) });
        // The application's own methods decode principals with Azle (any length): `send` to one says "not connected".
        expect(await canister.send(longKey.client_principal, [appMessage('x')])).toEqual({ Err: expect.stringContaining("doesn't have an open connection") });
        expect(await canister.state()).toEqual(before);
        expect((await canister.pollAll(GATEWAY_1)).length).toBeGreaterThan(0); // everything still verifies
    });
});

describe('finding 2: tiny arguments cannot burn the instruction limit', () => {
    let canister: WsCanister;
    const client = { client_principal: CLIENT_2, client_nonce: 1n };

    beforeAll(async () => {
        canister = await WsCanister.install();
        expect(await canister.open(client, GATEWAY_1)).toEqual({ Ok: null });
    });

    /** Instructions of a call, replied or rejected. */
    async function instructionsOf(method: string, arg: Uint8Array, sender: Principal, query = false): Promise<{ instructions: bigint; rejected?: string }> {
        try {
            const call = query ? canister.replica.query(canister.canisterId, method, arg, { sender }) : canister.replica.update(canister.canisterId, method, arg, { sender });
            return { instructions: (await call).instructions };
        } catch (error) {
            if (!(error instanceof RejectError)) throw error;
            return { instructions: error.instructions!, rejected: error.message };
        }
    }

    /** The cheapest well-formed call of `method` whose argument has `size` bytes. */
    async function reference(method: string, size: number): Promise<bigint> {
        const call = cheapestWellFormedCall(method as EndpointName, size, STRANGER);
        return (await instructionsOf(method, call.arg, call.sender, call.query)).instructions;
    }

    const vecNull = (count: number) => (first: number) => ({ entries: [vecOf(NULL)], args: [first], values: leb128(count) });
    const cases: { name: string; method: string; arg: () => Uint8Array; sender: () => Principal; query?: boolean }[] = [
        { name: 'ws_message with an extra vec null of 6,000,000 elements', method: 'ws_message', arg: () => appendArgs(messageArg(CLIENT_2, 1n, new Uint8Array(10)), vecNull(6_000_000)), sender: () => CLIENT_2 },
        { name: 'ws_get_messages with an extra vec null of 6,000,000 elements', method: 'ws_get_messages', arg: () => appendArgs(pollArg(0n), vecNull(6_000_000)), sender: () => GATEWAY_1, query: true },
        {
            name: 'ws_open with an extra vec record {} of 500,000 elements',
            method: 'ws_open',
            arg: () => appendArgs(openArg(5n, GATEWAY_1.toUint8Array()), (first) => ({ entries: [vecOf(first + 1), recordOf([])], args: [first], values: leb128(500_000) })),
            sender: () => STRANGER
        },
        {
            name: 'ws_message with a 40 KB nested type table (13,000 entries t_i = opt t_i+1)',
            method: 'ws_message',
            arg: () => appendArgs(messageArg(CLIENT_2, 1n, new Uint8Array(10)), (first) => ({ entries: Array.from({ length: 13_000 }, (_, i) => optOf(i === 12_999 ? NULL : first + i + 1)), args: [first], values: [0] })),
            sender: () => CLIENT_2
        }
    ];

    for (const { name, method, arg, sender, query } of cases) {
        it(`refuses ${name} for at most 2× the cheapest well-formed call of its size`, async () => {
            const before = { state: await canister.state(), certified: Buffer.from(canister.certifiedData()).toString('hex') };
            const bytes = arg();
            const hostile = await instructionsOf(method, bytes, sender(), query);
            const wellFormed = await reference(method, bytes.length);
            expect(hostile.rejected, `${bytes.length} B, ${hostile.instructions} instructions`).toMatch(/Failed to decode Candid arguments of .*(quota exceeded|type table too large)/);
            expect(Number(hostile.instructions), `${name} (${bytes.length} B): ${hostile.instructions} vs ${wellFormed}`).toBeLessThanOrEqual(2 * Number(wellFormed));
            expect({ state: await canister.state(), certified: Buffer.from(canister.certifiedData()).toString('hex') }).toEqual(before);
        });
    }

    it('still serves the client: its message with sequence number 1 goes through, every queued message verifies', async () => {
        expect(await canister.message(client, 1n, appMessage('after the attacks'))).toEqual({ Ok: null });
        expect((await canister.pollAll(GATEWAY_1)).length).toBe(1); // its OpenMessage
    });
});

describe('finding 3: ws_message with its first argument only', () => {
    it('decodes the missing trailing opt as null, as the upstream integration suite calls it', async () => {
        const canister = await WsCanister.install();
        const key = { client_principal: CLIENT_1, client_nonce: 3n };
        expect(await canister.open(key, GATEWAY_1)).toEqual({ Ok: null });
        const msg = { client_key: key, sequence_num: 1n, timestamp: 0n, is_service_message: false, content: appMessage('one argument') };
        expect(await canister.update('ws_message', [CanisterWsMessageArgumentsIdl], [{ msg }], [WsResultIdl], CLIENT_1)).toEqual({ Ok: null });
        expect((await canister.state()).events).toContain(`message ${CLIENT_1.toText()} ${msg.content.length}`);
        expect(await canister.message(key, 2n, appMessage('two arguments'))).toEqual({ Ok: null }); // the sequence went on
    });
});

describe('also found: hostile Candid inside a message', () => {
    /** Instructions of a ws_message call (replied or rejected) and its outcome. */
    async function messageCall(canister: WsCanister, arg: Uint8Array, sender: Principal): Promise<{ instructions: bigint; outcome: string }> {
        try {
            const { reply, instructions } = await canister.replica.update(canister.canisterId, 'ws_message', arg, { sender });
            return { instructions, outcome: JSON.stringify(IDL.decode([WsResultIdl], reply)[0]) };
        } catch (error) {
            if (!(error instanceof RejectError)) throw error;
            return { instructions: error.instructions!, outcome: error.message };
        }
    }
    const cheapest = async (canister: WsCanister, size: number) => {
        const call = cheapestWellFormedCall('ws_message', size, STRANGER);
        return (await messageCall(canister, call.arg, call.sender)).instructions;
    };
    const withVecNull = (content: Uint8Array) => appendArgs(content, (first) => ({ entries: [vecOf(NULL)], args: [first], values: leb128(6_000_000) }));

    it("a connected client's service message announcing 6,000,000 nulls is an Err, not 40B instructions", async () => {
        const canister = await WsCanister.install();
        const key = { client_principal: CLIENT_1, client_nonce: 1n };
        expect(await canister.open(key, GATEWAY_1)).toEqual({ Ok: null });
        const keepAlive = encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: 0n } });
        expect(await canister.message(key, 1n, keepAlive, true)).toEqual({ Ok: null }); // builds the keep-alive template once
        const arg = wellFormedArg('ws_message', { clientKey: key, sequenceNum: 2n, content: withVecNull(keepAlive), isServiceMessage: true });
        const { instructions, outcome } = await messageCall(canister, arg, CLIENT_1);
        expect(outcome).toMatch(/"Err":"Error decoding service message content: .*quota exceeded/);
        expect(Number(instructions)).toBeLessThanOrEqual(2 * Number(await cheapest(canister, arg.length)));
        expect(await canister.message(key, 3n, keepAlive, true)).toEqual({ Ok: null }); // as upstream, the bad one used sequence number 2
    });

    it("an application message announcing 6,000,000 nulls, or a 40 KB type table, is refused before onMessage's IDL.decode", async () => {
        const canister = await WsCanister.installNamed('readme_example'); // its onMessage reads `message`
        const key = { client_principal: CLIENT_2, client_nonce: 1n };
        expect(await canister.open(key, GATEWAY_1)).toEqual({ Ok: null });
        const text = appMessage('hi');
        const nestedTable = appendArgs(text, (first) => ({ entries: Array.from({ length: 13_000 }, (_, i) => optOf(i === 12_999 ? NULL : first + i + 1)), args: [first], values: [0] }));
        for (const content of [withVecNull(text), nestedTable]) {
            const arg = wellFormedArg('ws_message', { clientKey: key, sequenceNum: 1n, content });
            const { instructions, outcome } = await messageCall(canister, arg, CLIENT_2);
            expect(outcome).toMatch(/quota exceeded|type table too large/); // the handler traps: the call is rolled back
            expect(Number(instructions), `${arg.length} B`).toBeLessThanOrEqual(2 * Number(await cheapest(canister, arg.length)));
        }
        expect(await canister.message(key, 1n, appMessage('a real one'))).toEqual({ Ok: null });
    });
});
