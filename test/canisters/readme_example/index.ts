import { IDL, init, postUpgrade, Principal, query, update } from 'azle';
import { errorKind, IcWebSocket } from 'ic-websocket-cdk';

const AppMessage = IDL.Record({ text: IDL.Text });
type AppMessage = { text: string };

const ws = new IcWebSocket<AppMessage>({
    appMessage: AppMessage,                          // the Candid type of your messages, both directions
    onOpen: ({ clientPrincipal }) => ws.send(clientPrincipal, { text: 'welcome' }),
    onMessage: ({ clientPrincipal, message }) => ws.broadcast({ text: `${clientPrincipal.toText()}: ${message.text}` }),
    onClose: ({ clientPrincipal }) => console.log(`${clientPrincipal.toText()} left`)
    // maxNumberOfReturnedMessages: 50, sendAckIntervalMs: 300_000, memoryIds: { … } (defaults 249–253),
    // maxQueuedMessagesPerGateway: 100_000, maxQueuedMessagesPerClient: 10_000,
    // instructionBudget: 20_000_000_000n (per message, for broadcasts, acks, keep-alive checks, queue deletion)
});

class App {
    @init([]) init() { ws.init(); }                  // arms the ack timer
    @postUpgrade([]) postUpgrade() { ws.init(); }    // re-arms it; all WebSocket state is already in stable memory
    @query([], IDL.Nat32) connected() { return ws.clients().length; }

    @update([IDL.Principal, IDL.Text], IDL.Text)
    notify(client: Principal, text: string): string {
        const result = ws.send(client, { text });        // { Ok: null } | { Err: text }, never a throw
        if (!('Err' in result)) return 'sent';
        return errorKind(result) === 'ClientPrincipalNotConnected' ? 'offline' : result.Err;
    }
}

export default [App, ws.methods];                    // adds ws_open, ws_message, ws_close, ws_get_messages
