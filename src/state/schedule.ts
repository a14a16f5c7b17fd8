/**
 * The timers' schedule, in stable memory so that an upgrade (which drops every pending timer) changes nothing about
 * when acks are due: the start of the last ack round, an ack round or keep-alive check in progress (where its scan
 * continues) and when the next keep-alive check is due. Kept under key `FF` of the `principals` map (principal keys
 * start with their length, at most 29).
 */
import type { ScanCursor } from './scan';

/** Where an interrupted keep-alive check continues: expired gateways first, then silent clients. */
export type KeepAliveProgress = { phase: 'gateways' | 'clients'; cursor: ScanCursor | undefined };

export type Schedule = {
    /** ns: start of the last ack round (at install: the install time); the next one is due an interval later. */
    lastAckRoundAt: bigint;
    /** An ack round in progress and where it continues (undefined: from the first client), or null. */
    ackRound: { cursor: ScanCursor | undefined } | null;
    /** ns: when the next keep-alive check is due, or null. */
    keepAliveCheckAt: bigint | null;
    /** A keep-alive check in progress, or null. */
    keepAliveCheck: KeepAliveProgress | null;
};

export const SCHEDULE_KEY = new Uint8Array([0xff]);

const ACK_ROUND = 1;
const KEEP_ALIVE_DUE = 2;
const KEEP_ALIVE_CHECK = 4;
const CLIENTS_PHASE = 8;

// [lastAckRoundAt 8][flags 1][keepAliveCheckAt 8][ack cursor][keep-alive cursor]; cursor: [position 4][len 1 (FF: none)][key]
export function encodeSchedule(schedule: Schedule): Uint8Array {
    const ack = schedule.ackRound?.cursor;
    const check = schedule.keepAliveCheck?.cursor;
    const bytes = new Uint8Array(17 + 5 + (ack?.after.length ?? 0) + 5 + (check?.after.length ?? 0));
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, schedule.lastAckRoundAt);
    let flags = 0;
    if (schedule.ackRound !== null) flags |= ACK_ROUND;
    if (schedule.keepAliveCheckAt !== null) flags |= KEEP_ALIVE_DUE;
    if (schedule.keepAliveCheck !== null) flags |= KEEP_ALIVE_CHECK;
    if (schedule.keepAliveCheck?.phase === 'clients') flags |= CLIENTS_PHASE;
    bytes[8] = flags;
    view.setBigUint64(9, schedule.keepAliveCheckAt ?? 0n);
    let at = 17;
    for (const cursor of [ack, check]) {
        view.setUint32(at, cursor?.position ?? 0);
        bytes[at + 4] = cursor === undefined ? 0xff : cursor.after.length;
        if (cursor !== undefined) bytes.set(cursor.after, at + 5);
        at += 5 + (cursor?.after.length ?? 0);
    }
    return bytes;
}

export function decodeSchedule(bytes: Uint8Array): Schedule {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const flags = bytes[8];
    let at = 17;
    const cursor = (): ScanCursor | undefined => {
        const position = view.getUint32(at);
        const length = bytes[at + 4];
        at += 5;
        if (length === 0xff) return undefined;
        at += length;
        return { position, after: bytes.slice(at - length, at) };
    };
    const ack = cursor();
    const check = cursor();
    return {
        lastAckRoundAt: view.getBigUint64(0),
        ackRound: flags & ACK_ROUND ? { cursor: ack } : null,
        keepAliveCheckAt: flags & KEEP_ALIVE_DUE ? view.getBigUint64(9) : null,
        keepAliveCheck: flags & KEEP_ALIVE_CHECK ? { phase: flags & CLIENTS_PHASE ? 'clients' : 'gateways', cursor: check } : null
    };
}
