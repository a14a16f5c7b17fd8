/**
 * The gateway's own Ed25519 identity. Its principal is what clients name in `ws_open`, and it is the caller of
 * `ws_get_messages` and `ws_close`. Persisted under a data directory so a restarted gateway keeps serving the
 * queues the canister holds for it; generated per run when no directory is given.
 */
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File name of the key pair inside the data directory (JSON, as `Ed25519KeyIdentity.toJSON` writes it). */
export const KEY_PAIR_FILE = 'key_pair.json';

/**
 * Loads the identity from `<dataDir>/key_pair.json`, creating it (mode 0600) on first use; without `dataDir`, a
 * fresh random identity.
 *
 * @example
 * const identity = loadOrCreateIdentity('.gateway-data');
 * console.log(identity.getPrincipal().toText());
 */
export function loadOrCreateIdentity(dataDir?: string): Ed25519KeyIdentity {
    if (!dataDir) return Ed25519KeyIdentity.generate();
    const file = join(dataDir, KEY_PAIR_FILE);
    if (existsSync(file)) {
        try {
            return Ed25519KeyIdentity.fromJSON(readFileSync(file, 'utf8'));
        } catch (error) {
            throw new Error(`${file} is not a gateway key pair (${error instanceof Error ? error.message : String(error)}); move it away to create a new one`);
        }
    }
    mkdirSync(dataDir, { recursive: true });
    const identity = Ed25519KeyIdentity.generate();
    writeFileSync(file, JSON.stringify(identity.toJSON()), { mode: 0o600 });
    return identity;
}
