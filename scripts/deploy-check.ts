/**
 * `npm run deploy:check`: checks the container image as far as it can be checked without Docker,
 * by following the Dockerfile itself (not a copy of its steps).
 *
 * Every stage gets an empty folder that stands for its `/`: COPY takes git-tracked files only
 * (less .dockerignore), or files from an earlier stage's folder; RUN runs there with this
 * machine's node and npm; apt-get is skipped. The last stage is then started the way the image
 * starts: its CMD, its ENV, as an unprivileged user (a throwaway system user stands in for the
 * image's `node`), with the HEALTHCHECK command, /readyz, write permissions and SIGTERM checked;
 * again on PostgreSQL when one is reachable (127.0.0.1:5432, or VARNA_TEST_PG_URL).
 *
 * Takes a few minutes (a full `npm ci`); not part of `npm test`. Exit code 1 on any failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync, closeSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync,
  readFileSync, readdirSync, rmSync, statSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';
import { Client } from 'pg';
import { check, freePort, note, productionSecrets, skipped, summary as checkSummary } from './checks';

const REPO = join(__dirname, '..');
const DOCKERFILE = join(REPO, 'Dockerfile');
/** Stands in for the image's non-root user on this machine; removed at the end. */
const STAND_IN_USER = 'varna-deploy-check';
/** A clean stop must not take longer than this (the platform kills after its own grace period). */
const STOP_SECONDS = 10;

// ---- the Dockerfile ---------------------------------------------------------------------------

type Instruction =
  | { line: number; kind: 'FROM'; image: string; name?: string }
  | { line: number; kind: 'WORKDIR'; path: string }
  | { line: number; kind: 'COPY'; from?: string; chown?: string; sources: string[]; dest: string }
  | { line: number; kind: 'RUN'; command: string }
  | { line: number; kind: 'ENV'; vars: [string, string][] }
  | { line: number; kind: 'USER'; user: string }
  | { line: number; kind: 'EXPOSE'; ports: number[] }
  | { line: number; kind: 'HEALTHCHECK'; options: Record<string, string>; cmd: string[] }
  | { line: number; kind: 'CMD'; cmd: string[] };

class DockerfileError extends Error {
  constructor(line: number, message: string) {
    super(`Dockerfile line ${line}: ${message}`);
  }
}

/** Splits shell-like words: whitespace separates, quotes group (and are removed). */
function words(text: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current ??= '';
    } else if (/\s/.test(ch)) {
      if (current !== undefined) out.push(current);
      current = undefined;
    } else {
      current = (current ?? '') + ch;
    }
  }
  if (current !== undefined) out.push(current);
  return out;
}

function jsonArray(text: string, line: number, what: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DockerfileError(line, `${what} must be in exec form (a JSON array); shell form is not checked here`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((p) => typeof p === 'string'))
    throw new DockerfileError(line, `${what} must be a non-empty JSON array of strings`);
  return parsed;
}

/** Leading `--name=value` flags, and what follows them. */
function flags(parts: string[]): { options: Record<string, string>; rest: string[] } {
  const options: Record<string, string> = {};
  let i = 0;
  for (; i < parts.length && parts[i]!.startsWith('--'); i++) {
    const [name, ...value] = parts[i]!.slice(2).split('=');
    options[name!] = value.join('=');
  }
  return { options, rest: parts.slice(i) };
}

