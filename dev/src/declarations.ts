/**
 * Client declarations of a canister, the files `dfx generate` writes, made from its Candid without dfx:
 *
 * | file | binding | what |
 * |---|---|---|
 * | `<name>.did` | did | the Candid interface |
 * | `<name>.did.js` | js | `idlFactory` and `init` (the IDL, for `Actor.createActor`) |
 * | `index.js` | js | `canisterId` (from `CANISTER_ID_<NAME>` at bundle time), `createActor`, and an actor when the id is known |
 * | `<name>.did.d.ts` | ts | `_SERVICE` (methods as `ActorMethod`s) and the Candid types as TypeScript |
 * | `index.d.ts` | ts | the types of `index.js` |
 *
 * The IDL and types come from `@icp-sdk/bindgen` (DFINITY's Candid compiler, as wasm), pointed at `@dfinity/agent`,
 * `@dfinity/candid` and `@dfinity/principal` as dfx's are, so they work with agent 2 (ic-websocket-js) and agent 3.
 * Files are only rewritten when their content changes (a frontend bundler watching them reloads only then).
 *
 * @example
 * await writeDeclarations({ name: 'backend', candid, outDir: 'src/declarations/backend' });
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@icp-sdk/bindgen/core';

export interface DeclarationsOptions {
    /** The canister's dfx.json name (file names, `CANISTER_ID_<NAME>`, the exported actor's name). */
    name: string;
    /** Its Candid interface. */
    candid: string;
    /** Absolute output folder. */
    outDir: string;
    /** Which files (default all: js, ts, did). */
    bindings?: readonly ('js' | 'ts' | 'did')[];
}

const HEADER = (name: string) => `// Written by \`ic-websocket dev\` from ${name}.did (the files \`dfx generate ${name}\` writes). Do not edit: it is rewritten when the canister's interface changes.\n`;

/** The modules bindgen's output imports, and the ones dfx's declarations use (the same types, agent 2 and 3 alike). */
const MODULES: Record<string, string> = {
    '@icp-sdk/core/agent': '@dfinity/agent',
    '@icp-sdk/core/candid': '@dfinity/candid',
    '@icp-sdk/core/principal': '@dfinity/principal'
};

/** Writes the declarations of one canister; returns the files written (those whose content changed). */
export async function writeDeclarations(options: DeclarationsOptions): Promise<string[]> {
    const { name, candid, outDir } = options;
    const bindings = new Set(options.bindings ?? ['js', 'ts', 'did']);
    const { idlJs, typesTs } = await compileCandid(name, candid);
    const files: Record<string, string> = {};
    if (bindings.has('did')) files[`${name}.did`] = candid;
    if (bindings.has('js')) {
        files[`${name}.did.js`] = idlJs;
        files['index.js'] = indexJs(name);
    }
    if (bindings.has('ts')) {
        files[`${name}.did.d.ts`] = typesTs;
        files['index.d.ts'] = indexDts(name);
    }
    mkdirSync(outDir, { recursive: true });
    const written: string[] = [];
    for (const [file, content] of Object.entries(files)) {
        const path = join(outDir, file);
        if (readOrUndefined(path) === content) continue;
        writeFileSync(path, content);
        written.push(path);
    }
    return written;
}

/** `<name>.did.js` and `<name>.did.d.ts` from Candid text (a Candid syntax error throws with bindgen's message). */
export async function compileCandid(name: string, candid: string): Promise<{ idlJs: string; typesTs: string }> {
    const scratch = mkdtempSync(join(tmpdir(), 'ic-websocket-did-'));
    try {
        writeFileSync(join(scratch, `${name}.did`), candid);
        await generate({
            didFile: join(scratch, `${name}.did`),
            outDir: scratch,
            output: { force: true, actor: { disabled: true }, declarations: { flat: true } }
        });
        return {
            idlJs: HEADER(name) + retarget(readFileSync(join(scratch, `${name}.did.js`), 'utf8'), { dropImports: true }),
            typesTs: HEADER(name) + blobsAsDfx(retarget(readFileSync(join(scratch, `${name}.did.d.ts`), 'utf8'), { dropImports: false }))
        };
    } finally {
        rmSync(scratch, { recursive: true, force: true });
    }
}

