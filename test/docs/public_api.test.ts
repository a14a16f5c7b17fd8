/**
 * The CDK's public surface is what src/README.md ("Public API") documents, nothing more, nothing less: every
 * package.json `exports` entry, every name each entry exports (values and types, read with the TypeScript compiler
 * from the entry files), every public member of `IcWebSocket`, each with a doc comment that has an `@example`, and
 * every field of the options types too. Adding an export, a class member or an entry without documenting it fails
 * here. The `wire` entry, which runs in Node, is also imported for real and its runtime exports compared.
 *
 * The examples are code: each one (entries' module comments included) is type-checked against the real API, with
 * only the names it takes from its context (`ws`, `client`, …) declared in EXAMPLE_CONTEXT. And no doc comment may
 * hold a tag that is not a JSDoc tag: a decorator after whitespace (`class App { @init([]) … }`) starts a new tag for
 * TypeScript, so editors would show the example cut off there.
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

/** The tags a public doc comment may use; anything else is text TypeScript cut off as a tag (e.g. a decorator). */
const JSDOC_TAGS = new Set(['example', 'param', 'returns', 'remarks', 'see', 'deprecated', 'default', 'typeParam', 'throws']);

/**
 * What the examples take from their context, as a user's code around them would have it. Only context: every name
 * of the API itself comes from the package's entries.
 */
const EXAMPLE_CONTEXT = `
type Principal_ = import('@dfinity/principal').Principal;
type AppMessage_ = { text: string };
declare const ws: import('ic-websocket-cdk').IcWebSocket<AppMessage_>;
declare const AppMessage: import('@dfinity/candid').IDL.RecordClass;
declare const appMessage: import('@dfinity/candid').IDL.Type;
declare const App: new () => object;
declare const actor: import('@dfinity/agent').ActorSubclass;
declare const agent: import('@dfinity/agent').Agent;
declare const canisterId: string;
declare const arg: Uint8Array, bytes: Uint8Array, candidBytes: Uint8Array, content: Uint8Array, reply: Uint8Array;
declare const client: Principal_, client_principal: Principal_, gateway: Principal_;
declare const gatewayText: string;
declare const ackMs: bigint, nonce: bigint, sendAckIntervalMs: bigint, timestamp: bigint;
declare const subscribers: Principal_[];
declare const replies: [Principal_, string][];
declare const presence: Map<string, unknown>;
declare const identity: { getPrincipal(): Principal_ };
declare const client_key: import('ic-websocket-cdk/wire').ClientKey;
declare const message: import('ic-websocket-cdk/wire').WebsocketMessage, msg: import('ic-websocket-cdk/wire').WebsocketMessage;
declare const output: import('ic-websocket-cdk/wire').CanisterOutputMessage;
declare function checkAcked(sequenceNum: bigint): void;
declare function forget(client: Principal_): void;
declare function forward(message: import('ic-websocket-cdk/wire').CanisterOutputMessage): void;
declare function handle(value: unknown): void;
declare function isBanned(client: Principal_): boolean;
declare function myOwnRules(): boolean;
declare function retryLater(client: Principal_): void;
`;

/** The libraries an example may use without importing them (as a user's file would import them). */
const EXAMPLE_LIBRARIES: [string, string[]][] = [
    ['azle', ['IDL', 'Principal', 'StableBTreeMap', 'msgMethodName']],
    ['@dfinity/agent', ['Actor']]
];

interface Example {
    where: string;
    code: string;
}

/** Tags of the doc comment of an entry file (its first statement's), for the module-level examples. */
function moduleTags(file: string): { name: string; text: string }[] {
    const statement = program.getSourceFile(join(PROJECT_ROOT, file))!.statements[0] as ts.Statement & { jsDoc?: ts.JSDoc[] };
    return (statement.jsDoc ?? []).flatMap((doc) => doc.tags ?? []).map((tag) => ({ name: tag.tagName.text, text: ts.getTextOfJSDocComment(tag.comment) ?? '' }));
}

/** Every documented public thing: the entries' exports, IcWebSocket's members, the fields of exported types. */
function documentedSymbols(): [string, ts.Symbol][] {
    const found: [string, ts.Symbol][] = [];
    for (const { file } of ENTRIES) {
        for (const exported of exportsOf(file)) {
            const symbol = resolve(exported);
            found.push([`${file}: ${exported.name}`, symbol]);
            if (symbol.flags & ts.SymbolFlags.Class) for (const member of publicMembers(symbol)) found.push([`${exported.name}.${member.name}`, member]);
            if (symbol.flags & ts.SymbolFlags.TypeAlias) {
                for (const field of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) found.push([`${exported.name}.${field.name}`, field]);
            }
        }
    }
    return found;
}

function publicExamples(): Example[] {
    const examples: Example[] = [];
    for (const { file } of ENTRIES) {
        for (const tag of moduleTags(file)) if (tag.name === 'example') examples.push({ where: `${file} (module)`, code: tag.text });
    }
    const seen = new Set<ts.Symbol>();
    for (const [where, symbol] of documentedSymbols()) {
        if (seen.has(symbol)) continue;
        seen.add(symbol);
        for (const tag of symbol.getJsDocTags(checker)) if (tag.name === 'example') examples.push({ where, code: ts.displayPartsToString(tag.text) });
    }
    return examples;
}

