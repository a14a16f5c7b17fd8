/**
 * Helpers every integration suite uses to reach the Internet Computer of this test run: a real PocketIC server
 * (`POCKET_IC_BIN` set) or our embedded replica, both started by `test/setup/pic-server.ts` and used through the
 * unmodified @dfinity/pic client.
 *
 * @example
 * ```ts
 * import { createPic, rootKeyOf } from '../setup/ic';
 * const pic = await createPic();
 * const { actor, canisterId } = await pic.setupCanister<_SERVICE>({ idlFactory, wasm });
 * const rootKey = await rootKeyOf(pic); // verify certificates from `canisterId` with this key
 * await pic.tearDown();
 * ```
 */
import { inject } from 'vitest';
import { PocketIc, type CreateInstanceOptions } from '@dfinity/pic';

/** DER prefix of an IC BLS12-381 public key (ic-certificates.md §1.4); the raw key is 96 bytes. */
const BLS_DER_PREFIX = Uint8Array.from(
    Buffer.from('308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100', 'hex')
);
const RAW_BLS_KEY_LENGTH = 96;

/**
 * Creates a fresh IC instance on the server of this run: one application subnet unless `options` say otherwise.
 * Tear it down with `pic.tearDown()` when the suite is done.
 */
export async function createPic(options?: CreateInstanceOptions): Promise<PocketIc> {
    return PocketIc.create(inject('PIC_URL'), options);
}

/**
 * The DER root key (133 bytes) that verifies certificates of `pic`: the key of the NNS subnet if there is one,
 * else of the first subnet (which is then the root subnet and signs without delegation).
 */
export async function rootKeyOf(pic: PocketIc): Promise<Uint8Array> {
    const subnets = await pic.getTopology();
    if (subnets.length === 0) throw new Error('the instance has no subnets');
    const root = (await pic.getNnsSubnet()) ?? subnets[0];
    const key = Uint8Array.from(await pic.getPubKey(root.id));
    return key.length === RAW_BLS_KEY_LENGTH ? concat(BLS_DER_PREFIX, key) : key;
}

/** True when the suites run against a real PocketIC server rather than the embedded replica. */
export function isRealPocketIc(): boolean {
    return inject('PIC_BACKEND') === 'pocket-ic';
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
}
