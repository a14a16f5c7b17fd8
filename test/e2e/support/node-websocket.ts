/**
 * Node 20 lacks the browser globals ic-websocket-js uses: `WebSocket` (taken from the `ws` package), `ErrorEvent`
 * and `CloseEvent` (small stand-ins carrying the fields the client reads). Call before creating a client.
 */
import { WebSocket } from 'ws';

class NodeErrorEvent extends Event {
    readonly error: unknown;
    readonly message: string;
    constructor(type: string, init: { error?: unknown; message?: string } = {}) {
        super(type);
        this.error = init.error;
        this.message = init.message ?? (init.error instanceof Error ? init.error.message : '');
    }
}

class NodeCloseEvent extends Event {
    readonly code: number;
    readonly reason: string;
    readonly wasClean: boolean;
    constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean } = {}) {
        super(type);
        this.code = init.code ?? 0;
        this.reason = init.reason ?? '';
        this.wasClean = init.wasClean ?? false;
    }
}

export function installNodeWebSocketGlobals(): void {
    const globals = globalThis as Record<string, unknown>;
    globals.WebSocket ??= WebSocket;
    globals.ErrorEvent ??= NodeErrorEvent;
    globals.CloseEvent ??= NodeCloseEvent;
}
