/**
 * The certified message queue: the one owner of queued messages and of the hash tree that certifies them, so that
 * storage and certification cannot get out of step. Everything lives in one stable map (layout in `layout.ts`):
 * messages, per-gateway queue heads, node hashes and folds, so an upgrade rebuilds nothing.
 *
 * The certified tree (under the label `websocket`) has one subtree per gateway (`gateway_tree.ts`, shape in
 * `shape.ts`) joined by a treap over the gateways (`gateway_index.ts`). Every change happens inside
 * {@link CertifiedQueue.transaction}: heads are cached for the transaction, and at its end the changed gateway trees
 * and index nodes are re-hashed once, written back, and the new root is handed to `setCertifiedData`.
 *
 * @example
 * const queue = new CertifiedQueue(map, (data) => certifiedDataSet(data));
 * queue.transaction(() => {
 *     queue.addGateway(gateway, time());
 *     queue.append(gateway, websocketMessage);
 * }); // certified data set here, once
 */
import type { Principal } from '@dfinity/principal';
import { binaryKey, bytesEqual } from '../bytes';
import { BoundedMap } from '../bounded_map';
import { encodeWebsocketMessage } from '../cbor';
import { EMPTY_HASH, websocketCertifiedData, type HashTree } from '../hash_tree';
import { INITIAL_OUTGOING_MESSAGE_NONCE } from '../constants';
import { isStorablePrincipal } from '../keys';
import type { KvMap } from '../state/kv';
import { encodeMessageRecord, messageRecordClientKey, messageRecordOwnHash, messageRecordTimestamp, readQueuedMessage } from '../state/records';
import { sha256 } from '../sha256';
import type { ClientKey, WebsocketMessage } from '../types';
import { utf8Bytes } from '../bytes';
import { gatewayWitness, updateGatewayHashes, type Bounds, type GatewayHashStore } from './gateway_tree';
import { indexWitness, insertIntoIndex, markChanged, recomputeIndex, removeFromIndex, type IndexNode, type IndexNodes } from './gateway_index';
import {
    decodeQueueHead,
    decodeQueueMeta,
    decodeReclaims,
    encodeQueueHead,
    encodeQueueMeta,
    encodeReclaims,
    GatewayKeys,
    META_KEY,
    queueHeadBounds,
    RECLAIM_KEY,
    type QueueHead,
    type QueueMeta,
    type Reclaim
} from './layout';
import { MessageHashing, type GatewayLabels } from './message_hashing';
import { nodesStartingAt, queueParts } from './shape';

/** A queued message as a poll returns it. */
export type QueuedMessage = { nonce: bigint; key: string; clientKey: ClientKey; content: Uint8Array; contentHash: Uint8Array };

/** A gateway's head while a transaction (or a read) runs. */
type Entry = IndexNode & {
    keys: GatewayKeys;
    /** Bounds at the start of the transaction: the certified state. */
    before: Bounds;
    queueChanged: boolean;
    removed: boolean;
    /** Own hashes of messages appended in this transaction. */
    leaves: Map<number, Uint8Array>;
    store: GatewayHashStore;
    /** The gateway's label hashing, looked up once per transaction. */
    labels: GatewayLabels | undefined;
};

const PRIORITY_DOMAIN = utf8Bytes('ic-websocket-cdk gateway priority');

/**
 * Instructions the end of a transaction spends per change (measured in bench/cdk.ts, rounded up): a new tree node
 * (one fork and a stored hash) per appended message, about one fork per deleted message, and per changed gateway its
 * folds, root, index path, head and the certified data.
 */
const COMMIT_COST_PER_APPEND = 1_600_000;
const COMMIT_COST_PER_DELETE = 1_500_000;
const COMMIT_COST_PER_GATEWAY = 6_000_000;

export class CertifiedQueue {
    /** Content and label hashing caches (per client, per gateway). */
    readonly hashing = new MessageHashing();
    private depth = 0;
    private session: Session | undefined;
    private readonly cache = new HeapCache();

    /**
     * @param map the stable map holding everything (memory id `messages`)
     * @param setCertifiedData receives `labeled("websocket", root)` whenever a transaction changed the root
     */
    constructor(
        private readonly map: KvMap,
        private readonly setCertifiedData: (data: Uint8Array) => void
    ) {}

