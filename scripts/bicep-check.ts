/**
 * Checks infra/main.bicep and infra/main.bicepparam without the Bicep CLI (a .NET tool that cannot
 * be installed here): the template is parsed with tree-sitter-bicep's grammar (WebAssembly), the
 * parameter file with a small line parser, and the checks below are ones the Bicep compiler or its
 * linter also makes, so a broken template is caught before an admin runs `az deployment group create`.
 *
 *   npm run bicep:check        infra/main.bicep with main.bicepparam, then every other infra/*.bicep
 *                              (with its own .bicepparam when it has one)
 *   npx tsx scripts/bicep-check.ts template.bicep [params.bicepparam]   (default: infra/main.bicepparam)
 *
 * Template:
 *   - it parses: no syntax error, no missing token, brackets and strings closed; and what the grammar
 *     lets through but Bicep does not: `=` inside an expression, two properties or items on one line
 *     without a comma, two statements on one line, a lambda that is not a function argument, a
 *     decorator with nothing to decorate, an unknown decorator, an unknown targetScope;
 *   - every name used resolves: to a param, var, resource, module, type, func or import of the file,
 *     a `for` variable inside its loop, a lambda or function parameter inside its body, a resource
 *     nested in the body it is declared in, or a built-in function of the `sys` or `az` namespace
 *     (the documented list; `list*` too); a function is called, a param is not; utcNow() and newGuid()
 *     only as a param default; a user function uses only its own parameters; no declaration refers
 *     to itself, directly or through others;
 *   - no name is declared twice (params, vars, resources, modules, types, funcs and imports share one
 *     namespace; outputs have their own), nor an object property twice; `a::b` names a nested resource;
 *   - every resource has a name; `parent:` names a resource (not on a nested one) whose type is the
 *     child type's parent; `dependsOn` lists resources and modules;
 *   - every resource type reads `Provider.Namespace/type[/child]@YYYY-MM-DD[-preview]` with a real date
 *     (a nested resource may give the child segment alone), without interpolation;
 *   - outputs do not expose a @secure() param, a list*() result (listKeys...) or a name with
 *     "password" in it (linter rule outputs-should-not-contain-secrets; here also through vars), unless
 *     the output is @secure() or has `#disable-next-line outputs-should-not-contain-secrets` above it;
 *   - a literal default fits its param's type, @allowed, @minLength/@maxLength and @minValue/@maxValue.
 * Parameter file:
 *   - `using '<template>'` comes first and points at the template; then only `param name = value` and
 *     `var` lines, whose values parse and use only built-in functions and the file's own vars;
 *   - every param is declared in the template and given once; every template param without a
 *     default is given; a literal value fits the param's type and decorators (readEnvironmentVariable
 *     gives a string); a @secure() param comes from readEnvironmentVariable('NAME') (no fallback
 *     written in the file) or getSecret(...), never from text in the file.
 *
 * What it cannot do: this is a syntax and reference check, not a type check. It knows no Azure
 * resource schema, so a misspelt property name, a wrong property type, an api version that does not
 * exist for the type, a property the type does not allow (e.g. on an `existing` resource) or a wrong
 * value for a resource setting all pass; so do expression types beyond literals, module files and
 * their params, and what only Azure decides at deployment (names taken, quotas, permissions).
 * Syntax newer than the grammar (e.g. `extension`, typed lambda parameters) is reported as a syntax
 * error: check such a case with the real Bicep CLI.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, posix, relative, resolve, sep } from 'node:path';
import Parser from 'web-tree-sitter';

type Node = Parser.SyntaxNode;

export interface Problem {
  /** Which file the line is in. */
  file: 'template' | 'params';
  /** 1-based. */
  line: number;
  message: string;
}

// --- what Bicep knows ----------------------------------------------------------------------------
// From learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions and Bicep's
// SystemNamespaceType / AzNamespaceType.

/** Functions of the `sys` namespace. */
const SYS_FUNCTIONS = new Set([
  'any', 'array', 'base64', 'base64ToJson', 'base64ToString', 'bool', 'buildUri', 'cidrHost', 'cidrSubnet',
  'concat', 'contains', 'dataUri', 'dataUriToString', 'dateTimeAdd', 'dateTimeFromEpoch', 'dateTimeToEpoch',
  'empty', 'endsWith', 'fail', 'filter', 'first', 'flatten', 'format', 'groupBy', 'guid', 'indexOf', 'int',
  'intersection', 'items', 'join', 'json', 'last', 'lastIndexOf', 'length', 'loadDirectoryFileInfo',
  'loadFileAsBase64', 'loadJsonContent', 'loadTextContent', 'loadYamlContent', 'map', 'mapValues', 'max',
  'min', 'nameof', 'newGuid', 'objectKeys', 'padLeft', 'parseCidr', 'parseUri', 'range', 'reduce', 'replace',
  'shallowMerge', 'skip', 'sort', 'split', 'startsWith', 'string', 'substring', 'take', 'toLower', 'toObject',
  'toUpper', 'trim', 'union', 'uniqueString', 'uri', 'uriComponent', 'uriComponentToString', 'utcNow',
]);
/** Functions of the `az` namespace (and `list*`, below). */
const AZ_FUNCTIONS = new Set([
  'deployer', 'deployment', 'environment', 'extensionResourceId', 'managementGroup', 'managementGroupResourceId',
  'pickZones', 'providers', 'reference', 'resourceGroup', 'resourceId', 'subscription', 'subscriptionResourceId',
  'tenant', 'tenantResourceId', 'toLogicalZone', 'toLogicalZones', 'toPhysicalZone', 'toPhysicalZones',
]);
/** listKeys, listSecrets, listAccountSas...: on a resource (`stg.listKeys()`) or on its own. */
const LIST_FUNCTION = /^list[a-zA-Z]*$/;
/** Only in a .bicepparam file. */
const PARAM_FILE_FUNCTIONS = new Set(['readEnvironmentVariable', 'getSecret', 'externalInput']);
/** Only as a param's default value (BCP065). */
const DEFAULT_ONLY_FUNCTIONS = new Set(['utcNow', 'newGuid']);
const DECORATORS = new Set([
  'allowed', 'batchSize', 'description', 'discriminator', 'export', 'maxLength', 'maxValue', 'metadata',
  'minLength', 'minValue', 'onlyIfNotExists', 'retryOn', 'sealed', 'secure', 'validate', 'waitUntil',
]);
const NAMESPACES = new Set(['az', 'sys']);
const BUILT_IN_TYPES = new Set(['string', 'int', 'bool', 'object', 'array', 'secureString', 'secureObject']);
const TARGET_SCOPES = new Set(['resourceGroup', 'subscription', 'managementGroup', 'tenant', 'local', 'desiredStateConfiguration']);
/** Provider.Namespace/type[/child...]@YYYY-MM-DD[-preview]. */
const RESOURCE_TYPE = /^([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+)((?:\/[A-Za-z0-9][A-Za-z0-9_-]*)+)@(\d{4})-(\d{2})-(\d{2})(-[A-Za-z]+)?$/;
/** A nested resource may give only its child segment, with or without a version. */
const CHILD_TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]*(@\d{4}-\d{2}-\d{2}(-[A-Za-z]+)?)?$/;
const SECRETS_RULE = 'outputs-should-not-contain-secrets';

// --- the parser ----------------------------------------------------------------------------------

