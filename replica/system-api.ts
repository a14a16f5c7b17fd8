/**
 * The IC System API (`ic0.*`) for one canister: the 44 imports of Azle 0.33's template, with the IC's rules on
 * which message kinds may call what, argument bounds, reply limits, and instruction charges per call.
 *
 * Every function reads the execution in progress from `canister.current`; state changes go straight to the
 * canister and are undone by the execution's rollback if the message traps.
 */
import { Principal } from '@dfinity/principal';
import { fromUtf8, concatBytes } from './bytes.ts';
import type { Canister } from './canister.ts';
import { RejectCode } from './errors.ts';
import type { Execution, MessageKind } from './messages.ts';
import { systemApiCost } from './metering/index.ts';
import { MAX_INTER_CANISTER_PAYLOAD } from './limits.ts';
import { contractViolation, Trap } from './trap.ts';

/** How the IC names each message kind in "cannot be executed in … mode" errors. */
const MODE_NAMES: Record<MessageKind, string> = {
    init: 'init',
    pre_upgrade: 'pre upgrade',
    post_upgrade: 'init',
    update: 'update',
    replicated_query: 'replicated query',
    query: 'non replicated query',
    composite_query: 'composite query',
    reply_callback: 'reply callback',
    reject_callback: 'reject callback',
    cleanup: 'cleanup',
    global_timer: 'system task',
    heartbeat: 'system task',
    inspect_message: 'inspect message'
};

const ALL = new Set(Object.keys(MODE_NAMES) as MessageKind[]);
const kinds = (...list: MessageKind[]) => new Set<MessageKind>(list);
const CAN_REPLY = kinds('update', 'replicated_query', 'query', 'composite_query', 'reply_callback', 'reject_callback');
const CALLBACKS = kinds('reply_callback', 'reject_callback');
const REPLICATED_CHANGES = kinds('init', 'post_upgrade', 'pre_upgrade', 'update', 'reply_callback', 'reject_callback', 'cleanup', 'global_timer', 'heartbeat');
const CAN_CALL = kinds('update', 'composite_query', 'reply_callback', 'reject_callback', 'global_timer', 'heartbeat');
/** Imports that change replicated state, forbidden anywhere in a composite query (its callbacks included). */
const NOT_IN_COMPOSITE = new Set(['certified_data_set', 'global_timer_set', 'cycles_burn128', 'msg_cycles_accept128', 'call_cycles_add128']);

/** Which message kinds may use each import (the IC's availability table, for what Azle uses). */
const AVAILABILITY: Record<string, ReadonlySet<MessageKind>> = {
    msg_arg_data_size: kinds('init', 'post_upgrade', 'update', 'replicated_query', 'query', 'composite_query', 'reply_callback', 'inspect_message'),
    msg_arg_data_copy: kinds('init', 'post_upgrade', 'update', 'replicated_query', 'query', 'composite_query', 'reply_callback', 'inspect_message'),
    msg_method_name_size: kinds('update', 'replicated_query', 'query', 'composite_query', 'inspect_message'),
    msg_method_name_copy: kinds('update', 'replicated_query', 'query', 'composite_query', 'inspect_message'),
    msg_reject_code: CALLBACKS,
    msg_reject_msg_size: kinds('reject_callback'),
    msg_reject_msg_copy: kinds('reject_callback'),
    msg_reply_data_append: CAN_REPLY,
    msg_reply: CAN_REPLY,
    msg_reject: CAN_REPLY,
    msg_cycles_available128: kinds('update', 'replicated_query', 'reply_callback', 'reject_callback'),
    msg_cycles_refunded128: CALLBACKS,
    msg_cycles_accept128: kinds('update', 'replicated_query', 'reply_callback', 'reject_callback'),
    cycles_burn128: REPLICATED_CHANGES,
    accept_message: kinds('inspect_message'),
    global_timer_set: REPLICATED_CHANGES,
    certified_data_set: REPLICATED_CHANGES,
    data_certificate_size: kinds('query', 'composite_query'),
    data_certificate_copy: kinds('query', 'composite_query'),
    call_new: CAN_CALL,
    call_on_cleanup: CAN_CALL,
    call_data_append: CAN_CALL,
    call_cycles_add128: CAN_CALL,
    call_with_best_effort_response: CAN_CALL,
    call_perform: CAN_CALL
};

/** Options the replica passes to every canister's System API. */
export interface SystemApiHost {
    /** Called for each `debug_print`, after it is recorded in `canister.logs`. */
    onDebugPrint?: (canister: Canister, text: string) => void;
}