/**
 * Bindgen's output without its banner, importing dfx's modules. The `.did.js` needs no import at all: its factories
 * receive `IDL` as their argument (as dfx's `.did.js` files do), so it runs wherever it is bundled.
 */
function retarget(source: string, { dropImports }: { dropImports: boolean }): string {
    const lines = source.split('\n').filter((line) => !/^\/\/ (This file was automatically generated|You should NOT|Additionally, you should)/.test(line));
    const out: string[] = [];
    for (const line of lines) {
        const imported = /^import (type )?\{[^}]*\} from '([^']+)';$/.exec(line);
        if (imported) {
            const target = MODULES[imported[2]!];
            if (!target) throw new Error(`declarations: unexpected import in bindgen's output: ${line}`);
            if (!dropImports) out.push(line.replace(imported[2]!, target));
            continue;
        }
        out.push(line);
    }
    return out.join('\n').replace(/^\n+/, '').replace(/\n{3,}/g, '\n\n').replace(/\n*$/, '\n');
}

/**
 * `vec nat8` (blob) as dfx's declarations type it, `Uint8Array | number[]` (bindgen writes `Uint8Array`): clients
 * typed against dfx's declarations (ic-websocket-js, ic-websocket-client) then accept these actors, and a `number[]`
 * is still accepted where the canister takes bytes (the Candid encoder takes both).
 */
function blobsAsDfx(types: string): string {
    return types.replace(/\bUint8Array\b(?!\s*\|\s*number\[\])/g, '(Uint8Array | number[])');
}

/** A JavaScript identifier for the canister's name (dfx.json allows `-`). */
function identifier(name: string): string {
    const id = name.replace(/[^A-Za-z0-9_$]/g, '_');
    return /^[0-9]/.test(id) ? `_${id}` : id;
}

/** dfx's environment variable for a canister's id: `CANISTER_ID_<NAME>`. */
export function canisterIdVariable(name: string): string {
    return `CANISTER_ID_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

function indexJs(name: string): string {
    const variable = canisterIdVariable(name);
    return `${HEADER(name)}import { Actor, HttpAgent } from '@dfinity/agent';
import { idlFactory } from './${name}.did.js';

export { idlFactory } from './${name}.did.js';

/**
 * The canister's id, as the bundler's environment gives it (\`${variable}\`, which dfx and \`ic-websocket dev\` write
 * to the env file named by dfx.json's \`output_env_file\`); undefined without a bundler that defines it.
 */
export const canisterId = typeof process !== 'undefined' && process.env ? process.env.${variable} : undefined;

/**
 * An actor of the canister. Against a local replica (host 127.0.0.1 / localhost, unless DFX_NETWORK is "ic") the
 * agent first fetches the replica's root key, as dfx's declarations do.
 */
export const createActor = (canisterId, options = {}) => {
    const agent = options.agent ?? HttpAgent.createSync({ ...options.agentOptions });
    if (options.agent && options.agentOptions) {
        console.warn('createActor: both agent and agentOptions were given; agentOptions are ignored.');
    }
    const network = typeof process !== 'undefined' && process.env ? process.env.DFX_NETWORK : undefined;
    if (network !== 'ic' && agent.isLocal?.()) {
        agent.fetchRootKey().catch((error) => console.warn('createActor: could not fetch the local replica\\'s root key; is it running?', error));
    }
    return Actor.createActor(idlFactory, { agent, canisterId, ...options.actorOptions });
};

export const ${identifier(name)} = canisterId ? createActor(canisterId) : undefined;
`;
}

function indexDts(name: string): string {
    return `${HEADER(name)}import type { ActorConfig, ActorSubclass, Agent, HttpAgentOptions } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import type { _SERVICE } from './${name}.did.js';

export declare const idlFactory: IDL.InterfaceFactory;
export declare const canisterId: string | undefined;

export declare interface CreateActorOptions {
    /** An agent to use; default: a new HttpAgent made from \`agentOptions\`. */
    agent?: Agent;
    agentOptions?: HttpAgentOptions;
    actorOptions?: ActorConfig;
}

export declare const createActor: (canisterId: string | Principal, options?: CreateActorOptions) => ActorSubclass<_SERVICE>;

export declare const ${identifier(name)}: ActorSubclass<_SERVICE> | undefined;
`;
}

function readOrUndefined(path: string): string | undefined {
    try {
        return readFileSync(path, 'utf8');
    } catch {
        return undefined;
    }
}