let parser: Promise<Parser> | undefined;

function bicepParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const language = await Parser.Language.load(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm'));
    const p = new Parser();
    p.setLanguage(language);
    return p;
  })();
  return parser;
}

// --- a scanner for brackets, strings, comments and statements ------------------------------------

interface Statement {
  /** 1-based line of the statement's first character. */
  line: number;
  start: number;
  end: number;
  /** The statement with comments blanked out (same length). */
  code: string;
}

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
/** The start of a line that begins a declaration. */
const NEW_DECLARATION = /^(?:(?:param|var|resource|module|output|type|func|metadata|import)\s+[A-Za-z_]|using\s+'|targetScope\s*=)/;

/**
 * Walks Bicep text the way the Bicep lexer does for brackets, strings and comments: names every
 * bracket or string left open or closed by the wrong bracket, and splits the text into statements
 * (a newline outside any bracket or string ends one).
 */
function scan(text: string): { statements: Statement[]; problems: { line: number; message: string }[] } {
  const problems: { line: number; message: string }[] = [];
  const statements: Statement[] = [];
  const code = text.split('');
  const stack: { open: string; line: number; column: number }[] = [];
  let line = 1;
  let lineStart = 0;
  let start = -1;
  let startLine = 0;
  const column = (i: number) => i - lineStart + 1;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (code[k] !== '\n') code[k] = ' ';
  };
  const endStatement = (end: number) => {
    if (start >= 0) statements.push({ line: startLine, start, end, code: code.slice(start, end).join('') });
    start = -1;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const top = stack[stack.length - 1];
    if (top?.open === "'") {
      // inside a one-line string
      if (c === '\\') i += 2;
      else if (c === "'") { stack.pop(); i++; }
      else if (c === '$' && text[i + 1] === '{') { stack.push({ open: '${', line, column: column(i) }); i += 2; }
      else if (c === '\n') {
        problems.push({ line: top.line, message: `the string that starts at column ${top.column} is not closed on its line (a '...' string cannot span lines; use '''...''' for that)` });
        stack.pop();
      } else i++;
      continue;
    }
    if (c === '\n') {
      if (stack.length && NEW_DECLARATION.test(text.slice(i + 1, i + 80))) {
        // A declaration at the start of a line cannot be inside brackets: what is open was never closed.
        for (const left of stack) problems.push({ line: left.line, message: `'${left.open}' at column ${left.column} is never closed (line ${line + 1} starts a new declaration while it is open)` });
        stack.length = 0;
      }
      if (!stack.length) endStatement(i);
      line++;
      lineStart = i + 1;
      i++;
      continue;
    }
    const lineSoFar = text.slice(lineStart, i);
    if ((c === '/' && text[i + 1] === '/') || (c === '#' && !lineSoFar.trim())) {
      // a comment, or a #disable-next-line (diagnostics) line
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) problems.push({ line, message: `the comment that starts at column ${column(i)} (/*) is never closed (*/)` });
      const stop = end < 0 ? text.length : end + 2;
      for (let k = i; k < stop; k++) if (text[k] === '\n') { line++; lineStart = k + 1; }
      blank(i, stop);
      i = stop;
      continue;
    }
    if (/\s/.test(c)) { i++; continue; }
    if (start < 0) { start = i; startLine = line; }
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      if (end < 0) problems.push({ line, message: `the multi-line string that starts at column ${column(i)} (''') is never closed` });
      const stop = end < 0 ? text.length : end + 3;
      for (let k = i; k < stop; k++) if (text[k] === '\n') { line++; lineStart = k + 1; }
      i = stop;
      continue;
    }
    if (c === "'" || c in CLOSERS) {
      stack.push({ open: c, line, column: column(i) });
    } else if (c === ')' || c === ']' || c === '}') {
      if (top?.open === '${' && c === '}') {
        stack.pop(); // back inside the string
      } else if (top && CLOSERS[top.open] === c) {
        stack.pop();
      } else {
        const opener = [...stack].reverse().findIndex((s) => CLOSERS[s.open] === c);
        if (opener < 0) {
          problems.push({ line, message: `'${c}' at column ${column(i)} closes nothing: no '${Object.keys(CLOSERS).find((k) => CLOSERS[k] === c)}' is open here` });
        } else {
          // Everything opened after the matching bracket was left open.
          for (let k = 0; k < opener; k++) {
            const left = stack.pop()!;
            problems.push({ line: left.line, message: `'${left.open}' at column ${left.column} is never closed (the '${c}' on line ${line} closes an earlier one)` });
          }
          stack.pop();
        }
      }
    }
    i++;
  }
  endStatement(text.length);
  for (const left of stack) {
    problems.push({ line: left.line, message: left.open === "'" ? `the string that starts at column ${left.column} is never closed` : `'${left.open}' at column ${left.column} is never closed` });
  }
  return { statements, problems };
}

// --- helpers on the tree -------------------------------------------------------------------------

const lineOf = (node: Node) => node.startPosition.row + 1;
const named = (node: Node) => node.namedChildren.filter((c) => c.type !== 'comment' && c.type !== 'diagnostic_comment');
const firstLine = (text: string) => {
  const one = text.split('\n')[0]!.trim();
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
};

/** The value of a string literal without interpolation, escapes decoded; undefined otherwise. */
function stringValue(node: Node): string | undefined {
  if (node.type !== 'string' || node.namedChildren.some((c) => c.type === 'interpolation')) return undefined;
  const text = node.text;
  if (text.startsWith("'''")) return text.slice(3, -3);
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };
  return text.slice(1, -1).replace(/\\(.)/g, (_m, ch: string) => escapes[ch] ?? ch);
}

type Kind = 'string' | 'int' | 'bool' | 'array' | 'object' | 'null';
interface Literal {
  kind: Kind;
  value?: string | number | boolean;
  length?: number;
  items?: Literal[];
}

/** A value written out in full (a string without interpolation, a number, true/false, null, an array or object of those). */
function literalOf(node: Node): Literal | undefined {
  switch (node.type) {
    case 'string': {
      const value = stringValue(node);
      return value === undefined ? undefined : { kind: 'string', value, length: [...value].length };
    }
    case 'number': return { kind: 'int', value: Number(node.text) };
    case 'boolean': return { kind: 'bool', value: node.text === 'true' };
    case 'null': return { kind: 'null' };
    case 'unary_expression': {
      const inner = named(node)[0];
      return node.child(0)?.type === '-' && inner?.type === 'number' ? { kind: 'int', value: -Number(inner.text) } : undefined;
    }
    case 'array': {
      const items = named(node).filter((c) => c.type !== 'decorators').map(literalOf);
      return items.every((x): x is Literal => x !== undefined) ? { kind: 'array', length: items.length, items } : { kind: 'array', length: items.length };
    }
    case 'object': return { kind: 'object' };
    default: return undefined;
  }
}

const sameLiteral = (a: Literal, b: Literal): boolean =>
  a.kind === b.kind && a.value === b.value && (a.items === undefined || b.items === undefined
    ? a.items === b.items : a.items.length === b.items.length && a.items.every((x, k) => sameLiteral(x, b.items![k]!)));
const show = (l: Literal) => (l.kind === 'string' ? `'${String(l.value)}'` : l.kind === 'null' ? 'null' : l.value === undefined ? `an ${l.kind}` : String(l.value));

