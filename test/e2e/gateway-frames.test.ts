// The gateway's pure parts: the nonce protocol of the poller and the frame codecs, in particular that a client's
// envelope reaches the IC as the very bytes the client sent.
import { decode, encode, encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';
import { encodeCanisterToClientMessage, parseClientFrame } from '../../gateway/frames.ts';
import { nextNonceAfter, nonceOfKey } from '../../gateway/poller.ts';

const GATEWAY = 'wzq5m-kmbcz-3vopy-a7n7l-sqoju-ogrz3-zqtku-qvh3x-mdp3s-2yqd2-gqe';
const key = (nonce: number) => `${GATEWAY}_${String(nonce).padStart(20, '0')}`;

describe('poller nonces', () => {
    it('reads the nonce after the last underscore of a key', () => {
        expect(nonceOfKey(key(7))).toBe(7n);
        expect(nonceOfKey(`${GATEWAY}_18446744073709551615`)).toBe(18446744073709551615n);
        expect(() => nonceOfKey('no-nonce')).toThrow(/does not end with _<nonce>/);
    });

    it('accepts any first nonce, then only consecutive ones', () => {
        expect(nextNonceAfter(0n, key(41))).toBe(42n);
        expect(nextNonceAfter(42n, key(42))).toBe(43n);
        expect(() => nextNonceAfter(42n, key(44))).toThrow('Non consecutive nonce: expected 42, got 44');
        expect(() => nextNonceAfter(42n, key(41))).toThrow(/expected 42, got 41/);
    });
});

describe('client frames', () => {
    const content = {
        request_type: 'call',
        canister_id: Principal.fromText('bkyz2-fmaaa-aaaaa-qaaaq-cai').toUint8Array(),
        method_name: 'ws_message',
        arg: Uint8Array.of(0x44, 0x49, 0x44, 0x4c, 0, 0),
        sender: Principal.fromText('2vxsx-fae').toUint8Array(),
        ingress_expiry: 1_700_000_000_000_000_000n,
        nonce: new Uint8Array(16).fill(9)
    };
    const envelope = { content, sender_pubkey: new Uint8Array(44).fill(1), sender_sig: new Uint8Array(64).fill(2) };

    it('relays the envelope as the exact bytes the client sent, behind the self-describe tag', () => {
        const frame = encodeWithSelfDescribedTag({ envelope });
        const call = parseClientFrame(frame);
        // The frame is tag + map(1) + "envelope" + <envelope bytes>: the relayed bytes are that tail, tagged.
        const tail = frame.subarray(3 + 1 + 9);
        expect([...call.envelope]).toEqual([0xd9, 0xd9, 0xf7, ...tail]);
        expect(decode(call.envelope)).toEqual(envelope);
        expect(call.methodName).toBe('ws_message');
        expect(call.canisterId.toText()).toBe('bkyz2-fmaaa-aaaaa-qaaaq-cai');
        expect(call.sender.toText()).toBe('2vxsx-fae');
    });

    it('accepts an untagged frame too', () => {
        const call = parseClientFrame(encode({ envelope }));
        expect(decode(call.envelope)).toEqual(envelope);
    });
});

it('encodes canister messages as the untagged map {key, content, cert, tree}', () => {
    const message = { key: key(3), content: Uint8Array.of(1, 2), cert: Uint8Array.of(3), tree: Uint8Array.of(4, 5) };
    const bytes = encodeCanisterToClientMessage(message);
    expect(bytes[0]).toBe(0xa4); // a 4-entry map, no 55799 tag
    expect(decode(bytes)).toEqual(message);
});
