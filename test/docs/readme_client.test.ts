/**
 * The root README's ic-websocket-js snippet ("Deploying with dfx …"), type-checked against the real
 * ic-websocket-js 0.5 and @dfinity/agent 2.x type definitions that examples/chat/web installs: names, argument order
 * and options must match the library. The snippet imports the declarations `dfx generate chat` writes; without dfx,
 * the test supplies the part of them the snippet uses, written from the chat canister's Candid (`.azle/chat/chat.did`).
 * A copy with a wrong message field must fail, which shows `ws.send` is really typed by those declarations.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../replica/build.ts';
import { readmeCodeBlock } from './readme.ts';

const README_SECTION = '## Deploying with dfx and connecting with ic-websocket-js to a real gateway';
const WEB = join(PROJECT_ROOT, 'examples', 'chat', 'web');
const WEB_MODULES = join(WEB, 'node_modules');

/** `chat.did.d.ts` as `dfx generate chat` writes it, reduced to what the snippet needs (the WebSocket methods). */
const GENERATED_DECLARATIONS = `import type { ActorMethod } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import type { ChatMessage } from '${join(WEB, 'src', 'chat-idl')}';

type ClientKey = { client_principal: Principal; client_nonce: bigint };
type Result = { Ok: null } | { Err: string };
export interface _SERVICE {
    ws_open: ActorMethod<[{ gateway_principal: Principal; client_nonce: bigint }], Result>;
    ws_message: ActorMethod<
        [{ msg: { sequence_num: bigint; content: Uint8Array | number[]; client_key: ClientKey; timestamp: bigint; is_service_message: boolean } }, [] | [ChatMessage]],
        Result
    >;
    ws_close: ActorMethod<[{ client_key: ClientKey }], Result>;
}
export declare const idlFactory: IDL.InterfaceFactory;
`;

/** Type-checks the files of `dir` with the web package's modules; returns tsc's diagnostics (empty when clean). */
async function typecheck(dir: string, files: string[]): Promise<string> {
    const tsconfig = {
        compilerOptions: {
            strict: true,
            target: 'ES2022',
            module: 'ES2022',
            moduleResolution: 'bundler',
            lib: ['ES2023', 'DOM'],
            types: [],
            noEmit: true,
            skipLibCheck: true,
            paths: { '*': [`${WEB_MODULES}/*`] }
        },
        files
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
        await promisify(execFile)(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')]);
        return '';
    } catch (error) {
        const { stdout, message } = error as { stdout?: string; message: string };
        return stdout || message;
    }
}

describe("README: the ic-websocket-js client snippet", () => {
    const dir = mkdtempSync(join(tmpdir(), 'readme-client-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('type-checks against ic-websocket-js 0.5 and @dfinity/agent 2.x', async () => {
        if (!existsSync(join(WEB_MODULES, 'ic-websocket-js'))) throw new Error(`${WEB_MODULES} has no ic-websocket-js: run npm install at the root`);
        const snippet = readmeCodeBlock(README_SECTION);
        expect(snippet).toContain("from 'ic-websocket-js'");
        mkdirSync(join(dir, 'declarations', 'chat'), { recursive: true });
        writeFileSync(join(dir, 'declarations', 'chat', 'chat.did.d.ts'), GENERATED_DECLARATIONS);
        writeFileSync(join(dir, 'client.ts'), snippet);
        const mistake = snippet.replace("{ Join: { nickname: 'ada' } }", "{ Join: { nick: 'ada' } }");
        expect(mistake).not.toBe(snippet);
        writeFileSync(join(dir, 'client-mistake.ts'), mistake);

        const diagnostics = await typecheck(dir, ['client.ts', 'client-mistake.ts']);
        const lines = diagnostics.split('\n').filter((line) => line.includes('error TS'));
        expect(lines.filter((line) => !line.includes('client-mistake.ts'))).toEqual([]);
        expect(lines.some((line) => line.includes('client-mistake.ts') && line.includes("'nick'"))).toBe(true);
    });
});
