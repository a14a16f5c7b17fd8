// Bundles the page's script (src/main.ts and ic-websocket-client with @dfinity/agent 3) into dist/app.js for browsers.
// Usage: node build.mjs [--minify] (`npm start` runs it first; it reports on stderr); buildPage() for scripts and tests.
import { build } from 'esbuild';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Writes dist/app.js (and its source map) next to index.html and style.css; resolves to the bundle's path. */
export async function buildPage({ minify = false } = {}) {
    const outfile = join(here, 'dist', 'app.js');
    const result = await build({
        entryPoints: [join(here, 'src', 'main.ts')],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        outfile,
        minify,
        sourcemap: true,
        write: false,
        logLevel: 'warning',
        // ic-websocket-client is linked from the repository's client/ (file: dependency): bundle its TypeScript
        // sources ("source" export condition) and resolve their imports from this folder's node_modules
        // (preserveSymlinks), so the page carries one copy of @dfinity/agent.
        conditions: ['source'],
        preserveSymlinks: true,
        define: { global: 'globalThis' }
    });
    // Written to a temporary name, then renamed: a server already serving dist/ (another `npm start`, a test
    // running in parallel) never reads a half-written bundle.
    await mkdir(dirname(outfile), { recursive: true });
    for (const file of result.outputFiles) {
        const temporary = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.tmp`);
        await writeFile(temporary, file.contents);
        await rename(temporary, file.path);
    }
    return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const outfile = await buildPage({ minify: process.argv.includes('--minify') });
    console.error(`built ${outfile}`); // stderr: `npm start` keeps stdout for its machine-readable lines
}