/** Edit distance with swapped neighbours counting as one edit (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_v, i) => Array.from({ length: b.length + 1 }, (_w, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

function suggest(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === name.toLowerCase() ? 0 : distance(name, c);
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 4)) ? ` (did you mean \`${best}\`?)` : '';
}

// --- declarations --------------------------------------------------------------------------------

type SymbolKind = 'param' | 'var' | 'resource' | 'module' | 'type' | 'func' | 'import' | 'assert' | 'test';

interface Declared {
  name: string;
  kind: SymbolKind;
  line: number;
  node: Node;
  decorators: Node[];
  /** For a resource: its type without the api version; its body object; resources nested in it. */
  resourceType?: string;
  body?: Node;
  nested?: Map<string, Declared>;
}

interface ParamInfo {
  name: string;
  line: number;
  secure: boolean;
  type?: string;
  hasDefault: boolean;
  decorators: Map<string, Node[]>;
}

/** The decorator's name (`secure` for @secure() and @sys.secure()) and its argument nodes. */
function decoratorParts(decorator: Node): { name: string; nameNode: Node; args: Node[] } | undefined {
  const call = named(decorator)[0];
  if (call?.type !== 'call_expression') return undefined;
  const callee = call.childForFieldName('function');
  const args = call.childForFieldName('arguments');
  if (!callee) return undefined;
  let nameNode = callee;
  if (callee.type === 'member_expression' && callee.childForFieldName('object')?.text === 'sys') nameNode = callee.childForFieldName('property') ?? callee;
  return { name: nameNode.text, nameNode, args: args ? named(args) : [] };
}

/** The `decorators` statements just before a declaration (comments may sit between). */
function decoratorsOf(statement: Node): Node[] {
  const found: Node[] = [];
  let previous = statement.previousNamedSibling;
  while (previous && (previous.type === 'comment' || previous.type === 'diagnostic_comment')) previous = previous.previousNamedSibling;
  if (previous?.type === 'decorators') found.push(...named(previous).filter((d) => d.type === 'decorator'));
  return found;
}

/** A resource's body object (inside `if (...)` or `[for ...]` too). */
function bodyObject(container: Node | undefined): Node | undefined {
  if (!container) return undefined;
  if (container.type === 'object') return container;
  if (container.type === 'if_statement') return named(container).find((c) => c.type === 'object');
  if (container.type === 'for_statement') return bodyObject(container.childForFieldName('body') ?? undefined);
  return undefined;
}

function properties(object: Node): Map<string, { key: Node; value: Node }> {
  const found = new Map<string, { key: Node; value: Node }>();
  for (const p of named(object)) {
    if (p.type !== 'object_property') continue;
    const [key, value] = named(p);
    if (!key || !value || key.type === 'resource_declaration') continue;
    const name = key.type === 'string' ? stringValue(key) : key.text.replace(/\?$/, '');
    if (name !== undefined && !found.has(name)) found.set(name, { key, value });
  }
  return found;
}

const declarationKinds: Record<string, SymbolKind> = {
  parameter_declaration: 'param',
  variable_declaration: 'var',
  resource_declaration: 'resource',
  module_declaration: 'module',
  type_declaration: 'type',
  user_defined_function: 'func',
  assert_statement: 'assert',
  test_block: 'test',
};

// --- the checker ---------------------------------------------------------------------------------

interface Env {
  /** Names declared inside the current expression: loop variables, lambda and function parameters, nested resources. */
  locals: ReadonlyMap<string, Declared | 'local'>;
  /** The top-level declaration being read (for cycles). */
  owner?: Declared;
  inFunction?: boolean;
  inParamDefault?: boolean;
}

class Checker {
  readonly problems: Problem[] = [];
  readonly symbols = new Map<string, Declared>();
  readonly outputs = new Map<string, Node>();
  /** What each identifier (by start index) resolved to. */
  readonly resolved = new Map<number, Declared>();
  readonly dependencies = new Map<Declared, Set<Declared>>();

  constructor(readonly file: Problem['file'], readonly text: string) {}

  problem(line: number, message: string): void {
    this.problems.push({ file: this.file, line, message });
  }

  /** Syntax errors in the tree, and what the grammar accepts but Bicep does not. */
  syntax(root: Node): void {
    const walk = (node: Node) => {
      if (node.isMissing) {
        this.problem(lineOf(node), `syntax error at column ${node.startPosition.column + 1}: expected ${node.type === 'identifier' ? 'a name or type' : `'${node.type}'`} here`);
        return;
      }
      if (node.type === 'ERROR') {
        this.problem(lineOf(node), `syntax error at column ${node.startPosition.column + 1}: cannot read \`${firstLine(node.text)}\``);
        return;
      }
      if (!node.hasError) return;
      for (const child of node.children) walk(child);
    };
    walk(root);
    this.bicepOnlySyntax(root);
  }

  /** Brackets, strings and comments left open or closed by the wrong bracket. */
  brackets(): void {
    for (const problem of scan(this.text).problems) this.problem(problem.line, problem.message);
  }

  /** What the grammar accepts but Bicep does not. */
  bicepOnlySyntax(root: Node): void {
    let previousEnd = -1;
    for (const statement of named(root)) {
      if (statement.type === 'ERROR') continue;
      // (decorators on the declaration's own line are left to Bicep)
      if (statement.startPosition.row === previousEnd && statement.previousNamedSibling?.type !== 'decorators') this.problem(lineOf(statement), `two statements on one line: \`${firstLine(statement.text)}\` must start on a new line`);
      previousEnd = statement.endPosition.row;
      if (statement.type === 'decorators') {
        const next = statement.nextNamedSibling;
        if (!next || !(next.type in declarationKinds || next.type === 'output_declaration' || next.type === 'decorators')) {
          this.problem(lineOf(statement), 'a decorator (@...) must be followed by the declaration it decorates');
        }
      }
      if (statement.type === 'target_scope_assignment') {
        const value = stringValue(named(statement)[0]!);
        if (value === undefined || !TARGET_SCOPES.has(value)) this.problem(lineOf(statement), `targetScope must be one of ${[...TARGET_SCOPES].map((s) => `'${s}'`).join(', ')}`);
      }
    }
    const walk = (node: Node) => {
      if (node.type === 'assignment_expression') {
        this.problem(lineOf(node), `\`=\` inside an expression (\`${firstLine(node.text)}\`): Bicep compares with \`==\``);
      }
      if (node.type === 'lambda_expression' && !this.isArgument(node)) {
        this.problem(lineOf(node), 'a lambda (`x => ...`) may only be written as a function argument, e.g. map(items, x => x.name)');
      }
      if (node.type === 'object' || node.type === 'array') {
        let previous: Node | undefined;
        for (const child of node.children) {
          if (child.type === ',' || child.type === '{' || child.type === '[') { previous = undefined; continue; }
          if (!child.isNamed || child.type === 'comment' || child.type === 'diagnostic_comment' || child.type === 'decorators') continue;
          if (previous && previous.endPosition.row === child.startPosition.row) {
            this.problem(lineOf(child), `\`${firstLine(previous.text)}\` and \`${firstLine(child.text)}\` are on one line without a comma between them`);
          }
          previous = child;
        }
      }
      if (node.type === 'decorator') {
        const parts = decoratorParts(node);
        if (parts && !DECORATORS.has(parts.name)) this.problem(lineOf(node), `unknown decorator @${parts.name}${suggest(parts.name, DECORATORS)}`);
      }
      for (const child of node.namedChildren) walk(child);
    };
    walk(root);
  }

