/**
 * Library baselines for bench/cdk.ts: the same work done by the CDK's hand-written code and by the well-kept library
 * it replaces, measured with `performance_counter(0)` inside a canister (QuickJS in wasm, IC metering), so
 * bench/RESULTS.md shows why the hand-written code exists. Everything runs in queries: nothing is stored.
 *
 * - SHA-256: `src/sha256.ts` against `@noble/hashes` (per call and per 64-byte block).
 * - Candid per endpoint: `src/candid_codec.ts` against `IDL.encode`/`IDL.decode` of the same values.
 * - Service messages: the byte templates of `src/protocol/service_messages.ts` against `IDL.encode`.
 * - Principal text: `src/principal_text.ts` (what handlers' principals use) against `Principal.toText()`.
 * - A queued message's hashing and CBOR: fixed-layout hashes (`Sha256Layout`: forks, own hashes) against the plain
 *   `sha256(...)` of the same bytes, and the message encoder against the general `CborWriter`.
 */
import { IDL, performanceCounter, Principal, query } from 'azle';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2';
import { sha256 } from '../../../src/sha256';
import { CborWriter, encodeWebsocketMessage } from '../../../src/cbor';
import { forkHash, labeledHash, leafHash } from '../../../src/hash_tree';
import { GatewayLabels } from '../../../src/queue/message_hashing';
import {
    decodeGetMessagesArgs,
    decodeWsMessageArgs,
    decodeWsOpenArgs,
    encodeGetMessagesReply,
    encodeWsResult,
    prepareCandidTemplates
} from '../../../src/candid_codec';
import { principalText } from '../../../src/principal_text';
import { ackMessage, encodeServiceMessage } from '../../../src/protocol/service_messages';
import {
    CanisterWsGetMessagesArgumentsIdl,
    CanisterWsGetMessagesResultIdl,
    CanisterWsMessageArgumentsIdl,
    CanisterWsOpenArgumentsIdl,
    WsResultIdl,
    type CanisterOutputCertifiedMessages
} from '../../../src/types';

const Cost = IDL.Record({ name: IDL.Text, ours: IDL.Nat64, library: IDL.Nat64 });
type Cost = { name: string; ours: bigint; library: bigint };

/** Instructions `work` takes (the counter read itself is included in both sides alike). */
function cost(work: () => unknown): bigint {
    const start = performanceCounter(0);
    work();
    return performanceCounter(0) - start;
}

