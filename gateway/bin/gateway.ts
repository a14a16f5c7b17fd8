#!/usr/bin/env -S node --import tsx
/**
 * Command line for the gateway.
 *
 * @example
 * node --import tsx gateway/bin/gateway.ts --ic-url http://127.0.0.1:4943 --port 8080
 */
import { parseArgs } from 'node:util';
import { startGateway } from '../index.js';
import type { LogLevel } from '../log.js';

const USAGE = `Usage: gateway --ic-url <url> [options]

  --ic-url <url>               IC HTTP endpoint (local replica, dfx replica or https://icp-api.io)   (required)
  --port <n>                   listening port (default 8080; 0 = any free port)
  --host <address>             listening address (default 127.0.0.1; 0.0.0.0 for all interfaces)
  --polling-interval-ms <n>    pause between polls at the end of a queue (default 100)
  --data-dir <dir>             keep the gateway's key pair in <dir>/key_pair.json (default: new key each run)
  --root-key <hex>             DER root key of a local network (default: fetched from <url>/api/v2/status)
  --log-level <level>          debug | info | warn | error (default info)
  --help                       print this text`;

function fail(message: string): never {
    process.stderr.write(`gateway: ${message}\n\n${USAGE}\n`);
    process.exit(2);
}

function integer(name: string, text: string | undefined, fallback: number): number {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) fail(`--${name} must be a whole number >= 0, got "${text}"`);
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
    logLevel: (values['log-level'] ?? 'info') as LogLevel
}).catch((error) => {
    process.stderr.write(`gateway: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void gateway.close().then(() => process.exit(0)));
}
