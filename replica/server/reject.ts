/**
 * Canister call results in PocketIC's JSON: `{ Ok: <base64 reply> }` or `{ Err: RejectResponse }`.
 */
import { ErrorCode } from '../index.ts';
import { toBase64 } from './json.ts';

/** PocketIC's names for the IC reject codes 1..6. */
const REJECT_CODE_NAMES: Record<number, string> = {
    1: 'SysFatal',
    2: 'SysTransient',
    3: 'DestinationInvalid',
    4: 'CanisterReject',
    5: 'CanisterError',
    6: 'SysUnknown'
};

/** PocketIC names error codes by their enum name (`CanisterCalledTrap`), the replica by number (`IC0503`). */
const ERROR_CODE_NAMES = new Map<string, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

/** The IC's most common error code per reject code, used when the replica did not say which. */
const DEFAULT_ERROR_CODES: Record<number, string> = {
    1: 'SubnetOversubscribed',
    2: 'CanisterStopped',
    3: 'CanisterNotFound',
    4: 'CanisterRejectedMessage',
    5: 'CanisterCalledTrap',
    6: 'UnknownManagementMessage'
};

interface RejectLike {
    code: number;
    message: string;
    errorCode?: string;
}

/** True for errors carrying an IC reject code (the replica's RejectError, or anything shaped like it). */
export function isReject(error: unknown): error is RejectLike {
    const code = (error as { code?: unknown } | null)?.code;
    return error instanceof Error && typeof code === 'number' && code >= 1 && code <= 6;
}

/**
 * The JSON result of a canister call. Non-reject errors (bugs, bad input) are not results: they are rethrown so
 * the server answers them with an error status.
 *
 * @example
 * ```ts
 * callResultJson({ ok: true, reply });            // { Ok: 'RElETA...' }
 * callResultJson({ ok: false, error: rejectErr }); // { Err: { reject_code: 'CanisterError', ... } }
 * ```
 */
export function callResultJson(outcome: { ok: true; reply: Uint8Array } | { ok: false; error: unknown }, certified: boolean): unknown {
    if (outcome.ok) return { Ok: toBase64(outcome.reply) };
    if (!isReject(outcome.error)) throw outcome.error;
    const { code, message, errorCode } = outcome.error;
    return {
        Err: {
            reject_code: REJECT_CODE_NAMES[code],
            reject_message: message,
            error_code: (errorCode && ERROR_CODE_NAMES.get(errorCode)) ?? errorCode ?? DEFAULT_ERROR_CODES[code],
            certified
        }
    };
}
