import { beforeAll, describe, expect, it } from 'vitest';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { WsCanister } from './ws_canister.ts';

// The chat's message type as a client sees it (examples/chat/src/chat_types.ts).
const ChatMessageIdl = IDL.Variant({
    Join: IDL.Record({ nickname: IDL.Text }),
    Post: IDL.Record({ text: IDL.Text }),
    Posted: IDL.Record({ nickname: IDL.Text, text: IDL.Text, timestamp: IDL.Nat64 }),
    Joined: IDL.Record({ nickname: IDL.Text, timestamp: IDL.Nat64 }),
    Left: IDL.Record({ nickname: IDL.Text, timestamp: IDL.Nat64 })
});
const encode = (message: unknown) => new Uint8Array(IDL.encode([ChatMessageIdl], [message]));
const decode = (bytes: Uint8Array) => IDL.decode([ChatMessageIdl], bytes)[0] as Record<string, { nickname: string; text?: string }>;

const GATEWAY = Principal.fromText('i3gux-m3hwt-5mh2w-t7wwm-fwx5j-6z6ht-hxguo-t4rfw-qp24z-g5ivt-2qe');
const ADA = { client_principal: Principal.fromText('pmisz-prtlk-b6oe6-bj4fl-6l5fy-h7c2h-so6i7-jiz2h-bgto7-piqfr-7ae'), client_nonce: 1n };
const BOB = { client_principal: Principal.fromText('zuh6g-qnmvg-vky2t-tnob7-h4xoj-ykrcx-jqjpi-cdf3k-23i3i-ykozs-fae'), client_nonce: 2n };

/** What `client` received so far: app messages decoded, service messages skipped. */
async function inbox(chat: WsCanister, client: typeof ADA): Promise<string[]> {
    const messages = await chat.pollAll(GATEWAY);
    return messages
        .filter((m) => !m.is_service_message && m.client_key.client_principal.toText() === client.client_principal.toText())
        .map((m) => {
            const [kind, body] = Object.entries(decode(m.content))[0];
            return `${kind} ${body.nickname}${body.text === undefined ? '' : `: ${body.text}`}`;
        });
}

describe('chat example in the replica', () => {
    let chat: WsCanister;
    beforeAll(async () => {
        chat = await WsCanister.installNamed('chat');
    });

    it('broadcasts posts, sends history to newcomers, announces joins and leaves, and keeps history over upgrades', async () => {
        expect(await chat.open(ADA, GATEWAY)).toEqual({ Ok: null });
        expect(await chat.message(ADA, 1n, encode({ Join: { nickname: '  ada  ' } }))).toEqual({ Ok: null });
        expect(await chat.message(ADA, 2n, encode({ Post: { text: 'hello' } }))).toEqual({ Ok: null });
        await chat.upgrade();
        expect(await chat.open(BOB, GATEWAY)).toEqual({ Ok: null });
        expect(await chat.message(BOB, 1n, encode({ Join: { nickname: 'bob' } }))).toEqual({ Ok: null });
        expect(await chat.message(BOB, 2n, encode({ Post: { text: 'hi ada' } }))).toEqual({ Ok: null });
        expect(await chat.close(GATEWAY, ADA)).toEqual({ Ok: null });

        expect(await inbox(chat, ADA)).toEqual(['Joined ada', 'Posted ada: hello', 'Joined bob', 'Posted bob: hi ada']);
        expect(await inbox(chat, BOB)).toEqual(['Posted ada: hello', 'Joined bob', 'Posted bob: hi ada', 'Left ada']);
    });
});