    /**
     * Runs `work`; when the outermost transaction ends, re-hashes what changed and certifies the new root once. If
     * `work` throws (a trap in a canister, which rolls everything back), nothing is certified.
     */
    transaction<R>(work: () => R): R {
        if (this.depth === 0) this.session = new Session(this.map, this.cache);
        this.depth++;
        let result: R;
        try {
            result = work();
        } catch (error) {
            if (--this.depth === 0) {
                // A canister rolls its heap back with the trap; elsewhere (unit tests) drop what it may have touched.
                this.session = undefined;
                this.cache.clear();
            }
            throw error;
        }
        if (--this.depth === 0) {
            const session = this.session!;
            this.session = undefined;
            const rootHash = session.commit();
            if (rootHash !== undefined) this.setCertifiedData(websocketCertifiedData(rootHash));
        }
        return result;
    }

    /**
     * An estimate of the instructions the open transaction will still spend when it ends (re-hashing and writing
     * what changed), so that budgeted loops stop early enough for the whole message to stay within the budget.
     */
    pendingCommitCost(): bigint {
        return BigInt(this.session?.commitCost() ?? 0);
    }

    /** `labeled("websocket", root)` of the stored tree: what the certified data must be (set after an upgrade). */
    certifiedData(): Uint8Array {
        return websocketCertifiedData(this.current().rootHash());
    }

    /** Re-sets the certified data from the stored root (constant work: nothing is rebuilt). */
    recertify(): void {
        this.setCertifiedData(this.certifiedData());
    }

    /**
     * Registers `gateway` if it is not registered (its queue starts at nonce 0, or where the storage of an earlier
     * registration still being reclaimed ended). `now` seeds its position in the gateway index.
     */
    addGateway(gateway: Principal, now: bigint): void {
        const session = this.writer();
        if (session.entry(gateway) !== undefined) return;
        session.create(gateway, now);
    }

    /** Whether `gateway` is registered. */
    hasGateway(gateway: Principal): boolean {
        return this.current().entry(gateway) !== undefined;
    }

    /** The gateway's queue `[oldest, next)`, or undefined for an unregistered gateway. */
    bounds(gateway: Principal): { oldest: bigint; next: bigint } | undefined {
        if (!isStorablePrincipal(gateway)) return undefined;
        if (this.session === undefined) {
            // Reads outside a transaction (polls, introspection): the cached head, else only the bounds are decoded.
            const cached = this.cache.heads.get(binaryKey(gateway.toUint8Array()));
            if (cached !== undefined) return { oldest: BigInt(cached.head.oldest), next: BigInt(cached.head.next) };
            const bytes = this.map.get(new GatewayKeys(gateway).head());
            if (bytes === undefined) return undefined;
            const { oldest, next } = queueHeadBounds(bytes);
            return { oldest: BigInt(oldest), next: BigInt(next) };
        }
        const head = this.session.entry(gateway)?.head;
        return head === undefined ? undefined : { oldest: BigInt(head.oldest), next: BigInt(head.next) };
    }

    /** Number of queued messages of `gateway` (0 when unregistered). */
    depthOf(gateway: Principal): number {
        if (this.session !== undefined) {
            // Checked for every queued message: no BigInt bounds.
            const head = this.session.entry(gateway)?.head;
            return head === undefined ? 0 : head.next - head.oldest;
        }
        const bounds = this.bounds(gateway);
        return bounds === undefined ? 0 : Number(bounds.next - bounds.oldest);
    }

    /**
     * Queues a message for `gateway`: CBOR, content hash, own hash, stored record. Returns its nonce, or undefined
     * when the gateway is not registered. The tree is re-hashed when the transaction ends.
     */
    append(gateway: Principal, message: WebsocketMessage): bigint | undefined {
        const entry = this.writer().entry(gateway);
        if (entry === undefined) return undefined;
        const head = entry.head;
        const nonce = head.next;
        const content = encodeWebsocketMessage(message);
        const labels = (entry.labels ??= this.hashing.labelsOf(head.text));
        const contentHash = this.hashing.contentHash(message.client_key.client_principal, content);
        const ownHash = labels.ownHash(nonce, contentHash);
        this.map.insert(entry.keys.message(nonce), encodeMessageRecord({ contentHash, ownHash, timestamp: message.timestamp, clientKey: message.client_key, content }));
        entry.leaves.set(nonce, ownHash);
        this.session!.appended++;
        if (head.oldest === head.next) head.oldestTimestamp = message.timestamp;
        head.next = nonce + 1;
        this.session!.noteQueueChange(entry);
        return BigInt(nonce);
    }

