/**
 * PocketIC's blob store: large payloads (stable memory images) are uploaded once with `POST /blobstore` and then
 * referred to by id (the SHA-256 of the content). Gzip-encoded uploads are stored decompressed.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

export class BlobStore {
    readonly #blobs = new Map<string, Uint8Array>();

    /**
     * Stores `data` and returns its id.
     *
     * @example
     * ```ts
     * const id = blobs.put(bytes);      // 32-byte id
     * blobs.get(id);                    // bytes
     * ```
     */
    put(data: Uint8Array, gzipped = false): Uint8Array {
        const content = gzipped ? new Uint8Array(gunzipSync(data)) : data;
        const id = new Uint8Array(createHash('sha256').update(content).digest());
        this.#blobs.set(Buffer.from(id).toString('hex'), content);
        return id;
    }

    /** The blob with this id; throws a TypeError naming the id when there is none. */
    get(id: Uint8Array): Uint8Array {
        const key = Buffer.from(id).toString('hex');
        const blob = this.#blobs.get(key);
        if (!blob) throw new TypeError(`blob ${key} is not in the blob store`);
        return blob;
    }
}