/**
 * An example as a module of a user's project: its own imports, then imports of everything else of the API and of
 * EXAMPLE_LIBRARIES it does not import itself; statements run in a function (so `return` and `await` work) unless it
 * is a canister's main file (`export default`).
 */
function exampleModule(code: string, entryNames: Map<string, string[]>): string {
    const lines = code.split('\n');
    const imports = lines.filter((line) => line.startsWith('import '));
    const body = lines.filter((line) => !line.startsWith('import '));
    const imported = new Set(imports.flatMap((line) => (line.match(/\{([^}]*)\}/)?.[1] ?? '').split(',').map((name) => name.trim().replace(/^type /, ''))));
    const sources: [string, string[]][] = [...entryNames, ...EXAMPLE_LIBRARIES];
    const given = new Set<string>();
    const header = sources.map(([from, names]) => {
        const missing = names.filter((name) => !imported.has(name) && !given.has(name));
        missing.forEach((name) => given.add(name));
        return missing.length > 0 ? `import { ${missing.join(', ')} } from '${from}';` : '';
    });
    const statements = code.includes('export default') ? body.join('\n') : `export async function example() {\n${body.join('\n')}\n}`;
    return [...imports, ...header, statements].join('\n');
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
    it('package.json exports exactly the documented entries: declarations for TypeScript, sources for bundlers', () => {
        const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>>; files: string[]; types: string };
        const tsconfig = ts.readConfigFile(join(PROJECT_ROOT, 'tsconfig.json'), ts.sys.readFile).config as { compilerOptions: { paths: Record<string, string[]> } };
        expect(Object.keys(pkg.exports).sort()).toEqual([...ENTRIES.map(({ entry }) => entry), './package.json'].sort());
        for (const { entry, file } of ENTRIES) {
            // TypeScript (any moduleResolution) reads the declarations `npm pack` writes into dist/types/, so a user's
            // compiler options never apply to the CDK's sources; canisters (azle's esbuild) bundle the sources; Node
            // runs dist/wire.js. `types` must come first: conditions match in object order.
            const target = pkg.exports[entry]!;
            const name = file.replace(/^src\/(.*)\.ts$/, '$1');
            expect(target, entry).toMatchObject({ types: `./dist/types/${name}.d.ts`, default: `./${file}` });
            expect(Object.keys(target)[0], entry).toBe('types');
            expect(Object.keys(target).at(-1), entry).toBe('default');
            // In this repository (no dist/), TypeScript maps the package's own name to the sources.
            expect(tsconfig.compilerOptions.paths[`ic-websocket-cdk${entry.slice(1)}`], entry).toEqual([`./${file}`]);
        }
        expect(pkg.exports['./wire']).toMatchObject({ node: './dist/wire.js' });
        expect(pkg.types).toBe('dist/types/index.d.ts');
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

    it('no public doc comment holds a tag that is not a JSDoc tag (a decorator in an example would cut it off)', () => {
        const stray: string[] = [];
        for (const { file } of ENTRIES) for (const tag of moduleTags(file)) if (!JSDOC_TAGS.has(tag.name)) stray.push(`${file} (module): @${tag.name}`);
        for (const [where, symbol] of documentedSymbols()) {
            for (const tag of symbol.getJsDocTags(checker)) if (!JSDOC_TAGS.has(tag.name)) stray.push(`${where}: @${tag.name}`);
        }
        expect(stray).toEqual([]);
    });

    it('every example type-checks against the real API', () => {
        const examples = publicExamples();
        expect(examples.length).toBeGreaterThan(60);
        const entryNames = new Map(
            ENTRIES.map(({ entry, file }) => [entry === '.' ? 'ic-websocket-cdk' : `ic-websocket-cdk/${entry.slice(2)}`, exportsOf(file).map((symbol) => symbol.name)])
        );
        const folder = join(PROJECT_ROOT, 'test', 'docs', 'examples');
        const files = new Map<string, string>([[join(folder, 'context.d.ts'), EXAMPLE_CONTEXT]]);
        examples.forEach(({ code }, i) => files.set(join(folder, `example${i}.ts`), exampleModule(code, entryNames)));
        const host = ts.createCompilerHost(program.getCompilerOptions());
        const { getSourceFile, fileExists, readFile } = host;
        host.getSourceFile = (name, language, ...rest) =>
            files.has(name) ? ts.createSourceFile(name, files.get(name)!, language) : getSourceFile.call(host, name, language, ...rest);
        host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
        host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
        const examplesProgram = ts.createProgram([...files.keys()], program.getCompilerOptions(), host);
        const errors = ts
            .getPreEmitDiagnostics(examplesProgram)
            .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error)
            .map((diagnostic) => {
                const index = Number(diagnostic.file?.fileName.match(/example(\d+)\.ts$/)?.[1]);
                const example = examples[index];
                const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
                return example ? `${example.where}: ${text}\n${example.code}` : `${diagnostic.file?.fileName ?? ''}: ${text}`;
            });
        expect(errors).toEqual([]);
    });

    it('the wire entry runs in Node without azle, and exports at run time exactly its documented values', async () => {
        const wire = await import('../../src/wire.ts');
        const values = exportsOf('src/wire.ts').filter(isRuntimeExport).map((symbol) => symbol.name).sort();
        expect(Object.keys(wire).sort()).toEqual(values);
        expect(values.length).toBeGreaterThan(20);
    });
});