/** The instructions, with `\` continuations joined and comment lines dropped, as Docker does. */
export function parseDockerfile(text: string): Instruction[] {
  const logical: { line: number; text: string }[] = [];
  let pending: { line: number; text: string } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    // Comment lines and empty lines are dropped, also inside a continuation.
    if (/^\s*#/.test(line) || !line.trim()) return;
    if (pending) pending.text += line;
    else pending = { line: i + 1, text: line };
    if (pending.text.endsWith('\\')) pending.text = pending.text.slice(0, -1);
    else {
      logical.push(pending);
      pending = undefined;
    }
  });
  if (pending) throw new DockerfileError(pending.line, 'the last instruction ends with a continuation `\\`');

  return logical.map(({ line, text: l }): Instruction => {
    const match = /^\s*(\S+)\s*(.*)$/s.exec(l)!;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    const parts = words(args);
    switch (keyword) {
      case 'FROM': {
        const [image, as, name, ...extra] = flags(parts).rest;
        if (!image || extra.length || (as !== undefined && (as.toUpperCase() !== 'AS' || !name)))
          throw new DockerfileError(line, `FROM not understood: ${args}`);
        return name ? { line, kind: 'FROM', image, name } : { line, kind: 'FROM', image };
      }
      case 'WORKDIR':
        if (parts.length !== 1) throw new DockerfileError(line, 'WORKDIR takes one path');
        return { line, kind: 'WORKDIR', path: parts[0]! };
      case 'COPY': {
        if (args.startsWith('[')) throw new DockerfileError(line, 'COPY in JSON form is not supported by this check');
        const { options, rest } = flags(parts);
        const unknown = Object.keys(options).filter((o) => o !== 'from' && o !== 'chown');
        if (unknown.length) throw new DockerfileError(line, `COPY --${unknown.join(', --')} is not supported by this check`);
        if (rest.length < 2) throw new DockerfileError(line, 'COPY needs a source and a destination');
        const copy: Instruction = { line, kind: 'COPY', sources: rest.slice(0, -1), dest: rest.at(-1)! };
        if (options.from !== undefined) copy.from = options.from;
        if (options.chown !== undefined) copy.chown = options.chown;
        return copy;
      }
      case 'RUN':
        if (args.startsWith('[')) throw new DockerfileError(line, 'RUN in exec form is not supported by this check');
        if (args.startsWith('--')) throw new DockerfileError(line, 'RUN flags (--mount, --network) are not supported by this check');
        return { line, kind: 'RUN', command: args };
      case 'ENV': {
        if (parts.length === 0) throw new DockerfileError(line, 'ENV without a variable');
        // The legacy form `ENV NAME value with spaces`.
        if (!parts[0]!.includes('=')) return { line, kind: 'ENV', vars: [[parts[0]!, parts.slice(1).join(' ')]] };
        return {
          line,
          kind: 'ENV',
          vars: parts.map((p): [string, string] => {
            const at = p.indexOf('=');
            if (at < 1) throw new DockerfileError(line, `ENV entry not understood: ${p}`);
            return [p.slice(0, at), p.slice(at + 1)];
          }),
        };
      }
      case 'USER':
        if (parts.length !== 1) throw new DockerfileError(line, 'USER takes one name');
        return { line, kind: 'USER', user: parts[0]! };
      case 'EXPOSE':
        return {
          line,
          kind: 'EXPOSE',
          ports: parts.map((p) => {
            const port = Number(p.replace(/\/tcp$/, ''));
            if (!Number.isInteger(port)) throw new DockerfileError(line, `EXPOSE ${p} not understood`);
            return port;
          }),
        };
      case 'HEALTHCHECK': {
        if (/^NONE$/i.test(args)) throw new DockerfileError(line, 'HEALTHCHECK NONE: the image has no health check');
        const { options, rest } = flags(parts);
        if (rest[0]?.toUpperCase() !== 'CMD') throw new DockerfileError(line, 'HEALTHCHECK needs CMD');
        return { line, kind: 'HEALTHCHECK', options, cmd: jsonArray(args.slice(args.search(/\bCMD\b/i) + 3).trim(), line, 'HEALTHCHECK CMD') };
      }
      case 'CMD':
        // Shell form would make /bin/sh PID 1, and SIGTERM would not reach node.
        return { line, kind: 'CMD', cmd: jsonArray(args, line, 'CMD') };
      default:
        throw new DockerfileError(line, `${keyword} is not an instruction this check knows; teach scripts/deploy-check.ts what it means`);
    }
  });
}

/** `30s`, `1m30s`, `500ms` in seconds. */
function seconds(duration: string | undefined, fallback: number): number {
  if (!duration) return fallback;
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'];
  return total || fallback;
}

// ---- the build context: git-tracked files, less .dockerignore ---------------------------------