/** Median of 5 runs: the first run of a function pays QuickJS's one-time costs. */
function measure(name: string, ours: () => unknown, library: () => unknown): Cost {
    const median = (f: () => unknown) => [0, 1, 2, 3, 4].map(() => cost(f)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[2];
    return { name, ours: median(ours), library: median(library) };
}

const AppMessage = IDL.Record({ text: IDL.Text });
const client = Principal.fromUint8Array(new Uint8Array(29).fill(7));
const gateway = Principal.fromUint8Array(new Uint8Array(29).fill(9));

/** A `ws_get_messages` reply with `count` messages of ~190 bytes, like a real poll. */
function reply(count: number): CanisterOutputCertifiedMessages {
    const messages = Array.from({ length: count }, (_, i) => ({
        client_key: { client_principal: client, client_nonce: 1n },
        key: `${gateway.toText()}_${String(i).padStart(20, '0')}`,
        content: new Uint8Array(190).fill(i)
    }));
    return { messages, cert: new Uint8Array(1000), tree: new Uint8Array(50 * 90), is_end_of_queue: true };
}

class Baselines {
    /** SHA-256 of a message that pads to exactly `blocks` 64-byte blocks. */
    @query([IDL.Nat32], IDL.Vec(Cost))
    sha256(blocks: number): Cost[] {
        const data = new Uint8Array(64 * blocks - 9).fill(0x5a);
        return [measure(`sha256, ${blocks} block(s)`, () => sha256(data), () => nobleSha256(data))];
    }

    /** Candid of each endpoint: our codec vs `IDL.encode`/`IDL.decode` of the same value. */
    /** What each queued message hashes and encodes, with the CDK's fixed layouts and with the plain calls. */
    @query([], IDL.Vec(Cost))
    message(): Cost[] {
        const left = new Uint8Array(32).fill(1);
        const right = new Uint8Array(32).fill(2);
        const forkDomain = new Uint8Array([16, ...new TextEncoder().encode('ic-hashtree-fork')]);
        const labels = new GatewayLabels(gateway.toText());
        let nonce = 1000;
        const message = {
            client_key: { client_principal: client, client_nonce: 1n },
            sequence_num: 1234n,
            timestamp: 1_702_143_738_049_473_644n,
            is_service_message: false,
            content: new Uint8Array(IDL.encode([AppMessage], [{ text: 'x'.repeat(32) }]))
        };
        // The general writer with the map keys pre-encoded (what the CDK did before).
        const [kClientKey, kPrincipal, kNonce, kSequence, kTimestamp, kService, kContent] = [
            'client_key', 'client_principal', 'client_nonce', 'sequence_num', 'timestamp', 'is_service_message', 'content'
        ].map((key) => new CborWriter(32).textString(key).bytes().slice());
        const generalCbor = () => {
            const writer = new CborWriter(256);
            writer.raw(new Uint8Array([0xd9, 0xd9, 0xf7])).mapHeader(5).raw(kClientKey).mapHeader(2);
            writer.raw(kPrincipal).byteString(client.toUint8Array()).raw(kNonce).uint(1n);
            writer.raw(kSequence).uint(message.sequence_num).raw(kTimestamp).uint(message.timestamp);
            writer.raw(kService).bool(false).raw(kContent).byteString(message.content);
            return writer.bytes();
        };
        return [
            measure('fork hash (2 blocks): fixed layout vs sha256(ds, left, right)', () => forkHash(left, right), () => sha256(forkDomain, left, right)),
            measure(
                'own hash labeled(key, leaf(h)) (3 blocks after the gateway midstate vs 4 plain)',
                () => labels.ownHash(nonce++, left),
                () => labeledHash(labels.label(labels.key(nonce++)), leafHash(left))
            ),
            measure('message CBOR (48 B content): one exact-size buffer vs CborWriter with pre-encoded keys', () => encodeWebsocketMessage(message), generalCbor)
        ];
    }

    @query([], IDL.Vec(Cost))
    candid(): Cost[] {
        prepareCandidTemplates();
        const openArgs = new Uint8Array(IDL.encode([CanisterWsOpenArgumentsIdl], [{ client_nonce: 5n, gateway_principal: gateway }]));
        const msg = { client_key: { client_principal: client, client_nonce: 5n }, sequence_num: 3n, timestamp: 0n, is_service_message: false, content: new Uint8Array(12) };
        const messageArgs = new Uint8Array(IDL.encode([CanisterWsMessageArgumentsIdl, IDL.Opt(IDL.Null)], [{ msg }, []]));
        const pollArgs = new Uint8Array(IDL.encode([CanisterWsGetMessagesArgumentsIdl], [{ nonce: 7n }]));
        const poll50 = reply(50);
        return [
            measure('ws_open arguments, decode', () => decodeWsOpenArgs(openArgs), () => IDL.decode([CanisterWsOpenArgumentsIdl], openArgs)),
            measure('ws_message arguments, decode', () => decodeWsMessageArgs(messageArgs), () => IDL.decode([CanisterWsMessageArgumentsIdl, IDL.Opt(AppMessage)], messageArgs)),
            measure('ws_get_messages arguments, decode', () => decodeGetMessagesArgs(pollArgs), () => IDL.decode([CanisterWsGetMessagesArgumentsIdl], pollArgs)),
            measure('result (Ok), encode', () => encodeWsResult({ Ok: null }), () => IDL.encode([WsResultIdl], [{ Ok: null }])),
            measure('ws_get_messages reply, 50 messages, encode', () => encodeGetMessagesReply(poll50), () => IDL.encode([CanisterWsGetMessagesResultIdl], [{ Ok: poll50 }])),
            measure('principal text (29 bytes): principalText vs Principal.toText', () => principalText(client.toUint8Array()), () => client.toText()),
            measure('service message (AckMessage), encode', () => ackMessage(42n), () => encodeServiceMessage({ AckMessage: { last_incoming_sequence_num: 42n } }))
        ];
    }
}

export default Baselines;
