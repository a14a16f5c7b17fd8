// `npm pack` of the CDK (prepack): compiles the `ic-websocket-cdk/wire` entry (src/wire.ts) for Node, where a
// package's TypeScript sources cannot run: dist/wire.js (one ES module importing only the peer dependencies
// @dfinity/candid and @dfinity/principal) and its declarations in dist/types/ (with `.js` in relative imports, as
// `moduleResolution: node16/nodenext` requires). Canisters and bundlers keep using the sources (package.json
// `exports`: the `node` condition picks dist/).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const PEERS = ['@dfinity/candid', '@dfinity/principal'];

rmSync(dist, { recursive: true, force: true });
const result = await build({
    entryPoints: [join(root, 'src', 'wire.ts')],
    outfile: join(dist, 'wire.js'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'warning'
});
const imported = new Set(Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((entry) => entry.path)));
const unexpected = [...imported].filter((path) => !PEERS.includes(path));
if (unexpected.length > 0) {
    console.error(`scripts/build-wire.mjs: src/wire.ts must import only ${PEERS.join(' and ')}, not ${unexpected.join(', ')}`);
    process.exit(1);
}

const types = join(dist, 'types');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(
    process.execPath,
    [tsc, join(root, 'src', 'wire.ts'), '--declaration', '--emitDeclarationOnly', '--outDir', types, '--rootDir', join(root, 'src'),
        '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--strict', '--skipLibCheck', '--types', 'node'],
    { stdio: 'inherit' }
);
// The sources import `./types`; Node's resolution (and TypeScript's for it) wants `./types.js`.
for (const file of readdirSync(types)) {
    const path = join(types, file);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/(from\s+'|import\(')(\.\.?\/[^']+?)(?<!\.js)'/g, "$1$2.js'"));
}
console.log(`scripts/build-wire.mjs: wrote dist/wire.js and ${readdirSync(types).length} declaration files`);
