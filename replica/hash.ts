/** SHA-256 through Node's native crypto: ~5x faster than a JS implementation on multi-megabyte wasm modules. */
import { createHash } from 'node:crypto';

/** SHA-256 digest of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
    return new Uint8Array(createHash('sha256').update(data).digest());
}