  /** Whether a lambda stands as a function argument (the grammar may wrap it: `x => x.a` reads as `(x => x).a`). */
  isArgument(node: Node): boolean {
    const glue = new Set(['member_expression', 'subscript_expression', 'binary_expression', 'ternary_expression', 'unary_expression', 'lambda_expression', 'call_expression']);
    let up = node.parent;
    while (up && glue.has(up.type)) up = up.parent;
    return up?.type === 'arguments';
  }

  declare(root: Node): void {
    for (const statement of named(root)) {
      const kind = declarationKinds[statement.type];
      if (kind) {
        const nameNode = statement.type === 'user_defined_function' || statement.type === 'assert_statement' ? statement.childForFieldName('name') : named(statement)[0];
        if (nameNode?.type === 'identifier') this.add({ name: nameNode.text, kind, line: lineOf(statement), node: statement, decorators: decoratorsOf(statement) });
      } else if (statement.type === 'output_declaration') {
        const nameNode = named(statement)[0]!;
        const first = this.outputs.get(nameNode.text);
        if (first) this.problem(lineOf(statement), `output \`${nameNode.text}\` is declared twice (first on line ${lineOf(first)})`);
        else this.outputs.set(nameNode.text, statement);
      } else if (statement.type === 'import_functionality' || statement.type === 'import_statement' || statement.type === 'import_with_statement') {
        // `import {a, b as c} from '...'` declares a and c; `import * as ns` and `import 'x' as ns` declare ns.
        const ids = named(statement).filter((c) => c.type === 'identifier');
        const children = statement.children;
        for (const id of ids) {
          const index = children.findIndex((c) => c.startIndex === id.startIndex);
          if (children[index + 1]?.type === 'as') continue; // the original name of `b as c`
          this.add({ name: id.text, kind: 'import', line: lineOf(statement), node: statement, decorators: [] });
        }
      }
    }
    for (const symbol of this.symbols.values()) {
      if (symbol.kind === 'resource') this.describeResource(symbol);
    }
  }

  add(symbol: Declared): void {
    const first = this.symbols.get(symbol.name);
    if (first) {
      this.problem(symbol.line, `\`${symbol.name}\` is declared twice: ${first.kind} on line ${first.line}, ${symbol.kind} here (params, vars, resources, modules, types, functions and imports share one namespace)`);
      return;
    }
    this.symbols.set(symbol.name, symbol);
  }

  describeResource(symbol: Declared, parent?: Declared): void {
    const node = symbol.node;
    const typeNode = named(node).find((c) => c.type === 'string');
    symbol.body = bodyObject(named(node).at(-1));
    if (typeNode) symbol.resourceType = this.resourceType(typeNode, parent);
    symbol.nested = new Map();
    if (!symbol.body) return;
    for (const p of named(symbol.body)) {
      const inner = named(p)[0];
      if (p.type !== 'object_property' || inner?.type !== 'resource_declaration') continue;
      const nameNode = named(inner)[0]!;
      const child: Declared = { name: nameNode.text, kind: 'resource', line: lineOf(inner), node: inner, decorators: [] };
      const first = symbol.nested.get(child.name);
      if (first) this.problem(child.line, `nested resource \`${child.name}\` is declared twice in \`${symbol.name}\` (first on line ${first.line})`);
      else symbol.nested.set(child.name, child);
      this.describeResource(child, symbol);
    }
  }

  /** Checks the type string; returns the type without api version (the parent's type joined for a short child type). */
  resourceType(node: Node, parent?: Declared): string | undefined {
    const line = lineOf(node);
    const text = stringValue(node);
    if (text === undefined) {
      this.problem(line, 'a resource type must be a plain string: no ${...} interpolation');
      return undefined;
    }
    const shape = 'Provider.Namespace/type[/child]@YYYY-MM-DD[-preview]';
    if (parent && CHILD_TYPE.test(text)) {
      const [segment] = text.split('@');
      return parent.resourceType ? `${parent.resourceType}/${segment!}` : undefined;
    }
    const match = RESOURCE_TYPE.exec(text);
    if (!match) {
      const at = text.indexOf('@');
      const why = at < 0 ? 'the @api-version is missing'
        : !/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+\//.test(text) ? 'it does not start with a provider namespace such as Microsoft.KeyVault/'
        : !/^\d{4}-\d{2}-\d{2}(-[A-Za-z]+)?$/.test(text.slice(at + 1)) ? `the api version '${text.slice(at + 1)}' is not YYYY-MM-DD (optionally -preview)`
        : 'the type segments after the namespace are malformed';
      this.problem(line, `resource type '${text}' does not read ${shape}: ${why}`);
      return undefined;
    }
    const [, namespace, types, year, month, day] = match;
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    if (date.getUTCFullYear() !== Number(year) || date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) {
      this.problem(line, `resource type '${text}': ${year}-${month}-${day} is not a real date, so it cannot be an api version`);
    }
    return `${namespace!}${types!}`;
  }

  // --- names ---

  resolveValue(node: Node, env: Env): void {
    const name = node.text;
    const local = env.locals.get(name);
    if (local) {
      if (local !== 'local') {
        this.resolved.set(node.startIndex, local);
        this.depend(env.owner, local);
      }
      return;
    }
    const symbol = this.symbols.get(name);
    if (symbol && symbol.kind !== 'func' && symbol.kind !== 'type') {
      if (env.inFunction && symbol.kind !== 'import') {
        this.problem(lineOf(node), `a user-defined function cannot use the ${symbol.kind} \`${name}\`: it sees only its own parameters`);
        return;
      }
      this.resolved.set(node.startIndex, symbol);
      this.depend(env.owner, symbol);
      return;
    }
    const parent = node.parent;
    if (NAMESPACES.has(name) && parent?.type === 'member_expression' && parent.childForFieldName('object')?.startIndex === node.startIndex) return;
    if (symbol?.kind === 'type') {
      this.problem(lineOf(node), `\`${name}\` is a type, not a value`);
      return;
    }
    if (symbol || this.isFunction(name)) {
      this.problem(lineOf(node), `\`${name}\` is a function: call it, e.g. \`${name}(...)\``);
      return;
    }
    const candidates = [...this.symbols.values()].filter((s) => s.kind !== 'func' && s.kind !== 'type').map((s) => s.name).concat([...env.locals.keys()]);
    this.problem(lineOf(node), `\`${name}\` is not declared: no param, var, resource, module, loop variable or lambda parameter has that name${suggest(name, candidates)}`);
  }

  depend(from: Declared | undefined, on: Declared): void {
    if (!from) return;
    const set = this.dependencies.get(from);
    if (set) set.add(on);
    else this.dependencies.set(from, new Set([on]));
  }

  isFunction(name: string): boolean {
    return SYS_FUNCTIONS.has(name) || AZ_FUNCTIONS.has(name) || LIST_FUNCTION.test(name) || (this.file === 'params' && PARAM_FILE_FUNCTIONS.has(name));
  }

