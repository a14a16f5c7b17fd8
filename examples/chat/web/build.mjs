// Bundles the page's script (src/main.ts and ic-websocket-js with @dfinity/agent 2.x) into dist/app.js for browsers.
// Usage: node build.mjs [--minify]; also imported by `npm start` as buildPage().
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Writes dist/app.js next to index.html and style.css; resolves to the bundle's path. */
export async function buildPage({ minify = false } = {}) {
    const outfile = join(here, 'dist', 'app.js');
    await build({
        entryPoints: [join(here, 'src', 'main.ts')],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        outfile,
        minify,
        sourcemap: true,
        logLevel: 'warning',
        // ic-websocket-js reads process.env.LOG_LEVEL for its logger; browsers have no process.
        define: { 'process.env.LOG_LEVEL': '"warn"', global: 'globalThis' }
    });
    return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const outfile = await buildPage({ minify: process.argv.includes('--minify') });
    console.log(`built ${outfile}`);
}
