#!/usr/bin/env -S node --import tsx
/**
 * Command line for the gateway.
 *
 * @example
 * node --import tsx gateway/bin/gateway.ts --ic-url http://127.0.0.1:4943 --port 8080
 */
import { parseArgs } from 'node:util';
import { startGateway } from '../index.js';
import { DEFAULT_LIMITS, type ClientLimits } from '../limits.js';
import type { LogLevel } from '../log.js';

/** The per-client limits' flags, each `--max-…` after its option name. */
const LIMIT_FLAGS: [flag: string, option: keyof ClientLimits, meaning: string][] = [
    ['max-frame-bytes', 'maxFrameBytes', 'largest client frame; bigger ones close the client (1009)'],
    ['max-pending-relays', 'maxPendingRelays', 'frames of one client waiting for relay (reading pauses at half; over: 1008)'],
    ['max-pending-relay-bytes', 'maxPendingRelayBytes', 'the same in bytes'],
    ['max-frames-per-second', 'maxFramesPerSecond', 'frames per second per client, bursts of one second (over: 1008)'],
    ['max-total-pending-relay-bytes', 'maxTotalPendingRelayBytes', 'bytes waiting for relay across clients before reading pauses'],
    ['max-hold-ms', 'maxHoldMs', 'longest hold of a frame while its canister is stopped (then: 1012)'],
    ['max-unsent-bytes', 'maxUnsentBytes', 'canister messages queued for a client that does not read (over: 1008)'],
    ['max-clients', 'maxClients', 'open client connections; one more is closed at once (1013)']
];

/** How the user started it: `ic-websocket gateway` (dev/src/cli.ts sets argv[1] so) or this file directly. */
const PROGRAM = process.argv[1]?.startsWith('ic-websocket ') ? process.argv[1] : 'gateway';

const USAGE = `Usage: ${PROGRAM} --ic-url <url> [options]

  --ic-url <url>                      IC HTTP endpoint (local replica, dfx replica or https://icp-api.io)   (required)
  --port <n>                          listening port (default 8080; 0 = any free port)
  --host <address>                    listening address (default 127.0.0.1; 0.0.0.0 for all interfaces)
  --polling-interval-ms <n>           pause between polls at the end of a queue (default 100)
  --data-dir <dir>                    keep the gateway's key pair in <dir>/key_pair.json (default: new key each run)
  --root-key <hex>                    DER root key of a local network (default: fetched from <url>/api/v2/status)
  --log-level <level>                 debug | info | warn | error (default info)
  --open-timeout-ms <n>               time a new connection has to send its ws_open (default 60000)
${LIMIT_FLAGS.map(([flag, option, meaning]) => `  --${`${flag} <n>`.padEnd(34)}${meaning} (default ${DEFAULT_LIMITS[option]})`).join('\n')}
  --help                              print this text`;

function fail(message: string): never {
    process.stderr.write(`${PROGRAM}: ${message}\n\n${USAGE}\n`);
    process.exit(2);
}

function integer(name: string, text: string | undefined, fallback: number): number {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) fail(`--${name} must be a whole number >= 0, got "${text}"`);
    return value;
}

function positive(name: string, text: string | undefined): number | undefined {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) fail(`--${name} must be a whole number > 0, got "${text}"`);
    return value;
}

let parsed;
try {
    parsed = parseArgs({
        options: {
            'ic-url': { type: 'string' },
            port: { type: 'string' },
            host: { type: 'string' },
            'polling-interval-ms': { type: 'string' },
            'data-dir': { type: 'string' },
            'root-key': { type: 'string' },
            'log-level': { type: 'string' },
            'open-timeout-ms': { type: 'string' },
            ...Object.fromEntries(LIMIT_FLAGS.map(([flag]) => [flag, { type: 'string' as const }])),
            help: { type: 'boolean' }
        }
    });
} catch (error) {
    fail(error instanceof Error ? error.message : String(error));
}
const { values } = parsed;
if (values.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
}
if (!values['ic-url']) fail('--ic-url is required');
if (values['root-key'] !== undefined && !/^([0-9a-fA-F]{2})+$/.test(values['root-key'])) fail('--root-key must be hex');

const gateway = await startGateway({
    icUrl: values['ic-url'],
    port: integer('port', values.port, 8080),
    host: values.host,
    pollingIntervalMs: integer('polling-interval-ms', values['polling-interval-ms'], 100),
    dataDir: values['data-dir'],
    rootKey: values['root-key'] ? Uint8Array.from(Buffer.from(values['root-key'], 'hex')) : undefined,
    logLevel: (values['log-level'] ?? 'info') as LogLevel,
    openTimeoutMs: positive('open-timeout-ms', values['open-timeout-ms'] as string | undefined),
    ...Object.fromEntries(LIMIT_FLAGS.map(([flag, option]) => [option, positive(flag, (values as Record<string, string | undefined>)[flag])]))
}).catch((error) => {
    const busy = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    const reason = busy ? `port ${(error as { port?: number }).port} is in use: stop what uses it, or pick another with --port (0 = any free port)` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`${PROGRAM}: could not start: ${reason}\n`);
    process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void gateway.close().then(() => process.exit(0)));
}