  resolveFunction(node: Node, env: Env, namespace?: string): void {
    const name = node.text;
    const line = lineOf(node);
    if (!namespace) {
      const symbol = this.symbols.get(name);
      if (symbol?.kind === 'func' || symbol?.kind === 'import') {
        this.depend(env.owner, symbol);
        return;
      }
      if (symbol || env.locals.has(name)) {
        this.problem(line, `\`${name}\` is a ${symbol?.kind ?? 'local name'}, not a function${SYS_FUNCTIONS.has(name) || AZ_FUNCTIONS.has(name) ? ` (the built-in is \`${SYS_FUNCTIONS.has(name) ? 'sys' : 'az'}.${name}(...)\`)` : ''}`);
        return;
      }
    }
    const known = namespace === 'sys' ? SYS_FUNCTIONS.has(name)
      : namespace === 'az' ? AZ_FUNCTIONS.has(name) || LIST_FUNCTION.test(name) || (this.file === 'params' && name === 'getSecret')
      : this.isFunction(name);
    if (!known) {
      if (!namespace && PARAM_FILE_FUNCTIONS.has(name)) {
        this.problem(line, `${name}() can only be used in a .bicepparam file`);
        return;
      }
      const pool = namespace === 'sys' ? SYS_FUNCTIONS : namespace === 'az' ? AZ_FUNCTIONS : [...SYS_FUNCTIONS, ...AZ_FUNCTIONS, ...[...this.symbols.values()].filter((s) => s.kind === 'func').map((s) => s.name)];
      const elsewhere = namespace === 'sys' && AZ_FUNCTIONS.has(name) ? ` (it is az.${name})` : namespace === 'az' && SYS_FUNCTIONS.has(name) ? ` (it is sys.${name})` : '';
      this.problem(line, `\`${namespace ? `${namespace}.` : ''}${name}\` is not a function Bicep knows${elsewhere || suggest(name, pool)}`);
      return;
    }
    if (DEFAULT_ONLY_FUNCTIONS.has(name) && !env.inParamDefault) {
      this.problem(line, `${name}() can only be used as a param's default value`);
    }
  }

  resolveType(node: Node): void {
    const symbol = this.symbols.get(node.text);
    if (symbol?.kind === 'type' || symbol?.kind === 'import' || BUILT_IN_TYPES.has(node.text)) return;
    const types = [...this.symbols.values()].filter((s) => s.kind === 'type').map((s) => s.name).concat([...BUILT_IN_TYPES]);
    this.problem(lineOf(node), `type \`${node.text}\` is not declared${suggest(node.text, types)}`);
  }

  // --- the walk ---

  expression(node: Node, env: Env): void {
    switch (node.type) {
      case 'comment':
      case 'diagnostic_comment':
      case 'ERROR':
        return;
      case 'identifier':
        this.resolveValue(node, env);
        return;
      case 'call_expression': {
        const callee = node.childForFieldName('function');
        const args = node.childForFieldName('arguments');
        if (callee?.type === 'identifier') {
          this.resolveFunction(callee, env);
        } else if (callee?.type === 'member_expression') {
          const object = callee.childForFieldName('object');
          const property = callee.childForFieldName('property');
          if (object?.type === 'identifier' && NAMESPACES.has(object.text) && !this.symbols.has(object.text) && !env.locals.has(object.text) && property) {
            this.resolveFunction(property, env, object.text);
          } else if (object) {
            this.expression(object, env); // a resource function such as logs.listKeys(): not checked further
          }
        } else if (callee) {
          this.expression(callee, env);
        }
        if (args) this.expression(args, env);
        return;
      }
      case 'member_expression': {
        const object = node.childForFieldName('object');
        if (object) this.expression(object, env);
        return;
      }
      case 'resource_expression': {
        const object = node.childForFieldName('object');
        const child = node.childForFieldName('resource');
        if (object) this.expression(object, env);
        const owner = object?.type === 'identifier' ? this.resolved.get(object.startIndex) : undefined;
        if (owner?.nested && child && !owner.nested.has(child.text)) {
          this.problem(lineOf(child), `\`${owner.name}\` has no nested resource \`${child.text}\`${suggest(child.text, owner.nested.keys())}`);
        }
        return;
      }
      case 'arguments':
        for (const argument of named(node)) this.expression(argument, { ...env, locals: this.withLambdaParameters(argument, env.locals) });
        return;
      case 'lambda_expression': {
        const [parameters, body] = named(node);
        if (body) this.expression(body, { ...env, locals: this.withNames(env.locals, this.lambdaParameters(parameters)) });
        return;
      }
      case 'for_statement':
        this.forStatement(node, env);
        return;
      case 'object':
        this.object(node, env);
        return;
      case 'decorator': {
        const parts = decoratorParts(node);
        for (const arg of parts?.args ?? []) this.expression(arg, env);
        return;
      }
      default:
        for (const child of named(node)) this.expression(child, env);
    }
  }

  withNames(locals: ReadonlyMap<string, Declared | 'local'>, names: string[]): ReadonlyMap<string, Declared | 'local'> {
    if (!names.length) return locals;
    const next = new Map(locals);
    for (const name of names) next.set(name, 'local');
    return next;
  }

  lambdaParameters(node: Node | undefined): string[] {
    if (!node) return [];
    if (node.type === 'identifier') return [node.text];
    if (node.type === 'parenthesized_expression') return named(node).filter((c) => c.type === 'identifier').map((c) => c.text);
    return [];
  }

  /** The parameters of lambdas in this argument are in scope for all of it (the grammar binds `=>` too tightly). */
  withLambdaParameters(argument: Node, locals: ReadonlyMap<string, Declared | 'local'>): ReadonlyMap<string, Declared | 'local'> {
    const names: string[] = [];
    const walk = (node: Node) => {
      if (node.type === 'arguments') return;
      if (node.type === 'lambda_expression') names.push(...this.lambdaParameters(named(node)[0]));
      for (const child of named(node)) walk(child);
    };
    walk(argument);
    return this.withNames(locals, names);
  }

  forStatement(node: Node, env: Env): void {
    const names: string[] = [];
    const initializer = node.childForFieldName('initializer');
    if (initializer) names.push(initializer.text);
    const parameters = named(node).find((c) => c.type === 'for_loop_parameters');
    if (parameters) names.push(...named(parameters).map((c) => c.text));
    const body = node.childForFieldName('body');
    const inIndex = node.children.findIndex((c) => c.type === 'in');
    const iterable = node.children.slice(inIndex + 1).find((c) => c.isNamed && c.type !== 'comment');
    if (iterable) this.expression(iterable, env);
    if (body) this.expression(body, { ...env, locals: this.withNames(env.locals, names) });
  }

  object(node: Node, env: Env): void {
    const seen = new Map<string, Node>();
    for (const item of named(node)) {
      if (item.type === 'decorators') {
        for (const d of named(item)) this.expression(d, env);
        continue;
      }
      if (item.type !== 'object_property') {
        this.expression(item, env);
        continue;
      }
      const [key, value] = named(item);
      if (key?.type === 'resource_declaration') {
        const nested = this.nestedSymbol(key, env);
        this.resource(key, nested, env);
        continue;
      }
      if (!key) continue;
      const keyName = key.type === 'string' ? stringValue(key) : key.text.replace(/\?$/, '');
      if (keyName !== undefined) {
        const first = seen.get(keyName);
        if (first) this.problem(lineOf(key), `property \`${keyName}\` is set twice in one object (first on line ${lineOf(first)})`);
        else seen.set(keyName, key);
      }
      if (key.type === 'string') this.expression(key, env); // '${identity.id}': {}
      if (value) this.expression(value, env);
    }
  }

  nestedSymbol(node: Node, env: Env): Declared | undefined {
    const name = named(node)[0]?.text ?? '';
    const local = env.locals.get(name);
    return local && local !== 'local' && local.node.startIndex === node.startIndex ? local : undefined;
  }

  /** A resource declaration, top-level or nested. */
  resource(node: Node, symbol: Declared | undefined, env: Env): void {
    const container = named(node).at(-1);
    const isNested = node.parent?.type === 'object_property';
    let locals = env.locals;
    if (symbol?.nested?.size) {
      const next = new Map(locals);
      for (const [name, child] of symbol.nested) next.set(name, child);
      locals = next;
    }
    // What a nested resource's body uses, it uses itself; it depends on the resource it is nested in.
    const owner = isNested && symbol ? symbol : env.owner;
    if (isNested && symbol) this.depend(symbol, env.owner!);
    if (container) this.expression(container, { ...env, locals, owner });
    if (symbol) this.resourceProperties(symbol, isNested, locals);
  }

  resourceProperties(symbol: Declared, isNested: boolean, locals: ReadonlyMap<string, Declared | 'local'>): void {
    const body = symbol.body;
    if (!body) return;
    const props = properties(body);
    const existing = symbol.node.children.some((c) => c.type === 'existing');
    if (!props.has('name')) this.problem(symbol.line, `${existing ? 'existing ' : ''}resource \`${symbol.name}\` has no \`name\``);
    const reference = (value: Node): Declared | undefined => {
      const target = value.type === 'subscript_expression' ? value.childForFieldName('object') : value;
      if (target?.type !== 'identifier') return undefined;
      const local = locals.get(target.text);
      return local && local !== 'local' ? local : this.symbols.get(target.text);
    };
    const parent = props.get('parent');
    if (parent) {
      const target = reference(parent.value);
      const line = lineOf(parent.value);
      if (isNested) {
        this.problem(line, `nested resource \`${symbol.name}\` must not set \`parent\`: the resource it is nested in is its parent`);
      } else if (!target) {
        if (parent.value.type !== 'identifier') this.problem(line, `\`parent\` of \`${symbol.name}\` must name a resource declared in this file`);
      } else if (target.kind !== 'resource') {
        this.problem(line, `\`parent\` of \`${symbol.name}\` must be a resource, but \`${target.name}\` is a ${target.kind}`);
      } else if (symbol.resourceType && target.resourceType) {
        const childType = symbol.resourceType.toLowerCase();
        const parentType = target.resourceType.toLowerCase();
        if (!childType.startsWith(`${parentType}/`) || childType.slice(parentType.length + 1).includes('/')) {
          this.problem(line, `\`${symbol.name}\` (${symbol.resourceType}) cannot have \`${target.name}\` (${target.resourceType}) as its parent: the parent's type must be the child's type without its last segment`);
        }
      }
    }
    const dependsOn = props.get('dependsOn');
    if (dependsOn?.value.type === 'array') {
      for (const item of named(dependsOn.value)) {
        const target = reference(item);
        if (target && target.kind !== 'resource' && target.kind !== 'module') {
          this.problem(lineOf(item), `\`dependsOn\` of \`${symbol.name}\` lists \`${target.name}\`, a ${target.kind}: only resources and modules can be depended on`);
        }
      }
    }
  }

  type(node: Node, env: Env): void {
    switch (node.type) {
      case 'identifier':
        this.resolveType(node);
        return;
      case 'member_expression': {
        const object = node.childForFieldName('object');
        if (object?.type === 'identifier' && !NAMESPACES.has(object.text) && this.symbols.get(object.text)?.kind !== 'import') this.resolveType(object);
        return;
      }
      case 'object':
        for (const item of named(node)) {
          if (item.type === 'decorators') for (const d of named(item)) this.expression(d, env);
          else if (item.type === 'object_property') {
            const value = named(item)[1];
            if (value) this.type(value, env);
          }
        }
        return;
      case 'parameterized_type':
      case 'string':
      case 'number':
      case 'boolean':
      case 'null':
      case 'primitive_type':
        return;
      default:
        for (const child of named(node)) this.type(child, env);
    }
  }

  walk(root: Node): void {
    const none: ReadonlyMap<string, Declared | 'local'> = new Map();
    for (const statement of named(root)) {
      const kind = declarationKinds[statement.type];
      const nameNode = statement.type === 'user_defined_function' || statement.type === 'assert_statement' ? statement.childForFieldName('name') : named(statement)[0];
      const owner = kind && nameNode ? this.symbols.get(nameNode.text) : undefined;
      const mine = owner?.node.startIndex === statement.startIndex ? owner : undefined;
      const env: Env = mine ? { locals: none, owner: mine } : { locals: none };
      for (const d of decoratorsOf(statement)) this.expression(d, env);
      switch (statement.type) {
        case 'parameter_declaration': {
          const [, type, value] = named(statement);
          if (type) this.type(type, env);
          if (value) this.expression(value, { ...env, inParamDefault: true });
          break;
        }
        case 'output_declaration': {
          const [, type, value] = named(statement);
          if (type) this.type(type, env);
          if (value) this.expression(value, env);
          break;
        }
        case 'variable_declaration':
        case 'metadata_declaration':
        case 'assert_statement': {
          const value = named(statement)[1];
          if (value) this.expression(value, env);
          break;
        }
        case 'type_declaration': {
          const value = named(statement)[1];
          if (value) this.type(value, env);
          break;
        }
        case 'user_defined_function': {
          const parameters = named(statement).find((c) => c.type === 'parameters');
          const names: string[] = [];
          for (const p of parameters ? named(parameters) : []) {
            const [id, type] = named(p);
            if (id) names.push(id.text);
            if (type) this.type(type, env);
          }
          const returns = statement.childForFieldName('returns');
          if (returns) this.type(returns, env);
          const body = named(statement).at(-1);
          if (body && body !== returns) this.expression(body, { ...env, inFunction: true, locals: this.withNames(none, names) });
          break;
        }
        case 'resource_declaration':
          this.resource(statement, mine, env);
          break;
        case 'module_declaration':
        case 'test_block': {
          const container = named(statement).at(-1);
          if (container && container.type !== 'string') this.expression(container, env);
          break;
        }
        default:
          break;
      }
    }
  }

  /** A declaration that refers to itself, directly or through others (BCP079/BCP080). */
  cycles(): void {
    const state = new Map<Declared, 'open' | 'done'>();
    const path: Declared[] = [];
    const reported = new Set<string>();
    const visit = (symbol: Declared) => {
      state.set(symbol, 'open');
      path.push(symbol);
      for (const next of this.dependencies.get(symbol) ?? []) {
        if (state.get(next) === 'open') {
          const cycle = path.slice(path.indexOf(next));
          const key = cycle.map((s) => s.name).sort().join(',');
          if (!reported.has(key)) {
            reported.add(key);
            this.problem(next.line, cycle.length === 1
              ? `\`${next.name}\` refers to itself`
              : `\`${next.name}\` refers to itself through ${cycle.slice(1).map((s) => `\`${s.name}\``).join(' -> ')} (a cycle)`);
          }
        } else if (!state.has(next)) {
          visit(next);
        }
      }
      path.pop();
      state.set(symbol, 'done');
    };
    for (const symbol of this.symbols.values()) if (!state.has(symbol)) visit(symbol);
  }

  params(): Map<string, ParamInfo> {
    const found = new Map<string, ParamInfo>();
    for (const symbol of this.symbols.values()) {
      if (symbol.kind !== 'param') continue;
      const [, type, value] = named(symbol.node);
      const decorators = new Map<string, Node[]>();
      for (const d of symbol.decorators) {
        const parts = decoratorParts(d);
        if (parts) decorators.set(parts.name, parts.args);
      }
      const typeName = type?.text;
      found.set(symbol.name, {
        name: symbol.name,
        line: symbol.line,
        secure: decorators.has('secure') || typeName === 'secureString' || typeName === 'secureObject',
        type: typeName === 'secureString' ? 'string' : typeName === 'secureObject' ? 'object' : typeName,
        hasDefault: value !== undefined || typeName?.endsWith('?') === true,
        decorators,
      });
      if (value) this.problems.push(...valueProblems(found.get(symbol.name)!, value, 'template', 'its default'));
    }
    return found;
  }

  /** Outputs that expose a secret (linter rule outputs-should-not-contain-secrets, here also through vars). */
  secrets(params: Map<string, ParamInfo>): void {
    const lines = this.text.split('\n');
    for (const [name, output] of this.outputs) {
      const decorators = decoratorsOf(output);
      if (decorators.some((d) => decoratorParts(d)?.name === 'secure')) continue;
      const firstRow = decorators.length ? Math.min(...decorators.map((d) => d.startPosition.row)) : output.startPosition.row;
      const suppressed = [firstRow, output.startPosition.row].some((row) => new RegExp(`^\\s*#disable-next-line\\b.*\\b${SECRETS_RULE}\\b`).test(lines[row - 1] ?? ''));
      if (suppressed) continue;
      const line = lineOf(output);
      if (/password/i.test(name)) this.problem(line, `output \`${name}\` has "password" in its name: outputs are stored in the deployment history in plain text (${SECRETS_RULE})`);
      const value = named(output)[2];
      if (!value) continue;
      for (const found of this.findSecrets(value, params, [], new Set())) {
        this.problem(line, `output \`${name}\` exposes ${found}: outputs are stored in the deployment history in plain text; mark it @secure() or leave it out (${SECRETS_RULE})`);
      }
    }
  }

  findSecrets(node: Node, params: Map<string, ParamInfo>, via: string[], seen: Set<Declared>): string[] {
    const found: string[] = [];
    const through = via.length ? ` through ${via.map((v) => `var \`${v}\``).join(' -> ')}` : '';
    const walk = (n: Node) => {
      if (n.type === 'identifier') {
        const symbol = this.resolved.get(n.startIndex);
        if (symbol?.kind === 'param' && params.get(symbol.name)?.secure) found.push(`the secure param \`${symbol.name}\`${through}`);
        if (symbol?.kind === 'var' && !seen.has(symbol)) {
          seen.add(symbol);
          const value = named(symbol.node)[1];
          if (value) found.push(...this.findSecrets(value, params, [...via, symbol.name], seen));
        }
      }
      if (n.type === 'call_expression') {
        const callee = n.childForFieldName('function');
        const listName = callee?.type === 'identifier' ? callee.text : callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text : undefined;
        const object = callee?.type === 'member_expression' ? callee.childForFieldName('object') : undefined;
        const onResource = !object || object.text === 'az' || (object.type === 'identifier' && this.resolved.get(object.startIndex)?.kind === 'resource');
        if (listName && LIST_FUNCTION.test(listName) && onResource && !(callee?.type === 'identifier' && this.symbols.has(listName))) {
          found.push(`the result of ${listName}()${through}`);
        }
      }
      for (const child of named(n)) walk(child);
    };
    walk(node);
    return found;
  }
}

