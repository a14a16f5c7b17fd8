/**
 * `ic-websocket dev`: {@link startDevSession} as a command.
 *
 * stdout carries machine-readable lines only: `replica: <url>`, `gateway: <url>`, `<canister name>: <id>` for each
 * canister, `page: <url>` when a frontend is served, then `ready`; afterwards `upgraded <name>` or `failed <name>`
 * after each reload. Everything else (progress, azle's output, the gateway's log, canister logs) goes to stderr.
 *
 * Ctrl-C (SIGINT), SIGTERM, SIGHUP, or the parent process going away (e.g. `npm start` killed) stop everything and
 * free the ports. Exit codes: 0 stopped, 1 could not start (message on stderr), 2 bad command line.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BuildError } from './azle-build.ts';
import { DevStartAborted, InstallError, startDevSession, type DevSession } from './dev-session.ts';
import { parsePort, PortInUseError, type PortChoice } from './ports.ts';
import { ProjectError } from './project.ts';
import type { LogLevel } from '../../gateway/index.ts';

export const DEV_USAGE = `usage: ic-websocket dev [canister ...] [options]

Builds the Azle canisters of the dfx.json in this folder (or above) with the project's azle, runs them in a local
replica (IC HTTP interface) with an IC WebSocket gateway, writes their declarations (as dfx generate does), and
upgrades them in place when their sources change: connected WebSocket clients stay connected.

  canister ...          dfx.json names of the canisters to run (default: every "type": "azle" canister)
  --frontend DIR        also serve this static folder (it must exist), with /api proxied to the replica and /config.json
  --replica-port N      IC HTTP interface port (default 4943, or REPLICA_PORT)
  --gateway-port N      gateway port (default 8080, or GATEWAY_PORT)
  --page-port N         frontend port (default 5173, or PAGE_PORT)
                        a busy default port falls back to a free one; a port you name must be free (0 = any)
  --no-watch            do not rebuild on changes
  --no-typecheck        do not run the project's tsc --noEmit after builds (its errors are warnings otherwise)
  --log-level LEVEL     gateway log: debug | info | warn | error | silent (default info)
  --help                print this text

prints: replica: <url>, gateway: <url>, <canister>: <id> (each), page: <url>, then "ready"`;

const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error', 'silent']);

function usageError(message: string): never {
    process.stderr.write(`ic-websocket dev: ${message}\n\n${DEV_USAGE}\n`);
    process.exit(2);
}

function portChoice(flagValue: string | undefined, flag: string, variable: string): PortChoice | undefined {
    try {
        if (flagValue !== undefined) return { port: parsePort(flagValue, flag), source: flag };
        const fromEnv = process.env[variable];
        if (fromEnv !== undefined && fromEnv !== '') return { port: parsePort(fromEnv, variable), source: variable };
        return undefined;
    } catch (error) {
        usageError((error as Error).message);
    }
}

export async function runDevCommand(argv: string[]): Promise<void> {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                frontend: { type: 'string' },
                'replica-port': { type: 'string' },
                'gateway-port': { type: 'string' },
                'page-port': { type: 'string' },
                'no-watch': { type: 'boolean' },
                'no-typecheck': { type: 'boolean' },
                'log-level': { type: 'string' },
                help: { type: 'boolean', short: 'h' }
            }
        });
    } catch (error) {
        usageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help) {
        process.stdout.write(`${DEV_USAGE}\n`);
        return;
    }
    const frontend = values.frontend === undefined ? undefined : resolve(values.frontend);
    if (frontend !== undefined && !isFolder(frontend)) usageError(`--frontend ${values.frontend}: ${frontend} does not exist or is not a folder (give the folder holding your page's index.html)`);
    const logLevel = values['log-level'] ?? 'info';
    if (!LOG_LEVELS.has(logLevel)) usageError(`--log-level must be one of ${[...LOG_LEVELS].join(', ')}, got "${logLevel}"`);

    // stdout is for the lines above only: canister logs and other console output go to stderr.
    console.log = console.error;
    console.info = console.error;
    const log = (line: string) => process.stderr.write(`[ic-websocket] ${line}\n`);

    const stopping = new AbortController();
    let session: DevSession | undefined;
    const stop = async (why: string) => {
        if (stopping.signal.aborted) return;
        stopping.abort();
        log(`${why}: stopping…`);
        // Never hang on the way out: whatever is not closed after 5 s is dropped with the process.
        setTimeout(() => process.exit(0), 5000).unref();
        await session?.stop();
        process.exit(0);
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
    watchParent(() => void stop('parent process exited'));

    try {
        session = await startDevSession({
            cwd: process.cwd(),
            canisters: positionals,
            frontend,
            replicaPort: portChoice(values['replica-port'], '--replica-port', 'REPLICA_PORT'),
            gatewayPort: portChoice(values['gateway-port'], '--gateway-port', 'GATEWAY_PORT'),
            pagePort: portChoice(values['page-port'], '--page-port', 'PAGE_PORT'),
            watch: !values['no-watch'],
            typeCheck: !values['no-typecheck'],
            gatewayLogLevel: logLevel as LogLevel,
            log,
            signal: stopping.signal,
            onReload: (event) => process.stdout.write(`${event.outcome} ${event.canister}\n`)
        });
    } catch (error) {
        if (error instanceof DevStartAborted) return; // stop() exits
        process.stderr.write(`ic-websocket dev: ${startFailure(error)}\n`);
        process.exit(1);
    }
    const lines = [`replica: ${session.replicaUrl}`, `gateway: ${session.gatewayUrl}`, ...session.canisters.map(({ name, id }) => `${name}: ${id}`)];
    if (session.pageUrl) lines.push(`page: ${session.pageUrl}`);
    process.stdout.write(`${lines.join('\n')}\nready\n`);
    const reload = values['no-watch'] ? 'sources are not watched (--no-watch): restart to run a change' : "edit a canister's source to upgrade it in place";
    log(`ready${session.pageUrl ? `: open ${session.pageUrl}` : ''}; ${reload}; Ctrl-C stops everything`);
}

/** Why the start failed, for stderr: the message of the errors that explain themselves; the stack only with IC_WEBSOCKET_DEBUG=1. */
function startFailure(error: unknown): string {
    const known = error instanceof ProjectError || error instanceof BuildError || error instanceof PortInUseError || error instanceof InstallError;
    if (!(error instanceof Error)) return String(error);
    if (known || process.env.IC_WEBSOCKET_DEBUG !== '1') return `${error.message}${known ? '' : ' (IC_WEBSOCKET_DEBUG=1 prints the stack)'}`;
    return error.stack ?? error.message;
}

function isFolder(path: string): boolean {
    try {
        return statSync(path).isDirectory();
    } catch {
        return false;
    }
}

/**
 * Calls `onExit` once this process's parent is gone (it was re-parented): `npm start` killed with SIGTERM ends npm
 * and its shell, which do not pass the signal on, and the servers must not outlive them holding their ports.
 */
function watchParent(onExit: () => void): void {
    const parent = process.ppid;
    const timer = setInterval(() => {
        if (process.ppid !== parent) {
            clearInterval(timer);
            onExit();
        }
    }, 500);
    timer.unref();
}
