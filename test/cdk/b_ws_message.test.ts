import { IDL } from '@dfinity/candid';
import { describe, expect, it } from 'vitest';
import { CLIENT_1, CLIENT_2, GATEWAY_1 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { encodeAppMessage, encodeServiceMessage } from '../support/service-messages.ts';
import { clientKeyView, clientMessage, serviceMessageOf, useTestCanister } from '../support/test-canister.ts';
import { wsTypes } from '../support/test-canister-interface.ts';
import { wsError } from '../support/ws-errors.ts';

// Spec §6.2 b_ws_message (B1–B6), plus the second-argument encodings real clients use (spec §1.2).
describe('b_ws_message', () => {
    const suite = useTestCanister();
    const rng = new SeededRandom(0xb22n);
    const newClient1Key = () => ({ client_principal: CLIENT_1, client_nonce: rng.nextU64() });


    it('B1: a principal without a connection is refused', async () => {
        const key = { client_principal: CLIENT_2, client_nonce: rng.nextU64() };
        expect(await suite.canister.message(CLIENT_2, clientMessage(key, 1n))).toEqual({
            Err: wsError.clientPrincipalNotConnected(CLIENT_2)
        });
    });

    it('B2: a message whose client key differs from the registered one is refused, naming the message principal', async () => {
        const key = newClient1Key();
        await suite.canister.open(key, GATEWAY_1);
        const otherPrincipal = { client_principal: CLIENT_2, client_nonce: key.client_nonce };
        expect(await suite.canister.message(CLIENT_1, clientMessage(otherPrincipal, 1n))).toEqual({
            Err: wsError.clientKeyMessageMismatch(CLIENT_2)
        });
        const otherNonce = { client_principal: CLIENT_1, client_nonce: key.client_nonce + 1n };
        expect(await suite.canister.message(CLIENT_1, clientMessage(otherNonce, 1n))).toEqual({
            Err: wsError.clientKeyMessageMismatch(CLIENT_1)
        });
        // Neither refusal consumed a sequence number.
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 1n))).toEqual({ Ok: null });
    });

    it('B3: a registered client sends sequence number 1 with empty content', async () => {
        const key = newClient1Key();
        await suite.canister.open(key, GATEWAY_1);
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 1n))).toEqual({ Ok: null });
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 2n, encodeAppMessage({ text: 'hi' })))).toEqual({
            Ok: null
        });
    });

    it('B3 (SDK encoding): the second argument is accepted as `opt null` none and as `opt record` some', async () => {
        const key = newClient1Key();
        await suite.canister.open(key, GATEWAY_1);
        const call = (argTypes: IDL.Type[], args: unknown[]) =>
            suite.canister.pic.updateCall({
                canisterId: suite.canister.canisterId as never,
                method: 'ws_message',
                arg: new Uint8Array(IDL.encode(argTypes, args)),
                sender: CLIENT_1 as never
            });
        // ic-websocket-js encodes the witness argument as `opt null` with no value (spec §1.2).
        const sdkReply = await call([wsTypes.WsMessageArguments, IDL.Opt(IDL.Null)], [{ msg: clientMessage(key, 1n) }, []]);
        expect(IDL.decode([wsTypes.WsResult], sdkReply)[0]).toEqual({ Ok: null });
        const someReply = await call(
            [wsTypes.WsMessageArguments, IDL.Opt(wsTypes.AppMessage)],
            [{ msg: clientMessage(key, 2n) }, [{ text: 'ignored by the CDK' }]]
        );
        expect(IDL.decode([wsTypes.WsResult], someReply)[0]).toEqual({ Ok: null });
    });

    it('B4: a wrong sequence number is refused, closes the client with WrongSequenceNumber and keeps the gateway', async () => {
        const key = newClient1Key();
        await suite.canister.open(key, GATEWAY_1);
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 2n))).toEqual({
            Err: wsError.incomingSequenceNumberWrong(1n, 2n)
        });

        const { messages } = await suite.canister.pollVerified(GATEWAY_1, 1n);
        expect(messages).toHaveLength(1);
        expect(messages[0]!.sequence_num).toBe(2n);
        expect(serviceMessageOf(messages[0]!)).toEqual({ CloseMessage: { reason: { WrongSequenceNumber: null } } });
        expect(clientKeyView(messages[0]!.client_key)).toEqual(clientKeyView(key));

        // The removal is not rolled back by the Err: the client is gone, the gateway still registered.
        expect(await suite.canister.wsClose(GATEWAY_1, key)).toEqual({ Err: wsError.clientKeyNotConnected(key) });
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 1n))).toEqual({
            Err: wsError.clientPrincipalNotConnected(CLIENT_1)
        });
        // The key is free again: re-opening starts a new session at sequence number 1.
        expect(await suite.canister.open(key, GATEWAY_1)).toEqual({ Ok: null });
        const reopened = await suite.canister.pollDecoded(GATEWAY_1, 2n);
        expect(reopened.messages.map((m) => [m.sequence_num, Object.keys(serviceMessageOf(m))[0]])).toEqual([
            [1n, 'OpenMessage']
        ]);
    });

    it('B5: undecodable and non-client service messages are refused, but consume a sequence number and keep the client', async () => {
        const key = newClient1Key();
        await suite.canister.open(key, GATEWAY_1);
        const notAServiceMessage = encodeAppMessage({ text: 'not a service message' });
        const decodeError = await suite.canister.message(CLIENT_1, clientMessage(key, 1n, notAServiceMessage, true));
        expect('Err' in decodeError && decodeError.Err).toMatch(/^Error decoding service message content:/);

        const serviceFromCanisterSide = [
            encodeServiceMessage({ AckMessage: { last_incoming_sequence_num: 0n } }),
            encodeServiceMessage({ OpenMessage: { client_key: key } }),
            encodeServiceMessage({ CloseMessage: { reason: { ClosedByApplication: null } } })
        ];
        for (const [i, content] of serviceFromCanisterSide.entries()) {
            const sequenceNum = BigInt(i + 2);
            expect(await suite.canister.message(CLIENT_1, clientMessage(key, sequenceNum, content, true))).toEqual({
                Err: wsError.invalidServiceMessage()
            });
        }
        // No close message was queued and the client is still registered at the next sequence number.
        expect((await suite.canister.getMessages(GATEWAY_1, 1n)).messages).toHaveLength(0);
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 5n))).toEqual({ Ok: null });
    });

    it('B6: a keep-alive service message is accepted', async () => {
        const key = newClient1Key();
        await suite.canister.open(key, GATEWAY_1);
        const keepAlive = encodeServiceMessage({ KeepAliveMessage: { last_incoming_sequence_num: 0n } });
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 1n, keepAlive, true))).toEqual({ Ok: null });
        expect((await suite.canister.getMessages(GATEWAY_1, 1n)).messages).toHaveLength(0);
    });
});
