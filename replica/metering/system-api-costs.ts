/**
 * What the IC charges, in instructions, for each System API (`ic0`) call on an application subnet: a fixed cost
 * per call plus, for calls that move bytes, a per-byte cost charged before the call runs. Described in our words
 * from the IC's execution environment (see README.md, "Sources").
 */

type Arguments = readonly (number | bigint)[];
type CostRule = (args: Arguments) => number;

/** The fixed charge most System API calls pay. */
export const DEFAULT_SYSTEM_API_COST = 500;

const fixed = (cost: number): CostRule => () => cost;
/** Fixed cost plus `perByte` times the argument at `sizeArgument`. */
const sized = (cost: number, sizeArgument: number, perByte = 1): CostRule => (args) => cost + perByte * size(args[sizeArgument]);

function size(value: number | bigint | undefined): number {
    if (value === undefined) return 0;
    // Sizes arrive as wasm i32 (possibly negative when read as signed) or i64; the IC reads them unsigned.
    return typeof value === 'bigint' ? Number(BigInt.asUintN(64, value)) : value >>> 0;
}

/**
 * Cost rules by System API name. `*_copy(dst, offset, size)` calls pay 1 per byte; `msg_reply_data_append`,
 * `msg_reject` and `call_data_append` pay 50 per byte (the bytes leave the canister); `debug_print` pays for the
 * log copy (2/byte), transmission (50/byte) and printing (1/byte).
 */
export const SYSTEM_API_COSTS: Readonly<Record<string, CostRule>> = {
    msg_arg_data_size: fixed(500),
    msg_arg_data_copy: sized(500, 2),
    msg_caller_size: fixed(500),
    msg_caller_copy: sized(500, 2),
    msg_method_name_size: fixed(500),
    msg_method_name_copy: sized(500, 2),
    msg_reject_code: fixed(500),
    msg_reject_msg_size: fixed(500),
    msg_reject_msg_copy: sized(500, 2),
    msg_reply_data_append: sized(500, 1, 50),
    msg_reply: fixed(500),
    msg_reject: sized(500, 1, 50),
    msg_deadline: fixed(500),
    msg_cycles_available128: fixed(500),
    msg_cycles_refunded128: fixed(500),
    msg_cycles_accept128: fixed(500),
    cycles_burn128: fixed(500),
    canister_cycle_balance128: fixed(500),
    canister_liquid_cycle_balance128: fixed(500),
    canister_self_size: fixed(500),
    canister_self_copy: sized(500, 2),
    canister_version: fixed(500),
    canister_status: fixed(500),
    accept_message: fixed(500),
    time: fixed(500),
    global_timer_set: fixed(500),
    performance_counter: fixed(200),
    is_controller: sized(1000, 1),
    in_replicated_execution: fixed(500),
    debug_print: sized(100, 1, 2 + 50 + 1),
    trap: sized(500, 1),
    certified_data_set: sized(500, 1),
    data_certificate_present: fixed(500),
    data_certificate_size: fixed(500),
    data_certificate_copy: sized(500, 2),
    cost_call: fixed(500),
    // Stable memory (wasm-native on the IC): a small fixed cost plus the bytes moved; page-access charges are
    // not modelled.
    stable64_size: fixed(20),
    stable64_grow: fixed(100),
    stable64_read: sized(20, 2),
    stable64_write: sized(20, 2),
    call_new: (args) => 1500 + size(args[1]) + size(args[3]),
    call_on_cleanup: fixed(500),
    call_data_append: sized(500, 1, 50),
    call_cycles_add128: fixed(500),
    call_with_best_effort_response: fixed(500),
    call_perform: fixed(5000)
};

/**
 * Instructions the IC charges for one System API call, given its arguments as the wasm code passed them.
 * Names without a rule pay {@link DEFAULT_SYSTEM_API_COST}, the IC's common fixed charge.
 *
 * @example systemApiCost('msg_reply_data_append', [ptr, 10]) // 500 + 50 * 10 = 1000n
 */
export function systemApiCost(name: string, args: Arguments): bigint {
    const rule = SYSTEM_API_COSTS[name];
    return BigInt(rule ? rule(args) : DEFAULT_SYSTEM_API_COST);
}
