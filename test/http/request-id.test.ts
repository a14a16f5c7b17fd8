/**
 * Request ids (representation-independent hashing) of replica/http: the IC interface spec's worked example, and
 * agreement with @dfinity/agent's independent implementation on nested maps and arrays.
 */
import { describe, expect, it } from 'vitest';
import { requestIdOf as agentRequestIdOf } from '@dfinity/agent';
import { requestIdOf } from '../../replica/http/request-id.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('requestIdOf', () => {
    it("reproduces the IC interface spec's example request id", () => {
        const content = {
            request_type: 'call',
            sender: Uint8Array.of(0x04),
            ingress_expiry: 1_685_570_400_000_000_000n,
            canister_id: Uint8Array.from(Buffer.from('00000000000004D2', 'hex')),
            method_name: 'hello',
            arg: Uint8Array.from(Buffer.from('4449444c00fd2a', 'hex'))
        };
        expect(hex(requestIdOf(content))).toBe('1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101');
    });

    it('agrees with @dfinity/agent on read_state paths, nonces and delegation maps', () => {
        const samples = [
            { request_type: 'read_state', sender: Uint8Array.of(4), ingress_expiry: 1n, paths: [[new TextEncoder().encode('time')], [Uint8Array.of(1, 2), Uint8Array.of()]] },
            { request_type: 'query', sender: Uint8Array.of(4), ingress_expiry: 2n ** 63n, nonce: Uint8Array.of(9, 9), canister_id: Uint8Array.of(1), method_name: 'é', arg: Uint8Array.of() },
            { pubkey: Uint8Array.of(1, 2, 3), expiration: 1_700_000_000_000_000_000n, targets: [Uint8Array.of(1), Uint8Array.of(2, 1)] }
        ];
        for (const sample of samples) expect(hex(requestIdOf(sample))).toBe(hex(agentRequestIdOf(sample as never)));
    });

    it('leaves out absent fields and refuses values the hash cannot represent', () => {
        expect(hex(requestIdOf({ a: 'x', b: undefined }))).toBe(hex(requestIdOf({ a: 'x' })));
        expect(() => requestIdOf({ a: 1.5 })).toThrow(/cannot hash the number 1.5/);
        expect(() => requestIdOf({ a: -1 })).toThrow();
    });
});
