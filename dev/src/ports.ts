/**
 * Port choices of `ic-websocket dev`: a port the user asked for (flag or environment variable) must be the one used,
 * so a busy one is an error that says who asked for it; a default port that is busy falls back to a free one.
 *
 * @example
 * const http = await listenOn({ port: 4943, source: 'default' }, 'replica', (port) => serveHttp(replica, { port }), log);
 */

/** A port and where it came from: `--replica-port`, `REPLICA_PORT`, or the default. */
export interface PortChoice {
    port: number;
    /** `default`, or the flag / variable that named it (used in the error message). */
    source: string;
}

/** A server could not listen on a port the user asked for. */
export class PortInUseError extends Error {
    override readonly name = 'PortInUseError';
}

/** Starts a server on the chosen port (see the module comment for busy ports). */
export async function listenOn<T>(choice: PortChoice, what: string, start: (port: number) => Promise<T>, log: (line: string) => void): Promise<T> {
    try {
        return await start(choice.port);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || choice.port === 0) throw error;
        if (choice.source !== 'default') {
            throw new PortInUseError(`port ${choice.port} (${choice.source}) is in use: the ${what} cannot listen there. Stop what uses it, or pick another port (0 = any free port).`);
        }
        log(`port ${choice.port} is in use: the ${what} takes a free port instead`);
        return start(0);
    }
}

/** Parses a port number (0–65535) or throws a one-line reason naming `source`. */
export function parsePort(text: string, source: string): number {
    if (!/^\d+$/.test(text) || Number(text) > 65535) throw new Error(`${source} must be a port number (0-65535), got "${text}"`);
    return Number(text);
}
