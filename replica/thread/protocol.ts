/**
 * The messages between a `Replica` and its engine thread (worker-link.ts sends, engine-host.ts answers).
 */
import type { EngineOperation } from '../engine.ts';
import type { ValidReplicaOptions } from '../options.ts';
import type { WireError } from './marshal.ts';

/** Values of the shared word the caller waits on. */
export const FLAG = { waiting: 0, answered: 1, exited: 2 } as const;

/** Requests the engine thread understands. */
export type EngineRequest =
    | { op: 'open'; options: Omit<ValidReplicaOptions, 'thread'> }
    | { op: 'call'; engineId: number; operation: EngineOperation; args: unknown[] }
    | { op: 'close'; engineId: number };

/**
 * Its answers (`close` gets none), with the canister log lines printed meanwhile (`printLogs`): the caller prints
 * them before it returns, so they come out in order with its own output.
 */
export type EngineAnswer = ({ ok: true; value: unknown } | { ok: false; error: WireError }) & { printed?: string[] };
