/**
 * The architecture the README's map promises, read from the import lines of src/ and tests/ with
 * TypeScript's own parser (no build, no type check): no import cycles, routes that do not import
 * each other, SQL only under src/services/store/, Teams only under src/bot/, a bot that reaches the store
 * through services only, cards that are pure,
 * and test files that share fixtures through tests/support/ only.
 *
 * The ALLOWED_* lists name what breaks a rule today, each entry exact (file paths), so that they can
 * only shrink: an entry that no longer breaks the rule fails the test until it is deleted.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

// --- what breaks a rule today --------------------------------------------------------------------
// Issue 23 removes each of these (§2: the SQL into repositories and migration 0030 frozen; §1: routes
// that stand alone). The lead empties the lists after merging; nothing is ever added to them.

/**
 * Import cycles among src/ modules, each as its members sorted, joined by ' <-> '. `runtime`: the
 * modules load each other when the program runs; `type`: a cycle that closes only through type imports.
 */
const ALLOWED_CYCLES: string[] = [];
/** Route files that import another route file: `from -> to`. */
const ALLOWED_ROUTE_IMPORTS: string[] = [];
/** Files outside src/services/store/ that build SQL with Kysely (the CLI and src/migrate.ts included). */
const ALLOWED_SQL_OUTSIDE_STORE: string[] = [];
/**
 * Files under src/bot/ that reach into the store (`.store.`) instead of a service. src/bot/storage.ts
 * is not one of them: it is teams-ai's turn-state storage, on the store by design.
 */
const ALLOWED_BOT_STORE_ACCESS: string[] = [];
/** Imports of src/cards/ from src/bot/, or of values from a module of src/services/ that reaches the store: `from -> to`. */
const ALLOWED_CARD_RUNTIME_IMPORTS: string[] = [];

// --- reading the import lines ----------------------------------------------------------------------

interface Import {
  /** As written: './store' or 'kysely'. */
  specifier: string;
  /** The repository-relative file a relative import resolves to (posix), or undefined for a package. */
  target: string | undefined;
  /** Erased when compiled: `import type`, `import { type A }` only, `export type`, `import('x').T`. */
  typeOnly: boolean;
}

const posix = (path: string) => path.split(sep).join('/');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir)).sort()) {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...filesUnder(path));
    else if (/\.ts$/.test(name) && !/\.d\.ts$/.test(name)) out.push(path);
  }
  return out;
}

