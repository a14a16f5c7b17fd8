/**
 * The IC System API (`ic0.*`) for one canister: every function of system-api-catalog.ts, with the IC's rules on
 * which message kinds may call what, argument bounds, reply limits, and instruction charges per call. Modules with
 * a 64-bit memory pass pointers and sizes as i64: the same functions serve them through a conversion layer.
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
import { isAllowed, SYSTEM_API_FUNCTIONS } from './system-api-catalog.ts';
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
    inspect_message: 'inspect message',
    start: 'start'
};

/** The Cycles Minting Canister (`rkp4c-7iaaa-aaaaa-aaaca-cai`), the only canister that may mint cycles. */
const CYCLES_MINTING_CANISTER = 'rkp4c-7iaaa-aaaaa-aaaca-cai';
/** The longest timeout a best-effort call may ask for (the IC caps larger ones). */
const MAX_CALL_TIMEOUT_SECONDS = 300;
/** Pages the 32-bit stable memory API can address (4 GiB). */
const MAX_32_BIT_STABLE_PAGES = 65536n;
const U64_MAX = (1n << 64n) - 1n;

/** What the System API needs from the subnet and the replica. */
export interface SystemApiHost {
    /** The subnet's id (`ic0.subnet_self_*`). */
    subnetId: Uint8Array;
    /** The root key, DER-encoded (`ic0.root_key_*`). */
    rootKey: Uint8Array;
    /** Called for each `debug_print`, after it is recorded in `canister.logs`. */
    onDebugPrint?: (canister: Canister, text: string) => void;
}

type HostFunction = (...args: never[]) => unknown;