function dockerignore(): RegExp[] {
  const file = join(REPO, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((pattern) => {
      if (pattern.startsWith('!') || pattern.includes('**'))
        throw new Error(`.dockerignore: ${pattern}: '!' and '**' are not supported by this check`);
      const glob = posix.normalize(pattern.replace(/^\/+/, '')).replace(/\/+$/, '');
      const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
      // A pattern names a path from the context root; a matched folder excludes all under it.
      return new RegExp(`^${body}(/|$)`);
    });
}

function buildContext(): Set<string> {
  const git = spawnSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' });
  if (git.status !== 0) throw new Error(`git ls-files failed: ${git.stderr}`);
  const ignored = dockerignore();
  return new Set(git.stdout.split('\0').filter((f) => f && existsSync(join(REPO, f)) && !ignored.some((re) => re.test(f))));
}

// ---- stages -----------------------------------------------------------------------------------

interface Stage {
  index: number;
  name?: string;
  image: string;
  /** The folder that stands for the stage's `/`. */
  root: string;
  workdir: string;
  /** Image folders that RUN commands and ENV values may name (the WORKDIRs). */
  known: Set<string>;
  env: Map<string, string>;
  user: string;
  expose: number[];
  healthcheck?: { options: Record<string, string>; cmd: string[] };
  cmd?: string[];
}

interface Host {
  /** Image user name -> this machine's user, for USER, COPY --chown and chown in RUN. */
  users: Map<string, { name: string; uid: number; gid: number }>;
  /** Whether users can be switched (root): otherwise ownership and permissions are not checked. */
  root: boolean;
  createdUser: boolean;
}

/** An image path (absolute, or relative to WORKDIR) as a path under the stage's folder. */
function onHost(stage: Stage, imagePath: string): string {
  return join(stage.root, posix.resolve(stage.workdir, imagePath));
}

/** Rewrites the image folders a command or value names (`/app/data` -> `<root>/app/data`). */
function rewritePaths(stage: Stage, text: string): string {
  let out = text;
  for (const dir of [...stage.known].sort((a, b) => b.length - a.length)) {
    const escaped = dir.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
    out = out.replace(new RegExp(`(^|[\\s=:'",])${escaped}(?=[/\\s'",]|$)`, 'g'), `$1${stage.root}${dir}`);
  }
  return out;
}

function hostUser(host: Host, imageUser: string, line: number): { name: string; uid: number; gid: number } {
  const user = host.users.get(imageUser.split(':')[0]!);
  if (!user) throw new DockerfileError(line, `user ${imageUser} is not one this check can stand in for`);
  return user;
}

/** `a && b && c` split at the top level (not inside quotes). */
function commands(command: string): string[] {
  const out: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '&' && command[i + 1] === '&') {
      out.push(command.slice(start, i).trim());
      start = i + 2;
      i++;
    } else if (ch === ';' || ch === '|') {
      throw new Error(`RUN ${command}: only commands joined by && are supported by this check`);
    }
  }
  out.push(command.slice(start).trim());
  return out;
}

/** apt-get and the removal of its lists: the base image's package manager, not run here. */
const APT = /^(apt-get\s|rm\s+-rf\s+\/var\/lib\/apt\/lists\/)/;

/** The environment of a process in the stage: PATH and HOME of this machine (its node, npm and npm cache) and the stage's ENV. */
function stageEnv(stage: Stage, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
  for (const [k, v] of stage.env) env[k] = rewritePaths(stage, v);
  return { ...env, ...extra };
}

function asUser(host: Host, user: { uid: number; gid: number }, argv: string[]): string[] {
  if (!host.root || user.uid === 0) return argv;
  return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', ...argv];
}

function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv, logFile: string): Promise<number> {
  const fd = openSync(logFile, 'a');
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', fd, fd] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      closeSync(fd);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `          | ${l}`).join('\n');
}

function chownTree(path: string, user: { uid: number; gid: number }): void {
  const res = spawnSync('chown', ['-R', '--no-dereference', `${user.uid}:${user.gid}`, path]);
  if (res.status !== 0) throw new Error(`chown ${path}: ${String(res.stderr)}`);
}

