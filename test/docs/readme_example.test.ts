/**
 * The root README's "Using the CDK in your canister" snippet, executed: test/canisters/readme_example/index.ts is
 * that code block verbatim (checked first, so the docs cannot rot silently), built with azle and run in the embedded
 * replica. Everything the snippet promises is driven through its public Candid interface, the way a gateway and
 * ic-websocket-js clients would, and every polled batch is verified like the client does (BLS certificate, witness,
 * sha256). Wire types and decoders come from test/support (written from the spec), not from the CDK.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { buildCanister, Replica } from '../../replica/index.ts';
import { PROJECT_ROOT } from '../../replica/build.ts';
import { readmeCodeBlock } from './readme.ts';
import { verifyCertifiedBatch } from '../support/certification.ts';
import { ANONYMOUS, CLIENT_1, CLIENT_2, GATEWAY_1 } from '../support/principals.ts';
import { decodeAppMessage, decodeServiceMessage, encodeAppMessage } from '../support/service-messages.ts';
import { wsTypes, type CanisterOutputCertifiedMessages, type ClientKey, type GetMessagesResult, type WsResult } from '../support/test-canister-interface.ts';
import { decodeWebsocketMessage } from '../support/websocket-message-cbor.ts';
import { wsError } from '../support/ws-errors.ts';

const README_SECTION = '## Using the CDK in your canister';
const EXAMPLE_FILE = 'test/canisters/readme_example/index.ts';

/** One client as the protocol names it, with the sequence number of its next message. */
type Client = { key: ClientKey; nextSequenceNum: bigint };
const client = (principal: Principal, nonce: bigint): Client => ({ key: { client_principal: principal, client_nonce: nonce }, nextSequenceNum: 1n });

/** What a client receives: service messages by kind, app messages by text. */
type Received = { to: string; sequenceNum: bigint; body: string };

