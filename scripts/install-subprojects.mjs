// Installs the folders that carry their own package.json: the chat page (a frontend project on agent 3 and
// ic-websocket-client) and test/e2e (ic-websocket-js needs @dfinity/agent 2.x, which cannot share node_modules
// with Azle's @dfinity/agent 3.x). Runs as the root package's postinstall.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const subprojects = ['examples/chat/web', 'test/e2e'];

for (const dir of subprojects) {
    const cwd = join(root, dir);
    if (!existsSync(join(cwd, 'package.json'))) continue;
    const ci = process.env.CI === 'true' && existsSync(join(cwd, 'package-lock.json'));
    console.log(`[postinstall] npm ${ci ? 'ci' : 'install'} in ${dir}`);
    const result = spawnSync('npm', [ci ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd, stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
}
