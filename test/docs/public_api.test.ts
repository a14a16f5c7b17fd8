/**
 * The CDK's public surface is what src/README.md ("Public API") documents, nothing more, nothing less: every
 * package.json `exports` entry, every name each entry exports (values and types, read with the TypeScript compiler
 * from the entry files), every public member of `IcWebSocket`, each with a doc comment that has an `@example`, and
 * every field of the options types too. Adding an export, a class member or an entry without documenting it fails
 * here. The `wire` entry, which runs in Node, is also imported for real and its runtime exports compared.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../replica/build.ts';

const README = 'src/README.md';

/** The package's entries: `exports` key → the source file whose exports are public, and its README heading. */
const ENTRIES = [
    { entry: '.', file: 'src/index.ts', heading: '### `ic-websocket-cdk`' },
    { entry: './wire', file: 'src/wire.ts', heading: '### `ic-websocket-cdk/wire`' },
    { entry: './testing', file: 'src/testing.ts', heading: '### `ic-websocket-cdk/testing`' }
] as const;

/** The backticked names in the first column of the table(s) under `heading`, up to the next heading. */
function documentedNames(heading: string): string[] {
    const readme = readFileSync(join(PROJECT_ROOT, README), 'utf8');
    const start = readme.indexOf(`\n${heading}\n`);
    if (start < 0) throw new Error(`${README} has no "${heading}" section`);
    const rest = readme.slice(start + heading.length + 2);
    const end = rest.search(/^#{1,6} /m);
    const names: string[] = [];
    for (const line of (end < 0 ? rest : rest.slice(0, end)).split('\n')) {
        const firstCell = line.match(/^\| (.+?) \|/)?.[1];
        if (firstCell === undefined || /^-+$|^export$|^member$/.test(firstCell)) continue;
        names.push(...[...firstCell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!));
    }
    return names.sort();
}

interface Documented {
    name: string;
    summary: string;
    examples: string[];
}

function docsOf(symbol: ts.Symbol, checker: ts.TypeChecker): Documented {
    return {
        name: symbol.name,
        summary: ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim(),
        examples: symbol
            .getJsDocTags(checker)
            .filter((tag) => tag.name === 'example')
            .map((tag) => ts.displayPartsToString(tag.text).trim())
    };
}

/** Names without a summary or without a non-empty `@example`. */
function undocumented(items: Documented[]): string[] {
    return items.filter((item) => item.summary === '' || !item.examples.some((example) => example.length > 0)).map((item) => item.name);
}

let checker: ts.TypeChecker;
let program: ts.Program;

function exportsOf(file: string): ts.Symbol[] {
    const source = program.getSourceFile(join(PROJECT_ROOT, file));
    if (source === undefined) throw new Error(`${file} is not in the program`);
    return checker.getExportsOfModule(checker.getSymbolAtLocation(source)!);
}

const resolve = (symbol: ts.Symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);

/** Whether an export exists at run time (a value not exported with `type`). */
function isRuntimeExport(symbol: ts.Symbol): boolean {
    const declaration = symbol.declarations?.[0];
    if (declaration && ts.isExportSpecifier(declaration) && (declaration.isTypeOnly || declaration.parent.parent.isTypeOnly)) return false;
    return (resolve(symbol).flags & ts.SymbolFlags.Value) !== 0;
}

function exportedSymbol(file: string, name: string): ts.Symbol {
    const symbol = exportsOf(file).find((candidate) => candidate.name === name);
    if (symbol === undefined) throw new Error(`${file} does not export ${name}`);
    return resolve(symbol);
}

/** Public (not private/protected) members of a class: instance members and the constructor. */
function publicMembers(classSymbol: ts.Symbol): ts.Symbol[] {
    return [...(classSymbol.members?.values() ?? [])].filter((member) => {
        const declaration = member.declarations?.[0];
        if (declaration === undefined || member.name.startsWith('#') || member.flags & ts.SymbolFlags.TypeParameter) return false;
        return (ts.getCombinedModifierFlags(declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) === 0;
    });
}

beforeAll(() => {
    const configFile = ts.readConfigFile(join(PROJECT_ROOT, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, PROJECT_ROOT);
    program = ts.createProgram(
        ENTRIES.map(({ file }) => join(PROJECT_ROOT, file)),
        options
    );
    checker = program.getTypeChecker();
    const errors = ts.getPreEmitDiagnostics(program).filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
    expect(errors.map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))).toEqual([]);
});

describe('the public API of ic-websocket-cdk', () => {
    it('package.json exports exactly the documented entries, pointing at their sources', () => {
        const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; files: string[] };
        expect(Object.keys(pkg.exports).sort()).toEqual([...ENTRIES.map(({ entry }) => entry), './package.json'].sort());
        for (const { entry, file } of ENTRIES) {
            // Canisters (esbuild) and bundler-resolving TypeScript get the source; Node gets dist/ (built at pack time).
            const target = pkg.exports[entry];
            const source = `./${file}`;
            if (typeof target === 'string') expect(target, entry).toBe(source);
            else expect(target, entry).toMatchObject({ types: source, default: source });
        }
        expect(pkg.exports['./wire']).toMatchObject({ node: { types: './dist/types/wire.d.ts', default: './dist/wire.js' } });
        expect(pkg.files).toContain('dist');
    });

    for (const { file, heading } of ENTRIES) {
        it(`${file} exports exactly what ${README} lists under ${heading}`, () => {
            expect(exportsOf(file).map((symbol) => symbol.name).sort()).toEqual(documentedNames(heading));
        });

        it(`every export of ${file} has a doc comment with an example`, () => {
            const exported = exportsOf(file);
            expect(exported.length).toBeGreaterThan(0);
            expect(undocumented(exported.map((symbol) => ({ ...docsOf(resolve(symbol), checker), name: symbol.name })))).toEqual([]);
        });
    }

    it(`IcWebSocket's public members are the ones ${README} lists, each documented with an example (no test-only members)`, () => {
        const members = publicMembers(exportedSymbol('src/index.ts', 'IcWebSocket'));
        const names = members.map((member) => (member.name === '__constructor' ? 'constructor' : member.name)).sort();
        expect(names).toEqual(documentedNames('#### `IcWebSocket` members'));
        expect(names).not.toContain('wipe');
        expect(undocumented(members.map((member) => docsOf(member, checker)))).toEqual([]);
    });

    it('every field of the options types is documented with an example', () => {
        for (const name of ['IcWebSocketOptions', 'WsParamsInput', 'InspectMessageOptions']) {
            const type = checker.getDeclaredTypeOfSymbol(exportedSymbol('src/index.ts', name));
            const fields = checker.getPropertiesOfType(type);
            expect(fields.length, name).toBeGreaterThan(0);
            expect(undocumented(fields.map((field) => docsOf(field, checker))), name).toEqual([]);
        }
    });

    it('the wire entry runs in Node without azle, and exports at run time exactly its documented values', async () => {
        const wire = await import('../../src/wire.ts');
        const values = exportsOf('src/wire.ts').filter(isRuntimeExport).map((symbol) => symbol.name).sort();
        expect(Object.keys(wire).sort()).toEqual(values);
        expect(values.length).toBeGreaterThan(20);
    });
});
