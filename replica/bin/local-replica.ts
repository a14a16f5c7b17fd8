/**
 * Entry point of `replica/bin/local-replica`. Options (PocketIC's command line, plus --http-port):
 *
 *   --port-file <file>   write the REST API port here once listening (what @dfinity/pic passes)
 *   --port <n>           REST API port (default: a free one)
 *   --ttl <seconds>      exit after this long without a REST request (default 60, as PocketIC)
 *   --ip-addr <addr>     only 127.0.0.1 / localhost are supported
 *   --http-port <n>      also serve one live replica (clock follows wall time, rounds every 100 ms) over the IC
 *                        HTTP interface on this port (0 picks one), like a local dfx replica; prints
 *                        `http interface: http://127.0.0.1:<port>`
 *   --seed <text>        root key seed of that replica (deterministic keys)
 *
 * Without --port-file/--port/--ttl and with --http-port, only the IC HTTP interface runs (no idle TTL).
 * With SHOW_CANISTER_LOGS=1 in the environment, canisters' debug_print output is printed (to stdout).
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { parseCliOptions, USAGE, type CliOptions } from './cli-options.ts';
import { startPocketIcServer } from '../server/rest-server.ts';
import { Replica } from '../index.ts';
import { serveHttp } from '../http/index.ts';

/** Environment switch for canister logs (test/setup/pic-server.ts also shows the server's output with it). */
const CANISTER_LOGS_ENV = 'SHOW_CANISTER_LOGS';

async function main(options: CliOptions): Promise<void> {
    const cleanups: Array<() => void> = [];
    const exit = (code: number) => {
        for (const cleanup of cleanups) cleanup();
        process.exit(code);
    };
    process.on('SIGTERM', () => exit(0));
    process.on('SIGINT', () => exit(0));

    if (options.restApi) {
        let idleTimer: NodeJS.Timeout | undefined;
        const resetIdleTimer = () => {
            clearTimeout(idleTimer);
            idleTimer = setTimeout(() => {
                console.log(`[local-replica] no request for ${options.ttlSeconds} s, exiting`);
                exit(0);
            }, options.ttlSeconds * 1000);
        };
        const server = await startPocketIcServer({
            port: options.port,
            onActivity: resetIdleTimer,
            printCanisterLogs: process.env[CANISTER_LOGS_ENV] === '1'
        });
        resetIdleTimer();
        console.log(`[local-replica] PocketIC REST API: ${server.url}`);
        if (options.portFile) {
            // Written atomically: @dfinity/pic polls the file and parses whatever it finds.
            const partial = `${options.portFile}.${process.pid}.tmp`;
            writeFileSync(partial, String(server.port));
            renameSync(partial, options.portFile);
            const portFile = options.portFile;
            cleanups.push(() => rmSync(portFile, { force: true }));
        }
    }
    if (options.httpPort !== undefined) {
        const replica = await Replica.create({ seed: options.seed, printLogs: process.env[CANISTER_LOGS_ENV] === '1' });
        // A live replica, as dfx runs one: its clock follows wall time and rounds run (timers fire).
        const http = await serveHttp(replica, { port: options.httpPort, autoProgress: true });
        console.log(`http interface: ${http.url}`);
    }
}

/** How the user started it: `ic-websocket replica` (dev/src/cli.ts sets argv[1] so) or this file directly. */
const PROGRAM = process.argv[1]?.startsWith('ic-websocket ') ? process.argv[1] : 'local-replica';
const usage = USAGE.replace(/^usage: local-replica/, `usage: ${PROGRAM}`);

let options: CliOptions;
try {
    options = parseCliOptions(process.argv.slice(2));
} catch (e) {
    console.error(`${PROGRAM}: ${(e as Error).message}\n\n${usage}`);
    process.exit(2);
}
if (options.help) {
    console.log(usage);
    process.exit(0);
}
main(options).catch((e: unknown) => {
    console.error(`${PROGRAM}: failed to start: ${startFailure(e, options)}`);
    process.exit(1);
});

/** One line for a failed start: a busy port names the flag that chose it; other errors keep their stack. */
function startFailure(error: unknown, chosen: CliOptions): string {
    const { code, port } = error as NodeJS.ErrnoException & { port?: number };
    if (code !== 'EADDRINUSE') return error instanceof Error ? (error.stack ?? error.message) : String(error);
    const flag = port === chosen.httpPort ? '--http-port' : '--port';
    return `port ${port} is in use: stop what uses it, or pick another with ${flag} (0 = any free port)`;
}
