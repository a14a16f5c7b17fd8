// Acknowledgements with the real CDK: the test canister (ack interval 61 s) acknowledges what the client sent; the
// client answers with a keep-alive, so the canister's keep-alive check 60 s later keeps it connected (a client that
// did not answer would be closed with KeepAliveTimeout, spec §4.1). The replica's clock is moved, not waited for.
// The ack timeout itself is checked on AckTracker (its 30 s latency bound is fixed by the protocol).
import { IDL } from '@dfinity/candid';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/index.ts';
import { serveHttp, type HttpInterface } from '../../replica/http/index.ts';
import { buildCanister, Replica } from '../../replica/index.ts';
import { AckTracker, decodeServiceMessage, decodeWebsocketMessage, type IcWebSocketError } from '../../client/src/index.ts';
import { testCanisterIdlFactory, type TextMessage } from '../../bench/test-canister-idl.ts';
import { ChatClient } from './support/chat-client.ts';

const ACK_INTERVAL_MS = 61_000;
let replica: Replica;
let http: HttpInterface;
let gateway: Gateway;
let canisterId: string;
const serviceMessages: string[] = [];
let watcher: { notify(): void } | undefined;

beforeAll(async () => {
    replica = await Replica.create();
    canisterId = (
        await replica.installCanister({
            wasm: await buildCanister('test_canister'),
            arg: new Uint8Array(IDL.encode([IDL.Nat64, IDL.Nat64], [50n, BigInt(ACK_INTERVAL_MS)]))
        })
    ).toText();
    http = await serveHttp(replica, { port: 0, autoProgress: true });
    gateway = await startGateway({
        icUrl: http.url,
        port: 0,
        logLevel: 'error',
        outgoingMessageHook(message) {
            const decoded = decodeWebsocketMessage(message.content);
            if (decoded.is_service_message) serviceMessages.push(Object.keys(decodeServiceMessage(decoded.content as Uint8Array))[0]!);
            setImmediate(() => watcher?.notify()); // service messages fire no client event: wake the waits
            return [message];
        }
    });
});
afterAll(async () => {
    await gateway?.close();
    await http?.close();
});

it('answers the canister\'s acknowledgement with a keep-alive and stays connected', async () => {
    const client = await ChatClient.connect<TextMessage>({
        gatewayUrl: gateway.url,
        networkUrl: http.url,
        canisterId,
        idlFactory: testCanisterIdlFactory,
        ackMessageIntervalMs: ACK_INTERVAL_MS
    });
    watcher = client;
    client.send({ text: 'hello' });
    await client.until(() => client.socket.unacknowledgedMessages === 1, 10_000, 'the message to be sent');

    await replica.advanceTime(ACK_INTERVAL_MS); // the ack timer fires: AckMessage{1}
    await client.until(() => serviceMessages.includes('AckMessage'), 15_000, 'the AckMessage');
    // Message 1 is acknowledged and the keep-alive (message 2) sent; nothing observable marks its arrival in the
    // canister (the gateway relays it fire-and-forget), so it gets a moment before the check.
    await new Promise((resolve) => setTimeout(resolve, 500));

    await replica.advanceTime(60_000); // the keep-alive check
    await replica.tick(2);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a CloseMessage would be polled and delivered by now
    expect(serviceMessages).not.toContain('CloseMessage');
    expect(client.closeEvent).toBeUndefined();
    expect(client.errors).toEqual([]);
    // Still open both ways.
    await replica.update(replica.canisterIds()[0]!, 'test_broadcast', new Uint8Array(IDL.encode([IDL.Text], ['still here'])));
    await client.waitFor((m) => m.text === 'still here');
    client.close();
    await client.closed();
});

it('AckTracker: closes on a missing acknowledgement, and refuses an ack of a message never sent', () => {
    vi.useFakeTimers();
    try {
        const failures: IcWebSocketError[] = [];
        const acks = new AckTracker(330_000, (error) => failures.push(error));
        acks.sent(1n);
        vi.advanceTimersByTime(200_000);
        acks.sent(2n);
        acks.acknowledge(1n, 2n);
        vi.advanceTimersByTime(329_000); // message 2 is 329 s old
        expect(failures).toEqual([]);
        vi.advanceTimersByTime(1_000);
        expect(failures.map((error) => [error.reason, error.message])).toEqual([
            ['ack-timeout', "The canister did not acknowledge message 2 within 330 s: it was lost on the way (is ackMessageIntervalMs equal to the canister's sendAckIntervalMs?)"]
        ]);
        expect(() => acks.acknowledge(5n, 2n)).toThrow(/acknowledged message 5, but the client sent only 2/);
    } finally {
        vi.useRealTimers();
    }
});