    /**
     * Deletes up to `max` of the gateway's oldest messages, stopping at the first one not older than `maxAgeNs`
     * (strictly) at `now` (spec protocol.md §2.8). Returns the client keys of the deleted messages.
     */
    deleteExpired(gateway: Principal, now: bigint, maxAgeNs: bigint, max: number): ClientKey[] {
        const entry = this.writer().entry(gateway);
        const deleted: ClientKey[] = [];
        if (entry === undefined) return deleted;
        const head = entry.head;
        let record: Uint8Array | undefined;
        while (deleted.length < max && head.oldest < head.next && now - head.oldestTimestamp > maxAgeNs) {
            record ??= this.map.get(entry.keys.message(head.oldest))!;
            deleted.push(messageRecordClientKey(record));
            deleteMessageStorage(this.map, entry.keys, head.oldest, entry.before.next);
            head.oldest++;
            record = head.oldest < head.next ? this.map.get(entry.keys.message(head.oldest))! : undefined;
            if (record !== undefined) head.oldestTimestamp = messageRecordTimestamp(record);
        }
        if (deleted.length > 0) {
            this.session!.deleted += deleted.length;
            this.session!.noteQueueChange(entry);
        }
        return deleted;
    }

    /**
     * Removes `gateway` and its messages from the certified tree at once; their storage is deleted by
     * {@link CertifiedQueue.reclaim} (all of it at the end of this transaction unless deferred).
     */
    removeGateway(gateway: Principal): void {
        const session = this.writer();
        const entry = session.entry(gateway);
        if (entry === undefined) return;
        session.remove(entry);
    }

    /**
     * Deletes the storage of removed gateways, oldest message first, until `outOfBudget()` says the current message
     * has done enough (after at least one message). Returns how many messages were deleted and how many are left.
     */
    reclaim(outOfBudget: () => boolean = () => false): { deleted: number; left: number } {
        const stored = this.map.get(RECLAIM_KEY);
        if (stored === undefined) return { deleted: 0, left: 0 };
        const reclaims = decodeReclaims(stored);
        let deleted = 0;
        while (reclaims.length > 0) {
            const reclaim = reclaims[0];
            const keys = new GatewayKeys(reclaim.gateway);
            while (reclaim.oldest < reclaim.next) {
                if (deleted > 0 && outOfBudget()) {
                    this.map.insert(RECLAIM_KEY, encodeReclaims(reclaims));
                    return { deleted, left: reclaims.reduce((sum, r) => sum + r.next - r.oldest, 0) };
                }
                deleteMessageStorage(this.map, keys, reclaim.oldest, reclaim.next);
                reclaim.oldest++;
                deleted++;
            }
            reclaims.shift();
        }
        this.map.remove(RECLAIM_KEY);
        return { deleted, left: 0 };
    }

    /** Whether storage of removed gateways is waiting to be deleted. */
    hasReclaims(): boolean {
        return this.map.get(RECLAIM_KEY) !== undefined;
    }

    /**
     * Read access to `gateway`'s queue for one poll (messages and witnesses), or undefined when it is not
     * registered. Reuse it for every read of the poll: it caches the gateway's head and index path.
     */
    reader(gateway: Principal): QueueReader | undefined {
        const session = this.current();
        const entry = session.entry(gateway);
        return entry === undefined ? undefined : new QueueReader(this.map, session, entry, this.hashing);
    }

    /** Deletes everything (the test canister's `wipe`; O(n), not for production use). */
    clear(): void {
        for (const [key] of this.map.items()) this.map.remove(key);
        this.cache.clear();
        this.session = this.depth > 0 ? new Session(this.map, this.cache) : undefined;
        this.setCertifiedData(websocketCertifiedData(EMPTY_HASH));
    }

    /** Number of stable entries (messages, heads, nodes, folds): for tests of storage hygiene. */
    storedEntries(): number {
        return this.map.len();
    }

