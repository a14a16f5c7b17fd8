/**
 * The events the client dispatches, built the same in browsers and in Node 20, which lacks the `ErrorEvent` and
 * `CloseEvent` globals (small stand-ins with the same fields are used there).
 */

/** What `onclose` receives: the WebSocket close code and reason. */
export interface IcCloseEvent extends Event {
    readonly code: number;
    readonly reason: string;
    readonly wasClean: boolean;
}

/** What `onerror` receives; `error` is an `IcWebSocketError`. */
export interface IcErrorEvent extends Event {
    readonly error: unknown;
    readonly message: string;
}

/** What `onmessage` receives: `data` is the decoded application message. */
export interface IcMessageEvent<T> extends Event {
    readonly data: T;
}

class FallbackErrorEvent extends Event implements IcErrorEvent {
    readonly error: unknown;
    readonly message: string;
    constructor(type: string, init: { error?: unknown; message?: string }) {
        super(type);
        this.error = init.error;
        this.message = init.message ?? '';
    }
}

class FallbackCloseEvent extends Event implements IcCloseEvent {
    readonly code: number;
    readonly reason: string;
    readonly wasClean: boolean;
    constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean }) {
        super(type);
        this.code = init.code ?? 0;
        this.reason = init.reason ?? '';
        this.wasClean = init.wasClean ?? false;
    }
}

class FallbackMessageEvent<T> extends Event implements IcMessageEvent<T> {
    readonly data: T;
    constructor(type: string, init: { data: T }) {
        super(type);
        this.data = init.data;
    }
}

const globals = globalThis as unknown as Record<string, (new (type: string, init: object) => Event) | undefined>;

// Typed as the DOM events (as ic-websocket-js's handlers are); the stand-ins carry the fields the client sets.

export function errorEvent(error: Error): ErrorEvent {
    const Constructor = globals.ErrorEvent ?? FallbackErrorEvent;
    return new Constructor('error', { error, message: error.message }) as ErrorEvent;
}

export function closeEvent(code: number, reason: string, wasClean: boolean): CloseEvent {
    const Constructor = globals.CloseEvent ?? FallbackCloseEvent;
    return new Constructor('close', { code, reason, wasClean }) as CloseEvent;
}

export function messageEvent<T>(data: T): MessageEvent<T> {
    const Constructor = globals.MessageEvent ?? FallbackMessageEvent;
    return new Constructor('message', { data }) as MessageEvent<T>;
}
