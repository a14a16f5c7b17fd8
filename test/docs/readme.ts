/**
 * Reads code blocks out of the root README, so the suites here check the text users copy, not a copy of it.
 *
 * @example
 * const code = readmeCodeBlock('## Using the CDK in your canister'); // the first ```ts block of that section
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../replica/build.ts';

/**
 * The first ```ts block after the line `heading` in a README (default: the root one; `file` is relative to the
 * repository root), with its final newline. Throws if the section or the block is missing.
 */
export function readmeCodeBlock(heading: string, file = 'README.md'): string {
    const readme = readFileSync(join(PROJECT_ROOT, file), 'utf8');
    const section = readme.indexOf(`\n${heading}\n`);
    if (section < 0) throw new Error(`${file} has no "${heading}" section`);
    const start = readme.indexOf('```ts\n', section);
    const end = start < 0 ? -1 : readme.indexOf('\n```\n', start);
    if (start < 0 || end < 0) throw new Error(`${file}'s "${heading}" section has no \`\`\`ts code block`);
    return readme.slice(start + '```ts\n'.length, end + 1);
}

/**
 * The ```<lang> blocks of one section of the root README (from the line `heading` to the next heading of the same
 * or a higher level), in order, each with its final newline. Throws if the section has none.
 *
 * @example
 * const [createProject] = readmeSectionBlocks('### 1. Create the project', 'bash');
 */
export function readmeSectionBlocks(heading: string, lang: string, file = 'README.md'): string[] {
    const readme = readFileSync(join(PROJECT_ROOT, file), 'utf8');
    const start = readme.indexOf(`\n${heading}\n`);
    if (start < 0) throw new Error(`${file} has no "${heading}" section`);
    const level = heading.match(/^#+/)![0].length;
    const rest = readme.slice(start + heading.length + 2);
    const next = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
    const section = next < 0 ? rest : rest.slice(0, next);
    const blocks = [...section.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?\\n)```$', 'gm'))].map((match) => match[1]!);
    if (blocks.length === 0) throw new Error(`${file}'s "${heading}" section has no \`\`\`${lang} code block`);
    return blocks;
}