describe('README: Using the CDK in your canister', () => {
    let replica: Replica;
    let canisterId: Principal;
    let wasm: Uint8Array;
    /** The next nonce the gateway asks ws_get_messages for, as ic-websocket-gateway tracks it. */
    let gatewayNonce = 0n;

    async function update(method: string, types: IDL.Type[], args: unknown[], sender: Principal): Promise<WsResult> {
        const { reply } = await replica.update(canisterId, method, new Uint8Array(IDL.encode(types, args)), { sender });
        return IDL.decode([wsTypes.WsResult], reply)[0] as unknown as WsResult;
    }

    const open = (c: Client, sender = c.key.client_principal) =>
        update('ws_open', [wsTypes.WsOpenArguments], [{ client_nonce: c.key.client_nonce, gateway_principal: GATEWAY_1 }], sender);

    /** An app message as ic-websocket-js sends it: the Candid-encoded record in `content`, second argument none. */
    const sendText = (c: Client, text: string) =>
        update(
            'ws_message',
            [wsTypes.WsMessageArguments, IDL.Opt(wsTypes.AppMessage)],
            [{ msg: { client_key: c.key, sequence_num: c.nextSequenceNum++, timestamp: replica.getTimeNs(), is_service_message: false, content: encodeAppMessage({ text }) } }, []],
            c.key.client_principal
        );

    async function connected(): Promise<number> {
        const { reply } = await replica.query(canisterId, 'connected');
        return IDL.decode([IDL.Nat32], reply)[0] as number;
    }

    /** Polls like the gateway (from its next nonce, until the end of the queue), verifying every batch like the client. */
    async function pollNew(): Promise<Received[]> {
        const received: Received[] = [];
        for (;;) {
            const batch = await getMessages(gatewayNonce);
            await verifyCertifiedBatch(batch, { rootKey: replica.rootKey, canisterId, icTimeNs: replica.getTimeNs() });
            for (const output of batch.messages) {
                const message = decodeWebsocketMessage(output.content);
                expect(message.client_key).toEqual(output.client_key);
                const body = message.is_service_message ? Object.keys(decodeServiceMessage(message.content))[0]! : decodeAppMessage(message.content).text;
                received.push({ to: message.client_key.client_principal.toText(), sequenceNum: message.sequence_num, body });
                gatewayNonce = BigInt(output.key.slice(output.key.lastIndexOf('_') + 1)) + 1n;
            }
            if (batch.is_end_of_queue || batch.messages.length === 0) return received;
        }
    }

    async function getMessages(nonce: bigint): Promise<CanisterOutputCertifiedMessages> {
        const arg = new Uint8Array(IDL.encode([wsTypes.WsGetMessagesArguments], [{ nonce }]));
        const { reply } = await replica.query(canisterId, 'ws_get_messages', arg, { sender: GATEWAY_1 });
        const result = IDL.decode([wsTypes.WsGetMessagesResult], reply)[0] as unknown as GetMessagesResult;
        if ('Err' in result) throw new Error(`ws_get_messages: ${result.Err}`);
        return result.Ok;
    }

    const ada = client(CLIENT_1, 7n);
    const bob = client(CLIENT_2, 1n);
    const ADA = CLIENT_1.toText();
    const BOB = CLIENT_2.toText();

    beforeAll(async () => {
        replica = await Replica.create({ seed: 'readme example' });
        wasm = await buildCanister('readme_example');
        canisterId = await replica.installCanister({ wasm });
    });

    it('the example canister is the README code block, verbatim', () => {
        expect(readFileSync(join(PROJECT_ROOT, EXAMPLE_FILE), 'utf8')).toBe(readmeCodeBlock(README_SECTION));
    });

    it('refuses an anonymous client, welcomes a signed one through onOpen', async () => {
        expect(await open(ada, ANONYMOUS)).toEqual({ Err: wsError.anonymousPrincipalNotAllowed() });
        expect(await open(ada)).toEqual({ Ok: null });
        expect(await pollNew()).toEqual([
            { to: ADA, sequenceNum: 1n, body: 'OpenMessage' },
            { to: ADA, sequenceNum: 2n, body: 'welcome' }
        ]);
        expect(await connected()).toBe(1);
    });

    it('broadcasts what a client sends to every connected client (onMessage)', async () => {
        expect(await open(bob)).toEqual({ Ok: null });
        expect(await connected()).toBe(2);
        expect(await sendText(ada, 'hello')).toEqual({ Ok: null });
        expect(summary(await pollNew())).toEqual([
            `${ADA} #3 ${ADA}: hello`,
            `${BOB} #1 OpenMessage`,
            `${BOB} #2 welcome`,
            `${BOB} #3 ${ADA}: hello`
        ]);
    });

    it('keeps sessions, sequence numbers and queued messages over an upgrade, and re-arms the ack timer', async () => {
        await replica.upgradeCanister(canisterId, wasm);
        expect(await connected()).toBe(2);
        const everything = await getMessages(0n);
        await verifyCertifiedBatch(everything, { rootKey: replica.rootKey, canisterId, icTimeNs: replica.getTimeNs() });
        expect(everything.messages).toHaveLength(6);

        expect(await sendText(bob, 'still here')).toEqual({ Ok: null });
        expect(summary(await pollNew())).toEqual([`${ADA} #4 ${BOB}: still here`, `${BOB} #4 ${BOB}: still here`]);

        await replica.advanceTime(300_000); // the default sendAckIntervalMs
        expect(summary(await pollNew())).toEqual([`${ADA} #5 AckMessage`, `${BOB} #5 AckMessage`]);
    });

    it('calls onClose when the gateway closes a client', async () => {
        const args = [{ client_key: ada.key }];
        expect(await update('ws_close', [wsTypes.WsCloseArguments], args, GATEWAY_1)).toEqual({ Ok: null });
        expect(await connected()).toBe(1);
        expect(replica.logs(canisterId).some((line) => line.includes(`${ADA} left`))).toBe(true);
    });

    it('notify: sends to a connected client, and tells an offline one by the error kind', async () => {
        const notify = async (client: Principal, text: string) => {
            const { reply } = await replica.update(canisterId, 'notify', new Uint8Array(IDL.encode([IDL.Principal, IDL.Text], [client, text])));
            return IDL.decode([IDL.Text], reply)[0];
        };
        expect(await notify(CLIENT_2, 'ping')).toBe('sent');
        expect(summary(await pollNew())).toEqual([`${BOB} #6 ping`]);
        expect(await notify(CLIENT_1, 'ping')).toBe('offline'); // closed above: ClientPrincipalNotConnected
        expect(await notify(GATEWAY_1, 'ping')).toBe('offline'); // never connected
        expect(await pollNew()).toEqual([]);
    });
});

/** `"<client> #<sequence number> <body>"` per message, sorted by client then sequence number (per-client order is what the protocol guarantees). */
function summary(received: Received[]): string[] {
    return [...received]
        .sort((a, b) => a.to.localeCompare(b.to) || Number(a.sequenceNum - b.sequenceNum))
        .map((m) => `${m.to} #${m.sequenceNum} ${m.body}`);
}
