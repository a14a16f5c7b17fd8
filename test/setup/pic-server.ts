/**
 * vitest globalSetup: starts one PocketIC-compatible server for the whole run and hands its URL to every suite.
 *
 * The server is started exactly the way @dfinity/pic users start it, through `PocketIcServer.start({ binPath })`:
 * - `POCKET_IC_BIN` set → that binary (a real PocketIC server);
 * - otherwise → our embedded replica, `replica/bin/local-replica`, which speaks the same REST API.
 *
 * Suites read the URL with `inject('PIC_URL')` (see `test/setup/ic.ts`, which wraps it in `createPic()`).
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PocketIcServer } from '@dfinity/pic';
import type { TestProject } from 'vitest/node';

/** Which server answers on PIC_URL. */
export type PicBackend = 'pocket-ic' | 'local-replica';

declare module 'vitest' {
    export interface ProvidedContext {
        /** Base URL of the PocketIC REST API, e.g. `http://127.0.0.1:40123`. */
        PIC_URL: string;
        /** Which server answers on PIC_URL. */
        PIC_BACKEND: PicBackend;
    }
}

const LOCAL_REPLICA_BIN = fileURLToPath(new URL('../../replica/bin/local-replica', import.meta.url));

/** Idle seconds after which the server exits on its own: longer than any pause between suites. */
const SERVER_TTL_SECONDS = 1800;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
    const realBin = process.env.POCKET_IC_BIN;
    const backend: PicBackend = realBin ? 'pocket-ic' : 'local-replica';
    const binPath = realBin || LOCAL_REPLICA_BIN;
    // PocketIcServer.start trusts any port file it finds under this name; one left by a killed run would point it
    // at a dead port, so clear it first.
    rmSync(join(tmpdir(), `pocket_ic_${process.ppid}.port`), { force: true });
    // SHOW_CANISTER_LOGS=1 shows canister output: PocketIC writes it to stderr, the embedded replica to stdout.
    const showLogs = process.env.SHOW_CANISTER_LOGS === '1';
    const server = await PocketIcServer.start({ binPath, ttl: SERVER_TTL_SECONDS, showCanisterLogs: showLogs, showRuntimeLogs: showLogs && !realBin });
    console.log(`[pic-server] integration suites run against ${backend === 'pocket-ic' ? 'a real PocketIC server' : 'the embedded replica'} (${binPath}) at ${server.getUrl()}`);
    project.provide('PIC_URL', server.getUrl());
    project.provide('PIC_BACKEND', backend);
    return async () => {
        await server.stop();
    };
}