/** A value for a param checked against its type and decorators, as far as the value is written out. */
function valueProblems(param: ParamInfo, value: Node, file: Problem['file'], what: string): Problem[] {
  const problems: Problem[] = [];
  const line = lineOf(value);
  const say = (message: string) => problems.push({ file, line, message: `param \`${param.name}\`: ${what} ${message}` });
  const literal = literalOf(value);
  const kind = literal?.kind ?? kindOf(value);
  const type = param.type?.replace(/\?$/, '');
  if (kind && type && ['string', 'int', 'bool', 'array', 'object'].includes(type) && kind !== type && !(kind === 'null' && param.type?.endsWith('?'))) {
    say(`is ${kind === 'int' ? 'an' : 'a'} ${kind}, but the param is ${type === 'int' || type === 'array' || type === 'object' ? 'an' : 'a'} ${type}${kind === 'string' && type !== 'string' ? ` (e.g. ${type}(readEnvironmentVariable(...)) converts)` : ''}`);
    return problems;
  }
  if (!literal) return problems;
  const number = (name: string) => {
    const arg = param.decorators.get(name)?.[0];
    const l = arg ? literalOf(arg) : undefined;
    return typeof l?.value === 'number' ? l.value : undefined;
  };
  const allowed = param.decorators.get('allowed')?.[0];
  const options = allowed ? literalOf(allowed)?.items : undefined;
  if (options && !options.some((o) => sameLiteral(o, literal))) say(`${show(literal)} is not one of @allowed: ${options.map(show).join(', ')}`);
  const [minLength, maxLength, minValue, maxValue] = [number('minLength'), number('maxLength'), number('minValue'), number('maxValue')];
  if (literal.length !== undefined && minLength !== undefined && literal.length < minLength) say(`${show(literal)} is shorter than @minLength(${minLength})`);
  if (literal.length !== undefined && maxLength !== undefined && literal.length > maxLength) say(`${show(literal)} is longer than @maxLength(${maxLength})`);
  if (typeof literal.value === 'number' && minValue !== undefined && literal.value < minValue) say(`${literal.value} is below @minValue(${minValue})`);
  if (typeof literal.value === 'number' && maxValue !== undefined && literal.value > maxValue) say(`${literal.value} is above @maxValue(${maxValue})`);
  return problems;
}

