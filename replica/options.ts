/**
 * Validation of the options users pass to `Replica.create` and `serveHttp`: anything unexpected is refused with a
 * TypeError/RangeError that names the option, what it must be, and what was given (a number where a seed string was
 * expected used to crash deep inside the key derivation).
 */

/** Options of `Replica.create` (documented on `ReplicaOptions` in replica.ts). */
export interface ValidReplicaOptions {
    seed?: string | Uint8Array;
    time?: number;
    printLogs?: boolean;
    roundTimeIncrementNs?: bigint;
    thread?: 'worker' | 'inline';
}

const REPLICA_OPTIONS = ['seed', 'time', 'printLogs', 'roundTimeIncrementNs', 'thread'] as const;

/**
 * Checks `Replica.create`'s options.
 *
 * @example validateReplicaOptions({ seed: 7 }) // throws TypeError: Replica.create: `seed` must be a string or a Uint8Array ..., got the number 7
 */
export function validateReplicaOptions(options: unknown): ValidReplicaOptions {
    const what = 'Replica.create';
    const record = optionsRecord(what, options, REPLICA_OPTIONS);
    const { seed, time, printLogs, roundTimeIncrementNs, thread } = record;
    if (seed !== undefined && typeof seed !== 'string' && !(seed instanceof Uint8Array)) {
        throw new TypeError(`${what}: \`seed\` must be a string or a Uint8Array (it makes the root key and raw_rand deterministic), got ${describe(seed)}`);
    }
    if (time !== undefined) nonNegativeMilliseconds(`${what}: \`time\``, time);
    if (printLogs !== undefined && typeof printLogs !== 'boolean') throw new TypeError(`${what}: \`printLogs\` must be a boolean, got ${describe(printLogs)}`);
    if (roundTimeIncrementNs !== undefined) {
        if (typeof roundTimeIncrementNs !== 'bigint') {
            throw new TypeError(`${what}: \`roundTimeIncrementNs\` must be a bigint number of nanoseconds (e.g. 1n), got ${describe(roundTimeIncrementNs)}`);
        }
        if (roundTimeIncrementNs < 0n) throw new RangeError(`${what}: \`roundTimeIncrementNs\` must not be negative, got ${roundTimeIncrementNs}n`);
    }
    if (thread !== undefined && thread !== 'worker' && thread !== 'inline') {
        throw new TypeError(`${what}: \`thread\` must be 'worker' or 'inline', got ${describe(thread)}`);
    }
    return record as ValidReplicaOptions;
}

/**
 * A finite, non-negative number of milliseconds (time stamps and durations); otherwise a TypeError or RangeError
 * naming `what`.
 */
export function nonNegativeMilliseconds(what: string, value: unknown): number {
    if (typeof value !== 'number') {
        const hint = value instanceof Date ? ' (use date.getTime())' : '';
        throw new TypeError(`${what} must be a number of milliseconds${hint}, got ${describe(value)}`);
    }
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${what} must be a finite, non-negative number of milliseconds, got ${value}`);
    return value;
}

/**
 * `options` as a record whose keys are all in `known` (undefined is an empty record); a typo such as `seeds` is
 * refused rather than silently ignored.
 */
export function optionsRecord<K extends string>(what: string, options: unknown, known: readonly K[]): Partial<Record<K, unknown>> {
    if (options === undefined) return {};
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
        throw new TypeError(`${what}: options must be an object, got ${describe(options)}`);
    }
    for (const key of Object.keys(options)) {
        if (!(known as readonly string[]).includes(key)) {
            throw new TypeError(`${what}: unknown option \`${key}\` (known: ${known.join(', ')})`);
        }
    }
    return options as Partial<Record<K, unknown>>;
}

/** How a value reads in an error message: its type and, for primitives, the value. */
export function describe(value: unknown): string {
    if (value === null) return 'null';
    if (value === undefined) return 'undefined';
    if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
    if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
    if (typeof value === 'bigint') return `the bigint ${value}n`;
    if (Array.isArray(value)) return 'an array';
    if (typeof value === 'function') return 'a function';
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
}
