/**
 * The fuzz test of one endpoint (`ws_open.test.ts`, … register it). Seeded fuzzing of the four WebSocket endpoints on the real test canister in the embedded replica (IC metering).
 * Per endpoint, FUZZ_CASES (default 200) arguments from `fuzzArgument` (test/support/hostile-args.ts: random bytes,
 * flipped bytes, truncations, appended hostile families up to millions of elements, over-long principals, random
 * type tables, mistyped fields, overlong LEB128s, valid Candid with random values) are sent by a connected client,
 * its gateway or a stranger. Invariants checked after every case:
 * - a rejected call, or an `Err` that is not a sequence-number close, changed nothing (clients, gateways with their
 *   client counts and queue depths, handler events, certified data);
 * - a call refused for its argument (rejected, or an over-long principal's `Err`) cost at most 2× the cheapest
 *   well-formed call of its byte size;
 * - no call hits an instruction limit or traps outside the CDK's own rejects;
 * and every 100 cases and at the end, every queued message of every gateway verifies as a client checks it
 * (certificate, witness, sha256). FUZZ_SEED changes the cases; a failure names the seed and case to replay.
 */
import { expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { RejectError } from '../../replica/index.ts';
import { WsCanister } from '../cdk-canister/ws_canister.ts';
import { cheapestWellFormedCall, ENDPOINT_NAMES, fuzzArgument, type ArgFields, type EndpointName } from '../support/hostile-args.ts';
import { CLIENT_1, GATEWAY_1 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { encodeAppMessage } from '../support/service-messages.ts';

const CASES = Number(process.env.FUZZ_CASES ?? 200);
const SEED = BigInt(process.env.FUZZ_SEED ?? 0x1c9);
const STRANGER = Principal.fromUint8Array(new Uint8Array(29).fill(0x5a));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

type Outcome = { kind: 'ok' | 'err' | 'rejected'; text: string; instructions: bigint };

/** Registers the fuzz test of `endpoint` (one file per endpoint, so that vitest's workers share them out). */
export function fuzzEndpoint(endpoint: EndpointName): void {
    const index = ENDPOINT_NAMES.indexOf(endpoint);
    it(`${endpoint}: ${CASES} seeded hostile arguments change nothing when refused, cost at most 2× a well-formed call, and leave every message verifiable`, async () => {
        const canister = await WsCanister.install();
        let clientKey = { client_principal: CLIENT_1, client_nonce: 0n };
        let nextSequenceNum = 1n;
        let sessions = 0n;
        /** (Re)connects the fuzzed client with a nonce no case uses (they use the current one + 1, or random ones). */
        const connect = async () => {
            clientKey = { client_principal: CLIENT_1, client_nonce: 1_000_000n * ++sessions };
            expect(await canister.open(clientKey, GATEWAY_1)).toEqual({ Ok: null });
            nextSequenceNum = 1n;
        };
        await connect();
        expect(await canister.send(CLIENT_1, [encodeAppMessage({ text: 'queued before the fuzzing' })])).toEqual({ Ok: null });

        const references = new Map<number, bigint>();
        async function call(sender: Principal, arg: Uint8Array, query: boolean): Promise<Outcome> {
            try {
                const run = query ? canister.replica.query(canister.canisterId, endpoint, arg, { sender }) : canister.replica.update(canister.canisterId, endpoint, arg, { sender });
                const { reply, instructions } = await run;
                if (endpoint === 'ws_get_messages') return { kind: 'ok', text: `${reply.length} B`, instructions };
                const result = IDL.decode([IDL.Variant({ Ok: IDL.Null, Err: IDL.Text })], reply)[0] as { Ok: null } | { Err: string };
                return 'Err' in result ? { kind: 'err', text: result.Err, instructions } : { kind: 'ok', text: 'Ok', instructions };
            } catch (error) {
                if (!(error instanceof RejectError)) throw error;
                return { kind: 'rejected', text: error.message, instructions: error.instructions ?? -1n };
            }
        }
        async function reference(size: number): Promise<bigint> {
            let cached = references.get(size);
            if (cached === undefined) {
                const wellFormed = cheapestWellFormedCall(endpoint, size, STRANGER);
                cached = (await call(wellFormed.sender, wellFormed.arg, wellFormed.query)).instructions;
                references.set(size, cached);
            }
            return cached;
        }
        const snapshot = async () => ({ state: await canister.state(), certified: hex(canister.certifiedData()) });
        let current = await snapshot();
        const verifyEveryQueue = async () => {
            for (const [gateway] of (await canister.state()).gateways) await canister.pollAll(gateway); // throws unless every batch verifies
        };

        const senders: Record<EndpointName, Principal[]> = {
            ws_open: [STRANGER, Principal.anonymous(), CLIENT_1],
            ws_close: [GATEWAY_1, STRANGER],
            ws_message: [CLIENT_1, CLIENT_1, STRANGER],
            ws_get_messages: [GATEWAY_1, STRANGER]
        };
        const counts = { ok: 0, err: 0, rejected: 0 };
        for (let i = 0; i < CASES; i++) {
            const rng = new SeededRandom(SEED * 1_000_003n + BigInt(index * 1_000_000 + i));
            const sender = senders[endpoint][rng.intBetween(0, senders[endpoint].length - 1)];
            const fields: ArgFields = { clientKey, sequenceNum: nextSequenceNum, gateway: GATEWAY_1, nonce: clientKey.client_nonce + 1n };
            const { description, arg } = fuzzArgument(endpoint, rng, fields);
            const replay = `seed ${SEED}, case ${i}: ${description} (${arg.length} B) from ${sender.toText()}`;
            const before = current;
            const outcome = await call(sender, arg, endpoint === 'ws_get_messages');
            current = await snapshot();
            counts[outcome.kind]++;
            expect(outcome.text, replay).not.toMatch(/exceeded the limit of|stack overflow|unreachable|out of memory/i);
            const closedForSequence = /^Expected incoming sequence number/.test(outcome.text);
            if (outcome.kind === 'rejected' || (outcome.kind === 'err' && !closedForSequence)) expect(current, replay).toEqual(before);
            // Refused for its argument (not Candid of the endpoint's types, too costly, a principal over 29 bytes):
            // bounded like a well-formed call. (Other Errs answer valid arguments, doing the endpoint's normal work.)
            if (outcome.kind === 'rejected' || /^Invalid principal in/.test(outcome.text)) {
                const wellFormed = await reference(arg.length);
                expect(Number(outcome.instructions), `${replay}: ${outcome.instructions} vs well-formed ${wellFormed}`).toBeLessThanOrEqual(2 * Number(wellFormed));
            }
            // Keep the fuzzed client usable: a consumed sequence number, or a closed or replaced session.
            if (sender === CLIENT_1 && endpoint === 'ws_message' && (outcome.kind === 'ok' || /service message/i.test(outcome.text))) nextSequenceNum++;
            const connected = current.state.clients.some((p) => p.toText() === CLIENT_1.toText());
            if (!connected || (endpoint === 'ws_open' && sender === CLIENT_1 && outcome.kind === 'ok')) {
                await connect();
                current = await snapshot();
            }
            if (i % 100 === 99) await verifyEveryQueue();
        }
        await verifyEveryQueue();
        // The cases reached all three outcomes' code paths often enough to mean something.
        expect(counts.rejected, JSON.stringify(counts)).toBeGreaterThan(CASES / 4);
    }, 60_000 + CASES * 1_000); // an accepted ws_open alone is 13-26M instructions, ~0.1 s in the replica
}
