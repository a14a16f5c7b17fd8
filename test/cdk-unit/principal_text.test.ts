import { describe, expect, it } from 'vitest';
import { Principal } from '@dfinity/principal';
import { handlerPrincipal, principalText } from '../../src/principal_text';

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function bytesOf(seed: number, length: number): Uint8Array {
    let x = seed * 2654435761 + 1;
    return Uint8Array.from({ length }, () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x & 0xff;
    });
}

describe('principal text', () => {
    it('is byte for byte @dfinity/principal toText for every length 0..29', () => {
        for (let length = 0; length <= 29; length++) {
            for (let seed = 1; seed <= 40; seed++) {
                const bytes = bytesOf(seed * 31 + length, length);
                expect(principalText(bytes), `${length} bytes, seed ${seed}`).toBe(Principal.fromUint8Array(bytes).toText());
            }
        }
        for (const fill of [0x00, 0xff]) {
            const bytes = new Uint8Array(29).fill(fill);
            expect(principalText(bytes)).toBe(Principal.fromUint8Array(bytes).toText());
        }
        expect(principalText(Principal.anonymous().toUint8Array())).toBe('2vxsx-fae');
        const long = bytesOf(7, 40); // not a principal the IC issues: the library's text
        expect(principalText(long)).toBe(Principal.fromUint8Array(long).toText());
    });

    it('hands out a Principal equal to the original, with the same text', () => {
        const original = Principal.fromText('i3gux-m3hwt-5mh2w-t7wwm-fwx5j-6z6ht-hxguo-t4rfw-qp24z-g5ivt-2qe');
        const handed = handlerPrincipal(original);
        expect(handed).toBeInstanceOf(Principal);
        expect(handed.toText()).toBe(original.toText());
        expect(handed.toText()).toBe(original.toText()); // kept
        expect(handed.toString()).toBe(original.toText());
        expect(JSON.stringify(handed)).toBe(JSON.stringify(original));
        expect(handed.compareTo(original)).toBe('eq');
        expect(Principal.isPrincipal(handed)).toBe(true);
    });

    it('has the own properties of a Principal, before and after toText (deep equality, spreads, Object.keys)', () => {
        const original = Principal.fromUint8Array(bytesOf(3, 29));
        const handed = handlerPrincipal(original);
        expect(Object.keys(handed)).toEqual(Object.keys(original));
        handed.toText();
        expect(Object.keys(handed)).toEqual(Object.keys(original)); // the kept text is not an own enumerable property
        expect(handed).toEqual(original);
        expect({ ...handed }).toEqual({ ...original });
    });
});
