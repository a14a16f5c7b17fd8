/**
 * Every `ic0` function the IC links to canisters today: its signature and in which kinds of message it may be called,
 * in our words from the IC interface specification's System API imports and the IC's linker (see README.md,
 * "Sources"). The System API (system-api.ts) implements each of them; install refuses a module that imports
 * anything else, with the IC's text (wasm/validate-imports.ts).
 *
 * Signatures use `I` for pointers and sizes: i32 in a module with a 32-bit memory, i64 with a 64-bit memory.
 */
import type { MessageKind } from './messages.ts';

/** A parameter or result: a pointer/size (`I`), or a fixed-width integer. */
export type ValueKind = 'I' | 'i32' | 'i64';

/**
 * The spec's names for the contexts a function may be called in: I init/post_upgrade, G pre_upgrade, U update,
 * RQ replicated query, NRQ non-replicated query, CQ composite query, Ry/Rt reply/reject callback, CRy/CRt the same
 * inside a composite query, C/CC cleanup callback (composite), T system task (heartbeat, global timer),
 * F inspect_message, s the module's wasm start function.
 */
export type CallContextName = 'I' | 'G' | 'U' | 'RQ' | 'NRQ' | 'CQ' | 'Ry' | 'Rt' | 'CRy' | 'CRt' | 'C' | 'CC' | 'T' | 'F' | 's';

export interface SystemApiFunction {
    params: readonly ValueKind[];
    results: readonly ValueKind[];
    /** Where it may be called; `*` is every message (not the start function), `* s` every message and start. */
    allowedIn: '*' | '* s' | ReadonlySet<CallContextName>;
}

const everywhere = '*' as const;
const alsoInStart = '* s' as const;
const only = (...names: CallContextName[]): ReadonlySet<CallContextName> => new Set(names);
const fn = (params: ValueKind[], results: ValueKind[], allowedIn: SystemApiFunction['allowedIn']): SystemApiFunction => ({ params, results, allowedIn });

