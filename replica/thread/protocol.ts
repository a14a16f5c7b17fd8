/**
 * The messages between a `Replica` and its engine thread (worker-link.ts sends, engine-host.ts answers), and the
 * shared words the caller waits on.
 *
 * Every request but `close` carries an `id`, and its answer carries the same `id`. After posting an answer the engine
 * thread stores that id in {@link SIGNAL.answered} and notifies it: the caller waits until that word holds its own
 * id (a wake-up for any other reason, or a late notification meant for an earlier request, just waits again), then
 * takes answers off the port until its own, dropping any that belong to an earlier request whose caller gave up.
 */
import type { EngineOperation } from '../engine.ts';
import type { ValidReplicaOptions } from '../options.ts';
import type { WireError } from './marshal.ts';

/** Indexes of the shared Int32Array words. */
export const SIGNAL = {
    /** The id of the last request answered (0: none yet). */
    answered: 0,
    /** 1 once the engine thread has exited. */
    exited: 1
} as const;

/** Size of the shared signal buffer, in bytes. */
export const SIGNAL_BYTES = 8;

/** Ids run from 1 to this and wrap around to 1 (0 is "nothing answered yet"). */
export const MAX_REQUEST_ID = 0x3fff_ffff;

/** Requests the engine thread understands. */
export type EngineRequest =
    | { op: 'open'; id: number; options: Omit<ValidReplicaOptions, 'thread'> }
    | { op: 'call'; id: number; engineId: number; operation: EngineOperation; args: unknown[] }
    | { op: 'close'; engineId: number };

/**
 * Its answers (`close` gets none): the request's `id`, and the canister log lines printed meanwhile (`printLogs`):
 * the caller prints them before it returns, so they come out in order with its own output.
 */
export type EngineAnswer = ({ ok: true; value: unknown } | { ok: false; error: WireError }) & { id: number; printed?: string[] };
