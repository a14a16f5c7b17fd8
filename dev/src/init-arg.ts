/**
 * A canister's init argument as dfx.json gives it, encoded as dfx encodes it: `init_arg` is Candid text (e.g.
 * `'(record { owner = principal "aaaaa-aa"; limit = 10 : nat32 })'`), `init_arg_file` a file holding such text
 * (relative to the project root). The text is parsed and type-checked against the init parameters of the
 * canister's own Candid service (the `.did` azle generated), with DFINITY's Candid parser (`@dfinity/didc`, the
 * `candid_parser` crate dfx uses, as wasm), so `5` for a `nat64` parameter is a `nat64`, as with dfx.
 *
 * The same bytes go to `init` on install and to `post_upgrade` on every upgrade, as `dfx deploy` does.
 *
 * @example
 * const arg = await encodeInitArg(project, canister, build.candid); // undefined: no init argument in dfx.json
 * await replica.installCanister({ wasm: build.wasm, arg });
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectError, type Project } from './project.ts';

/** Where a canister's init argument comes from: Candid text in dfx.json (`init_arg`) or a file (`init_arg_file`). */
export type InitArgSource = { readonly text: string } | { readonly file: string };

/**
 * The Candid encoding of the canister's dfx.json init argument, checked against `candid` (its service); undefined
 * when dfx.json gives none.
 *
 * @throws ProjectError naming the canister, the dfx.json field and what does not match.
 */
export async function encodeInitArg(project: Project, canister: { name: string; initArg?: InitArgSource }, candid: string): Promise<Uint8Array | undefined> {
    const source = canister.initArg;
    if (source === undefined) return undefined;
    const where = 'file' in source ? `init_arg_file ${source.file}` : 'init_arg';
    let text: string;
    if ('file' in source) {
        try {
            text = readFileSync(join(project.root, source.file), 'utf8');
        } catch (error) {
            throw new ProjectError(`canister "${canister.name}": dfx.json's init_arg_file ${source.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
        }
    } else {
        text = source.text;
    }
    const { encode } = await import('@dfinity/didc');
    let hex: string;
    try {
        hex = encode({ idl: candid, withType: { kind: 'serviceParams' }, input: text.trim(), targetFormat: 'hex' });
    } catch (error) {
        const reason = String(error instanceof Error ? error.message : error).replace(/\s+/g, ' ').replace(/[.`\s]+$/, '');
        throw new ProjectError(
            `canister "${canister.name}": dfx.json's ${where} ${JSON.stringify(oneLine(text))} does not fit its init parameters ${initParameters(candid)}: ${reason}. ` +
                `Write it as Candid text, e.g. '("text", 5 : nat32)'.`
        );
    }
    return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** The `(...)` of `service : (...) -> {` in Candid text, for error messages; `()` when the service has none. */
export function initParameters(candid: string): string {
    const match = /service\s*:\s*(\([^]*?\))\s*->/.exec(candid);
    return match ? oneLine(match[1]!) : '()';
}

function oneLine(text: string): string {
    const flat = text.replace(/\s+/g, ' ').trim();
    return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}
