import {
    Certificate,
    type HashTree,
    LookupPathStatus,
    flatten_forks,
    lookupResultToBuffer,
    lookup_path,
    reconstruct
} from '@dfinity/agent';
import { decode } from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha256';
import type { CanisterOutputCertifiedMessages } from './test-canister-interface.ts';

/**
 * Verifies a `ws_get_messages` batch the way the IC WebSocket client does (protocol spec §3.4), with the
 * unmodified @dfinity/agent 3:
 * 1. `Certificate.create` with the replica's root key and the canister id (BLS signature, delegation);
 * 2. `reconstruct(tree) == certified_data` read from the certificate;
 * 3. for every message, `lookup_path(["websocket", key], tree)` is Found and equals `sha256(content)`.
 * It additionally checks spec §3.4(c): the revealed `websocket` labels are strictly ascending bytewise.
 *
 * Time: the suites move the IC clock minutes or hours past the wall clock (ack intervals, keep-alive timeouts),
 * so the agent's wall-clock freshness check would reject perfectly fresh certificates. We therefore pass
 * `disableTimeVerification` and apply the client's ±5 minute window against the IC's own clock (`icTimeNs`),
 * which is the same rule evaluated in the replica's time frame.
 *
 * Throws an Error naming the failed check; returns nothing on success.
 *
 * @example
 * ```ts
 * const batch = await canister.getMessages(GATEWAY_1, 0n);
 * await verifyCertifiedBatch(batch, { rootKey, canisterId, icTimeNs: await canister.timeNs() });
 * ```
 */
export async function verifyCertifiedBatch(
    batch: CanisterOutputCertifiedMessages,
    context: { rootKey: Uint8Array; canisterId: Principal; icTimeNs: bigint }
): Promise<void> {
    if (batch.messages.length === 0) return;
    const canisterId = Principal.fromText(context.canisterId.toText());
    const certificate = await Certificate.create({
        certificate: batch.cert,
        rootKey: context.rootKey,
        canisterId,
        disableTimeVerification: true
    });
    checkCertificateTime(certificate, context.icTimeNs);

    const certifiedData = lookupResultToBuffer(
        certificate.lookup_path(['canister', canisterId.toUint8Array(), 'certified_data'])
    );
    if (certifiedData === undefined) throw new Error('certificate has no certified_data for the canister');

    const tree = decodeHashTree(batch.tree);
    const root = await reconstruct(tree);
    if (!equalBytes(root, certifiedData)) {
        throw new Error(`witness root ${hex(root)} != certified_data ${hex(certifiedData)}`);
    }
    checkLabelsSorted(tree);

    for (const message of batch.messages) {
        const found = lookup_path(['websocket', message.key], tree);
        if (found.status !== LookupPathStatus.Found) {
            throw new Error(`key ${message.key} is not revealed in the witness (${found.status})`);
        }
        const expected = sha256(message.content);
        if (!equalBytes(found.value as Uint8Array, expected)) {
            throw new Error(`witness leaf for ${message.key} != sha256(content)`);
        }
    }
}

/** Decodes a CBOR hash tree (spec §3.3) into @dfinity/agent's `HashTree` shape. */
export function decodeHashTree(treeBytes: Uint8Array): HashTree {
    return decode(treeBytes) as HashTree;
}

/** The labels revealed under `websocket` in a witness, in tree order. */
export function revealedMessageKeys(tree: HashTree): string[] {
    const websocket = flatten_forks(tree).find(
        (node) => node[0] === 2 && new TextDecoder().decode(node[1] as Uint8Array) === 'websocket'
    );
    if (websocket === undefined || websocket[0] !== 2) throw new Error('witness has no "websocket" label');
    return flatten_forks(websocket[2])
        .filter((node) => node[0] === 2)
        .map((node) => new TextDecoder().decode(node[1] as Uint8Array));
}

const FIVE_MINUTES_NS = 5n * 60n * 1_000_000_000n;

function checkCertificateTime(certificate: Certificate, icTimeNs: bigint): void {
    const encoded = lookupResultToBuffer(certificate.lookup_path(['time']));
    if (encoded === undefined) throw new Error('certificate has no /time');
    const certTime = decodeUleb128(encoded);
    if (certTime < icTimeNs - FIVE_MINUTES_NS || certTime > icTimeNs + FIVE_MINUTES_NS) {
        throw new Error(`certificate time ${certTime} is more than 5 minutes from IC time ${icTimeNs}`);
    }
}

function checkLabelsSorted(tree: HashTree): void {
    const keys = revealedMessageKeys(tree).map((key) => new TextEncoder().encode(key));
    for (let i = 1; i < keys.length; i++) {
        if (compareBytes(keys[i - 1]!, keys[i]!) >= 0) {
            throw new Error(`witness labels are not strictly ascending at position ${i}`);
        }
    }
}

function decodeUleb128(bytes: Uint8Array): bigint {
    let value = 0n;
    let shift = 0n;
    for (const byte of bytes) {
        value |= BigInt(byte & 0x7f) << shift;
        shift += 7n;
    }
    return value;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
        if (a[i] !== b[i]) return a[i]! - b[i]!;
    }
    return a.length - b.length;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
    return a.length === b.length && compareBytes(a, b) === 0;
}

function hex(bytes: Uint8Array): string {
    return Buffer.from(bytes).toString('hex');
}
