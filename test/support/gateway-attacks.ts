/**
 * A misbehaving gateway, for the tampering suites of both clients (test/e2e/tampering.test.ts runs ic-websocket-js,
 * test/client/tampering.test.ts ic-websocket-client): each attack rewrites what one client receives through the
 * gateway's `outgoingMessageHook`. Message 1 is the canister's OpenMessage, which must pass for the client to open;
 * the attacks start at message 2 (the `Joined` broadcast after the client's Join), message 3 follows its Post.
 */
import { decode } from '@dfinity/cbor';
import { startGateway, type CanisterToClientMessage, type Gateway } from '../../gateway/index.ts';
import { leb128, RootKey, type HashTree, type Replica } from '../../replica/index.ts';

/** What the hook does to the n-th message (1 = the OpenMessage) sent to the client under attack. */
export type Tamper = (message: CanisterToClientMessage, n: number) => CanisterToClientMessage[];

/** The message the attacks target. */
export const TARGET = 2;

// The last byte of each blob lies inside a value (content: the Candid payload; tree: a hash or leaf; cert: the
// signature), so the CBOR stays well-formed and only verification can notice: every run attacks the same check.
function flipByte(bytes: Uint8Array): Uint8Array {
    const copy = bytes.slice();
    copy[copy.length - 1] ^= 0x01;
    return copy;
}

function alter(field: 'content' | 'tree' | 'cert'): Tamper {
    return (message, n) => [n === TARGET ? { ...message, [field]: flipByte(message[field]) } : message];
}

const alterKey: Tamper = (message, n) => {
    if (n !== TARGET) return [message];
    const last = Number(message.key.at(-1));
    return [{ ...message, key: message.key.slice(0, -1) + String((last + 1) % 10) }];
};

const drop: Tamper = (message, n) => (n === TARGET ? [] : [message]);

const replay: Tamper = (message, n) => (n === TARGET ? [message, message] : [message]);

function reorder(): Tamper {
    let held: CanisterToClientMessage | undefined;
    return (message, n) => {
        if (n === TARGET) {
            held = message;
            return [];
        }
        if (n === TARGET + 1 && held) return [message, held];
        return [message];
    };
}

/** The certificate's tree with `/time` replaced (the tree of a data certificate: canister data and time). */
function withTime(tree: HashTree, timeNs: bigint): HashTree {
    if (tree[0] === 1) return [1, withTime(tree[1], timeNs), withTime(tree[2], timeNs)];
    if (tree[0] === 2 && new TextDecoder().decode(tree[1]) === 'time') return [2, tree[1], [3, leb128(timeNs)]];
    return tree;
}

function resign(sign: (tree: HashTree) => Uint8Array, timeShiftNs = 0n): Tamper {
    return (message, n) => {
        if (n !== TARGET) return [message];
        const { tree } = decode(message.cert) as { tree: HashTree };
        const time = BigInt(Date.now()) * 1_000_000n + timeShiftNs;
        return [{ ...message, cert: sign(timeShiftNs === 0n ? tree : withTime(tree, time)) }];
    };
}

/** One attack: its name, a fresh tamper, and how many application messages a client may still deliver. */
export interface Attack {
    name: string;
    tamper: () => Tamper;
    /** What the error says, per client. */
    kind: 'certificate' | 'sequence' | 'stale-certificate';
    /**
     * Application messages the client may deliver. ic-websocket-js keeps processing frames already received until its
     * socket has closed: after a swap the held-back genuine message 2 is then in order and delivered, after a replay
     * every genuine message that follows (never the duplicate: see {@link deliveredTwice}). ic-websocket-client
     * delivers nothing after the first failure.
     */
    maxDelivered: { 'ic-websocket-js': number; 'ic-websocket-client': number };
}

/**
 * The tampering matrix. `replica` signs the "too old" certificate with the real root key (only its time is
 * wrong); the "another key" certificate is the real tree signed by a random key.
 */
