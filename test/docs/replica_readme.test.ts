/**
 * replica/README.md's example, run as written (only its relative import is pointed at replica/index.ts): it must
 * complete without throwing, with the API it shows (create, buildCanister, install, update, query, advanceTime,
 * upgrade, RejectError). It runs in a child Node process (tsx), like a user's script would.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../replica/build.ts';
import { readmeCodeBlock } from './readme.ts';

// Inside the repository (ignored by git), so the example's packages resolve from the root node_modules.
const DIR = join(PROJECT_ROOT, '.cache', 'docs', `replica-readme-${process.pid}`);
const DONE = 'replica README example: done';

describe('replica/README.md example', () => {
    afterAll(() => rmSync(DIR, { recursive: true, force: true }));

    it('runs to the end', async () => {
        const example = readmeCodeBlock('## Example', 'replica/README.md');
        const script = example.replace("'../replica/index.ts'", `'${pathToFileURL(join(PROJECT_ROOT, 'replica', 'index.ts')).href}'`);
        expect(script).not.toBe(example);
        mkdirSync(DIR, { recursive: true });
        writeFileSync(join(DIR, 'example.mts'), `${script}console.log(${JSON.stringify(DONE)});\n`);
        const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(DIR, 'example.mts')], { cwd: PROJECT_ROOT });
        expect(stdout).toContain(DONE);
    });
});