function copy(step: Extract<Instruction, { kind: 'COPY' }>, stage: Stage, stages: Stage[], context: Set<string>, host: Host): void {
  const dest = onHost(stage, step.dest);
  const intoDir = step.dest.endsWith('/') || step.sources.length > 1;
  const from = step.from === undefined ? undefined : stages.find((s) => s.name === step.from || String(s.index) === step.from);
  if (step.from !== undefined && !from) throw new DockerfileError(step.line, `COPY --from=${step.from}: no earlier stage of that name`);
  const written: string[] = [];
  for (const source of step.sources) {
    if (/[*?[]/.test(source)) throw new DockerfileError(step.line, `COPY ${source}: wildcards are not supported by this check`);
    const target = intoDir ? join(dest, basename(source)) : dest;
    if (from) {
      // --from sources are paths in that stage's filesystem.
      const src = join(from.root, posix.resolve('/', source));
      if (!existsSync(src)) throw new DockerfileError(step.line, `COPY --from=${step.from} ${source}: not in that stage`);
      const isDir = statSync(src).isDirectory();
      const to = isDir ? dest : target;
      cpSync(src, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      written.push(to);
    } else {
      const normalized = posix.normalize(source).replace(/\/+$/, '');
      const rel = normalized === '.' ? '' : normalized;
      if (rel.startsWith('..')) throw new DockerfileError(step.line, `COPY ${source}: outside the build context`);
      if (context.has(rel)) {
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(join(REPO, rel), target);
        written.push(target);
      } else {
        const files = [...context].filter((f) => rel === '' || f.startsWith(`${rel}/`));
        if (files.length === 0)
          throw new DockerfileError(step.line, `COPY ${source}: not in the build context (not tracked by git, or excluded by .dockerignore)`);
        // A folder's contents go into the destination.
        for (const f of files) {
          const to = join(dest, rel === '' ? f : f.slice(rel.length + 1));
          mkdirSync(dirname(to), { recursive: true });
          copyFileSync(join(REPO, f), to);
        }
        written.push(dest);
      }
    }
  }
  // COPY makes its files root's unless --chown says otherwise.
  if (host.root) {
    const owner = step.chown === undefined ? host.users.get('root')! : hostUser(host, step.chown, step.line);
    for (const path of written) chownTree(path, owner);
  }
}

async function runStep(step: Extract<Instruction, { kind: 'RUN' }>, stage: Stage, host: Host, logFile: string): Promise<void> {
  const parts = commands(step.command);
  const apt = parts.filter((p) => APT.test(p));
  if (apt.length === parts.length) {
    skipped.push(`line ${step.line}: ${step.command.replace(/\s+/g, ' ')}`);
    note(`RUN (line ${step.line}) skipped: apt-get, the base image's package manager; this machine's python3, make and g++ stand in`);
    return;
  }
  if (apt.length) throw new DockerfileError(step.line, 'RUN mixes apt-get with other commands; keep them in separate RUN steps so this check can skip apt-get only');
  const rewritten = parts.map((part) => {
    let p = rewritePaths(stage, part);
    // chown to an image user: to the user standing in for it here.
    const chown = /^chown\s+((?:-\S+\s+)*)(\S+)/.exec(p);
    if (chown) {
      const [user, group] = chown[2]!.split(':');
      const u = hostUser(host, user!, step.line);
      const g = group === undefined ? '' : `:${hostUser(host, group, step.line).name}`;
      p = p.replace(chown[0], `chown ${chown[1]}${u.name}${g}`);
    }
    const outside = p.split(/\s+/).find((w) => w.startsWith('/') && !w.startsWith(stage.root) && w !== '/dev/null');
    if (outside) throw new DockerfileError(step.line, `RUN names ${outside}, outside the image folders this check maps (${[...stage.known].join(', ')})`);
    return p;
  });
  const user = hostUser(host, stage.user, step.line);
  const started = Date.now();
  const code = await run(asUser(host, user, ['/bin/sh', '-c', rewritten.join(' && ')]), onHost(stage, stage.workdir), stageEnv(stage), logFile);
  const took = `${Math.round((Date.now() - started) / 1000)} s`;
  if (!check(code === 0, `RUN (line ${step.line}) ${step.command.replace(/\s+/g, ' ')}`, code === 0 ? took : `exit ${code}\n${tail(logFile)}`))
    throw new Error(`RUN on line ${step.line} failed`);
}

async function buildStages(instructions: Instruction[], tmp: string, host: Host): Promise<Stage[]> {
  const context = buildContext();
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const step of instructions) {
    if (step.kind === 'FROM') {
      const index = stages.length;
      const root = join(tmp, step.name ?? `stage-${index}`);
      mkdirSync(root, { mode: 0o755 });
      stage = { index, image: step.image, root, workdir: '/', known: new Set(), env: new Map(), user: 'root', expose: [] };
      if (step.name) stage.name = step.name;
      stages.push(stage);
      console.log(`\nStage ${step.name ?? index} (FROM ${step.image}): ${root}`);
      continue;
    }
    if (!stage) throw new DockerfileError(step.line, 'instruction before the first FROM');
    switch (step.kind) {
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, step.path);
        stage.known.add(stage.workdir);
        mkdirSync(onHost(stage, stage.workdir), { recursive: true, mode: 0o755 });
        break;
      case 'COPY':
        copy(step, stage, stages, context, host);
        note(`COPY (line ${step.line}) ${step.from ? `--from=${step.from} ` : ''}${step.sources.join(' ')} -> ${step.dest}`);
        break;
      case 'RUN':
        await runStep(step, stage, host, join(tmp, `run-line-${step.line}.log`));
        break;
      case 'ENV':
        for (const [k, v] of step.vars) stage.env.set(k, v);
        break;
      case 'USER':
        hostUser(host, step.user, step.line);
        stage.user = step.user;
        break;
      case 'EXPOSE':
        stage.expose.push(...step.ports);
        break;
      case 'HEALTHCHECK':
        stage.healthcheck = { options: step.options, cmd: step.cmd };
        break;
      case 'CMD':
        stage.cmd = step.cmd;
        break;
    }
  }
  if (!stage) throw new Error('the Dockerfile has no FROM');
  return stages;
}

// ---- the runtime stage ------------------------------------------------------------------------

function walk(dir: string, visit: (path: string) => void): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    visit(path);
    if (entry.isDirectory()) walk(path, visit);
  }
}

/**
 * (a) production dependencies only: no package the lockfile marks dev-only. A devDependency that a
 * production dependency needs too (the lockfile has no `dev` flag on it) stays, and is named.
 */
