/**
 * A canister that never calls `ws.init()` (no `@init`, no `@postUpgrade`): the CDK must initialize itself on
 * install and on every upgrade (test/cdk-canister/without_init.test.ts).
 */
import { IDL, query } from 'azle';
import { IcWebSocket } from 'ic-websocket-cdk';

const ws = new IcWebSocket<{ text: string }>({
    appMessage: IDL.Record({ text: IDL.Text }),
    onMessage: ({ clientPrincipal, message }) => ws.send(clientPrincipal, { text: `echo: ${message.text}` })
});

class App {
    @query([], IDL.Nat32) connected() { return ws.clients().length; }
}

export default [App, ws.methods];
