/**
 * The env file named by dfx.json's `output_env_file`: dfx writes the canister ids there for frontend bundlers
 * (`CANISTER_ID_<NAME>`, `DFX_NETWORK`), and so does `ic-websocket dev`, plus where the gateway and the replica run.
 * Only the block between the markers is rewritten; the rest of the file is kept.
 *
 * @example
 * updateEnvFile('.env', { DFX_NETWORK: 'local', CANISTER_ID_BACKEND: 'lxzze-o7777-77777-aaaaa-cai' });
 */
import { readFileSync, writeFileSync } from 'node:fs';

const BEGIN = '# ic-websocket dev: local network (rewritten on every start)';
const END = '# end ic-websocket dev';

export function updateEnvFile(path: string, variables: Record<string, string>): void {
    let text = '';
    try {
        text = readFileSync(path, 'utf8');
    } catch {
        // a new file
    }
    const block = [BEGIN, ...Object.entries(variables).map(([name, value]) => `${name}='${value}'`), END].join('\n');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END, start);
    const next =
        start >= 0 && end >= 0
            ? text.slice(0, start) + block + text.slice(end + END.length)
            : `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${block}\n`;
    if (next !== text) writeFileSync(path, next);
}
