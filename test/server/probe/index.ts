/**
 * The probe canister of the server suites (test/server, test/http): one of each behaviour a PocketIC client
 * observes: caller, heap vs stable state across upgrades, init arguments, timers, certified data, traps.
 */
import {
    certifiedDataSet,
    dataCertificate,
    IDL,
    init,
    msgCaller,
    postUpgrade,
    query,
    setTimer,
    StableBTreeMap,
    time,
    trap,
    update
} from 'azle';

const stable = new StableBTreeMap<string, string>(0);

export default class {
    greeting = '';
    heapCounter = 0n;
    timerFirings = 0n;

    @init([IDL.Text])
    init(greeting: string): void {
        this.greeting = greeting;
    }

    @postUpgrade([IDL.Text])
    postUpgrade(greeting: string): void {
        this.greeting = greeting;
    }

    @query([], IDL.Text)
    getGreeting(): string {
        return this.greeting;
    }

    @update([], IDL.Principal)
    whoami(): ReturnType<typeof msgCaller> {
        return msgCaller();
    }

    @query([], IDL.Principal)
    whoamiQuery(): ReturnType<typeof msgCaller> {
        return msgCaller();
    }

    @update([], IDL.Nat64)
    increment(): bigint {
        return ++this.heapCounter;
    }

    @query([], IDL.Nat64)
    counter(): bigint {
        return this.heapCounter;
    }

    @update([IDL.Text, IDL.Text])
    putStable(key: string, value: string): void {
        stable.insert(key, value);
    }

    @query([IDL.Text], IDL.Opt(IDL.Text))
    getStable(key: string): [] | [string] {
        const value = stable.get(key);
        return value === undefined ? [] : [value];
    }

    @update([IDL.Nat32])
    scheduleTimer(delaySeconds: number): void {
        setTimer(delaySeconds, () => {
            this.timerFirings += 1n;
        });
    }

    @query([], IDL.Nat64)
    timerFiringCount(): bigint {
        return this.timerFirings;
    }

    @query([], IDL.Nat64)
    now(): bigint {
        return time();
    }

    @update([IDL.Vec(IDL.Nat8)])
    certify(data: Uint8Array): void {
        certifiedDataSet(data);
    }

    @query([], IDL.Opt(IDL.Vec(IDL.Nat8)))
    certificate(): [] | [Uint8Array] {
        const certificate = dataCertificate();
        return certificate === undefined ? [] : [certificate];
    }

    @update([IDL.Text])
    fail(message: string): void {
        console.log(`about to trap: ${message}`);
        trap(message);
    }
}
