// Test canister for the embedded replica: one method per behaviour the replica suites check
// (commit/rollback, query isolation, timers, upgrades, certificates, inter-canister calls, rejects, limits).
import {
    call,
    canisterSelf,
    certifiedDataSet,
    clearTimer,
    dataCertificate,
    IDL,
    init,
    inReplicatedExecution,
    inspectMessage,
    msgCaller,
    msgMethodName,
    msgReject,
    performanceCounter,
    postUpgrade,
    preUpgrade,
    Principal,
    query,
    setTimer,
    setTimerInterval,
    StableBTreeMap,
    time,
    trap,
    update
} from 'azle';

const store = new StableBTreeMap<string, string>(0);
const heap = { counter: 0, ticks: 0 };

const CallOutcome = IDL.Variant({ Ok: IDL.Text, Err: IDL.Text });
const Certified = IDL.Record({ certificate: IDL.Opt(IDL.Vec(IDL.Nat8)), replicated: IDL.Bool, time: IDL.Nat64 });

export default class {
    @init([IDL.Text])
    init(greeting: string): void {
        store.insert('greeting', greeting);
    }

    @postUpgrade([IDL.Text])
    postUpgrade(greeting: string): void {
        store.insert('greeting', greeting);
    }

    @preUpgrade
    preUpgrade(): void {
        store.insert('pre_upgrade', `ran at counter ${heap.counter}`);
    }

    /** Refuses one method to users (inspect_message only applies to ingress, not to calls from canisters). */
    @inspectMessage({ manual: true })
    inspect(): boolean {
        return msgMethodName() !== 'refusedByInspect';
    }

    @update([IDL.Text], IDL.Text)
    refusedByInspect(name: string): string {
        return `ran for ${name}`;
    }

    // ---------------------------------------------------------------- state

    @update([], IDL.Nat32)
    increment(): number {
        return ++heap.counter;
    }

    @query([], IDL.Nat32)
    counter(): number {
        return heap.counter;
    }

    /** Mutates the heap in a query: the change must not survive it. */
    @query([], IDL.Nat32)
    incrementInQuery(): number {
        return ++heap.counter;
    }

    @update([IDL.Text, IDL.Text])
    put(key: string, value: string): void {
        store.insert(key, value);
    }

    @query([IDL.Text], IDL.Opt(IDL.Text))
    get(key: string): [] | [string] {
        const value = store.get(key);
        return value === undefined ? [] : [value];
    }

    /** Changes heap and stable memory, then fails as `mode` says ('trap' or 'throw'). */
    @update([IDL.Text, IDL.Text, IDL.Text])
    putThenFail(key: string, value: string, mode: string): void {
        heap.counter += 1000;
        store.insert(key, value);
        if (mode === 'trap') trap('explicit trap after writing');
        throw new Error('uncaught error after writing');
    }

    // ---------------------------------------------------------------- timers

    @update([IDL.Nat32], IDL.Nat64)
    startTimer(delaySeconds: number): bigint {
        return setTimer(delaySeconds, () => {
            heap.ticks += 100;
        });
    }

    @update([IDL.Nat32], IDL.Nat64)
    startInterval(intervalSeconds: number): bigint {
        return setTimerInterval(intervalSeconds, () => {
            heap.ticks += 1;
        });
    }

    @update([IDL.Nat64])
    stopTimer(id: bigint): void {
        clearTimer(id);
    }

    @query([], IDL.Nat32)
    ticks(): number {
        return heap.ticks;
    }

    // ---------------------------------------------------------------- certification and time

    @update([IDL.Vec(IDL.Nat8)])
    certify(data: Uint8Array): void {
        certifiedDataSet(data);
    }

    /** Tries to set certified data in a query: the IC traps. */
    @query([IDL.Vec(IDL.Nat8)])
    certifyInQuery(data: Uint8Array): void {
        certifiedDataSet(data);
    }

    @query([], Certified)
    certificate() {
        const certificate = dataCertificate();
        return { certificate: certificate === undefined ? [] : [certificate], replicated: inReplicatedExecution(), time: time() };
    }

    @update([], Certified)
    certificateInUpdate() {
        const certificate = dataCertificate();
        return { certificate: certificate === undefined ? [] : [certificate], replicated: inReplicatedExecution(), time: time() };
    }

    // ---------------------------------------------------------------- calls

    @update([IDL.Text], IDL.Text)
    greet(name: string): string {
        return `${store.get('greeting') ?? 'hello'}, ${name} (from ${msgCaller().toText()})`;
    }

    @query([], IDL.Principal)
    whoami(): Principal {
        return msgCaller();
    }

    /** Calls `greet` on another canister; returns the reply or the reject as text with its code. */
    @update([IDL.Principal, IDL.Text, IDL.Text], CallOutcome)
    async callGreet(target: Principal, method: string, name: string) {
        try {
            const reply = await call<[string], string>(target, method, { paramIdlTypes: [IDL.Text], returnIdlType: IDL.Text, args: [name] });
            return { Ok: reply };
        } catch (error: any) {
            return { Err: `${error.rejectCode ?? error.type}: ${error.rejectMessage ?? ''}` };
        }
    }

    /** Composite query: changes the heap, then calls `method` (no arguments, returns a principal) on `target`. */
    @query([IDL.Principal, IDL.Text], CallOutcome, { composite: true })
    async compositeCall(target: Principal, method: string) {
        heap.counter += 1; // discarded with the rest of the composite query
        try {
            const reply = await call<undefined, Principal>(target, method, { returnIdlType: IDL.Principal });
            return { Ok: `${reply.toText()} (counter seen ${heap.counter})` };
        } catch (error: any) {
            return { Err: `${error.rejectCode ?? error.type}: ${error.rejectMessage ?? ''}` };
        }
    }

    @update([], IDL.Nat32)
    async randomBytes(): Promise<number> {
        const bytes = await call<undefined, Uint8Array>('aaaaa-aa', 'raw_rand', { returnIdlType: IDL.Vec(IDL.Nat8) });
        return bytes.length;
    }

    @query([], IDL.Principal)
    self(): Principal {
        return canisterSelf();
    }

    // ---------------------------------------------------------------- replies, rejects and limits

    @update([IDL.Text], IDL.Text, { manual: true })
    rejectWith(): void {
        msgReject('rejected on purpose');
    }

    @update([], IDL.Text, { manual: true })
    neverReply(): void {}

    @update([IDL.Nat32], IDL.Vec(IDL.Nat8))
    bytesOfLength(length: number): Uint8Array {
        return new Uint8Array(length);
    }

    @query([IDL.Nat32], IDL.Vec(IDL.Nat8))
    bytesOfLengthQuery(length: number): Uint8Array {
        return new Uint8Array(length);
    }

    @update([IDL.Vec(IDL.Nat8)], IDL.Nat32)
    argumentLength(bytes: Uint8Array): number {
        return bytes.length;
    }

    /** Never returns: the replica must stop it at the query instruction limit (5B). */
    @query([], IDL.Nat64)
    spin(): bigint {
        for (;;) {
            // loops until the instruction limit traps it
        }
    }

    @update([], IDL.Nat64)
    instructionsUsed(): bigint {
        return performanceCounter(0);
    }
}
