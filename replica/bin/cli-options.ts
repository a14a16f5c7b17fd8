/**
 * Command-line options of `local-replica`: PocketIC's (`--port-file`, `--port`, `--ttl`, `--ip-addr`) plus ours
 * (`--http-port`, `--seed`). Pure parsing, so it is testable without starting anything.
 *
 * @example
 * ```ts
 * parseCliOptions(['--port-file', '/tmp/p', '--ttl', '60']);
 * // { restApi: true, portFile: '/tmp/p', ttlSeconds: 60, port: 0, help: false }
 * ```
 */

export interface CliOptions {
    /** Whether the PocketIC REST API runs (any REST option given, or no --http-port). */
    restApi: boolean;
    portFile?: string;
    port: number;
    ttlSeconds: number;
    httpPort?: number;
    seed?: string;
    help: boolean;
}

export const USAGE = `usage: local-replica [--port-file FILE] [--port N] [--ttl SECONDS] [--ip-addr 127.0.0.1] [--http-port N] [--seed TEXT]
  --port-file FILE   write the PocketIC REST API port to FILE once listening
  --port N           PocketIC REST API port (default: any free port)
  --ttl SECONDS      exit after SECONDS without a REST request (default 60)
  --ip-addr ADDR     listen address; only 127.0.0.1 / localhost are supported
  --http-port N      also serve one replica over the IC HTTP interface (0: any free port)
  --seed TEXT        root key seed of that replica
Values may also be given as --flag=value.`;

/** PocketIC's default idle TTL. */
const DEFAULT_TTL_SECONDS = 60;
/** The longest idle TTL a Node timer can wait (2^31-1 ms): a longer one would fire at once. */
const MAX_TTL_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Parses argv (without node and script). Throws an Error with a one-line reason on bad input. */
export function parseCliOptions(argv: readonly string[]): CliOptions {
    const options: CliOptions = { restApi: false, port: 0, ttlSeconds: DEFAULT_TTL_SECONDS, help: false };
    let restOptionGiven = false;
    for (let i = 0; i < argv.length; i++) {
        // `--flag value` and `--flag=value` are both accepted.
        const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? splitAt(argv[i], '=') : [argv[i], undefined];
        const value = () => {
            const v = inline ?? argv[++i];
            if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new Error(`${flag} needs a value`);
            return v;
        };
        switch (flag) {
            case '--help':
            case '-h':
                options.help = true;
                break;
            case '--port-file':
                options.portFile = value();
                restOptionGiven = true;
                break;
            case '--port':
                options.port = port(value(), flag);
                restOptionGiven = true;
                break;
            case '--ttl':
                options.ttlSeconds = nonNegativeInteger(value(), flag);
                if (options.ttlSeconds > MAX_TTL_SECONDS) throw new Error(`--ttl must be at most ${MAX_TTL_SECONDS} seconds, got ${options.ttlSeconds}`);
                restOptionGiven = true;
                break;
            case '--ip-addr': {
                const address = value();
                if (address !== '127.0.0.1' && address !== 'localhost') throw new Error(`--ip-addr ${address} is not supported: the server listens on 127.0.0.1 only`);
                break;
            }
            case '--http-port':
                options.httpPort = port(value(), flag);
                break;
            case '--seed':
                options.seed = value();
                break;
            default:
                throw new Error(`unknown option ${flag}`);
        }
        if (inline !== undefined && (flag === '--help' || flag === '-h')) throw new Error(`${flag} takes no value`);
    }
    options.restApi = restOptionGiven || options.httpPort === undefined;
    if (options.restApi && options.httpPort !== undefined && options.httpPort !== 0 && options.httpPort === options.port) {
        throw new Error(`--port and --http-port cannot both be ${options.port}`);
    }
    return options;
}

function splitAt(text: string, separator: string): [string, string] {
    const at = text.indexOf(separator);
    return [text.slice(0, at), text.slice(at + 1)];
}

function nonNegativeInteger(text: string, flag: string): number {
    if (!/^\d+$/.test(text)) throw new Error(`${flag} must be a non-negative integer, got ${text}`);
    return Number(text);
}

function port(text: string, flag: string): number {
    const n = nonNegativeInteger(text, flag);
    if (n > 65535) throw new Error(`${flag} must be at most 65535, got ${n}`);
    return n;
}