function resolveRelative(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = posix(relative(ROOT, join(ROOT, dirname(from), specifier)));
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`])
    if (/\.ts$/.test(candidate) && existsSync(join(ROOT, candidate)) && statSync(join(ROOT, candidate)).isFile()) return candidate;
  return undefined;
}

const sources = new Map<string, ts.SourceFile>();
function sourceOf(file: string): ts.SourceFile {
  let source = sources.get(file);
  if (!source) {
    source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
    sources.set(file, source);
  }
  return source;
}

/** Every import of a file: import and export-from declarations, `import x = require()`, require() and import() calls, import types. */
function importsOf(file: string): Import[] {
  const found: Import[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (specifier && ts.isStringLiteralLike(specifier))
      found.push({ specifier: specifier.text, target: resolveRelative(file, specifier.text), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const onlyTypeSpecifiers =
        !!clause &&
        !clause.name &&
        !!bindings &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, !!clause && (clause.isTypeOnly || onlyTypeSpecifiers));
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      const onlyTypeSpecifiers =
        !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, node.isTypeOnly || onlyTypeSpecifiers);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceOf(file));
  return found;
}

const SRC = filesUnder('src');
const IMPORTS = new Map(SRC.map((file) => [file, importsOf(file)]));

// --- cycles ----------------------------------------------------------------------------------------

/** The strongly connected components with more than one module (Tarjan), each sorted. */
function cyclesOf(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const connect = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indexOf.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!indexOf.has(v)) connect(v);
  return out;
}

function graph(runtimeOnly: boolean): Map<string, string[]> {
  return new Map(
    SRC.map((file) => [
      file,
      [
        ...new Set(
          IMPORTS.get(file)!
            .filter((i) => i.target && !(runtimeOnly && i.typeOnly))
            .map((i) => i.target!),
        ),
      ],
    ]),
  );
}

/** Today's cycles, runtime ones first, then those that close only through type imports. */
function currentCycles(): string[] {
  const runtime = cyclesOf(graph(true)).map((c) => `runtime: ${c.join(' <-> ')}`);
  const runtimeSets = cyclesOf(graph(true)).map((c) => c.join('\n'));
  const types = cyclesOf(graph(false))
    .filter((c) => !runtimeSets.includes(c.join('\n')))
    .map((c) => `type: ${c.join(' <-> ')}`);
  return [...runtime, ...types].sort();
}

// --- checking against an allowlist -----------------------------------------------------------------

/** Fails on anything found that is not allowed, and on anything allowed that is no longer found. */
function assertOnly(found: string[], allowed: string[], rule: string, listName: string): void {
  const unexpected = found.filter((f) => !allowed.includes(f));
  const stale = allowed.filter((a) => !found.includes(a));
  const lines: string[] = [];
  if (unexpected.length) lines.push(`${rule}:`, ...unexpected.map((u) => `  ${u}`));
  if (stale.length) lines.push(`no longer found, delete from ${listName}:`, ...stale.map((s) => `  ${s}`));
  assert.equal(lines.length, 0, lines.join('\n'));
}

// --- the rules -------------------------------------------------------------------------------------

const isTeams = (specifier: string) => /^(botbuilder|botframework-[a-z-]+|botbuilder-[a-z-]+|@microsoft\/teams-ai)(\/|$)/.test(specifier);
/** Kysely's query building: the builder's entry points, a common table expression, the sql`` tag. */
const QUERY_BUILDING = /\.(?:selectFrom|insertInto|updateTable|deleteFrom|with)\s*\(|\bsql\s*(?:<[^`;]*?>)?\s*`/;

/** The code of a file without its comments (string and template contents stay). */
function codeOf(file: string): string {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  let out = '';
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) out += ' ';
    else out += scanner.getTokenText();
  }
  return out;
}

describe('the architecture (tests/arch/boundaries.test.ts)', () => {
  it('reads the import lines of every file in src/', () => {
    assert.ok(SRC.includes('src/index.ts') && SRC.some((f) => f.startsWith('src/bot/routes/')), 'src/ was walked');
    const total = [...IMPORTS.values()].reduce((n, list) => n + list.length, 0);
    assert.ok(total > 100, `only ${total} imports found`);
    // A relative import that resolves to no .ts file would hide an edge (and so a cycle).
    const unresolved = [...IMPORTS].flatMap(([file, list]) =>
      list.filter((i) => i.specifier.startsWith('.') && !i.target && !/\.json$/.test(i.specifier)).map((i) => `${file}: ${i.specifier}`),
    );
    assert.deepEqual(unresolved, []);
  });

  it('has no import cycle among the modules of src/, at run time or through types', () => {
    assertOnly(currentCycles(), ALLOWED_CYCLES, 'import cycles', 'ALLOWED_CYCLES');
  });

  it('has routes that do not import each other (what a route needs from another flow comes in as an argument or a shared module)', () => {
    const found = [...IMPORTS]
      .filter(([file]) => file.startsWith('src/bot/routes/'))
      .flatMap(([file, list]) => list.filter((i) => i.target?.startsWith('src/bot/routes/')).map((i) => `${file} -> ${i.target}`));
    assertOnly([...new Set(found)].sort(), ALLOWED_ROUTE_IMPORTS, 'route files that import another route file', 'ALLOWED_ROUTE_IMPORTS');
  });

  it('builds SQL only under src/services/store/ (the CLI and src/migrate.ts too go through the store)', () => {
    const found = SRC.filter((file) => !file.startsWith('src/services/store/') && QUERY_BUILDING.test(codeOf(file)));
    assertOnly(
      found,
      ALLOWED_SQL_OUTSIDE_STORE,
      'Kysely query building (selectFrom, insertInto, updateTable, deleteFrom, .with(), sql``) outside src/services/store/',
      'ALLOWED_SQL_OUTSIDE_STORE',
    );
  });

  it('imports botbuilder and @microsoft/teams-ai under src/bot/ only', () => {
    const found = [...IMPORTS]
      .filter(([file]) => !file.startsWith('src/bot/'))
      .flatMap(([file, list]) => list.filter((i) => isTeams(i.specifier)).map((i) => `${file}: ${i.specifier}`));
    assert.deepEqual(found, []);
  });

  it('keeps the Teams libraries in the adapter layer: routes, views, the delivery table, the menu and the links import none', () => {
    // A move to the Teams SDK v2 (@microsoft/teams.apps) touches the adapter files (kit, turn, app,
    // adapter, sender, server, gate, membership, storage) and not one flow.
    const flowFile = (file: string) =>
      file.startsWith('src/bot/routes/') ||
      file.startsWith('src/bot/views/') ||
      ['src/bot/delivery.ts', 'src/bot/menu.ts', 'src/bot/links.ts'].includes(file);
    const found = [...IMPORTS]
      .filter(([file]) => flowFile(file))
      .flatMap(([file, list]) => list.filter((i) => isTeams(i.specifier)).map((i) => `${file}: ${i.specifier}`));
    assert.ok([...IMPORTS.keys()].some(flowFile), 'the flow files were read');
    assert.deepEqual(found, []);
  });

  it('keeps src/cards/ pure: nothing from src/bot/, and values from src/services/ only from modules that do not reach the store', () => {
    // The modules that load something under src/services/store/ when they run, directly or through what they import.
    const runtime = graph(true);
    const reachesStore = new Set(SRC.filter((file) => file.startsWith('src/services/store/')));
    for (let grew = true; grew;) {
      grew = false;
      for (const [file, targets] of runtime)
        if (!reachesStore.has(file) && targets.some((t) => reachesStore.has(t))) grew = !!reachesStore.add(file);
    }
    const found = [...IMPORTS]
      .filter(([file]) => file.startsWith('src/cards/'))
      .flatMap(([file, list]) =>
        list
          .filter(
            (i) => i.target?.startsWith('src/bot/') || (!i.typeOnly && i.target?.startsWith('src/services/') && reachesStore.has(i.target)),
          )
          .map((i) => `${file} -> ${i.target}`),
      );
    assertOnly(
      [...new Set(found)].sort(),
      ALLOWED_CARD_RUNTIME_IMPORTS,
      'src/cards/ imports from src/bot/, or values from a service module that reaches src/services/store/',
      'ALLOWED_CARD_RUNTIME_IMPORTS',
    );
  });

  it('has a bot that goes through the services: no file under src/bot/ but the turn-state storage reaches into the store', () => {
    const found = SRC.filter((file) => file.startsWith('src/bot/') && file !== 'src/bot/storage.ts' && /\.store\./.test(codeOf(file)));
    assertOnly(
      found,
      ALLOWED_BOT_STORE_ACCESS,
      'files under src/bot/ that use the store (`.store.`) rather than a service',
      'ALLOWED_BOT_STORE_ACCESS',
    );
  });

  it('has test files that share fixtures through tests/support/ only: no file imports a *.test.ts', () => {
    const files = [...filesUnder('tests'), ...filesUnder('scripts'), ...filesUnder('bench')];
    const found = files.flatMap((file) =>
      importsOf(file)
        .filter((i) => /\.test(\.ts)?$/.test(i.specifier) || /\.test\.ts$/.test(i.target ?? ''))
        .map((i) => `${file}: ${i.specifier}`),
    );
    assert.deepEqual(found, []);
  });
});
