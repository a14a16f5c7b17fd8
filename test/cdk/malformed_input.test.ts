import { IDL } from '@dfinity/candid';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_1, GATEWAY_1 } from '../support/principals.ts';
import { SeededRandom } from '../support/prng.ts';
import { clientMessage, useTestCanister } from '../support/test-canister.ts';
import type { CanisterOutputMessage } from '../support/test-canister-interface.ts';
import { wsTypes } from '../support/test-canister-interface.ts';

/** How pic-js reports a canister reject or trap (IC reject code 4 or 5); never an `Err` value. */
const REJECTED = /Reject code: (CanisterReject|CanisterError|4|5)\b/;

const UPDATE_METHODS = ['ws_open', 'ws_close', 'ws_message', 'send', 'close', 'wipe'] as const;

/** Arguments that are not what the method's Candid signature accepts. */
const MALFORMED_ARGUMENTS: Record<string, Uint8Array> = {
    'no bytes at all': new Uint8Array(),
    'not Candid': new TextEncoder().encode('definitely not DIDL'),
    'a text instead of the expected types': new Uint8Array(IDL.encode([IDL.Text], ['hello'])),
    'a truncated valid ws_open argument': new Uint8Array(
        IDL.encode([wsTypes.WsOpenArguments], [{ client_nonce: 7n, gateway_principal: GATEWAY_1 }])
    ).slice(0, -3)
};

// Malformed Candid to each endpoint is refused with a reject (not an Err value, not a crash), and changes nothing.
describe('malformed Candid to each endpoint', () => {
    const suite = useTestCanister({ wipeBeforeEach: false });
    const key = { client_principal: CLIENT_1, client_nonce: new SeededRandom(0x3adn).nextU64() };
    let queuedBefore: CanisterOutputMessage[];

    beforeAll(async () => {
        expect(await suite.canister.open(key, GATEWAY_1)).toEqual({ Ok: null });
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 1n))).toEqual({ Ok: null });
        expect(await suite.canister.send(CLIENT_1, ['one', 'two'])).toEqual({ Ok: null });
        queuedBefore = (await suite.canister.pollVerified(GATEWAY_1, 0n)).batch.messages;
    });

    for (const [description, arg] of Object.entries(MALFORMED_ARGUMENTS)) {
        for (const method of UPDATE_METHODS) {
            it(`${method} rejects ${description}`, async () => {
                const call = suite.canister.pic.updateCall({
                    canisterId: suite.canister.canisterId as never,
                    method,
                    arg,
                    sender: CLIENT_1 as never
                });
                await expect(call).rejects.toThrow(REJECTED);
            });
        }
        it(`ws_get_messages (query) rejects ${description}`, async () => {
            const call = suite.canister.pic.queryCall({
                canisterId: suite.canister.canisterId as never,
                method: 'ws_get_messages',
                arg,
                sender: GATEWAY_1 as never
            });
            await expect(call).rejects.toThrow(REJECTED);
        });
    }

    it('leaves the state unchanged: same certified queue, same client, same sequence numbers', async () => {
        const after = (await suite.canister.pollVerified(GATEWAY_1, 0n)).batch.messages;
        expect(after.map((m) => m.key)).toEqual(queuedBefore.map((m) => m.key));
        expect(after.map((m) => m.content)).toEqual(queuedBefore.map((m) => m.content));
        expect(await suite.canister.message(CLIENT_1, clientMessage(key, 2n))).toEqual({ Ok: null });
        expect(await suite.canister.send(CLIENT_1, ['three'])).toEqual({ Ok: null });
        expect((await suite.canister.getMessages(GATEWAY_1, 0n)).messages).toHaveLength(queuedBefore.length + 1);
    });
});
