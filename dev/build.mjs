// `npm pack` of this package (prepack): bundles src/ with the repository's replica/ and gateway/ into dist/ (ESM,
// code shared between the entry points split into chunks), and writes the type declarations of the public API to
// dist/types/. npm packages stay external; each one the bundle imports must be a dependency in package.json.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));

/** What both bundles share: ESM for Node 20, npm packages left as imports. */
const NODE_BUNDLE = { bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', sourcemap: true, metafile: true, logLevel: 'warning' };

rmSync(dist, { recursive: true, force: true });
const result = await build({
    ...NODE_BUNDLE,
    // azle-worker runs in its own process (under azle's tsx loader), found next to the chunk that starts it.
    entryPoints: { cli: join(here, 'src', 'cli.ts'), index: join(here, 'src', 'index.ts'), 'azle-worker': join(here, 'src', 'azle-worker.ts') },
    outdir: dist,
    splitting: true
});

// The replica's engine thread (replica/thread/engine-worker.mjs, started as a Worker from
// new URL('./engine-worker.mjs', import.meta.url)): bundled next to the chunks. In the repository it registers tsx
// for the TypeScript sources; bundled, there are none, so its `register` is a no-op here.
const engineWorker = await build({
    entryPoints: [join(here, '..', 'replica', 'thread', 'engine-worker.mjs')],
    ...NODE_BUNDLE,
    outfile: join(dist, 'engine-worker.mjs'),
    plugins: [
        {
            name: 'no tsx in the bundle',
            setup(build) {
                build.onResolve({ filter: /^tsx\/esm\/api$/ }, () => ({ path: 'tsx', namespace: 'no-tsx' }));
                build.onLoad({ filter: /.*/, namespace: 'no-tsx' }, () => ({ contents: 'export function register() {}', loader: 'js' }));
            }
        }
    ]
});

// Every npm package the bundle imports must be installed with it.
const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
const builtins = new Set(builtinModules);
const missing = new Set();
for (const output of [...Object.values(result.metafile.outputs), ...Object.values(engineWorker.metafile.outputs)]) {
    for (const { path, external } of output.imports) {
        if (!external || path.startsWith('node:') || builtins.has(path)) continue;
        const name = path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0];
        if (!declared.has(name)) missing.add(name);
    }
}
if (missing.size > 0) {
    console.error(`dev/build.mjs: the bundle imports packages that package.json does not list: ${[...missing].join(', ')}`);
    process.exit(1);
}

// Declarations of the public API (index.ts and what it references, replica/ and gateway/ included).
execFileSync(process.execPath, [join(here, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(here, 'tsconfig.build.json')], { stdio: 'inherit' });
console.log(`dev/build.mjs: wrote ${Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js')).length} files to dist/`);