    private writer(): Session {
        if (this.session === undefined) throw new Error('CertifiedQueue: changes must run inside transaction()');
        return this.session;
    }

    /** The transaction's session, or a fresh read-only one (queries). */
    private current(): Session {
        return this.session ?? new Session(this.map, this.cache);
    }

}

/** One gateway's queue, read for a poll. */
export class QueueReader {
    /** Nonce of the oldest queued message and of the next one (the queue is `[oldest, next)`). */
    readonly oldest: bigint;
    readonly next: bigint;
    private readonly labels: GatewayLabels;

    constructor(
        private readonly map: KvMap,
        private readonly session: Session,
        private readonly entry: Entry,
        hashing: MessageHashing
    ) {
        this.oldest = BigInt(entry.head.oldest);
        this.next = BigInt(entry.head.next);
        this.labels = hashing.labelsOf(entry.head.text);
    }

    /** The queued message `nonce`, if any. */
    read(nonce: bigint): QueuedMessage | undefined {
        if (nonce < this.oldest || nonce >= this.next) return undefined;
        const bytes = this.map.get(this.entry.keys.message(Number(nonce)));
        if (bytes === undefined) return undefined;
        const record = readQueuedMessage(bytes);
        return { nonce, key: this.labels.key(Number(nonce)), clientKey: record.clientKey, content: record.content, contentHash: record.contentHash };
    }

    /**
     * A witness of the whole certified tree revealing exactly `messages` (consecutive, as {@link QueueReader.read}
     * returns them), everything else pruned. It reconstructs to the certified root.
     */
    witness(messages: QueuedMessage[]): HashTree {
        const { entry, labels } = this;
        const first = Number(messages[0].nonce);
        const reveal = (nonce: number): HashTree => {
            const message = messages[nonce - first];
            return { kind: 'labeled', label: labels.label(message.key), subtree: { kind: 'leaf', value: message.contentHash } };
        };
        const inner = gatewayWitness(entry.store, entry.head, entry.head, first, first + messages.length - 1, reveal);
        return indexWitness(this.session, entry, inner);
    }
}

/** Deletes a message and the stored nodes that start at it (they cover deleted messages from now on). */
function deleteMessageStorage(map: KvMap, keys: GatewayKeys, nonce: number, next: number): void {
    map.remove(keys.message(nonce));
    for (const node of nodesStartingAt(nonce, next)) map.remove(keys.node(node.level, node.start / 2 ** node.level));
}

/** Gateways whose decoded heads stay on the heap between calls (a cache: everything is in stable memory). */
const HEADS_CACHED = 64;

/**
 * Decoded heads and the index root as of the last committed transaction, so that a call does not read and decode
 * them again. Bounded, and consistent: a trap rolls the heap back with the stable writes, a query's changes are
 * discarded, an upgrade starts empty.
 */
class HeapCache {
    readonly heads = new BoundedMap<string, { head: QueueHead; keys: GatewayKeys }>(HEADS_CACHED);
    meta: QueueMeta | undefined;

    clear(): void {
        this.heads.clear();
        this.meta = undefined;
    }
}

/** The heads, index root and hashes one transaction (or one read) works on, written back by {@link Session.commit}. */
class Session implements IndexNodes {
    private readonly entries = new Map<string, Entry | null>();
    private loadedMeta: QueueMeta | undefined;
    private metaModified = false;
    private indexChanged = false;
    private readonly removed: Entry[] = [];
    /**
     * The gateway principal object last looked up and its entry: queueing a message looks its gateway up three
     * times with the same object (registered? expiry, append), and each lookup by bytes costs ~30k instructions.
     */
    private lastGateway: Principal | undefined;
    private lastEntry: Entry | undefined;
    /** Messages appended and deleted, and gateways changed, in this transaction (for {@link Session.commitCost}). */
    appended = 0;
    deleted = 0;
    private changedGateways = 0;

    constructor(
        private readonly map: KvMap,
        private readonly cache: HeapCache
    ) {}

    meta(): QueueMeta {
        if (this.loadedMeta === undefined) {
            const bytes = this.cache.meta === undefined ? this.map.get(META_KEY) : undefined;
            this.loadedMeta = this.cache.meta ?? (bytes === undefined ? { indexRoot: null } : decodeQueueMeta(bytes));
        }
        return this.loadedMeta;
    }

