/**
 * SHA-256 (FIPS 180-4) written for QuickJS, the interpreter Azle canisters run in. General-purpose libraries are
 * far too slow there: @noble/hashes measured ~1.8M IC instructions per 64-byte block, because QuickJS pays for
 * every property access and call. This version keeps the state in locals, works on int32 values only, reuses
 * module-level buffers and has no calls inside the compression loop. Verified against @noble/hashes in
 * test/cdk-unit/sha256.test.ts; measured in bench/RESULTS.md.
 */

const K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]);

const INITIAL_STATE = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const W = new Int32Array(64);
const state = new Int32Array(8);
let scratch = new Uint8Array(256);

/** Runs the compression function over the 64-byte blocks of `data[offset, offset + 64·blocks)`. */
function compress(data: Uint8Array, offset: number, blocks: number): void {
    let h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3], h4 = state[4], h5 = state[5], h6 = state[6], h7 = state[7];
    for (let block = 0; block < blocks; block++) {
        let p = offset + block * 64;
        for (let t = 0; t < 16; t++, p += 4) {
            W[t] = (data[p] << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3];
        }
        for (let t = 16; t < 64; t++) {
            const w15 = W[t - 15];
            const w2 = W[t - 2];
            const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
            const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
            W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
        }
        let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
        for (let t = 0; t < 64; t++) {
            const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
            const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
            h = g;
            g = f;
            f = e;
            e = (d + t1) | 0;
            d = c;
            c = b;
            b = a;
            a = (t1 + t2) | 0;
        }
        h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
        h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    state[0] = h0; state[1] = h1; state[2] = h2; state[3] = h3; state[4] = h4; state[5] = h5; state[6] = h6; state[7] = h7;
}

/**
 * SHA-256 of the concatenation of `parts` (no intermediate concatenation by the caller).
 *
 * @example
 * sha256(new TextEncoder().encode('abc')); // ba7816bf…
 */
export function sha256(...parts: Uint8Array[]): Uint8Array {
    let length = 0;
    for (const part of parts) length += part.length;
    const paddedLength = (length + 9 + 63) & ~63;
    if (scratch.length < paddedLength) scratch = new Uint8Array(paddedLength * 2);
    const buffer = scratch;
    let offset = 0;
    for (const part of parts) {
        buffer.set(part, offset);
        offset += part.length;
    }
    buffer.fill(0, length, paddedLength);
    buffer[length] = 0x80;
    const bits = length * 8;
    buffer[paddedLength - 5] = Math.floor(bits / 0x1_0000_0000) & 0xff;
    buffer[paddedLength - 4] = (bits >>> 24) & 0xff;
    buffer[paddedLength - 3] = (bits >>> 16) & 0xff;
    buffer[paddedLength - 2] = (bits >>> 8) & 0xff;
    buffer[paddedLength - 1] = bits & 0xff;

    for (let i = 0; i < 8; i++) state[i] = INITIAL_STATE[i];
    compress(buffer, 0, paddedLength / 64);

    const out = new Uint8Array(32);
    for (let i = 0, p = 0; i < 8; i++, p += 4) {
        const word = state[i];
        out[p] = word >>> 24;
        out[p + 1] = (word >>> 16) & 0xff;
        out[p + 2] = (word >>> 8) & 0xff;
        out[p + 3] = word & 0xff;
    }
    return out;
}