const ARG_DATA = only('I', 'U', 'RQ', 'NRQ', 'CQ', 'Ry', 'CRy', 'F');
const CALLER_INFO = only('U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt', 'C', 'CC', 'F');
const CALLBACKS = only('Ry', 'Rt', 'CRy', 'CRt');
const REJECT_CALLBACKS = only('Rt', 'CRt');
const DEADLINE = only('U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt');
const REPLY = only('U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt');
const CYCLES_IN = only('U', 'RQ', 'Ry', 'Rt');
const CYCLES_REFUNDED = only('Ry', 'Rt');
const BURN = only('I', 'G', 'U', 'RQ', 'Ry', 'Rt', 'C', 'T');
const INSPECT = only('F');
const CALLS = only('U', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt', 'T');
const CALL_CYCLES = only('U', 'Ry', 'Rt', 'T');
const ROOT_KEY = only('I', 'G', 'U', 'RQ', 'Ry', 'Rt', 'C', 'T');
const REPLICATED_STATE = only('I', 'G', 'U', 'Ry', 'Rt', 'T');
const TIMER = only('I', 'G', 'U', 'Ry', 'Rt', 'C', 'T');
const CERTIFICATE = only('NRQ', 'CQ');
const MINT = only('U', 'Ry', 'Rt');

/** The IC's System API, by name (without the `ic0.` module prefix). */
export const SYSTEM_API_FUNCTIONS: Readonly<Record<string, SystemApiFunction>> = {
    msg_arg_data_size: fn([], ['I'], ARG_DATA),
    msg_arg_data_copy: fn(['I', 'I', 'I'], [], ARG_DATA),
    msg_caller_size: fn([], ['I'], everywhere),
    msg_caller_copy: fn(['I', 'I', 'I'], [], everywhere),
    msg_caller_info_data_size: fn([], ['I'], CALLER_INFO),
    msg_caller_info_data_copy: fn(['I', 'I', 'I'], [], CALLER_INFO),
    msg_caller_info_signer_size: fn([], ['I'], CALLER_INFO),
    msg_caller_info_signer_copy: fn(['I', 'I', 'I'], [], CALLER_INFO),
    msg_reject_code: fn([], ['i32'], CALLBACKS),
    msg_reject_msg_size: fn([], ['I'], REJECT_CALLBACKS),
    msg_reject_msg_copy: fn(['I', 'I', 'I'], [], REJECT_CALLBACKS),
    msg_deadline: fn([], ['i64'], DEADLINE),
    msg_reply_data_append: fn(['I', 'I'], [], REPLY),
    msg_reply: fn([], [], REPLY),
    msg_reject: fn(['I', 'I'], [], REPLY),
    msg_cycles_available: fn([], ['i64'], CYCLES_IN),
    msg_cycles_available128: fn(['I'], [], CYCLES_IN),
    msg_cycles_refunded: fn([], ['i64'], CYCLES_REFUNDED),
    msg_cycles_refunded128: fn(['I'], [], CYCLES_REFUNDED),
    msg_cycles_accept: fn(['i64'], ['i64'], CYCLES_IN),
    msg_cycles_accept128: fn(['i64', 'i64', 'I'], [], CYCLES_IN),
    cycles_burn128: fn(['i64', 'i64', 'I'], [], BURN),
    canister_self_size: fn([], ['I'], everywhere),
    canister_self_copy: fn(['I', 'I', 'I'], [], everywhere),
    canister_cycle_balance: fn([], ['i64'], everywhere),
    canister_cycle_balance128: fn(['I'], [], everywhere),
    canister_liquid_cycle_balance128: fn(['I'], [], everywhere),
    canister_status: fn([], ['i32'], everywhere),
    canister_version: fn([], ['i64'], everywhere),
    subnet_self_size: fn([], ['I'], everywhere),
    subnet_self_copy: fn(['I', 'I', 'I'], [], everywhere),
    msg_method_name_size: fn([], ['I'], INSPECT),
    msg_method_name_copy: fn(['I', 'I', 'I'], [], INSPECT),
    accept_message: fn([], [], INSPECT),
    call_new: fn(['I', 'I', 'I', 'I', 'I', 'I', 'I', 'I'], [], CALLS),
    call_on_cleanup: fn(['I', 'I'], [], CALLS),
    call_data_append: fn(['I', 'I'], [], CALLS),
    call_with_best_effort_response: fn(['i32'], [], CALLS),
    call_cycles_add: fn(['i64'], [], CALL_CYCLES),
    call_cycles_add128: fn(['i64', 'i64'], [], CALL_CYCLES),
    call_perform: fn([], ['i32'], CALLS),
    stable_size: fn([], ['i32'], alsoInStart),
    stable_grow: fn(['i32'], ['i32'], alsoInStart),
    stable_read: fn(['i32', 'i32', 'i32'], [], alsoInStart),
    stable_write: fn(['i32', 'i32', 'i32'], [], alsoInStart),
    stable64_size: fn([], ['i64'], alsoInStart),
    stable64_grow: fn(['i64'], ['i64'], alsoInStart),
    stable64_write: fn(['i64', 'i64', 'i64'], [], alsoInStart),
    stable64_read: fn(['i64', 'i64', 'i64'], [], alsoInStart),
    root_key_size: fn([], ['I'], ROOT_KEY),
    root_key_copy: fn(['I', 'I', 'I'], [], ROOT_KEY),
    certified_data_set: fn(['I', 'I'], [], REPLICATED_STATE),
    data_certificate_present: fn([], ['i32'], everywhere),
    data_certificate_size: fn([], ['I'], CERTIFICATE),
    data_certificate_copy: fn(['I', 'I', 'I'], [], CERTIFICATE),
    time: fn([], ['i64'], everywhere),
    global_timer_set: fn(['i64'], ['i64'], TIMER),
    performance_counter: fn(['i32'], ['i64'], alsoInStart),
    is_controller: fn(['I', 'I'], ['i32'], alsoInStart),
    in_replicated_execution: fn([], ['i32'], alsoInStart),
    cost_call: fn(['i64', 'i64', 'I'], [], alsoInStart),
    cost_create_canister: fn(['I'], [], alsoInStart),
    cost_http_request: fn(['i64', 'i64', 'I'], [], alsoInStart),
    cost_http_request_v2: fn(['I', 'I', 'I'], [], alsoInStart),
    cost_sign_with_ecdsa: fn(['I', 'I', 'i32', 'I'], ['i32'], alsoInStart),
    cost_sign_with_schnorr: fn(['I', 'I', 'i32', 'I'], ['i32'], alsoInStart),
    cost_vetkd_derive_key: fn(['I', 'I', 'i32', 'I'], ['i32'], alsoInStart),
    env_var_count: fn([], ['I'], everywhere),
    env_var_name_size: fn(['I'], ['I'], everywhere),
    env_var_name_copy: fn(['I', 'I', 'I', 'I'], [], everywhere),
    env_var_name_exists: fn(['I', 'I'], ['i32'], everywhere),
    env_var_value_size: fn(['I', 'I'], ['I'], everywhere),
    env_var_value_copy: fn(['I', 'I', 'I', 'I', 'I'], [], everywhere),
    mint_cycles128: fn(['i64', 'i64', 'I'], [], MINT),
    debug_print: fn(['I', 'I'], [], alsoInStart),
    trap: fn(['I', 'I'], [], alsoInStart)
};

/** The spec's name of the context a message of `kind` runs in (`composite`: inside a composite query). */
export function callContextName(kind: MessageKind, composite: boolean): CallContextName {
    switch (kind) {
        case 'init':
        case 'post_upgrade':
            return 'I';
        case 'pre_upgrade':
            return 'G';
        case 'update':
            return 'U';
        case 'replicated_query':
            return 'RQ';
        case 'query':
            return 'NRQ';
        case 'composite_query':
            return 'CQ';
        case 'reply_callback':
            return composite ? 'CRy' : 'Ry';
        case 'reject_callback':
            return composite ? 'CRt' : 'Rt';
        case 'cleanup':
            return composite ? 'CC' : 'C';
        case 'global_timer':
        case 'heartbeat':
            return 'T';
        case 'inspect_message':
            return 'F';
        case 'start':
            return 's';
    }
}

/** Whether `name` may be called in a message of this kind. */
export function isAllowed(name: string, kind: MessageKind, composite: boolean): boolean {
    const allowed = SYSTEM_API_FUNCTIONS[name]?.allowedIn ?? everywhere;
    if (allowed === alsoInStart) return true;
    if (allowed === everywhere) return kind !== 'start';
    return allowed.has(callContextName(kind, composite));
}

/** Wasm value type bytes of a signature, with `I` as i64 for a 64-bit memory. */
export function wasmTypes(kinds: readonly ValueKind[], memory64: boolean): number[] {
    return kinds.map((kind) => (kind === 'i32' || (kind === 'I' && !memory64) ? 0x7f : 0x7e));
}