    root(): Uint8Array | null {
        return this.meta().indexRoot;
    }

    /** See {@link CertifiedQueue.pendingCommitCost}. */
    commitCost(): number {
        return this.appended * COMMIT_COST_PER_APPEND + this.deleted * COMMIT_COST_PER_DELETE + this.changedGateways * COMMIT_COST_PER_GATEWAY;
    }

    /** The gateway's queue changed: its tree is re-hashed at commit. */
    noteQueueChange(entry: Entry): void {
        if (!entry.queueChanged) this.changedGateways++;
        entry.queueChanged = true;
        entry.modified = true;
    }

    /** The root hash of the stored tree: the subtree hash of the index root, the empty hash without messages. */
    rootHash(): Uint8Array {
        const root = this.root();
        return (root === null ? null : this.node(root).head.subtree) ?? EMPTY_HASH;
    }

    setRoot(principal: Uint8Array | null): void {
        if (principal === this.meta().indexRoot) return;
        this.meta().indexRoot = principal;
        this.metaModified = true;
    }

    node(principal: Uint8Array): IndexNode {
        const entry = this.load(principal);
        if (entry === undefined) throw new Error(`CertifiedQueue: gateway index node missing`);
        return entry;
    }

    entry(gateway: Principal): Entry | undefined {
        if (gateway === this.lastGateway) return this.lastEntry;
        // A principal over 29 bytes is never stored (the endpoints refuse them): no such gateway.
        const entry = isStorablePrincipal(gateway) ? this.load(gateway.toUint8Array()) : undefined;
        this.lastGateway = gateway;
        this.lastEntry = entry;
        return entry;
    }

    create(gateway: Principal, now: bigint): Entry {
        const principal = gateway.toUint8Array();
        const removedNow = this.removed.find((entry) => bytesEqual(entry.principal, principal));
        const start = removedNow?.head.next ?? this.pendingReclaimEnd(principal) ?? Number(INITIAL_OUTGOING_MESSAGE_NONCE);
        const text = gateway.toText();
        const head: QueueHead = {
            text,
            textBytes: utf8Bytes(text),
            oldest: start,
            next: start,
            oldestTimestamp: 0n,
            leftHash: null,
            rightHash: null,
            root: null,
            priority: priorityOf(principal, now),
            left: null,
            right: null,
            subtree: null,
            leftOwn: null
        };
        const entry = this.wrap(principal, head);
        this.lastGateway = undefined;
        this.entries.set(binaryKey(principal), entry);
        insertIntoIndex(this, entry);
        this.indexChanged = true;
        return entry;
    }

    remove(entry: Entry): void {
        this.lastGateway = undefined;
        removeFromIndex(this, entry);
        this.indexChanged = true;
        entry.removed = true;
        this.entries.set(binaryKey(entry.principal), null);
        this.removed.push(entry);
    }

    /**
     * Re-hashes changed gateways and index nodes, writes heads and meta back. Returns the new root hash when it
     * changed (a gateway's messages or the set of gateways changed), else undefined.
     */
    commit(): Uint8Array | undefined {
        for (const entry of this.entries.values()) {
            if (entry === null || !entry.queueChanged) continue;
            // Appends and expiries always change the gateway's root (its set of messages changed).
            const head = entry.head;
            const hashes = updateGatewayHashes(entry.store, entry.before, head, head);
            head.leftHash = hashes.leftHash;
            head.rightHash = hashes.rightHash;
            head.root = hashes.root;
            markChanged(this, entry);
            this.indexChanged = true;
        }
        const rootHash = this.indexChanged ? recomputeIndex(this) : undefined;
        if (this.removed.length > 0) this.retire(this.removed);
        for (const [id, entry] of this.entries) {
            if (entry === null) continue;
            if (entry.modified) this.map.insert(entry.keys.head(), encodeQueueHead(entry.head));
            this.cache.heads.set(id, { head: entry.head, keys: entry.keys });
        }
        if (this.metaModified) this.map.insert(META_KEY, encodeQueueMeta(this.meta()));
        if (this.loadedMeta !== undefined) this.cache.meta = this.loadedMeta;
        return rootHash;
    }

