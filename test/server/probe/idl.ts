/**
 * Candid interface of the probe canister (test/server/probe/index.ts), for pic-js and @dfinity/agent actors.
 * Typed with @icp-sdk/core (what @dfinity/pic 0.23 uses); the factory only uses the IDL object it is given, so it
 * serves @dfinity/agent's Actor as well.
 */
import { IDL } from '@icp-sdk/core/candid';
import type { Principal } from '@icp-sdk/core/principal';

export const probeIdlFactory: IDL.InterfaceFactory = ({ IDL }) =>
    IDL.Service({
        getGreeting: IDL.Func([], [IDL.Text], ['query']),
        whoami: IDL.Func([], [IDL.Principal], []),
        whoamiQuery: IDL.Func([], [IDL.Principal], ['query']),
        increment: IDL.Func([], [IDL.Nat64], []),
        counter: IDL.Func([], [IDL.Nat64], ['query']),
        putStable: IDL.Func([IDL.Text, IDL.Text], [], []),
        getStable: IDL.Func([IDL.Text], [IDL.Opt(IDL.Text)], ['query']),
        scheduleTimer: IDL.Func([IDL.Nat32], [], []),
        timerFiringCount: IDL.Func([], [IDL.Nat64], ['query']),
        now: IDL.Func([], [IDL.Nat64], ['query']),
        certify: IDL.Func([IDL.Vec(IDL.Nat8)], [], []),
        certificate: IDL.Func([], [IDL.Opt(IDL.Vec(IDL.Nat8))], ['query']),
        fail: IDL.Func([IDL.Text], [], [])
    });

export interface ProbeService {
    getGreeting(): Promise<string>;
    whoami(): Promise<Principal>;
    whoamiQuery(): Promise<Principal>;
    increment(): Promise<bigint>;
    counter(): Promise<bigint>;
    putStable(key: string, value: string): Promise<void>;
    getStable(key: string): Promise<[] | [string]>;
    scheduleTimer(delaySeconds: number): Promise<void>;
    timerFiringCount(): Promise<bigint>;
    now(): Promise<bigint>;
    certify(data: Uint8Array): Promise<void>;
    certificate(): Promise<[] | [Uint8Array]>;
    fail(message: string): Promise<void>;
}

/** Candid-encoded init/upgrade argument of the probe canister. */
export const probeArg = (greeting: string): Uint8Array => new Uint8Array(IDL.encode([IDL.Text], [greeting]));
