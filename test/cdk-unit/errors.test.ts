// errorKind: the kind an application switches on, read back from the exact texts. The texts here are not the
// CDK's: the upstream ones come from the spec oracle (test/support/ws-errors.ts), this CDK's own from literals, so a
// reworded text or a kind read from the wrong text fails. Results from the real canister are classified in
// test/cdk-canister/timers_and_bounds.test.ts and test/docs/readme_example.test.ts.
import { describe, expect, it } from 'vitest';
import { Principal } from '@dfinity/principal';
import { errorKind, isErr, WsError, type WsErrorKind, type WsResult } from '../../src/errors';
import { wsError } from '../support/ws-errors.ts';
import { CLIENT_1, GATEWAY_1 } from '../support/principals.ts';

const key = { client_principal: CLIENT_1, client_nonce: 18_446_744_073_709_551_615n };
const keyText = `${CLIENT_1.toText()}_18446744073709551615`;

/** Every `Err` text a client, a gateway or the application can get, with its kind. */
const TEXTS: [string, WsErrorKind][] = [
    [wsError.anonymousPrincipalNotAllowed(), 'AnonymousPrincipalNotAllowed'],
    [wsError.clientKeyAlreadyConnected(key), 'ClientKeyAlreadyConnected'],
    [wsError.clientKeyMessageMismatch(CLIENT_1), 'ClientKeyMessageMismatch'],
    [wsError.clientKeyNotConnected(key), 'ClientKeyNotConnected'],
    [wsError.clientNotRegisteredToGateway(key, GATEWAY_1), 'ClientNotRegisteredToGateway'],
    [wsError.clientPrincipalNotConnected(CLIENT_1), 'ClientPrincipalNotConnected'],
    [wsError.clientPrincipalNotConnected(Principal.anonymous()), 'ClientPrincipalNotConnected'],
    [`${wsError.decodeServiceMessageContentPrefix} Wrong magic number: [1, 2, 3, 4] (Client with key x doesn't have an open connection)`, 'DecodeServiceMessageContent'],
    [`${wsError.decodeServiceMessageContentPrefix} unknown`, 'DecodeServiceMessageContent'],
    [`Expected incoming message to client num not initialized for client key ${keyText}`, 'ExpectedIncomingMessageToClientNumNotInitialized'],
    [wsError.gatewayNotRegistered(GATEWAY_1), 'GatewayNotRegistered'],
    [wsError.invalidServiceMessage(), 'InvalidServiceMessage'],
    [wsError.incomingSequenceNumberWrong(1n, 18_446_744_073_709_551_615n), 'IncomingSequenceNumberWrong'],
    [`Outgoing message to client num not initialized for client key ${keyText}`, 'OutgoingMessageToClientNumNotInitialized'],
    [`Queue of gateway ${GATEWAY_1.toText()} is full (100000 messages): the message was not queued; old messages are deleted after the ack interval`, 'GatewayQueueFull'],
    [`Queue of client ${keyText} is full (8 messages): the message was not queued; old messages are deleted after the ack interval`, 'ClientQueueFull'],
    ['Message of 2097153 bytes exceeds the maximum of 2097152 bytes', 'MessageTooLarge'],
    ['Invalid principal in gateway_principal (285 bytes): Bytes is longer than 29 bytes.', 'PrincipalTooLong'],
    ['Invalid principal in client_key.client_principal (30 bytes): Bytes is longer than 29 bytes.', 'PrincipalTooLong']
];

describe('errorKind', () => {
    it.each(TEXTS)('%s → %s', (text, kind) => {
        expect(errorKind({ Err: text })).toBe(kind);
        expect(errorKind(text)).toBe(kind);
    });

    it('knows every kind the CDK writes: each builder of WsError (but the trap) gives its own kind', () => {
        const built = new Map<string, WsErrorKind>();
        for (const [name, build] of Object.entries(WsError) as [string, (...values: never[]) => string][]) {
            if (name === 'invalidSendAckInterval') continue; // a trap, not an Err
            const values = Array.from({ length: build.length }, (_, i) => ['x', 7n, 42][i % 3]) as never[];
            built.set(name, errorKind(build(...values)));
        }
        expect(new Set(built.values()).size).toBe(built.size); // no two texts share a kind, none is Unknown
        expect([...built.values()]).not.toContain('Unknown');
        expect([...built.values()].sort()).toEqual([...new Set(TEXTS.map(([, kind]) => kind))].sort());
    });

    it('is undefined for Ok, Unknown for texts that are not the CDK\'s, and never throws', () => {
        expect(errorKind({ Ok: null })).toBeUndefined();
        for (const text of ['', 'boom', 'Anonymous principal is not allowed!', 'Client with key', 'Queue of gateway x is full', 'Message of 3 bytes', 'Expected incoming sequence number 1']) {
            expect(errorKind({ Err: text }), text).toBe('Unknown');
        }
    });

    it('leaves the wire shape alone: the result is still exactly { Err: text }, and "Err" in result works', () => {
        const result: WsResult = { Err: wsError.invalidServiceMessage() };
        expect(errorKind(result)).toBe('InvalidServiceMessage');
        expect(result).toStrictEqual({ Err: 'Invalid service message' });
        expect(Object.keys(result)).toEqual(['Err']);
        expect('Err' in result && isErr(result)).toBe(true);
    });
});