function write128(memory: Uint8Array, dst: number, value: bigint): void {
    for (let i = 0; i < 16; i++) memory[dst + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

const from128 = (high: bigint, low: bigint): bigint => (BigInt.asUintN(64, high) << 64n) | BigInt.asUintN(64, low);

/**
 * Builds the `ic0` import object for `canister`.
 *
 * @example
 * const instance = new WebAssembly.Instance(module, { ic0: createSystemApi(canister, {}) });
 */
export function createSystemApi(canister: Canister, host: SystemApiHost): Record<string, (...args: never[]) => unknown> {
    const exec = (name: string): Execution => {
        const current = canister.current;
        if (!current) throw new Trap('contract', `ic0.${name} called outside of a message execution`);
        const allowed = AVAILABILITY[name] ?? ALL;
        if (!allowed.has(current.kind)) contractViolation(`"ic0_${name}" cannot be executed in ${MODE_NAMES[current.kind]} mode`);
        if (current.context?.composite && NOT_IN_COMPOSITE.has(name)) contractViolation(`"ic0_${name}" cannot be executed in composite query mode`);
        return current;
    };
    const memory = (): Uint8Array => new Uint8Array(canister.code!.memory.buffer);
    const read = (name: string, src: number, size: number): Uint8Array => {
        const mem = memory();
        const start = src >>> 0;
        const length = size >>> 0;
        if (start + length > mem.length) contractViolation(`ic0.${name}: src=${start} + length=${length} exceeds the slice size=${mem.length}`);
        return mem.slice(start, start + length);
    };
    const copyOut = (name: string, source: Uint8Array, dst: number, offset: number, size: number): void => {
        const start = offset >>> 0;
        const length = size >>> 0;
        if (start + length > source.length) contractViolation(`ic0.${name}: offset=${start} + length=${length} exceeds the slice size=${source.length}`);
        const mem = memory();
        if ((dst >>> 0) + length > mem.length) contractViolation(`ic0.${name}: dst=${dst >>> 0} + length=${length} exceeds the heap size=${mem.length}`);
        mem.set(source.subarray(start, start + length), dst >>> 0);
    };
    const replyable = (name: string): Execution => {
        const current = exec(name);
        if (!current.context || current.context.responded || current.response) contractViolation(`ic0.${name}: the call is already replied`);
        return current;
    };
    const building = (name: string) => {
        const current = exec(name);
        if (!current.pendingCall) contractViolation(`ic0.${name} called when no call is under construction`);
        return current.pendingCall;
    };

    const api: Record<string, (...args: never[]) => unknown> = {
        msg_arg_data_size: () => exec('msg_arg_data_size').arg.length,
        msg_arg_data_copy: (dst: number, offset: number, size: number) =>
            copyOut('msg_arg_data_copy', exec('msg_arg_data_copy').arg, dst, offset, size),
        msg_caller_size: () => exec('msg_caller_size').caller.toUint8Array().length,
        msg_caller_copy: (dst: number, offset: number, size: number) =>
            copyOut('msg_caller_copy', exec('msg_caller_copy').caller.toUint8Array(), dst, offset, size),
        msg_method_name_size: () => new TextEncoder().encode(exec('msg_method_name_size').methodName).length,
        msg_method_name_copy: (dst: number, offset: number, size: number) =>
            copyOut('msg_method_name_copy', new TextEncoder().encode(exec('msg_method_name_copy').methodName), dst, offset, size),
        msg_reject_code: () => exec('msg_reject_code').incomingReject?.code ?? 0,
        msg_reject_msg_size: () => new TextEncoder().encode(exec('msg_reject_msg_size').incomingReject?.message ?? '').length,
        msg_reject_msg_copy: (dst: number, offset: number, size: number) =>
            copyOut('msg_reject_msg_copy', new TextEncoder().encode(exec('msg_reject_msg_copy').incomingReject?.message ?? ''), dst, offset, size),
        msg_reply_data_append: (src: number, size: number) => {
            const current = replyable('msg_reply_data_append');
            const total = current.replySize + (size >>> 0);
            if (total > current.replyLimit) {
                contractViolation(`ic0.msg_reply_data_append: application payload size (${total}) cannot be larger than ${current.replyLimit}`);
            }
            current.replyChunks.push(read('msg_reply_data_append', src, size));
            current.replySize = total;
        },
        msg_reply: () => {
            const current = replyable('msg_reply');
            current.response = { type: 'reply', data: concatBytes(current.replyChunks) };
            current.replyChunks = [];
        },
        msg_reject: (src: number, size: number) => {
            const current = replyable('msg_reject');
            const message = fromUtf8(read('msg_reject', src, size));
            current.response = { type: 'reject', reject: { code: RejectCode.CanisterReject, message } };
        },
        msg_cycles_available128: (dst: number) => write128(memory(), dst >>> 0, exec('msg_cycles_available128').context?.cyclesAvailable ?? 0n),
        msg_cycles_refunded128: (dst: number) => write128(memory(), dst >>> 0, exec('msg_cycles_refunded128').refundedCycles),
        msg_cycles_accept128: (high: bigint, low: bigint, dst: number) => {
            const current = exec('msg_cycles_accept128');
            const context = current.context;
            const wanted = from128(high, low);
            const accepted = context ? (wanted < context.cyclesAvailable ? wanted : context.cyclesAvailable) : 0n;
            if (context) context.cyclesAvailable -= accepted;
            current.cyclesAccepted += accepted;
            canister.cycles += accepted;
            write128(memory(), dst >>> 0, accepted);
        },
        cycles_burn128: (high: bigint, low: bigint, dst: number) => {
            exec('cycles_burn128');
            const wanted = from128(high, low);
            const burned = wanted < canister.cycles ? wanted : canister.cycles;
            canister.cycles -= burned;
            write128(memory(), dst >>> 0, burned);
        },
        canister_cycle_balance128: (dst: number) => {
            exec('canister_cycle_balance128');
            write128(memory(), dst >>> 0, canister.cycles);
        },
        canister_liquid_cycle_balance128: (dst: number) => {
            exec('canister_liquid_cycle_balance128');
            write128(memory(), dst >>> 0, canister.cycles);
        },
        cost_call: (_methodNameSize: bigint, _payloadSize: bigint, dst: number) => {
            exec('cost_call');
            write128(memory(), dst >>> 0, 0n); // no cycle fees are charged here (documented deviation)
        },
        canister_self_size: () => {
            exec('canister_self_size');
            return canister.idBytes.length;
        },
        canister_self_copy: (dst: number, offset: number, size: number) => {
            exec('canister_self_copy');
            copyOut('canister_self_copy', canister.idBytes, dst, offset, size);
        },
        canister_version: () => {
            exec('canister_version');
            return canister.version;
        },
        accept_message: () => {
            const current = exec('accept_message');
            if (current.messageAccepted) contractViolation('ic0.accept_message: the function was already called');
            current.messageAccepted = true;
        },
        time: () => exec('time').timeNs,
        global_timer_set: (timeNs: bigint) => {
            exec('global_timer_set');
            const previous = canister.globalTimerNs;
            canister.globalTimerNs = BigInt.asUintN(64, timeNs);
            return previous;
        },
        performance_counter: (type: number) => {
            const current = exec('performance_counter');
            const own = canister.code?.counter ? (canister.code.counter.value as bigint) : current.systemInstructions;
            if (type === 0) return own;
            if (type === 1) return (current.context?.instructions ?? 0n) + own;
            return contractViolation(`ic0.performance_counter: unknown counter type ${type}`);
        },
        is_controller: (src: number, size: number) => {
            exec('is_controller');
            const bytes = read('is_controller', src, size);
            if (bytes.length > 29) contractViolation(`ic0.is_controller: the principal is ${bytes.length} bytes long (at most 29)`);
            return canister.isController(Principal.fromUint8Array(bytes)) ? 1 : 0;
        },
        in_replicated_execution: () => {
            const current = exec('in_replicated_execution');
            const singleReplica = current.kind === 'query' || current.kind === 'composite_query' || current.kind === 'inspect_message';
            return singleReplica || current.context?.composite ? 0 : 1;
        },
        debug_print: (src: number, size: number) => {
            exec('debug_print');
            const text = fromUtf8(read('debug_print', src, size));
            canister.logs.push(text);
            host.onDebugPrint?.(canister, text);
        },
        trap: (src: number, size: number) => {
            exec('trap');
            throw new Trap('called', fromUtf8(read('trap', src, size)));
        },
        certified_data_set: (src: number, size: number) => {
            exec('certified_data_set');
            if (size >>> 0 > 32) contractViolation(`ic0.certified_data_set: the data is ${size >>> 0} bytes long (at most 32)`);
            canister.certifiedData = read('certified_data_set', src, size);
        },
        data_certificate_present: () => (exec('data_certificate_present').dataCertificate ? 1 : 0),
        data_certificate_size: () => {
            const current = exec('data_certificate_size');
            if (!current.dataCertificate) contractViolation('ic0.data_certificate_size: no certificate is present');
            return current.dataCertificate().length;
        },
        data_certificate_copy: (dst: number, offset: number, size: number) => {
            const current = exec('data_certificate_copy');
            if (!current.dataCertificate) contractViolation('ic0.data_certificate_copy: no certificate is present');
            copyOut('data_certificate_copy', current.dataCertificate(), dst, offset, size);
        },
        stable64_size: () => {
            exec('stable64_size');
            return canister.stable.size;
        },
        stable64_grow: (pages: bigint) => {
            exec('stable64_grow');
            return canister.stable.grow(pages);
        },
        stable64_write: (offset: bigint, src: bigint, size: bigint) => {
            exec('stable64_write');
            if (!canister.stable.inBounds(offset, size)) contractViolation(`ic0.stable64_write: offset ${offset} + size ${size} is out of bounds`);
            canister.stable.write(Number(offset), read('stable64_write', Number(src), Number(size)));
        },
        stable64_read: (dst: bigint, offset: bigint, size: bigint) => {
            exec('stable64_read');
            if (!canister.stable.inBounds(offset, size)) contractViolation(`ic0.stable64_read: offset ${offset} + size ${size} is out of bounds`);
            const mem = memory();
            if (Number(dst) + Number(size) > mem.length) contractViolation(`ic0.stable64_read: dst ${dst} + size ${size} exceeds the heap`);
            canister.stable.readInto(Number(offset), Number(size), mem, Number(dst));
        },
        call_new: (calleeSrc: number, calleeSize: number, nameSrc: number, nameSize: number, replyFun: number, replyEnv: number, rejectFun: number, rejectEnv: number) => {
            const current = exec('call_new');
            const calleeBytes = read('call_new', calleeSrc, calleeSize);
            if (calleeBytes.length > 29) contractViolation(`ic0.call_new: the callee is ${calleeBytes.length} bytes long (at most 29)`);
            current.pendingCall = {
                callee: Principal.fromUint8Array(calleeBytes),
                method: fromUtf8(read('call_new', nameSrc, nameSize)),
                reply: { fun: replyFun >>> 0, env: replyEnv >>> 0 },
                reject: { fun: rejectFun >>> 0, env: rejectEnv >>> 0 },
                argChunks: [],
                argSize: 0,
                cycles: 0n,
                context: current.context!
            };
        },
        call_on_cleanup: (fun: number, env: number) => {
            const call = building('call_on_cleanup');
            if (call.cleanup) contractViolation('ic0.call_on_cleanup: the cleanup callback is already set');
            call.cleanup = { fun: fun >>> 0, env: env >>> 0 };
        },
        call_data_append: (src: number, size: number) => {
            const call = building('call_data_append');
            const total = call.argSize + (size >>> 0);
            if (total > MAX_INTER_CANISTER_PAYLOAD) {
                contractViolation(`ic0.call_data_append: application payload size (${total}) cannot be larger than ${MAX_INTER_CANISTER_PAYLOAD}`);
            }
            call.argChunks.push(read('call_data_append', src, size));
            call.argSize = total;
        },
        call_cycles_add128: (high: bigint, low: bigint) => {
            const call = building('call_cycles_add128');
            const amount = from128(high, low);
            if (amount > canister.cycles) contractViolation(`ic0.call_cycles_add128: the canister has ${canister.cycles} cycles, fewer than the ${amount} requested`);
            canister.cycles -= amount;
            call.cycles += amount;
        },
        call_with_best_effort_response: (_timeoutSeconds: number) => {
            building('call_with_best_effort_response'); // responses are never dropped here (documented deviation)
        },
        call_perform: () => {
            const current = exec('call_perform');
            const call = building('call_perform');
            current.performedCalls.push(call);
            current.pendingCall = undefined;
            return 0;
        }
    };
    return chargeEachCall(canister, api);
}

/** Wraps each import so it is charged `systemApiCost(name, args)` instructions before it runs. */
function chargeEachCall(canister: Canister, api: Record<string, (...args: never[]) => unknown>) {
    const charged: Record<string, (...args: never[]) => unknown> = {};
    for (const [name, fn] of Object.entries(api)) {
        charged[name] = (...args: never[]) => {
            const cost = systemApiCost(name, args as unknown as (number | bigint)[]);
            if (cost !== 0n) {
                const counter = canister.code?.counter;
                if (counter) counter.value = (counter.value as bigint) + cost;
                else if (canister.current) canister.current.systemInstructions += cost;
            }
            return fn(...args);
        };
    }
    return charged;
}