function checkProductionOnly(stage: Stage): void {
  const modules = onHost(stage, 'node_modules');
  const pkg = JSON.parse(readFileSync(onHost(stage, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  type Locked = { dev?: boolean; dependencies?: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, Locked> };
  const devOnly = Object.entries(lock.packages).filter(([path, p]) => path.startsWith('node_modules/') && p.dev === true).map(([path]) => path);
  const present = devOnly.filter((path) => existsSync(join(modules, '..', path)));
  const devDependencies = Object.keys(pkg.devDependencies ?? {});
  check(
    present.length === 0,
    `node_modules holds production dependencies only (none of the ${devOnly.length} packages the lockfile marks dev-only)`,
    present.length ? `present: ${present.map((p) => p.replace(/^node_modules\//, '')).join(', ')}` : undefined,
  );
  for (const name of devDependencies.filter((n) => existsSync(join(modules, n)))) {
    const needers = Object.entries(lock.packages).filter(([path, p]) => path && !p.dev && p.dependencies?.[name]).map(([path]) => path.replace(/^.*node_modules\//, ''));
    note(`devDependency ${name} is in the image because production dependencies need it too: ${needers.join(', ') || 'none found in the lockfile'}`);
  }
}

/** (a) every package the compiled code requires, also lazily (PDF, Excel), resolves in the image. */
function checkRequires(stage: Stage): void {
  const dist = onHost(stage, 'dist');
  const missing: string[] = [];
  let count = 0;
  walk(dist, (file) => {
    if (!file.endsWith('.js')) return;
    const require = createRequire(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/\brequire(?:\.resolve)?\(\s*["']([^"']+)["']\s*\)/g)) {
      if (!spec || spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      count++;
      try {
        const resolved = require.resolve(spec);
        if (!resolved.startsWith(stage.root)) missing.push(`${spec} (from ${relative(stage.root, file)}: resolves outside the image, ${resolved})`);
      } catch {
        missing.push(`${spec} (from ${relative(stage.root, file)})`);
      }
    }
  });
  check(missing.length === 0, `every package the compiled code requires resolves inside the image (${count} require and require.resolve calls, lazy ones too)`, missing.length ? missing.join('; ') : undefined);
}

function exited(child: ChildProcess, withinMs: number): Promise<number | 'running'> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(128);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('running'), withinMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface AppRun {
  child: ChildProcess;
  logFile: string;
}

function startApp(stage: Stage, host: Host, env: NodeJS.ProcessEnv, logFile: string): AppRun {
  const user = hostUser(host, stage.user, 0);
  const argv = asUser(host, user, stage.cmd!.map((a) => rewritePaths(stage, a)));
  const fd = openSync(logFile, 'a');
  const child = spawn(argv[0]!, argv.slice(1), { cwd: onHost(stage, stage.workdir), env, stdio: ['ignore', fd, fd] });
  child.once('exit', () => closeSync(fd));
  return { child, logFile };
}

/** (d) the HEALTHCHECK command as written, as the app user, until it passes or the start period is over. */
async function healthy(stage: Stage, host: Host, env: NodeJS.ProcessEnv, app: AppRun, logFile: string): Promise<{ ok: boolean; after: number; detail: string }> {
  const hc = stage.healthcheck!;
  const startPeriod = seconds(hc.options['start-period'], 0);
  const timeout = seconds(hc.options.timeout, 30);
  const started = Date.now();
  const user = hostUser(host, stage.user, 0);
  let last = 'never ran';
  while ((Date.now() - started) / 1000 < startPeriod) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) return { ok: false, after: 0, detail: `the app exited (${app.child.exitCode ?? app.child.signalCode})\n${tail(app.logFile)}` };
    const argv = asUser(host, user, hc.cmd);
    const fd = openSync(logFile, 'a');
    const probe = spawn(argv[0]!, argv.slice(1), { cwd: onHost(stage, stage.workdir), env, stdio: ['ignore', fd, fd] });
    const code = await exited(probe, timeout * 1000);
    if (code === 'running') probe.kill('SIGKILL');
    closeSync(fd);
    if (code === 0) return { ok: true, after: (Date.now() - started) / 1000, detail: '' };
    last = code === 'running' ? `timed out after ${timeout} s` : `exit ${code}`;
    await sleep(1000);
  }
  return { ok: false, after: startPeriod, detail: `no pass within the start period of ${startPeriod} s; last probe: ${last}\n${tail(app.logFile)}` };
}

/** What the app user may write: run as that user, so the kernel decides, not a mode-bit reading. */
function writable(stage: Stage, host: Host, paths: string[]): Record<string, string> {
  const probe = `const fs=require('fs');const r={};for(const p of process.argv.slice(1)){try{if(fs.statSync(p).isDirectory()){const f=p+'/.deploy-check-probe';fs.writeFileSync(f,'');fs.unlinkSync(f)}else fs.appendFileSync(p,'');r[p]='writable'}catch(e){r[p]=e.code}}console.log(JSON.stringify(r))`;
  const argv = asUser(host, hostUser(host, stage.user, 0), [process.execPath, '-e', probe, ...paths]);
  const res = spawnSync(argv[0]!, argv.slice(1), { cwd: onHost(stage, stage.workdir), encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`write probe failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, string>;
}

function uidOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
  } catch {
    return undefined;
  }
}

/** (c)-(f) one start of the image's CMD: health check, /readyz, refusal without a token, SIGTERM. */
async function startAndStop(stage: Stage, host: Host, tmp: string, label: string, extra: Record<string, string>): Promise<AppRun | undefined> {
  const port = await freePort();
  const config = onHost(stage, 'config/example.yaml');
  if (!check(existsSync(config), `${label}: config/example.yaml is in the image (the municipality file used here)`)) return undefined;
  const env = stageEnv(stage, { ...productionSecrets(), VARNA_CONFIG: config, PORT: String(port), HOME: '/nonexistent', ...extra });
  const app = startApp(stage, host, env, join(tmp, `app-${label.replace(/\W+/g, '-')}.log`));
  try {
    const health = await healthy(stage, host, env, app, join(tmp, 'healthcheck.log'));
    if (!check(health.ok, `${label}: the HEALTHCHECK command passes as written (port ${port} from ENV PORT)`, health.ok ? `after ${health.after.toFixed(1)} s, start period ${seconds(stage.healthcheck!.options['start-period'], 0)} s` : health.detail))
      return app;
    const expectedUid = hostUser(host, stage.user, 0).uid;
    check(uidOf(app.child.pid!) === expectedUid, `${label}: the app runs as the image's user ${stage.user} (here uid ${expectedUid}, ${hostUser(host, stage.user, 0).name})`, `uid ${uidOf(app.child.pid!)}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    const body = await ready.text();
    check(ready.status === 200, `${label}: GET /readyz answers 200`, body);
    const anonymous = await fetch(`http://127.0.0.1:${port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', text: 'hej' }) });
    check(anonymous.status === 401, `${label}: an activity without a Bot Framework token is refused with 401`, `status ${anonymous.status}`);
  } finally {
    if (app.child.exitCode === null && app.child.signalCode === null) {
      const started = Date.now();
      app.child.kill('SIGTERM');
      const code = await exited(app.child, STOP_SECONDS * 1000);
      if (code === 'running') app.child.kill('SIGKILL');
      check(code === 0, `${label}: SIGTERM stops it cleanly (exit 0 within ${STOP_SECONDS} s)`, code === 'running' ? `still running, killed\n${tail(app.logFile)}` : `exit ${code} after ${Date.now() - started} ms`);
    }
  }
  return app;
}

async function checkRuntime(stage: Stage, host: Host, tmp: string): Promise<void> {
  console.log(`\nThe image (stage ${stage.name ?? stage.index}) as it starts:`);
  if (!stage.cmd) throw new Error('the last stage has no CMD');
  if (!stage.healthcheck) throw new Error('the last stage has no HEALTHCHECK');
  const port = Number(stage.env.get('PORT'));
  check(stage.expose.length > 0 && stage.expose.includes(port), `EXPOSE ${stage.expose.join(' ')} is the port of ENV PORT=${stage.env.get('PORT')}`);

  checkProductionOnly(stage);
  checkRequires(stage);
  const megabytes = (dir: string) => {
    let bytes = 0;
    walk(dir, (p) => (bytes += lstatSync(p).size));
    return `${Math.round(bytes / 1e6)} MB`;
  };
  note(`${stage.workdir} in the image (without the base image): ${megabytes(onHost(stage, stage.workdir))}, of which node_modules ${megabytes(onHost(stage, 'node_modules'))}`);

  // The production start without credentials must refuse (fail closed), before touching any data.
  const bare = startApp(stage, host, stageEnv(stage, { PORT: String(await freePort()), HOME: '/nonexistent' }), join(tmp, 'app-no-credentials.log'));
  const refused = await exited(bare.child, 20_000);
  if (refused === 'running') bare.child.kill('SIGKILL');
  check(refused === 2 && /BOT_APP_ID/.test(readFileSync(bare.logFile, 'utf8')), 'started with the image ENV alone (no credentials), it refuses to start (exit 2, names BOT_APP_ID)', `exit ${refused}`);

  const storeUrl = rewritePaths(stage, stage.env.get('VARNA_STORE_URL') ?? '');
  if (!storeUrl.startsWith('sqlite:')) throw new Error(`ENV VARNA_STORE_URL is not a sqlite: URL (${storeUrl}); this check expects the embedded store as the image default`);
  const dbFile = storeUrl.slice('sqlite:'.length);
  const dataDir = dirname(dbFile);
  await startAndStop(stage, host, tmp, 'SQLite', {});

  const sqliteOk = existsSync(dbFile);
  check(sqliteOk, `the SQLite file was created in the data folder (${relative(stage.root, dbFile)})`);
  if (sqliteOk && host.root) check(statSync(dbFile).uid === hostUser(host, stage.user, 0).uid, 'the SQLite file belongs to the app user');

  // (e) what the app user may write: only the data folder.
  if (host.root) {
    const code = [onHost(stage, stage.workdir), ...readdirSync(onHost(stage, stage.workdir)).map((n) => onHost(stage, n)).filter((p) => p !== dataDir)];
    const deeper = ['dist/src', 'node_modules/.bin', 'config/example.yaml'].map((p) => onHost(stage, p)).filter(existsSync);
    const probe = writable(stage, host, [...code, ...deeper, dataDir]);
    const open = Object.entries(probe).filter(([p, r]) => p !== dataDir && r === 'writable').map(([p]) => relative(stage.root, p));
    check(open.length === 0, `the app user cannot write to the code (${[...code, ...deeper].map((p) => relative(stage.root, p)).join(', ')})`, open.length ? `writable: ${open.join(', ')}` : undefined);
    check(probe[dataDir] === 'writable', `the app user can write to the data folder ${relative(stage.root, dataDir)}`, probe[dataDir]);
    const appUid = hostUser(host, stage.user, 0).uid;
    const strays: string[] = [];
    walk(stage.root, (p) => {
      if (p !== dataDir && !p.startsWith(`${dataDir}/`) && statSync(p, { throwIfNoEntry: false })?.uid === appUid) strays.push(relative(stage.root, p));
    });
    check(strays.length === 0, 'nothing outside the data folder belongs to the app user', strays.length ? strays.slice(0, 10).join(', ') : undefined);
    note(`the data folder after the run: ${readdirSync(dataDir).join(', ') || '(empty)'}`);
  }

  await postgres(stage, host, tmp, dataDir);
}

/** (g) the same start on PostgreSQL, in a fresh schema (as tests/support/store.ts does), dropped afterwards. */
async function postgres(stage: Stage, host: Host, tmp: string, dataDir: string): Promise<void> {
  const base = process.env.VARNA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const where = new URL(base);
  const client = new Client({ connectionString: base, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    skipped.push(`the start on PostgreSQL: ${where.host}${where.pathname} not reachable (${(error as Error).message})`);
    note(`PostgreSQL at ${where.host}${where.pathname} not reachable: the start on PostgreSQL was skipped`);
    await client.end().catch(() => undefined);
    return;
  }
  const schema = `deploy_check_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  try {
    await client.query(`create schema ${schema}`);
    const url = new URL(base);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const before = readdirSync(dataDir).sort().join(',');
    // The upgrade's first step on Azure, the migrate job (infra/main.bicep): its command in the image,
    // as the app user, with the store only (no credentials, no keys, no municipality file).
    const migrateArgv = asUser(host, hostUser(host, stage.user, 0), [stage.cmd![0]!, 'dist/src/migrate.js'].map((a) => rewritePaths(stage, a)));
    const migrated = spawnSync(migrateArgv[0]!, migrateArgv.slice(1), { cwd: onHost(stage, stage.workdir), env: stageEnv(stage, { VARNA_STORE_URL: url.toString(), HOME: '/nonexistent' }), encoding: 'utf8', timeout: 60_000 });
    const migrateOk = migrated.status === 0 && /"event":"migrate\.done"/.test(migrated.stdout);
    check(migrateOk, 'PostgreSQL: the migrate job\'s command (node dist/src/migrate.js) migrates the store with the image ENV and the store URL alone', migrateOk ? undefined : `exit ${migrated.status}\n${migrated.stderr}${migrated.stdout}`.trim());
    await startAndStop(stage, host, tmp, 'PostgreSQL', { VARNA_STORE_URL: url.toString(), VARNA_QUEUE_SCHEMA: `${schema}_boss` });
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from information_schema.tables where table_schema = $1', [schema]);
    check((rows[0]?.n ?? 0) > 0, `PostgreSQL: the tables were created in the schema ${schema}`, `${rows[0]?.n ?? 0} tables`);
    check(readdirSync(dataDir).sort().join(',') === before, 'PostgreSQL: nothing was written to the data folder');
  } finally {
    await client.query(`drop schema if exists ${schema} cascade; drop schema if exists ${schema}_boss cascade`).catch(() => undefined);
    await client.end();
  }
}

// ---- users ------------------------------------------------------------------------------------

function idOf(flag: '-u' | '-g', name: string): number {
  return Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
}

/** The image's non-root user(s) and who stands in for them here. */
function hostUsers(instructions: Instruction[]): Host {
  const imageUsers = new Set<string>();
  for (const i of instructions) {
    if (i.kind === 'USER') imageUsers.add(i.user.split(':')[0]!);
    if (i.kind === 'COPY' && i.chown) imageUsers.add(i.chown.split(':')[0]!);
  }
  imageUsers.delete('root');
  if (imageUsers.size > 1) throw new Error(`the image uses several non-root users (${[...imageUsers].join(', ')}); this check stands in for one`);
  const me = process.getuid!();
  const host: Host = { users: new Map(), root: me === 0, createdUser: false };
  host.users.set('root', { name: 'root', uid: 0, gid: 0 });
  const [imageUser] = imageUsers;
  if (!imageUser) return host;
  if (host.root) {
    if (spawnSync('id', ['-u', STAND_IN_USER]).status !== 0) {
      const res = spawnSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--user-group', STAND_IN_USER], { encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`useradd ${STAND_IN_USER}: ${res.stderr}`);
    }
    host.createdUser = true;
    host.users.set(imageUser, { name: STAND_IN_USER, uid: idOf('-u', STAND_IN_USER), gid: idOf('-g', STAND_IN_USER) });
    note(`the image's user ${imageUser} is played by a throwaway system user ${STAND_IN_USER} (uid ${host.users.get(imageUser)!.uid}), removed at the end`);
  } else {
    const name = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
    host.users.set(imageUser, { name, uid: me, gid: process.getgid!() });
    skipped.push(`the switch to the image's user ${imageUser}, ownership and write permissions: not run as root, so everything ran as ${name}`);
    note(`not root: the image's user ${imageUser} is played by ${name} itself; the user switch and permissions are not checked`);
  }
  return host;
}

// ---- main -------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = Date.now();
  process.umask(0o022); // Docker's: files 644, folders 755
  console.log('Värna deploy check: the Dockerfile, followed without Docker\n');
  const instructions = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
  check(true, `Dockerfile parsed: ${instructions.length} instructions, ${instructions.filter((i) => i.kind === 'FROM').length} stages`);
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO, encoding: 'utf8' }).stdout.trimEnd();
  if (dirty) note(`uncommitted changes are copied as they are in the work tree: ${dirty.split('\n').map((l) => l.slice(3)).join(', ')}`);

  const tmp = mkdtempSync(join(tmpdir(), 'varna-deploy-check-'));
  // The app user must reach the stage folders, as it reaches / in the image.
  chmodSync(tmp, 0o755);
  let host: Host | undefined;
  const cleanUp = () => {
    rmSync(tmp, { recursive: true, force: true });
    if (host?.createdUser) spawnSync('userdel', [STAND_IN_USER]);
  };
  const onSignal = () => {
    cleanUp();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    host = hostUsers(instructions);
    const from = instructions.filter((i) => i.kind === 'FROM').map((i) => i.image);
    const major = /^node:(\d+)/.exec(from.at(-1) ?? '')?.[1];
    check(major === process.versions.node.split('.')[0], `this machine's node ${process.version} has the major version of the base image ${from.at(-1)}`);
    let stages: Stage[];
    try {
      stages = await buildStages(instructions, tmp, host);
    } catch (error) {
      check(false, 'the stages could be reproduced', (error as Error).message);
      return summary(started);
    }
    await checkRuntime(stages.at(-1)!, host, tmp);
  } catch (error) {
    check(false, 'the check ran to the end', (error as Error).message);
  } finally {
    cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return summary(started);
}

function summary(started: number): number {
  return checkSummary(started, {
    heading: 'Not checked here (no Docker engine on this machine; `npm run docker:check` where there is one):',
    lines: [
      'the base image itself (pull, its node and npm: this machine\'s stood in), and its `node` user (uid 1000)',
      ...skipped.map((s) => `skipped ${s}`),
      'the image\'s own filesystem layers (what the base image has, layer ownership, image size); `docker build` once',
      'the HEALTHCHECK schedule (interval, retries): its command was run once a second within the start period',
      'the Bicep templates (infra/) against Azure\'s resource schemas: no Bicep CLI here (`npm run bicep:check` checks syntax and names); `az bicep build -f infra/main.bicep`',
    ],
  });
}

if (require.main === module) {
  main().then((code) => process.exit(code), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