    /**
     * Removed gateways: heads and folds go now (O(log n) each), messages and nodes are listed for
     * {@link CertifiedQueue.reclaim}. The list is read and written once per transaction, however many were removed.
     */
    private retire(removed: Entry[]): void {
        const stored = this.map.get(RECLAIM_KEY);
        const reclaims = stored === undefined ? [] : decodeReclaims(stored);
        const pending = new Map(reclaims.map((reclaim) => [binaryKey(reclaim.gateway), reclaim]));
        for (const entry of removed) {
            const parts = queueParts(entry.before.oldest, entry.before.next);
            for (let position = 0; position < (parts?.left.length ?? 0); position++) this.map.remove(entry.keys.leftFold(position));
            for (let position = 0; position < (parts?.right.length ?? 0); position++) this.map.remove(entry.keys.rightFold(position));
            this.map.remove(entry.keys.head());
            this.cache.heads.delete(binaryKey(entry.principal));
            const existing = pending.get(binaryKey(entry.principal));
            if (existing !== undefined) existing.next = entry.head.next;
            else if (entry.head.next > entry.head.oldest) {
                const reclaim = { gateway: entry.principal, oldest: entry.head.oldest, next: entry.head.next };
                reclaims.push(reclaim);
                pending.set(binaryKey(entry.principal), reclaim);
            }
        }
        if (reclaims.length > 0) this.map.insert(RECLAIM_KEY, encodeReclaims(reclaims));
    }

    /** If a removed registration of `principal` is still being reclaimed, the nonce its queue ended at. */
    private pendingReclaimEnd(principal: Uint8Array): number | undefined {
        const stored = this.map.get(RECLAIM_KEY);
        if (stored === undefined) return undefined;
        const reclaim: Reclaim | undefined = decodeReclaims(stored).find((candidate) => bytesEqual(candidate.gateway, principal));
        return reclaim?.next;
    }

    private load(principal: Uint8Array): Entry | undefined {
        const id = binaryKey(principal);
        const cached = this.entries.get(id);
        if (cached !== undefined) return cached ?? undefined;
        const known = this.cache.heads.get(id);
        let entry: Entry;
        if (known !== undefined) entry = this.wrap(principal, known.head, known.keys);
        else {
            const keys = new GatewayKeys(principal);
            const bytes = this.map.get(keys.head());
            if (bytes === undefined) return undefined;
            entry = this.wrap(principal, decodeQueueHead(bytes), keys);
        }
        this.entries.set(id, entry);
        return entry;
    }

    private wrap(principal: Uint8Array, head: QueueHead, keys = new GatewayKeys(principal)): Entry {
        const map = this.map;
        const leaves = new Map<number, Uint8Array>();
        const store: GatewayHashStore = {
            leaf: (nonce) => leaves.get(nonce) ?? messageRecordOwnHash(map.get(keys.message(nonce))!),
            node: (level, index) => map.get(keys.node(level, index)),
            putNode: (level, index, hash) => map.insert(keys.node(level, index), hash),
            leftFold: (position) => map.get(keys.leftFold(position)),
            putLeftFold: (position, hash) => map.insert(keys.leftFold(position), hash),
            deleteLeftFold: (position) => map.remove(keys.leftFold(position)),
            rightFold: (position) => map.get(keys.rightFold(position)),
            putRightFold: (position, hash) => map.insert(keys.rightFold(position), hash),
            deleteRightFold: (position) => map.remove(keys.rightFold(position))
        };
        return {
            principal,
            head,
            sortKey: `${head.text}_`,
            stale: false,
            leftOwnStale: false,
            modified: false,
            keys,
            before: { oldest: head.oldest, next: head.next },
            queueChanged: false,
            removed: false,
            leaves,
            store,
            labels: undefined
        };
    }
}

/** A treap priority nobody can choose in advance: the hash of the registration time and the principal. */
function priorityOf(principal: Uint8Array, now: bigint): number {
    const time = new Uint8Array(8);
    new DataView(time.buffer).setBigUint64(0, now);
    const hash = sha256(PRIORITY_DOMAIN, time, principal);
    return ((hash[0] << 24) | (hash[1] << 16) | (hash[2] << 8) | hash[3]) >>> 0;
}
