// `npm pack` of the CDK (prepack) writes dist/:
// - dist/types/: declarations of the three entries (tsc), which package.json `exports` gives TypeScript (`types`
//   condition). A user's `tsc` then reads declarations, which `skipLibCheck` skips, instead of type-checking the
//   CDK's sources with the user's compiler options (`noUnusedLocals`, `exactOptionalPropertyTypes`,
//   `erasableSyntaxOnly`, … would report errors inside node_modules). Relative imports get `.js`, as
//   `moduleResolution: node16/nodenext` requires.
// - dist/wire.js: the `ic-websocket-cdk/wire` entry (src/wire.ts) as one ES module for Node (`node` condition),
//   where a package's TypeScript sources cannot run; it imports only the peer dependencies @dfinity/candid and
//   @dfinity/principal.
// Canisters and bundlers keep using the sources (`default` condition): azle bundles them with esbuild.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const PEERS = ['@dfinity/candid', '@dfinity/principal'];
const ENTRIES = ['index.ts', 'wire.ts', 'testing.ts'];

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
    console.error(`scripts/build-dist.mjs: src/wire.ts must import only ${PEERS.join(' and ')}, not ${unexpected.join(', ')}`);
    process.exit(1);
}

const types = join(dist, 'types');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(
    process.execPath,
    [tsc, ...ENTRIES.map((entry) => join(root, 'src', entry)), '--declaration', '--emitDeclarationOnly', '--outDir', types, '--rootDir', join(root, 'src'),
        '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--strict', '--skipLibCheck', '--types', 'node'],
    { stdio: 'inherit' }
);
// The sources import `./types`; Node's resolution (and TypeScript's for it) wants `./types.js`.
const declarations = [];
const walk = (folder) => {
    for (const name of readdirSync(folder)) {
        const path = join(folder, name);
        if (statSync(path).isDirectory()) walk(path);
        else declarations.push(path);
    }
};
walk(types);
for (const path of declarations) {
    writeFileSync(path, readFileSync(path, 'utf8').replace(/(from\s+'|import\(')(\.\.?\/[^']+?)(?<!\.js)'/g, "$1$2.js'"));
}
console.log(`scripts/build-dist.mjs: wrote dist/wire.js and ${declarations.length} declaration files`);
