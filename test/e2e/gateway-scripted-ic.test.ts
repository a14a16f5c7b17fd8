// The gateway against a scripted IC endpoint on loopback (support/scripted-ic.ts), for what the real replica cannot
// be made to show on demand. How client calls are submitted: the synchronous v3 endpoint first, v2 for an endpoint
// without v3 (older replicas); a refusal (HTTP 4xx, a non-replicated rejection) is a RelayRejected, a 5xx leaves
// the outcome unknown. (A real v3 answer, a certificate with the request's status, is read end to end with the
// replica in gateway-stop.test.ts.) And a client that does not read what the canister sends it: megabyte messages
// pile up in the gateway until it is closed.
import { encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { afterEach, expect, it } from 'vitest';
import { RelayRejected } from '../../gateway/call-outcome.ts';
import { parseClientFrame } from '../../gateway/frames.ts';
import { IcClient } from '../../gateway/ic-client.ts';
import { loadOrCreateIdentity } from '../../gateway/identity.ts';
import { startLoggedGateway } from './support/logged-gateway.ts';
import { RawGatewayClient } from './support/raw-client.ts';
import { startScriptedIc, type ScriptedAnswer, type ScriptedIc } from './support/scripted-ic.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scriptedIc(handlers: Parameters<typeof startScriptedIc>[0]): Promise<ScriptedIc> {
    const ic = await startScriptedIc(handlers);
    cleanups.push(() => ic.close());
    return ic;
}

const CANISTER = 'bkyz2-fmaaa-aaaaa-qaaaq-cai';
const call = parseClientFrame(
    encodeWithSelfDescribedTag({
        envelope: {
            content: {
                request_type: 'call',
                canister_id: Principal.fromText(CANISTER).toUint8Array(),
                method_name: 'ws_message',
                arg: Uint8Array.of(0x44, 0x49, 0x44, 0x4c, 0, 0),
                sender: Principal.anonymous().toUint8Array(),
                ingress_expiry: BigInt(Date.now() + 120_000) * 1_000_000n,
                nonce: new Uint8Array(16)
            }
        }
    })
);

const connect = (icUrl: string) => IcClient.connect({ icUrl, identity: loadOrCreateIdentity(), rootKey: new Uint8Array(133) });

it('falls back to v2 for good when the endpoint has no v3 call endpoint', async () => {
    const ic = await scriptedIc({ onCall: (path) => (path.startsWith('/api/v3/') ? { status: 404, body: 'no such endpoint' } : { status: 202 }) });
    const client = await connect(ic.url);
    expect(await client.submitCall(call)).toBe('accepted');
    expect(await client.submitCall(call)).toBe('accepted');
    expect(ic.paths).toEqual([`/api/v3/canister/${CANISTER}/call`, `/api/v2/canister/${CANISTER}/call`, `/api/v2/canister/${CANISTER}/call`]);
});

it('reads a refusal (4xx) as RelayRejected, a non-replicated rejection with its error code, and a 5xx as unknown', async () => {
    let next: ScriptedAnswer = { status: 400, body: 'Invalid signature' };
    const ic = await scriptedIc({ onCall: () => next });
    const client = await connect(ic.url);
    const refused = await client.submitCall(call).catch((error) => error);
    expect(refused).toBeInstanceOf(RelayRejected);
    expect(refused.message).toBe('IC refused ws_message (HTTP 400): Invalid signature');

    next = { status: 200, body: encodeWithSelfDescribedTag({ status: 'non_replicated_rejection', reject_code: 5, reject_message: 'Canister is stopped', error_code: 'IC0508' }) };
    const stopped = await client.submitCall(call).catch((error) => error);
    expect(stopped).toBeInstanceOf(RelayRejected);
    expect(stopped).toMatchObject({ errorCode: 'IC0508', canisterPaused: true, message: 'IC rejected ws_message (code 5, IC0508): Canister is stopped' });

    next = { status: 503, body: 'overloaded' };
    const unknown = await client.submitCall(call).catch((error) => error);
    expect(unknown).not.toBeInstanceOf(RelayRejected);
    expect(unknown.message).toBe('IC answered ws_message with HTTP 503: overloaded');

    next = { status: 202 };
    expect(await client.submitCall(call)).toBe('accepted'); // v3 timed out: the call runs, its outcome is not known
    expect(ic.paths.every((path) => path.startsWith('/api/v3/'))).toBe(true);
});

// The Candid of ws_get_messages (spec protocol.md §1), to script the canister's queue.
const ClientKey = IDL.Record({ client_principal: IDL.Principal, client_nonce: IDL.Nat64 });
const GetMessagesResult = IDL.Variant({
    Ok: IDL.Record({
        messages: IDL.Vec(IDL.Record({ client_key: ClientKey, key: IDL.Text, content: IDL.Vec(IDL.Nat8) })),
        cert: IDL.Vec(IDL.Nat8),
        tree: IDL.Vec(IDL.Nat8),
        is_end_of_queue: IDL.Bool
    }),
    Err: IDL.Text
});
const WsOpenArguments = IDL.Record({ client_nonce: IDL.Nat64, gateway_principal: IDL.Principal });

it('closes a client that does not read its messages once more than maxUnsentBytes are queued for it', async () => {
    // The canister's queue: an OpenMessage for the client, then 1 MB messages, two per poll, until it is closed.
    let client: { client_principal: Principal; client_nonce: bigint } | undefined;
    let nonce = 0;
    const ic = await scriptedIc({
        onCall: (_path, content) => {
            if (content.method_name === 'ws_open') {
                const [args] = IDL.decode([WsOpenArguments], content.arg.slice().buffer) as unknown as [{ client_nonce: bigint }];
                client = { client_principal: Principal.fromUint8Array(content.sender), client_nonce: args.client_nonce };
            }
            return { status: 202 };
        },
        onQuery: () => {
            const size = nonce === 0 ? 10 : 1_000_000;
            const messages = client ? [0, 1].map(() => ({ client_key: client!, key: `gw_${String(nonce++).padStart(20, '0')}`, content: new Uint8Array(size) })) : [];
            return new Uint8Array(IDL.encode([GetMessagesResult], [{ Ok: { messages, cert: new Uint8Array(8), tree: new Uint8Array(8), is_end_of_queue: true } }]));
        }
    });
    const { gateway, log } = await startLoggedGateway({ icUrl: ic.url, rootKey: new Uint8Array(133), pollingIntervalMs: 10, maxUnsentBytes: 1024 * 1024 });
    cleanups.push(() => gateway.close());
    const sleeper = await RawGatewayClient.open(gateway.url, CANISTER);
    sleeper.socket.pause(); // reads nothing more: the kernel's socket buffers fill, then the gateway's queue grows
    await expect.poll(() => log.join('\n'), { timeout: 15_000 }).toMatch(/client does not read its messages/);
    // Reading again, the client gets what was queued, then the close with the reason (it would be cut off after 2 s).
    sleeper.socket.resume();
    const closed = await sleeper.closed();
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/^client does not read its messages: \d+ bytes unsent \(limit 1048576\)$/);
    expect(Number(/(\d+) bytes/.exec(closed.reason)![1])).toBeLessThan(1024 * 1024 + 2 * 1_000_100);
    // Decided once: nothing more was queued for it afterwards.
    expect(log.filter((line) => line.includes('client does not read its messages'))).toHaveLength(1);
});
