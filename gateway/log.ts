/**
 * A tiny levelled logger: one line per event, `<ISO time> <level> [gateway] <message>`, written to stderr so that
 * stdout stays free for programs (such as `npm start`) that print machine-readable lines.
 *
 * @example
 * const log = createLogger('info');
 * log.info('listening on ws://127.0.0.1:8080');
 * log.debug('not printed at level info');
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Creates a logger printing messages at `level` and above; `write` defaults to stderr. */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
    if (!(level in LEVEL_RANK)) throw new Error(`Unknown log level "${level}" (expected one of ${Object.keys(LEVEL_RANK).join(', ')})`);
    const emit = (at: Exclude<LogLevel, 'silent'>) => (message: string) => {
        if (LEVEL_RANK[at] >= LEVEL_RANK[level]) write(`${new Date().toISOString()} ${at.padEnd(5)} [gateway] ${message}`);
    };
    return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** The message of any thrown value, on one line, without the stack traces some libraries put into messages. */
export function errorMessage(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    const withoutStack = text.split('\n').filter((line) => !/^\s*at /.test(line)).join(' ');
    const oneLine = withoutStack.replace(/\s+/g, ' ').trim();
    return oneLine.length > 300 ? `${oneLine.slice(0, 297)}...` : oneLine;
}