export function attacks(replica: Replica): Attack[] {
    const stranger = RootKey.random();
    const none = { 'ic-websocket-js': 0, 'ic-websocket-client': 0 };
    return [
        { name: 'one byte of content altered', tamper: () => alter('content'), kind: 'certificate', maxDelivered: none },
        { name: 'the key altered', tamper: () => alterKey, kind: 'certificate', maxDelivered: none },
        { name: 'one byte of the witness tree altered', tamper: () => alter('tree'), kind: 'certificate', maxDelivered: none },
        { name: 'one byte of the certificate altered', tamper: () => alter('cert'), kind: 'certificate', maxDelivered: none },
        { name: 'a certificate signed by another key', tamper: () => resign((tree) => stranger.sign(tree)), kind: 'certificate', maxDelivered: none },
        {
            name: 'a certificate 10 minutes old',
            tamper: () => resign((tree) => replica.signCertificate(tree), -10n * 60n * 1_000_000_000n),
            kind: 'stale-certificate',
            maxDelivered: none
        },
        { name: 'a message dropped', tamper: () => drop, kind: 'sequence', maxDelivered: none },
        { name: 'a message replayed', tamper: () => replay, kind: 'sequence', maxDelivered: { 'ic-websocket-js': Infinity, 'ic-websocket-client': 1 } },
        { name: 'two messages swapped', tamper: reorder, kind: 'sequence', maxDelivered: { 'ic-websocket-js': 1, 'ic-websocket-client': 0 } }
    ];
}

/** Messages delivered more than once (a replay that got through), as JSON. */
export function deliveredTwice(received: unknown[]): string[] {
    const seen = new Set<string>();
    const twice: string[] = [];
    for (const message of received) {
        const json = JSON.stringify(message, (_, value) => (typeof value === 'bigint' ? value.toString() : value));
        if (seen.has(json)) twice.push(json);
        seen.add(json);
    }
    return twice;
}

/** The part of either test client the runner uses (test/e2e/support and test/client/support ChatClient). */
export interface AttackedClient {
    readonly principal: string;
    readonly isOpen: boolean;
    readonly received: unknown[];
    readonly errors: string[];
    readonly closeEvent: { code: number; reason: string } | undefined;
    send(message: { Join: { nickname: string } } | { Post: { text: string } }): void;
    until(condition: () => boolean, timeoutMs: number, what: string): Promise<void>;
}

export interface Outcome {
    /** What the client delivered, reported and how it closed, before the gateway shut down. */
    received: unknown[];
    errors: string[];
    close: { code: number; reason: string } | undefined;
    /** The messages the gateway had for the client under attack (before tampering). */
    seen: CanisterToClientMessage[];
}

/** Starts a gateway applying `tamper` to one client's messages, runs that client, and reports what it saw. */
export async function runAgainst(icUrl: string, tamper: Tamper, createClient: (gatewayUrl: string) => AttackedClient): Promise<Outcome> {
    let target: string | undefined;
    const seen: CanisterToClientMessage[] = [];
    const counts = new Map<string, number>();
    const gateway: Gateway = await startGateway({
        icUrl,
        port: 0,
        logLevel: 'silent',
        outgoingMessageHook(message, clientKey) {
            if (!target || !clientKey.startsWith(`${target}_`)) return [message];
            const n = (counts.get(clientKey) ?? 0) + 1;
            counts.set(clientKey, n);
            seen.push(message);
            return tamper(message, n);
        }
    });
    try {
        const client = createClient(gateway.url);
        target = client.principal;
        await client.until(() => client.isOpen, 30_000, 'the connection to open');
        // Each of these makes the canister send this client at least one message (2 and 3).
        client.send({ Join: { nickname: 'mallory-target' } });
        client.send({ Post: { text: 'first post' } });
        await client.until(() => seen.length >= TARGET + 1 || client.closeEvent !== undefined, 15_000, 'messages 2 and 3');
        // An honest run ends with two messages delivered; once the client reported an error, it ends with the close.
        await client.until(() => client.closeEvent !== undefined || (client.received.length >= 2 && client.errors.length === 0), 15_000, 'the outcome');
        return { received: [...client.received], errors: [...client.errors], close: client.closeEvent, seen };
    } finally {
        await gateway.close();
    }
}
