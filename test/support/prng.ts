import { Principal } from '@dfinity/principal';

/**
 * A small seeded PRNG (SplitMix64) for the property-style scenarios: the same seed gives the same cases on every
 * run, so a failure report ("case 7 of seed 42") can be replayed exactly.
 *
 * @example
 * ```ts
 * const rng = new SeededRandom(42n);
 * const nonce = rng.nextU64();          // a bigint in [0, 2^64)
 * const count = rng.intBetween(1, 100); // an integer in [1, 100]
 * const gateway = rng.principal();      // a random self-authenticating principal
 * ```
 */
export class SeededRandom {
    private state: bigint;

    constructor(seed: bigint) {
        this.state = BigInt.asUintN(64, seed);
    }

    /** A uniformly distributed unsigned 64-bit integer. */
    nextU64(): bigint {
        this.state = BigInt.asUintN(64, this.state + 0x9e3779b97f4a7c15n);
        let z = this.state;
        z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
        z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
        return z ^ (z >> 31n);
    }

    /** An integer in the inclusive range [min, max]. */
    intBetween(min: number, max: number): number {
        if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
            throw new RangeError(`intBetween needs integers with min <= max, got ${min}..${max}`);
        }
        return min + Number(this.nextU64() % BigInt(max - min + 1));
    }

    /** `length` random bytes. */
    bytes(length: number): Uint8Array {
        return Uint8Array.from({ length }, () => Number(this.nextU64() & 0xffn));
    }

    /** A random principal shaped like a self-authenticating one (28 hash bytes + 0x02), never anonymous. */
    principal(): Principal {
        return Principal.fromUint8Array(Uint8Array.from([...this.bytes(28), 0x02]));
    }
}