/** The type of a value that is not a literal, where it is plain: interpolated strings and conversion functions. */
function kindOf(node: Node): Kind | undefined {
  if (node.type === 'string') return 'string';
  if (node.type !== 'call_expression') return undefined;
  const callee = node.childForFieldName('function');
  const name = callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text : callee?.text;
  const kinds: Record<string, Kind> = { readEnvironmentVariable: 'string', string: 'string', int: 'int', bool: 'bool', array: 'array', format: 'string', toLower: 'string', toUpper: 'string', uniqueString: 'string', guid: 'string' };
  return name ? kinds[name] : undefined;
}

// --- the parameter file --------------------------------------------------------------------------

const IDENTIFIER = '[A-Za-z_][A-Za-z0-9_]*';

function checkParams(paramText: string, params: Map<string, ParamInfo>, expectedUsing: string, parse: (text: string) => Parser.Tree): Problem[] {
  const checker = new Checker('params', paramText);
  const say = (line: number, message: string) => checker.problem(line, message);
  checker.brackets();

  // Each param and var statement is parsed on its own (so one broken line does not hide the rest),
  // in place: everything else blanked, `param` read as `var` (same length), so lines and columns hold.
  const statements: { line: number; kind: 'param' | 'var'; name: string; root: Node }[] = [];
  const alone = (s: Statement, keyword?: string) => {
    let text = paramText.slice(0, s.start).replace(/[^\n]/g, ' ') + paramText.slice(s.start, s.end);
    if (keyword) text = text.slice(0, s.start) + keyword + text.slice(s.start + keyword.length);
    return parse(text).rootNode;
  };
  let using: Statement | undefined;
  const malformed = new Map<string, number>(); // param lines too broken to read a value from
  scan(paramText).statements.forEach((s, index) => {
    const code = s.code.trim();
    const word = /^([A-Za-z]+)/.exec(code)?.[1];
    if (word === 'using') {
      if (using) say(s.line, `a second \`using\` (the first is on line ${using.line})`);
      else if (index !== 0) say(s.line, '`using` must come before everything else');
      using ??= s;
      const target = /^using\s+'([^'\\$]*)'$/.exec(code)?.[1];
      if (target === undefined) say(s.line, "`using` must name the template as a plain string, e.g. using './main.bicep'");
      else if (posix.normalize(target) !== posix.normalize(expectedUsing)) say(s.line, `\`using '${target}'\` does not point at the template (${expectedUsing})`);
    } else if (word === 'param' || word === 'var') {
      const name = new RegExp(`^${word}\\s+(${IDENTIFIER})\\s*=`).exec(code)?.[1];
      if (name === undefined) {
        say(s.line, word === 'param'
          ? `a param line reads \`param <name> = <value>\` (no type: the template declares it): \`${firstLine(code)}\``
          : `a var line reads \`var <name> = <value>\`: \`${firstLine(code)}\``);
        const paramName = new RegExp(`^param\\s+(${IDENTIFIER})`).exec(code)?.[1];
        if (paramName) malformed.set(paramName, s.line);
        return;
      }
      statements.push({ line: s.line, kind: word, name, root: alone(s, word === 'param' ? 'var  ' : undefined) });
    } else {
      say(s.line, `a .bicepparam file holds \`using\`, \`param\` and \`var\` lines only: \`${firstLine(code)}\``);
    }
  });
  if (!using) say(1, `no \`using '${expectedUsing}'\` line: the file does not say which template it is for`);

  const given = new Map<string, { line: number; value?: Node }>([...malformed].map(([name, line]) => [name, { line }]));
  const vars = new Map<string, Node>();
  for (const { line, kind, name, root } of statements) {
    checker.syntax(root);
    const declaration = named(root).find((c) => c.type === 'variable_declaration');
    const value = declaration ? named(declaration)[1] : undefined;
    if (kind === 'var') {
      if (declaration) checker.add({ name, kind: 'var', line, node: declaration, decorators: [] });
      if (value) vars.set(name, value);
      continue;
    }
    const first = given.get(name);
    if (first) say(line, `param \`${name}\` is given twice (first on line ${first.line})`);
    else given.set(name, value ? { line, value } : { line });
  }
  for (const { root } of statements) checker.walk(root); // values use built-in functions and the file's own vars

  const readsSecret = (value: Node, seen: Set<string>): boolean | 'fallback' => {
    if (value.type === 'identifier' && vars.has(value.text) && !seen.has(value.text)) return readsSecret(vars.get(value.text)!, new Set([...seen, value.text]));
    if (value.type !== 'call_expression') return false;
    const callee = value.childForFieldName('function');
    const name = callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text : callee?.text;
    const args = named(value.childForFieldName('arguments') ?? value);
    if (name === 'readEnvironmentVariable') return args.length === 1 ? true : 'fallback';
    return name === 'getSecret' || name === 'externalInput';
  };
  const problems = checker.problems;
  for (const [name, { line, value }] of given) {
    const param = params.get(name);
    if (!param) {
      say(line, `param \`${name}\` is not declared in the template${suggest(name, params.keys())}`);
      continue;
    }
    if (!value) continue; // a syntax error, reported above
    if (param.secure) {
      const ok = readsSecret(value, new Set());
      if (ok === 'fallback') say(line, `secure param \`${name}\` falls back to a value written in this file: give readEnvironmentVariable('...') one argument`);
      else if (!ok) say(line, `secure param \`${name}\` must come from readEnvironmentVariable('...') or getSecret(...), never from text written in this file`);
    }
    problems.push(...valueProblems(param, value, 'params', 'the value'));
  }
  for (const param of params.values()) {
    if (!param.hasDefault && !given.has(param.name)) {
      say(using?.line ?? 1, `param \`${param.name}\` (template line ${param.line}) has no default value and is not given here`);
    }
  }
  return problems;
}

