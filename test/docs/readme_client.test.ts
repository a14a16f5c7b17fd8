/**
 * The root README's client snippets, type-checked against the real type definitions:
 * - "Connecting with ic-websocket-client": client/src with @dfinity/agent 3.4.3 (the root's node_modules);
 * - "The alternative: ic-websocket-js": ic-websocket-js 0.5 with @dfinity/agent 2.x (test/e2e's node_modules).
 * Names, argument order and options must match each library. The snippets import the declarations `dfx generate
 * chat` writes; without dfx, the test supplies the part of them the snippets use, written from the chat canister's
 * Candid. A copy with a wrong message field must fail, which shows `ws.send` is really typed by those declarations.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../replica/build.ts';
import { readmeCodeBlock } from './readme.ts';

const CHAT_IDL = join(PROJECT_ROOT, 'examples', 'chat', 'web', 'src', 'chat-idl');

/** `chat.did.d.ts` as `dfx generate chat` writes it, reduced to what the snippets need (the WebSocket methods). */
const GENERATED_DECLARATIONS = `import type { ActorMethod } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import type { ChatMessage } from '${CHAT_IDL}';

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

/** Type-checks `files` of `dir`, resolving packages through `paths`; returns tsc's diagnostics (empty when clean). */
async function typecheck(dir: string, files: string[], paths: Record<string, string[]>): Promise<string> {
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
            paths
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

/** Writes the snippet and a copy with a wrong message field; expects the first clean and the second refused. */
async function checkSnippet(dir: string, snippet: string, paths: Record<string, string[]>): Promise<void> {
    mkdirSync(join(dir, 'declarations', 'chat'), { recursive: true });
    writeFileSync(join(dir, 'declarations', 'chat', 'chat.did.d.ts'), GENERATED_DECLARATIONS);
    writeFileSync(join(dir, 'client.ts'), snippet);
    const mistake = snippet.replace("{ Join: { nickname: 'ada' } }", "{ Join: { nick: 'ada' } }");
    expect(mistake).not.toBe(snippet);
    writeFileSync(join(dir, 'client-mistake.ts'), mistake);
    const diagnostics = await typecheck(dir, ['client.ts', 'client-mistake.ts'], paths);
    const lines = diagnostics.split('\n').filter((line) => line.includes('error TS'));
    expect(lines.filter((line) => !line.includes('client-mistake.ts'))).toEqual([]);
    expect(lines.some((line) => line.includes('client-mistake.ts') && line.includes("'nick'"))).toBe(true);
}

describe('README: the client snippets', () => {
    const dirs: string[] = [];
    const tempDir = () => {
        const dir = mkdtempSync(join(tmpdir(), 'readme-client-'));
        dirs.push(dir);
        return dir;
    };
    afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

    it('ic-websocket-client: type-checks with @dfinity/agent 3.4.3', async () => {
        const snippet = readmeCodeBlock('## Connecting with ic-websocket-client');
        expect(snippet).toContain("from 'ic-websocket-client'");
        const modules = join(PROJECT_ROOT, 'node_modules');
        await checkSnippet(tempDir(), snippet, {
            'ic-websocket-client': [join(PROJECT_ROOT, 'client', 'src', 'index.ts')],
            '*': [`${modules}/*`]
        });
    });

    it('ic-websocket-js (the alternative): type-checks with ic-websocket-js 0.5 and @dfinity/agent 2.x', async () => {
        const modules = join(PROJECT_ROOT, 'test', 'e2e', 'node_modules');
        if (!existsSync(join(modules, 'ic-websocket-js'))) throw new Error(`${modules} has no ic-websocket-js: run npm install at the root`);
        const snippet = readmeCodeBlock('### The alternative: ic-websocket-js');
        expect(snippet).toContain("from 'ic-websocket-js'");
        await checkSnippet(tempDir(), snippet, { '*': [`${modules}/*`] });
    });
});