function write128(memory: Uint8Array, dst: number, value: bigint): void {
    if (dst + 16 > memory.length) contractViolation(`ic0: dst=${dst} + 16 exceeds the heap size=${memory.length}`);
    for (let i = 0; i < 16; i++) memory[dst + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

const from128 = (high: bigint, low: bigint): bigint => (BigInt.asUintN(64, high) << 64n) | BigInt.asUintN(64, low);

/** A cycles amount for the deprecated 64-bit API: traps as the IC does when it does not fit. */
function cycles64(amount: bigint): bigint {
    if (amount > U64_MAX) throw new Trap('trapped', 'cycles amount exceeds 64-bit representation');
    return amount;
}

/**
 * Builds the `ic0` import object for `canister`; `memory64` when the module's memory is 64-bit.
 *
 * @example
 * const instance = new WebAssembly.Instance(module, { ic0: createSystemApi(canister, host, false) });
 */
export function createSystemApi(canister: Canister, host: SystemApiHost, memory64: boolean): Record<string, HostFunction> {
    const exec = (name: string): Execution => {
        const current = canister.current;
        if (!current) throw new Trap('contract', `ic0.${name} called outside of a message execution`);
        const composite = current.context?.composite ?? false;
        if (!isAllowed(name, current.kind, composite)) {
            const callback = current.kind === 'reply_callback' || current.kind === 'reject_callback' || current.kind === 'cleanup';
            contractViolation(`"ic0_${name}" cannot be executed in ${composite && callback ? 'composite ' : ''}${MODE_NAMES[current.kind]} mode`);
        }
        return current;
    };
    const memory = (): Uint8Array => new Uint8Array(canister.code!.memory.buffer);
    const read = (name: string, src: number, length: number): Uint8Array => {
        const mem = memory();
        if (src + length > mem.length) contractViolation(`ic0.${name}: src=${src} + length=${length} exceeds the slice size=${mem.length}`);
        return mem.slice(src, src + length);
    };
    const copyOut = (name: string, source: Uint8Array, dst: number, offset: number, length: number): void => {
        if (offset + length > source.length) contractViolation(`ic0.${name}: offset=${offset} + length=${length} exceeds the slice size=${source.length}`);
        const mem = memory();
        if (dst + length > mem.length) contractViolation(`ic0.${name}: dst=${dst} + length=${length} exceeds the heap size=${mem.length}`);
        mem.set(source.subarray(offset, offset + length), dst);
    };
    /** `<name>_size` and `<name>_copy` for a byte string the message or canister provides. */
    const bytesPair = (name: string, bytes: (current: Execution) => Uint8Array) => ({
        [`${name}_size`]: () => bytes(exec(`${name}_size`)).length,
        [`${name}_copy`]: (dst: number, offset: number, size: number) => copyOut(`${name}_copy`, bytes(exec(`${name}_copy`)), dst, offset, size)
    });
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
    const accept = (name: string, wanted: bigint): bigint => {
        const current = exec(name);
        const context = current.context;
        const accepted = context ? (wanted < context.cyclesAvailable ? wanted : context.cyclesAvailable) : 0n;
        if (context) context.cyclesAvailable -= accepted;
        current.cyclesAccepted += accepted;
        canister.cycles += accepted;
        return accepted;
    };
    const addCycles = (name: string, amount: bigint): void => {
        const call = building(name);
        if (amount > canister.cycles) contractViolation(`ic0.${name}: the canister has ${canister.cycles} cycles, fewer than the ${amount} requested`);
        canister.cycles -= amount;
        call.cycles += amount;
    };
    const stableBounds = (name: string, offset: bigint, size: bigint) => {
        exec(name);
        if (!canister.stable.inBounds(offset, size)) throw new Trap('trapped', 'stable memory out of bounds');
    };
    const stableRead = (name: string, dst: number, offset: bigint, size: bigint) => {
        stableBounds(name, offset, size);
        const mem = memory();
        if (dst + Number(size) > mem.length) throw new Trap('trapped', 'heap out of bounds');
        canister.stable.readInto(Number(offset), Number(size), mem, dst);
    };
    const stableWrite = (name: string, offset: bigint, src: number, size: bigint) => {
        stableBounds(name, offset, size);
        const mem = memory();
        if (src + Number(size) > mem.length) throw new Trap('trapped', 'heap out of bounds');
        canister.stable.write(Number(offset), mem.subarray(src, src + Number(size)));
    };
    /** Threshold-key costs: 1 for an unknown curve or algorithm, else 2 (this replica holds no threshold keys). */
    const signingCost = (name: string, src: number, size: number, curve: number, known: readonly number[], dst: number): number => {
        exec(name);
        read(name, src, size); // the key name must be readable
        write128(memory(), dst, 0n);
        return known.includes(curve >>> 0) ? 2 : 1;
    };
    const noEnvironmentVariables = (name: string, what: string): never => contractViolation(`ic0.${name}: ${what} (this canister has no environment variables)`);

    const api: Record<string, HostFunction> = {
        ...bytesPair('msg_arg_data', (current) => current.arg),
        ...bytesPair('msg_caller', (current) => current.caller.toUint8Array()),
        // No request carries sender info here (ingress `sender_info`), so caller info is always empty.
        ...bytesPair('msg_caller_info_data', () => new Uint8Array(0)),
        ...bytesPair('msg_caller_info_signer', () => new Uint8Array(0)),
        ...bytesPair('msg_method_name', (current) => new TextEncoder().encode(current.methodName)),
        ...bytesPair('msg_reject_msg', (current) => new TextEncoder().encode(current.incomingReject?.message ?? '')),
        ...bytesPair('canister_self', () => canister.idBytes),
        ...bytesPair('subnet_self', () => host.subnetId),
        ...bytesPair('root_key', () => host.rootKey),
        msg_reject_code: () => exec('msg_reject_code').incomingReject?.code ?? 0,
        msg_deadline: () => exec('msg_deadline').deadlineNs,
        msg_reply_data_append: (src: number, size: number) => {
            const current = replyable('msg_reply_data_append');
            const total = current.replySize + size;
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
        msg_cycles_available: () => cycles64(exec('msg_cycles_available').context?.cyclesAvailable ?? 0n),
        msg_cycles_available128: (dst: number) => write128(memory(), dst, exec('msg_cycles_available128').context?.cyclesAvailable ?? 0n),
        msg_cycles_refunded: () => cycles64(exec('msg_cycles_refunded').refundedCycles),
        msg_cycles_refunded128: (dst: number) => write128(memory(), dst, exec('msg_cycles_refunded128').refundedCycles),
        msg_cycles_accept: (max: bigint) => accept('msg_cycles_accept', BigInt.asUintN(64, max)),
        msg_cycles_accept128: (high: bigint, low: bigint, dst: number) => write128(memory(), dst, accept('msg_cycles_accept128', from128(high, low))),
        cycles_burn128: (high: bigint, low: bigint, dst: number) => {
            exec('cycles_burn128');
            const wanted = from128(high, low);
            const burned = wanted < canister.cycles ? wanted : canister.cycles;
            canister.cycles -= burned;
            write128(memory(), dst, burned);
        },
        mint_cycles128: (high: bigint, low: bigint, dst: number) => {
            exec('mint_cycles128');
            if (canister.idText !== CYCLES_MINTING_CANISTER) contractViolation('ic0.mint_cycles128 can only be executed on the Cycles Minting Canister');
            const amount = from128(high, low);
            canister.cycles += amount;
            write128(memory(), dst, amount);
        },
        canister_cycle_balance: () => cycles64((exec('canister_cycle_balance'), canister.cycles)),
        canister_cycle_balance128: (dst: number) => write128(memory(), dst, (exec('canister_cycle_balance128'), canister.cycles)),
        canister_liquid_cycle_balance128: (dst: number) => write128(memory(), dst, (exec('canister_liquid_cycle_balance128'), canister.cycles)),
        canister_status: () => {
            exec('canister_status');
            return canister.status === 'running' ? 1 : canister.status === 'stopping' ? 2 : 3;
        },
        canister_version: () => (exec('canister_version'), canister.version),
        // No cycle fees are charged here (documented deviation): every cost is 0.
        cost_call: (_methodNameSize: bigint, _payloadSize: bigint, dst: number) => write128(memory(), dst, (exec('cost_call'), 0n)),
        cost_create_canister: (dst: number) => write128(memory(), dst, (exec('cost_create_canister'), 0n)),
        cost_http_request: (_requestSize: bigint, _maxResponseBytes: bigint, dst: number) => write128(memory(), dst, (exec('cost_http_request'), 0n)),
        cost_http_request_v2: (src: number, size: number, dst: number) => {
            exec('cost_http_request_v2');
            read('cost_http_request_v2', src, size);
            write128(memory(), dst, 0n);
        },
        cost_sign_with_ecdsa: (src: number, size: number, curve: number, dst: number) => signingCost('cost_sign_with_ecdsa', src, size, curve, [0], dst),
        cost_sign_with_schnorr: (src: number, size: number, algorithm: number, dst: number) => signingCost('cost_sign_with_schnorr', src, size, algorithm, [0, 1], dst),
        cost_vetkd_derive_key: (src: number, size: number, curve: number, dst: number) => signingCost('cost_vetkd_derive_key', src, size, curve, [0], dst),
        env_var_count: () => (exec('env_var_count'), 0),
        env_var_name_size: (index: number) => (exec('env_var_name_size'), noEnvironmentVariables('env_var_name_size', `index ${index} is out of bounds`)),
        env_var_name_copy: (index: number) => (exec('env_var_name_copy'), noEnvironmentVariables('env_var_name_copy', `index ${index} is out of bounds`)),
        env_var_name_exists: (src: number, size: number) => (exec('env_var_name_exists'), read('env_var_name_exists', src, size), 0),
        env_var_value_size: (src: number, size: number) => {
            exec('env_var_value_size');
            return noEnvironmentVariables('env_var_value_size', `no variable named ${JSON.stringify(fromUtf8(read('env_var_value_size', src, size)))}`);
        },
        env_var_value_copy: (src: number, size: number) => {
            exec('env_var_value_copy');
            return noEnvironmentVariables('env_var_value_copy', `no variable named ${JSON.stringify(fromUtf8(read('env_var_value_copy', src, size)))}`);
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
            if (size > 32) contractViolation(`ic0.certified_data_set: the data is ${size} bytes long (at most 32)`);
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
        stable_size: () => {
            exec('stable_size');
            if (canister.stable.size > MAX_32_BIT_STABLE_PAGES) throw new Trap('trapped', '32 bit stable memory api used on a memory larger than 4GB');
            return Number(canister.stable.size);
        },
        stable_grow: (pages: number) => {
            exec('stable_grow');
            const size = canister.stable.size;
            if (size > MAX_32_BIT_STABLE_PAGES) throw new Trap('trapped', '32 bit stable memory api used on a memory larger than 4GB');
            if (size + BigInt(pages >>> 0) > MAX_32_BIT_STABLE_PAGES) return -1;
            return Number(canister.stable.grow(BigInt(pages >>> 0)));
        },
        stable_read: (dst: number, offset: number, size: number) => stableRead('stable_read', dst >>> 0, BigInt(offset >>> 0), BigInt(size >>> 0)),
        stable_write: (offset: number, src: number, size: number) => stableWrite('stable_write', BigInt(offset >>> 0), src >>> 0, BigInt(size >>> 0)),
        stable64_size: () => (exec('stable64_size'), canister.stable.size),
        stable64_grow: (pages: bigint) => (exec('stable64_grow'), canister.stable.grow(BigInt.asUintN(64, pages))),
        stable64_read: (dst: bigint, offset: bigint, size: bigint) =>
            stableRead('stable64_read', heapAddress(dst), BigInt.asUintN(64, offset), BigInt.asUintN(64, size)),
        stable64_write: (offset: bigint, src: bigint, size: bigint) =>
            stableWrite('stable64_write', BigInt.asUintN(64, offset), heapAddress(src), BigInt.asUintN(64, size)),
        call_new: (calleeSrc: number, calleeSize: number, nameSrc: number, nameSize: number, replyFun: number, replyEnv: number, rejectFun: number, rejectEnv: number) => {
            const current = exec('call_new');
            const calleeBytes = read('call_new', calleeSrc, calleeSize);
            if (calleeBytes.length > 29) contractViolation(`ic0.call_new: the callee is ${calleeBytes.length} bytes long (at most 29)`);
            current.pendingCall = {
                callee: Principal.fromUint8Array(calleeBytes),
                method: fromUtf8(read('call_new', nameSrc, nameSize)),
                reply: { fun: replyFun, env: replyEnv },
                reject: { fun: rejectFun, env: rejectEnv },
                argChunks: [],
                argSize: 0,
                cycles: 0n,
                context: current.context!
            };
        },
        call_on_cleanup: (fun: number, env: number) => {
            const call = building('call_on_cleanup');
            if (call.cleanup) contractViolation('ic0.call_on_cleanup: the cleanup callback is already set');
            call.cleanup = { fun, env };
        },
        call_data_append: (src: number, size: number) => {
            const call = building('call_data_append');
            const total = call.argSize + size;
            if (total > MAX_INTER_CANISTER_PAYLOAD) {
                contractViolation(`ic0.call_data_append: application payload size (${total}) cannot be larger than ${MAX_INTER_CANISTER_PAYLOAD}`);
            }
            call.argChunks.push(read('call_data_append', src, size));
            call.argSize = total;
        },
        call_cycles_add: (amount: bigint) => addCycles('call_cycles_add', BigInt.asUintN(64, amount)),
        call_cycles_add128: (high: bigint, low: bigint) => addCycles('call_cycles_add128', from128(high, low)),
        call_with_best_effort_response: (timeoutSeconds: number) => {
            const call = building('call_with_best_effort_response');
            if (call.timeoutSeconds !== undefined) contractViolation('ic0.call_with_best_effort_response: a timeout is already set for this call');
            call.timeoutSeconds = Math.min(timeoutSeconds >>> 0, MAX_CALL_TIMEOUT_SECONDS);
        },
        call_perform: () => {
            const current = exec('call_perform');
            const call = building('call_perform');
            if (call.timeoutSeconds !== undefined) call.deadlineNs = current.timeNs + BigInt(call.timeoutSeconds) * 1_000_000_000n;
            current.performedCalls.push(call);
            current.pendingCall = undefined;
            return 0;
        }
    };
    return chargeEachCall(canister, adaptToMemory(api, memory64));
}

/** A heap address given as i64 (64-bit stable memory API), as a number; out-of-range values stay out of range. */
function heapAddress(value: bigint): number {
    const address = BigInt.asUintN(64, value);
    return address > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(address);
}

/**
 * Wraps each function so that it sees pointers and sizes (`I` in the catalog) as non-negative numbers, whatever the
 * memory: an i32 is read unsigned, an i64 (64-bit memory) converted; `I` results go back as i64 for a 64-bit memory.
 */
function adaptToMemory(api: Record<string, HostFunction>, memory64: boolean): Record<string, HostFunction> {
    const adapted: Record<string, HostFunction> = {};
    for (const [name, implementation] of Object.entries(api)) {
        const signature = SYSTEM_API_FUNCTIONS[name];
        if (!signature) throw new Error(`ic0.${name} is missing from the System API catalog`);
        const addressParams = signature.params.flatMap((kind, index) => (kind === 'I' ? [index] : []));
        const addressResult = signature.results[0] === 'I' && memory64;
        if (addressParams.length === 0 && !addressResult) {
            adapted[name] = implementation;
            continue;
        }
        adapted[name] = (...args: never[]) => {
            const values = args as unknown as (number | bigint)[];
            for (const index of addressParams) {
                const value = values[index];
                values[index] = typeof value === 'bigint' ? heapAddress(value) : value >>> 0;
            }
            const result = implementation(...(values as never[]));
            return addressResult ? BigInt(result as number) : result;
        };
    }
    for (const name of Object.keys(SYSTEM_API_FUNCTIONS)) {
        if (!adapted[name]) throw new Error(`ic0.${name} has no implementation`);
    }
    return adapted;
}

/** Wraps each import so it is charged `systemApiCost(name, args)` instructions before it runs. */
function chargeEachCall(canister: Canister, api: Record<string, HostFunction>): Record<string, HostFunction> {
    const charged: Record<string, HostFunction> = {};
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