// --- the check -----------------------------------------------------------------------------------

/**
 * Checks a Bicep template and (optionally) its parameter file. `using` is the path the parameter
 * file's `using` line must name (relative to the parameter file).
 */
export async function checkBicep(templateText: string, paramText?: string, options: { using?: string } = {}): Promise<Problem[]> {
  const p = await bicepParser();
  const trees: Parser.Tree[] = [];
  const parse = (text: string) => {
    const t = p.parse(text);
    trees.push(t);
    return t;
  };
  try {
    const root = parse(templateText).rootNode;
    const checker = new Checker('template', templateText);
    checker.brackets();
    checker.syntax(root);
    checker.declare(root);
    checker.walk(root);
    checker.cycles();
    const params = checker.params();
    checker.secrets(params);
    const problems = [...checker.problems];
    if (paramText !== undefined) problems.push(...checkParams(paramText, params, options.using ?? './main.bicep', parse));
    return problems.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file === 'template' ? -1 : 1));
  } finally {
    for (const t of trees) t.delete();
  }
}

/** With no arguments: infra/main.bicep with its parameter file, then every other template in infra/, each with its .bicepparam when it has one. */
function filesToCheck(args: string[]): [string, string | undefined][] {
  if (args.length) return [[args[0]!, args[1] ?? 'infra/main.bicepparam']];
  const others = readdirSync('infra').filter((f) => f.endsWith('.bicep') && f !== 'main.bicep').sort();
  return [
    ['infra/main.bicep', 'infra/main.bicepparam'],
    ...others.map((f): [string, string | undefined] => {
      const paramFile = `infra/${f.replace(/\.bicep$/, '.bicepparam')}`;
      return [`infra/${f}`, existsSync(paramFile) ? paramFile : undefined];
    }),
  ];
}

async function main(): Promise<number> {
  let count = 0;
  for (const [templateFile, paramFile] of filesToCheck(process.argv.slice(2))) {
    const using = paramFile ? relative(dirname(resolve(paramFile)), resolve(templateFile)).split(sep).join('/') : '';
    const problems = await checkBicep(readFileSync(templateFile, 'utf8'), paramFile ? readFileSync(paramFile, 'utf8') : undefined, { using: using.startsWith('.') ? using : `./${using}` });
    if (!problems.length) {
      console.log(`ok: ${templateFile}${paramFile ? ` and ${paramFile}` : ''} pass${paramFile ? '' : 'es'} the syntax and reference checks (not a type check against Azure's resource schemas)`);
      continue;
    }
    for (const p of problems) console.error(`${p.file === 'template' ? templateFile : paramFile}:${p.line}: ${p.message}`);
    count += problems.length;
  }
  if (!count) return 0;
  console.error(`${count} problem${count === 1 ? '' : 's'}`);
  return 1;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
