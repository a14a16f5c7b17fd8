// How the gateway submits client calls, against a scripted IC endpoint on loopback: the synchronous v3 endpoint
// first; v2 for an endpoint without v3 (older replicas); a refusal (HTTP 4xx) is a RelayRejected, a 5xx leaves the
// outcome unknown. (What a real v3 answer holds, a certificate with the request's status, is checked end to end
// with the replica in gateway-stop.test.ts.)
import { encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { RelayRejected } from '../../gateway/call-outcome.ts';
import { parseClientFrame } from '../../gateway/frames.ts';
import { IcClient } from '../../gateway/ic-client.ts';
import { loadOrCreateIdentity } from '../../gateway/identity.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** An IC endpoint answering each `POST <path>` with `answer(path)`; records the paths asked. */
async function scriptedEndpoint(answer: (path: string) => { status: number; body?: Uint8Array | string }): Promise<{ url: string; paths: string[] }> {
    const paths: string[] = [];
    server = createServer((request, response) => {
        request.resume();
        request.on('end', () => {
            paths.push(request.url!);
            const { status, body } = answer(request.url!);
            response.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/cbor' });
            response.end(body ?? '');
        });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
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
    const endpoint = await scriptedEndpoint((path) => (path.startsWith('/api/v3/') ? { status: 404, body: 'no such endpoint' } : { status: 202 }));
    const ic = await connect(endpoint.url);
    expect(await ic.submitCall(call)).toBe('accepted');
    expect(await ic.submitCall(call)).toBe('accepted');
    expect(endpoint.paths).toEqual([`/api/v3/canister/${CANISTER}/call`, `/api/v2/canister/${CANISTER}/call`, `/api/v2/canister/${CANISTER}/call`]);
});

it('reads a refusal (4xx) as RelayRejected, a non-replicated rejection with its error code, and a 5xx as unknown', async () => {
    let next: { status: number; body?: Uint8Array | string } = { status: 400, body: 'Invalid signature' };
    const endpoint = await scriptedEndpoint(() => next);
    const ic = await connect(endpoint.url);
    const refused = await ic.submitCall(call).catch((error) => error);
    expect(refused).toBeInstanceOf(RelayRejected);
    expect(refused.message).toBe('IC refused ws_message (HTTP 400): Invalid signature');

    next = { status: 200, body: encodeWithSelfDescribedTag({ status: 'non_replicated_rejection', reject_code: 5, reject_message: 'Canister is stopped', error_code: 'IC0508' }) };
    const stopped = await ic.submitCall(call).catch((error) => error);
    expect(stopped).toBeInstanceOf(RelayRejected);
    expect(stopped).toMatchObject({ errorCode: 'IC0508', canisterPaused: true, message: 'IC rejected ws_message (code 5, IC0508): Canister is stopped' });

    next = { status: 503, body: 'overloaded' };
    const unknown = await ic.submitCall(call).catch((error) => error);
    expect(unknown).not.toBeInstanceOf(RelayRejected);
    expect(unknown.message).toBe('IC answered ws_message with HTTP 503: overloaded');

    next = { status: 202 };
    expect(await ic.submitCall(call)).toBe('accepted'); // v3 timed out: the call runs, its outcome is not known
    expect(endpoint.paths.every((path) => path.startsWith('/api/v3/'))).toBe(true);
});
