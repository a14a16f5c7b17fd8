// MessageVerifier on real batches of the test canister (azle wasm in the embedded replica, BLS-signed certificates):
// one BLS check per certificate however many messages it covers, and the cache never weakens a check (content
// hash, root key, freshness are still applied on a hit).
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { bls12_381 } from '@noble/curves/bls12-381';
import { RootKey } from '../../replica/index.ts';
import { CertificateCache, IcWebSocketError, MessageVerifier, decodeWebsocketMessage, type ClientIncomingMessage } from '../../client/src/index.ts';
import { appMessage, WsCanister } from '../cdk-canister/ws_canister.ts';
import { CLIENT_1, CLIENT_2, GATEWAY_1 } from '../support/principals.ts';

let canister: WsCanister;
let batch: ClientIncomingMessage[];

beforeAll(async () => {
    canister = await WsCanister.install();
    const keys = [{ client_principal: CLIENT_1, client_nonce: 1n }, { client_principal: CLIENT_2, client_nonce: 2n }];
    for (const key of keys) await canister.open(key, GATEWAY_1);
    await canister.send(CLIENT_1, ['a', 'b', 'c'].map(appMessage));
    await canister.send(CLIENT_2, ['d', 'e'].map(appMessage));
    const polled = await canister.poll(GATEWAY_1, 0n);
    // What the gateway forwards: each message with the batch's certificate and witness.
    batch = polled.messages.map((message) => ({ key: message.key, content: message.content, cert: polled.cert, tree: polled.tree }));
});
afterEach(() => vi.useRealTimers());

/** A verifier whose BLS checks are counted. */
function countingVerifier(cache = new CertificateCache(), rootKey = canister.replica.rootKey) {
    const calls = { bls: 0 };
    const verifier = new MessageVerifier({
        canisterId: canister.canisterId,
        rootKey,
        certificateCache: cache,
        blsVerify: (publicKey, signature, message) => {
            calls.bls++;
            return bls12_381.verifyShortSignature(signature, message, publicKey);
        }
    });
    return { verifier, calls, cache };
}

it('verifies a poll of several messages with one BLS check, also when checked concurrently', async () => {
    expect(batch.length).toBe(7); // two OpenMessages and five application messages, one certificate
    const { verifier, calls, cache } = countingVerifier();
    await Promise.all(batch.map((message) => verifier.verify(message)));
    expect(calls.bls).toBe(1);
    expect(cache.verifications).toBe(1);
    expect(batch.map((message) => decodeWebsocketMessage(message.content).sequence_num)).toEqual([1n, 1n, 2n, 3n, 4n, 2n, 3n]);
    // Another verifier sharing the cache (another client of the canister) pays nothing more.
    const second = countingVerifier(cache);
    for (const message of batch) await second.verifier.verify(message);
    expect(second.calls.bls).toBe(0);
});

it('still checks every message against the cached certificate', async () => {
    const { verifier, calls } = countingVerifier();
    await verifier.verify(batch[0]!);
    const altered = batch[1]!.content.slice();
    altered[altered.length - 1] ^= 1;
    await expect(verifier.verify({ ...batch[1]!, content: altered })).rejects.toMatchObject({ reason: 'certificate-invalid' });
    await expect(verifier.verify({ ...batch[1]!, key: batch[1]!.key.replace(/\d$/, (d) => String((Number(d) + 5) % 10)) })).rejects.toMatchObject({
        reason: 'certificate-invalid'
    });
    expect(calls.bls).toBe(1);
});

it('keys the cache by root key: a certificate verified under one key is not trusted under another', async () => {
    const shared = new CertificateCache();
    await countingVerifier(shared).verifier.verify(batch[0]!);
    const stranger = countingVerifier(shared, RootKey.random().der);
    const error = await stranger.verifier.verify(batch[0]!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IcWebSocketError);
    expect((error as IcWebSocketError).reason).toBe('certificate-invalid');
    expect(stranger.calls.bls).toBe(1);
});

it('re-checks freshness on every message: a cached certificate expires', async () => {
    const { verifier } = countingVerifier();
    await verifier.verify(batch[0]!);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 6 * 60_000);
    await expect(verifier.verify(batch[1]!)).rejects.toMatchObject({ reason: 'certificate-expired' });
});
