/**
 * The test canister of the upstream Rust CDK (spec protocol.md §6.1), built on this CDK: same init arguments and
 * methods, so the upstream integration suite and our conformance suite can run against its wasm.
 *
 * Hidden methods (not in the .did, prefixed `test_`) let our own canister tests make handlers trap and inspect state.
 */
import { IDL, init, performanceCounter, postUpgrade, Principal, query, update } from 'azle';
import { DEFAULT_INSTRUCTION_BUDGET, IcWebSocket, type WsResult } from 'ic-websocket-cdk';
import { wipe } from 'ic-websocket-cdk/testing';
import { WsResultIdl } from 'ic-websocket-cdk/wire';

const AppMessage = IDL.Record({ text: IDL.Text });
type AppMessage = { text: string };

/** Heap-only switches for the trap tests (reset by every upgrade, as heap state is). */
const trapIn = { open: false, message: false, close: false };
/** Heap-only override of the CDK's instruction budget, for the deferred-broadcast tests. */
let instructionBudget: bigint | undefined;
/** The last handler calls (capped, so benchmarks with thousands of clients stay cheap). */
const events: string[] = [];
function recordEvent(event: string): void {
    events.push(event);
    if (events.length > 100) events.shift();
}

const ws = new IcWebSocket<AppMessage>({
    appMessage: AppMessage,
    instructionBudget: () => instructionBudget ?? DEFAULT_INSTRUCTION_BUDGET,
    onOpen: ({ clientPrincipal }) => {
        if (trapIn.open) throw new Error('test: onOpen trapped');
        recordEvent(`open ${clientPrincipal.toText()}`);
    },
    onMessage: ({ clientPrincipal, bytes }) => {
        if (trapIn.message) throw new Error('test: onMessage trapped');
        recordEvent(`message ${clientPrincipal.toText()} ${bytes.length}`);
    },
    onClose: ({ clientPrincipal }) => {
        if (trapIn.close) throw new Error('test: onClose trapped');
        recordEvent(`close ${clientPrincipal.toText()}`);
    }
});

function initWs(maxNumberOfReturnedMessages: bigint, sendAckIntervalMs: bigint): void {
    ws.init({ maxNumberOfReturnedMessages, sendAckIntervalMs });
}

class TestCanister {
    @init([IDL.Nat64, IDL.Nat64])
    init(maxNumberOfReturnedMessages: bigint, sendAckIntervalMs: bigint): void {
        initWs(maxNumberOfReturnedMessages, sendAckIntervalMs);
    }

    @postUpgrade([IDL.Nat64, IDL.Nat64])
    postUpgrade(maxNumberOfReturnedMessages: bigint, sendAckIntervalMs: bigint): void {
        initWs(maxNumberOfReturnedMessages, sendAckIntervalMs);
        // Read by bench/cdk.ts: the whole post_upgrade so far, including Azle's module evaluation.
        console.log(`post_upgrade instructions: ${performanceCounter(1)}`);
    }

    /** Sends each blob in order; stops at the first error. */
    @update([IDL.Principal, IDL.Vec(IDL.Vec(IDL.Nat8))], WsResultIdl)
    send(clientPrincipal: Principal, messages: Uint8Array[]): WsResult {
        return ws.batch(() => {
            for (const message of messages) {
                const result = ws.sendRaw(clientPrincipal, message);
                if ('Err' in result) return result;
            }
            return { Ok: null };
        });
    }

    @update([IDL.Principal], WsResultIdl)
    close(clientPrincipal: Principal): WsResult {
        return ws.close(clientPrincipal);
    }

    /** Resets the CDK state and re-runs init with the new params (restarting the timers). */
    @update([IDL.Nat64, IDL.Nat64])
    wipe(maxNumberOfReturnedMessages: bigint, sendAckIntervalMs: bigint): void {
        wipe(ws);
        initWs(maxNumberOfReturnedMessages, sendAckIntervalMs);
    }

    @update([IDL.Text, IDL.Bool], IDL.Null, { hidden: true })
    test_set_trap(handler: string, enabled: boolean): null {
        if (handler !== 'open' && handler !== 'message' && handler !== 'close') throw new Error(`unknown handler ${handler}`);
        trapIn[handler] = enabled;
        return null;
    }

    /** Bounds of the queues (until the next upgrade, which applies the defaults again). */
    @update([IDL.Nat64, IDL.Nat64], IDL.Null, { hidden: true })
    test_set_queue_limits(perGateway: bigint, perClient: bigint): null {
        ws.init({ maxQueuedMessagesPerGateway: perGateway, maxQueuedMessagesPerClient: perClient });
        return null;
    }

    @update([IDL.Nat64], IDL.Null, { hidden: true })
    test_set_instruction_budget(budget: bigint): null {
        instructionBudget = budget;
        return null;
    }

    /** Broadcast of `{text}` to everyone connected; returns how many got it now and how many later. */
    @update([IDL.Text], IDL.Record({ sent: IDL.Nat32, deferred: IDL.Nat32 }), { hidden: true })
    test_broadcast(text: string): { sent: number; deferred: number } {
        const { sent, deferred } = ws.broadcast({ text });
        return { sent, deferred };
    }

    @query([], IDL.Record({ clients: IDL.Vec(IDL.Principal), gateways: IDL.Vec(IDL.Tuple(IDL.Principal, IDL.Nat32, IDL.Nat32)), events: IDL.Vec(IDL.Text) }), { hidden: true })
    test_state(): { clients: Principal[]; gateways: [Principal, number, number][]; events: string[] } {
        return {
            clients: ws.clients(),
            gateways: ws.gateways().map((g) => [g.gateway, g.connectedClients, g.queueDepth]),
            events
        };
    }
}

export default [TestCanister, ws.methods];
