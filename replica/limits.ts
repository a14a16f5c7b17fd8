/**
 * The IC's size and instruction limits (application subnets), in one place.
 */
import { INSTRUCTION_LIMITS } from './metering/index.ts';
import type { MessageKind } from './messages.ts';

const MiB = 1024 * 1024;

/** Largest ingress message argument (the IC refuses bigger requests before execution). */
export const MAX_INGRESS_PAYLOAD = 2 * MiB;
/** Largest argument or reply of an inter-canister call, and largest reply of an update. */
export const MAX_INTER_CANISTER_PAYLOAD = 2 * MiB;
/** Largest reply of a query call. */
export const MAX_QUERY_REPLY = 3 * MiB;
/** Instruction limit of `canister_inspect_message`. */
export const INSPECT_MESSAGE_INSTRUCTION_LIMIT = 200_000_000n;

/** Reply size limit of a message kind. */
export function replyLimitOf(kind: MessageKind): number {
    return kind === 'query' || kind === 'composite_query' ? MAX_QUERY_REPLY : MAX_INTER_CANISTER_PAYLOAD;
}

/** Instruction limit of a message kind. */
export function instructionLimitOf(kind: MessageKind): bigint {
    switch (kind) {
        case 'init':
        case 'pre_upgrade':
        case 'post_upgrade':
        case 'start':
            return INSTRUCTION_LIMITS.install;
        case 'query':
        case 'composite_query':
            return INSTRUCTION_LIMITS.query;
        case 'inspect_message':
            return INSPECT_MESSAGE_INSTRUCTION_LIMIT;
        default:
            return INSTRUCTION_LIMITS.update;
    }
}
