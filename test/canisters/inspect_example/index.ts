import { IDL, init, inspectMessage, isController, msgCaller, msgMethodName, postUpgrade, query, update } from 'azle';
import { IcWebSocket } from 'ic-websocket-cdk';

const AppMessage = IDL.Record({ text: IDL.Text });
type AppMessage = { text: string };

const ws = new IcWebSocket<AppMessage>({
    appMessage: AppMessage,
    onMessage: ({ clientPrincipal, message }) => ws.send(clientPrincipal, { text: `echo: ${message.text}` })
});

class App {
    @init([]) init() { ws.init(); }
    @postUpgrade([]) postUpgrade() { ws.init(); }

    // Runs before every update call from a user (not before queries, nor before calls from other canisters).
    @inspectMessage({ manual: true })                              // manual: Azle must not IDL.decode the arguments
    inspect(): boolean {
        return ws.inspectMessage({ maxMessageBytes: 64 * 1024 })      // false only for a WebSocket call to refuse
            && (msgMethodName() !== 'closeAll' || isController(msgCaller()));   // then your own rules
    }

    @update([], IDL.Nat32) closeAll() { const clients = ws.clients(); clients.forEach((c) => ws.close(c)); return clients.length; }
    @query([], IDL.Nat32) connected() { return ws.clients().length; }
}

export default [App, ws.methods];
