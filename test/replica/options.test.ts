// Options and arguments are checked where they enter: a wrong type or an unknown option is refused with an error
// naming it, what it must be and what was given (a number as seed used to crash with "RangeError: offset is out of
// bounds" deep in the key derivation).
import { describe, expect, it } from 'vitest';
import { Replica, serveHttp } from '../../replica/index.ts';

describe('Replica.create options', () => {
    it.each([
        [{ seed: 7 }, TypeError, /`seed` must be a string or a Uint8Array .*got the number 7/],
        [{ seed: [1, 2] }, TypeError, /`seed` must be a string or a Uint8Array .*got an array/],
        [{ time: '2026-01-01' }, TypeError, /`time` must be a number of milliseconds, got the string "2026-01-01"/],
        [{ time: new Date() }, TypeError, /`time` must be a number of milliseconds \(use date.getTime\(\)\)/],
        [{ time: Number.NaN }, RangeError, /`time` must be a finite, non-negative number of milliseconds, got NaN/],
        [{ time: -1 }, RangeError, /non-negative/],
        [{ printLogs: 'yes' }, TypeError, /`printLogs` must be a boolean, got the string "yes"/],
        [{ roundTimeIncrementNs: 1 }, TypeError, /`roundTimeIncrementNs` must be a bigint number of nanoseconds \(e.g. 1n\), got the number 1/],
        [{ roundTimeIncrementNs: -1n }, RangeError, /must not be negative/],
        [{ thread: 'main' }, TypeError, /`thread` must be 'worker' or 'inline'/],
        [{ seeds: 'typo' }, TypeError, /unknown option `seeds` \(known: seed, time, printLogs, roundTimeIncrementNs, thread\)/],
        [null, TypeError, /options must be an object, got null/]
    ])('refuses %o', async (options, type, message) => {
        const creating = Replica.create(options as never);
        await expect(creating).rejects.toThrow(type);
        await expect(creating).rejects.toThrow(message);
    });

    it('accepts a string or byte seed, each giving a deterministic root key', async () => {
        const [a, b, c] = await Promise.all([Replica.create({ seed: 'x' }), Replica.create({ seed: 'x' }), Replica.create({ seed: new TextEncoder().encode('x') })]);
        expect(a.rootKey).toEqual(b.rootKey);
        expect(c.rootKey).toEqual(a.rootKey); // the same bytes
        expect((await Replica.create()).rootKey).not.toEqual(a.rootKey);
    });

    it('runs the engine on the calling thread with thread: inline, and stops serving a closed replica', async () => {
        const inline = await Replica.create({ thread: 'inline', time: 1_000 });
        expect(inline.getTime()).toBe(1_000);
        inline.close();
        expect(() => inline.getTime()).toThrow(/this replica was closed/);
        const worker = await Replica.create({ time: 2_000 });
        expect(worker.getTime()).toBe(2_000);
        worker.close();
        expect(() => worker.canisterIds()).toThrow(/this replica was closed/);
    });

    it('checks time arguments of the clock methods', async () => {
        const replica = await Replica.create({ time: 1_000 });
        expect(() => replica.setTime('soon' as never)).toThrow(/setTime: the time must be a number of milliseconds, got the string "soon"/);
        await expect(replica.advanceTime(-5)).rejects.toThrow(/advanceTime: the duration must be a finite, non-negative number/);
        await expect(replica.tick(1.5)).rejects.toThrow(/tick: rounds must be a non-negative integer, got 1.5/);
        expect(() => replica.setTime(500)).toThrow(/is before the current time/);
    });
});

describe('serveHttp options', () => {
    it.each([
        [{ port: -1 }, /`port` must be an integer from 0 \(any free port\) to 65535, got the number -1/],
        [{ port: 70000 }, /to 65535, got the number 70000/],
        [{ port: '4943' }, /got the string "4943"/],
        [{ autoProgress: 1 }, /`autoProgress` must be a boolean/],
        [{ autoProgressMs: 0 }, /`autoProgressMs` must be a finite number of milliseconds, at least 1/],
        [{ host: '0.0.0.0' }, /unknown option `host` \(known: port, autoProgress, autoProgressMs\)/]
    ])('refuses %o', async (options, message) => {
        await expect(serveHttp(await Replica.create(), options as never)).rejects.toThrow(message);
    });

    it('wants a Replica', async () => {
        await expect(serveHttp({} as never)).rejects.toThrow(/the first argument must be a Replica \(from Replica.create\(\)\), got an object/);
    });
});
