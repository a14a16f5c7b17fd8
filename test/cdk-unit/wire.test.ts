// The `ic-websocket-cdk/wire` entry against the spec: its service IDL is the Candid interface of protocol.md §1
// (as test/support writes it by hand, not from the CDK), and what it encodes, the spec's decoders read.
import { describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import * as wire from '../../src/wire.ts';
import { idlFactory, wsCandidTypes } from '../support/test-canister-interface.ts';
import { decodeWebsocketMessage as specDecodeWebsocketMessage } from '../support/websocket-message-cbor.ts';
import { CLIENT_1, GATEWAY_1 } from '../support/principals.ts';
import { wsError } from '../support/ws-errors.ts';

const AppMessage = IDL.Record({ text: IDL.Text });

describe('ic-websocket-cdk/wire', () => {
    it('wsServiceIdl is the four endpoints of the spec, method by method', () => {
        const spec = idlFactory({ IDL });
        const ours = wire.wsServiceIdl(AppMessage);
        const methods = (service: IDL.ServiceClass) => new Map(service._fields.map(([name, func]) => [name, func.display()]));
        const specMethods = methods(spec);
        expect([...methods(ours).keys()].sort()).toEqual(['ws_close', 'ws_get_messages', 'ws_message', 'ws_open']);
        for (const [name, signature] of methods(ours)) expect(signature, name).toBe(specMethods.get(name));
        // Without an app type, ws_message's second argument is `opt null`, which any client's `opt T` decodes into.
        expect(methods(wire.wsServiceIdl()).get('ws_message')).toContain('opt null');
    });

    it('its Candid types are the spec types', () => {
        const spec = wsCandidTypes(IDL);
        const pairs: [IDL.Type, IDL.Type][] = [
            [wire.ClientKeyIdl, spec.ClientKey],
            [wire.WebsocketMessageIdl, spec.WebsocketMessage],
            [wire.CanisterOutputCertifiedMessagesIdl, spec.CanisterOutputCertifiedMessages],
            [wire.WsResultIdl, spec.WsResult],
            [wire.CanisterWsOpenArgumentsIdl, spec.WsOpenArguments],
            [wire.CanisterWsCloseArgumentsIdl, spec.WsCloseArguments],
            [wire.CanisterWsMessageArgumentsIdl, spec.WsMessageArguments],
            [wire.CanisterWsGetMessagesArgumentsIdl, spec.WsGetMessagesArguments],
            [wire.CanisterWsGetMessagesResultIdl, spec.WsGetMessagesResult]
        ];
        for (const [ours, theirs] of pairs) expect(ours.display()).toBe(theirs.display());
        const args = { client_nonce: 7n, gateway_principal: GATEWAY_1 };
        expect(IDL.decode([spec.WsOpenArguments], IDL.encode([wire.CanisterWsOpenArgumentsIdl], [args]))).toEqual([args]);
    });

    it('encodes the certified CBOR of a message as the spec reads it, and key formats as the gateway parses them', () => {
        const message = { client_key: { client_principal: CLIENT_1, client_nonce: 3n }, sequence_num: 1n, timestamp: 1_700_000_000_000_000_000n, is_service_message: false, content: new Uint8Array([1, 2]) };
        const bytes = wire.encodeWebsocketMessage(message);
        expect(specDecodeWebsocketMessage(bytes)).toEqual(message);
        expect(wire.decodeWebsocketMessage(bytes)).toEqual(message);
        const key = wire.formatMessageKey(GATEWAY_1.toText(), 12n);
        expect(key).toBe(`${GATEWAY_1.toText()}_00000000000000000012`);
        expect(wire.nonceOfMessageKey(key)).toBe(12n);
        expect(wire.clientKeyToText({ client_principal: Principal.anonymous(), client_nonce: 5n })).toBe('2vxsx-fae_5');
        expect(wire.LABEL_WEBSOCKET).toBe('websocket');
        expect([...wire.WS_METHOD_NAMES].sort()).toEqual(['ws_close', 'ws_get_messages', 'ws_message', 'ws_open']);
    });

    it('classifies Err texts a canister answered, for code outside canisters (a gateway, a Node tool or test)', () => {
        const answered = IDL.decode([wire.WsResultIdl], IDL.encode([wire.WsResultIdl], [{ Err: wsError.clientPrincipalNotConnected(CLIENT_1) }]))[0] as unknown as wire.WsResult;
        expect(wire.isErr(answered)).toBe(true);
        expect(wire.errorKind(answered)).toBe('ClientPrincipalNotConnected');
        expect(wire.errorKind(wsError.incomingSequenceNumberWrong(2n, 5n))).toBe('IncomingSequenceNumberWrong');
        expect(wire.errorKind({ Ok: null })).toBeUndefined();
        expect(wire.errorKind('not a CDK text')).toBe('Unknown');
    });
});
