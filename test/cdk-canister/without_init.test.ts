/**
 * A canister that forgets `ws.init()` in `@init` and `@postUpgrade` still works: the CDK initializes itself when
 * the module is evaluated (install and upgrade), so witnesses verify after an upgrade and the ack timer runs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { buildCanister, Replica } from '../../replica/index.ts';
import { verifyCertifiedBatch } from '../support/certification.ts';
import { CLIENT_1, GATEWAY_1 } from '../support/principals.ts';
import { decodeAppMessage, decodeServiceMessage, encodeAppMessage } from '../support/service-messages.ts';
import { wsTypes, type GetMessagesResult, type WsResult } from '../support/test-canister-interface.ts';
import { decodeWebsocketMessage } from '../support/websocket-message-cbor.ts';

describe('a canister that never calls ws.init()', () => {
    let replica: Replica;
    let canisterId: Principal;
    let wasm: Uint8Array;
    const clientKey = { client_principal: CLIENT_1, client_nonce: 3n };

    async function update(method: string, types: IDL.Type[], args: unknown[]): Promise<WsResult> {
        const { reply } = await replica.update(canisterId, method, new Uint8Array(IDL.encode(types, args)), { sender: CLIENT_1 });
        return IDL.decode([wsTypes.WsResult], reply)[0] as unknown as WsResult;
    }

    /** Every queued message, verified like the client does, as `#<seq> <body>`. */
    async function pollAll(): Promise<string[]> {
        const arg = new Uint8Array(IDL.encode([wsTypes.WsGetMessagesArguments], [{ nonce: 0n }]));
        const { reply } = await replica.query(canisterId, 'ws_get_messages', arg, { sender: GATEWAY_1 });
        const result = IDL.decode([wsTypes.WsGetMessagesResult], reply)[0] as unknown as GetMessagesResult;
        if ('Err' in result) throw new Error(result.Err);
        await verifyCertifiedBatch(result.Ok, { rootKey: replica.rootKey, canisterId, icTimeNs: replica.getTimeNs() });
        return result.Ok.messages.map(({ content }) => {
            const message = decodeWebsocketMessage(content);
            const body = message.is_service_message ? Object.keys(decodeServiceMessage(message.content))[0] : decodeAppMessage(message.content).text;
            return `#${message.sequence_num} ${body}`;
        });
    }

    beforeAll(async () => {
        replica = await Replica.create({ seed: 'without init' });
        wasm = await buildCanister('cdk_without_init');
        canisterId = await replica.installCanister({ wasm });
    });

    it('serves verified messages before and after an upgrade, and acks on time', async () => {
        expect(await update('ws_open', [wsTypes.WsOpenArguments], [{ client_nonce: clientKey.client_nonce, gateway_principal: GATEWAY_1 }])).toEqual({ Ok: null });
        const message = (sequenceNum: bigint, text: string) => [
            { msg: { client_key: clientKey, sequence_num: sequenceNum, timestamp: replica.getTimeNs(), is_service_message: false, content: encodeAppMessage({ text }) } },
            []
        ];
        const messageTypes = [wsTypes.WsMessageArguments, IDL.Opt(wsTypes.AppMessage)];
        expect(await update('ws_message', messageTypes, message(1n, 'before'))).toEqual({ Ok: null });
        expect(await pollAll()).toEqual(['#1 OpenMessage', '#2 echo: before']);

        await replica.upgradeCanister(canisterId, wasm);
        expect(await pollAll()).toEqual(['#1 OpenMessage', '#2 echo: before']);
        expect(await update('ws_message', messageTypes, message(2n, 'after'))).toEqual({ Ok: null });

        await replica.advanceTime(300_000); // the default ack interval: the timer armed by the upgrade fires
        expect(await pollAll()).toEqual(['#1 OpenMessage', '#2 echo: before', '#3 echo: after', '#4 AckMessage']);
    });
});
