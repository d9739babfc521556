/**
 * `npm run docker:check`: the image checked with a real Docker engine, for an administrator or a
 * build pipeline (docs/deployment.md, "Checking the templates and the image"). Builds the image
 * from the repository's Dockerfile
 * (`docker build -t varna:docker-check .`, with whichever `docker` is on PATH) and checks the
 * running container: no dev dependencies in it, refusal without bot credentials, and a start on
 * the embedded SQLite default (/healthz, /readyz, the `node` user, 401 without a token, where it
 * may write, Docker's health status, a clean `docker stop`, a clean log); again on PostgreSQL when
 * VARNA_TEST_PG_URL or `--pg <url>` is given, in a fresh schema that is dropped afterwards.
 *
 * Options (after `npm run docker:check --`):
 *   --pg <url>               PostgreSQL for the second start (default: VARNA_TEST_PG_URL; none: skipped)
 *   --build-network <mode>   passed to `docker build --network` (default: VARNA_DOCKER_BUILD_NETWORK;
 *                            none: Docker's default)
 *   --no-cache               passed to `docker build` (a build from scratch)
 *
 * Containers are always removed; the image is left (the summary says how to remove it). Takes a
 * few minutes (the build); not part of `npm test`. Exit code 1 on any failure, 2 without a
 * reachable Docker engine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { check, freePort, note, productionSecrets, skipped, summary as checkSummary } from './checks';

const REPO = join(__dirname, '..');
const IMAGE = 'varna:docker-check';
/** The image's working folder and the one folder the app may write (Dockerfile: WORKDIR, data/). */
const APP = '/app';
const DATA = '/app/data';
/** /healthz and /readyz must answer within this. */
const READY_SECONDS = 30;
/** Docker's health check, run every 2 s here instead of the image's 30 s, must report healthy within this. */
const HEALTHY_SECONDS = 30;
/** A clean stop must not take longer than this (`docker stop` kills after its own 10 s). */
const STOP_SECONDS = 10;

function indent(text: string, lines = 25): string {
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `          | ${l}`)
    .join('\n');
}

function tail(file: string, lines = 25): string {
  try {
    return indent(readFileSync(file, 'utf8'), lines);
  } catch {
    return '';
  }
}

// ---- docker -----------------------------------------------------------------------------------

interface Ran {
  code: number | 'timeout';
  out: string;
}

/**
 * `docker <args>` with whichever docker is on PATH; stdout and stderr together. `env` is added to
 * the client's environment, so that `-e NAME` passes a value without putting it on a command line.
 */
function docker(
  args: string[],
  { timeoutMs = 60_000, env = {}, logFile }: { timeoutMs?: number; env?: Record<string, string>; logFile?: string } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const fd = logFile === undefined ? undefined : openSync(logFile, 'a');
    const child = spawn('docker', args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', fd ?? 'pipe', fd ?? 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'timeout', out });
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      if (fd !== undefined) closeSync(fd);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (fd !== undefined) closeSync(fd);
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}

/** Containers this run started, removed at the end whatever happened. */
const containers = new Set<string>();

function containerName(label: string): string {
  const name = `varna-docker-check-${label}-${randomBytes(3).toString('hex')}`;
  containers.add(name);
  return name;
}

function removeContainers(): void {
  for (const name of containers) spawnSync('docker', ['rm', '-f', '-v', name], { stdio: 'ignore' });
  containers.clear();
}

async function inspect(name: string, format: string): Promise<string> {
  const res = await docker(['inspect', '-f', format, name]);
  return res.code === 0 ? res.out.trim() : '';
}

async function logs(name: string): Promise<string> {
  return (await docker(['logs', name])).out;
}

// ---- helpers ----------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Same as tests/support/store.ts: the schema as the connection's search_path. */
function pgUrlWithSchema(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1e6)} MB`;
}

/**
 * Dev-only packages: every package the lockfile marks `dev`. A
 * devDependency that a production dependency needs too has no `dev` flag and may stay.
 */
function devOnlyPackages(): string[] {
  type Locked = { dev?: boolean };
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, Locked> };
  return Object.entries(lock.packages)
    .filter(([path, p]) => path.startsWith('node_modules/') && p.dev === true)
    .map(([path]) => path);
}

/** Run in the container by `node -e`: which of the paths (argv) exist. */
const EXISTS_PROBE = `const fs=require('fs');console.log(JSON.stringify(process.argv.slice(1).filter((p)=>fs.existsSync(p))))`;

/** Run in the container by `node -e` as its user, so the kernel decides, not a mode-bit reading. */
const WRITE_PROBE = `const fs=require('fs');const r={};for(const p of process.argv.slice(1)){try{if(fs.statSync(p).isDirectory()){const f=p+'/.docker-check-probe';fs.writeFileSync(f,'');fs.unlinkSync(f)}else fs.appendFileSync(p,'');r[p]='writable'}catch(e){r[p]=e.code}}console.log(JSON.stringify(r))`;

/** Error and fatal pino lines, and stack traces (also inside a JSON string). */
function badLogLines(text: string): string[] {
  return text.split('\n').filter((l) => /"level":(50|60)\b/.test(l) || /^\s+at \S/.test(l) || /\\n\s+at \S/.test(l));
}

// ---- the checks -------------------------------------------------------------------------------

interface Options {
  pg?: string;
  buildNetwork?: string;
  noCache: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { noCache: false };
  const pg = process.env.VARNA_TEST_PG_URL;
  const network = process.env.VARNA_DOCKER_BUILD_NETWORK;
  if (pg) options.pg = pg;
  if (network) options.buildNetwork = network;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (!v) throw new Error(`${name} needs a value`);
      return v;
    };
    if (name === '--pg') options.pg = value();
    else if (name === '--build-network') options.buildNetwork = value();
    else if (arg === '--no-cache') options.noCache = true;
    else throw new Error(`unknown argument ${arg} (known: --pg <url>, --build-network <mode>, --no-cache)`);
  }
  return options;
}

/** 1. `docker build` from the repository root. */
async function build(options: Options, tmp: string): Promise<boolean> {
  const args = ['build', '-t', IMAGE];
  if (options.buildNetwork) args.push('--network', options.buildNetwork);
  if (options.noCache) args.push('--no-cache');
  args.push('.');
  const logFile = join(tmp, 'build.log');
  note(`docker ${args.join(' ')} (in ${REPO}; takes a few minutes)`);
  const started = Date.now();
  const res = await docker(args, { timeoutMs: 30 * 60_000, logFile });
  const took = `${Math.round((Date.now() - started) / 1000)} s`;
  if (
    !check(
      res.code === 0,
      `docker build -t ${IMAGE} . succeeds`,
      res.code === 0 ? took : `${res.code === 'timeout' ? 'timed out' : `exit ${res.code}`} after ${took}\n${tail(logFile)}`,
    )
  )
    return false;
  const cached = (readFileSync(logFile, 'utf8').match(/Using cache|\bCACHED\b/g) ?? []).length;
  if (cached) note(`${cached} build steps came from Docker's cache (--no-cache for a build from scratch)`);
  const size = Number(await inspect(IMAGE, '{{.Size}}'));
  // The last stage's base image: its FROM line's image (options such as --platform skipped).
  const baseImage = [...readFileSync(join(REPO, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)/gim)].at(-1)?.[1];
  const baseSize = baseImage ? Number(await inspect(baseImage, '{{.Size}}')) : NaN;
  const baseId = baseImage ? (await inspect(baseImage, '{{.Id}}')).replace(/^sha256:/, '').slice(0, 12) : '';
  note(
    `image ${IMAGE}: ${megabytes(size)}${baseImage && baseSize ? `, of which the base image ${baseImage} (${baseId}) ${megabytes(baseSize)}` : ''}`,
  );
  const node = await docker(['run', '--rm', '--entrypoint', 'node', IMAGE, '-p', 'process.version']);
  if (node.code === 0) note(`node in the image: ${node.out.trim()}`);
  return true;
}

/** 2. No dev dependencies in the image: the lockfile's dev-only packages, looked up in the container. */
async function productionOnly(): Promise<void> {
  const devOnly = devOnlyPackages();
  const named = ['typescript', 'mocha', 'eslint'].map((n) => `node_modules/${n}`);
  const paths = [...new Set([...named, ...devOnly])].map((p) => `${APP}/${p}`);
  const res = await docker(['run', '--rm', '--entrypoint', 'node', IMAGE, '-e', EXISTS_PROBE, ...paths]);
  let present: string[] | undefined;
  try {
    present = JSON.parse(res.out.trim().split('\n').at(-1) ?? '') as string[];
  } catch {
    present = undefined;
  }
  check(
    res.code === 0 && present?.length === 0,
    `the image holds production dependencies only (no TypeScript, mocha or eslint, none of the ${devOnly.length} packages the lockfile marks dev-only)`,
    res.code !== 0 || !present
      ? `the probe failed: exit ${res.code}\n${indent(res.out)}`
      : present.length
        ? `present: ${present.map((p) => p.slice(`${APP}/node_modules/`.length)).join(', ')}`
        : undefined,
  );
}

/** 3. Without bot credentials the container refuses to start. */
async function noCredentials(): Promise<void> {
  const name = containerName('no-credentials');
  const res = await docker(['run', '--name', name, IMAGE], { timeoutMs: 30_000 });
  const out = res.code === 'timeout' ? await logs(name) : res.out;
  check(
    res.code === 2 && /BOT_APP_ID/.test(out),
    'started without bot credentials, the container exits with code 2 and names BOT_APP_ID',
    res.code === 'timeout' ? `still running after 30 s\n${indent(out)}` : res.code === 2 ? undefined : `exit ${res.code}\n${indent(out)}`,
  );
  const line = out.split('\n').find((l) => /BOT_APP_ID/.test(l));
  if (line) note(`it says: ${line.trim().slice(0, 240)}`);
  spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  containers.delete(name);
}

async function waitFor(
  url: string,
  withinSeconds: number,
  accept: (status: number, body: string) => boolean,
  name: string,
): Promise<{ ok: boolean; after: number; last: string }> {
  const started = Date.now();
  let last = 'no answer';
  while ((Date.now() - started) / 1000 < withinSeconds) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      const body = await res.text();
      last = `${res.status} ${body}`;
      if (accept(res.status, body)) return { ok: true, after: (Date.now() - started) / 1000, last };
    } catch (error) {
      last = (error as Error).message;
    }
    if ((await inspect(name, '{{.State.Running}}')) !== 'true')
      return {
        ok: false,
        after: (Date.now() - started) / 1000,
        last: `the container is not running (exit ${await inspect(name, '{{.State.ExitCode}}')})`,
      };
    await sleep(250);
  }
  return { ok: false, after: withinSeconds, last };
}

/** 4./5. One start of the image: readiness, user, 401, (SQLite) write permissions, Docker health, docker stop, the log. */
async function startAndStop(
  label: string,
  store: 'sqlite' | 'postgres',
  extra: Record<string, string>,
  hostNetwork: boolean,
): Promise<void> {
  const port = await freePort();
  const name = containerName(store);
  const env: Record<string, string> = { ...productionSecrets(), VARNA_CONFIG: `${APP}/config/example.yaml`, ...extra };
  if (hostNetwork) env.PORT = String(port);
  const args = ['run', '-d', '--name', name, '--health-interval=2s'];
  args.push(...(hostNetwork ? ['--network', 'host'] : ['-p', `127.0.0.1:${port}:3978`]));
  // -e NAME takes the value from docker's own environment: no secret on a command line.
  for (const k of Object.keys(env)) args.push('-e', k);
  args.push(IMAGE);
  const run = await docker(args, { env });
  if (
    !check(
      run.code === 0,
      `${label}: docker run -d (${hostNetwork ? `--network host, port ${port}` : `port ${port} -> 3978`}, throwaway credentials and keys)`,
      run.code === 0 ? undefined : `exit ${run.code}\n${indent(run.out)}`,
    )
  )
    return;
  const base = `http://127.0.0.1:${port}`;
  const health = await waitFor(`${base}/healthz`, READY_SECONDS, (s) => s === 200, name);
  check(
    health.ok,
    `${label}: GET /healthz answers 200 within ${READY_SECONDS} s`,
    health.ok ? `after ${health.after.toFixed(1)} s` : `${health.last}\n${indent(await logs(name))}`,
  );
  if (!health.ok) return;
  const ready = await waitFor(`${base}/readyz`, READY_SECONDS, (s, b) => s === 200 && /"status":"ready"/.test(b), name);
  check(
    ready.ok,
    `${label}: GET /readyz answers 200 with "status":"ready" within ${READY_SECONDS} s`,
    ready.ok ? `after ${ready.after.toFixed(1)} s: ${ready.last.replace(/^200 /, '')}` : ready.last,
  );
  check(
    /^200 \{"status":"ready"\}$/.test(ready.last.trim()),
    `${label}: /readyz says ready and nothing else (no store, no municipality)`,
    ready.last,
  );

  const id = await docker(['exec', name, 'sh', '-c', 'id -u; id -un']);
  const [uid, user] = id.out.trim().split('\n');
  check(
    id.code === 0 && uid !== '0' && user === 'node',
    `${label}: the app runs as the image's user node, not root (docker exec id -u)`,
    `uid ${uid ?? '?'}, ${user ?? '?'}`,
  );

  const anonymous = await fetch(`${base}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'message', text: 'hej' }),
  }).catch((e: Error) => e);
  check(
    !(anonymous instanceof Error) && anonymous.status === 401,
    `${label}: an activity without a Bot Framework token is refused with 401`,
    anonymous instanceof Error ? anonymous.message : `status ${anonymous.status}`,
  );

  const dataBefore = await docker(['exec', name, 'ls', '-A', DATA]);
  if (store === 'sqlite') {
    const code = [
      APP,
      `${APP}/dist`,
      `${APP}/dist/src`,
      `${APP}/node_modules`,
      `${APP}/node_modules/.bin`,
      `${APP}/config`,
      `${APP}/config/example.yaml`,
      `${APP}/package.json`,
    ];
    const probe = await docker(['exec', name, 'node', '-e', WRITE_PROBE, ...code, DATA]);
    let result: Record<string, string> | undefined;
    try {
      result = JSON.parse(probe.out.trim().split('\n').at(-1) ?? '') as Record<string, string>;
    } catch {
      result = undefined;
    }
    if (!result) check(false, `${label}: write probe in the container`, `exit ${probe.code}\n${indent(probe.out)}`);
    else {
      const open = code.filter((p) => result[p] !== 'EACCES' && result[p] !== 'EROFS' && result[p] !== 'EPERM');
      check(
        open.length === 0,
        `${label}: the app user cannot write to the code (${code.join(', ')})`,
        open.length ? open.map((p) => `${p}: ${result[p]}`).join(', ') : undefined,
      );
      check(result[DATA] === 'writable', `${label}: the app user can write to ${DATA}`, result[DATA]);
    }
    check(
      dataBefore.code === 0 && /\bvarna\.db\b/.test(dataBefore.out),
      `${label}: the SQLite file was created in ${DATA}`,
      dataBefore.out.trim().split('\n').join(', ') || '(empty)',
    );
  } else {
    check(
      dataBefore.code === 0 && dataBefore.out.trim() === '',
      `${label}: nothing was written to ${DATA}`,
      dataBefore.out.trim().split('\n').join(', ') || undefined,
    );
  }

  const healthStarted = Date.now();
  let status = '';
  while ((Date.now() - healthStarted) / 1000 < HEALTHY_SECONDS) {
    status = await inspect(name, '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}');
    if (status === 'healthy' || status === 'unhealthy' || status === 'none' || status === '') break;
    await sleep(500);
  }
  check(
    status === 'healthy',
    `${label}: Docker's own health status (the image's HEALTHCHECK, every 2 s here) becomes healthy`,
    status === 'healthy' ? `within ${Math.ceil((Date.now() - healthStarted) / 1000)} s of the checks above` : `status ${status || '?'}`,
  );

  const stopStarted = Date.now();
  const stop = await docker(['stop', '-t', String(STOP_SECONDS), name], { timeoutMs: (STOP_SECONDS + 20) * 1000 });
  const stopMs = Date.now() - stopStarted;
  const exitCode = await inspect(name, '{{.State.ExitCode}}');
  check(
    stop.code === 0 && exitCode === '0' && stopMs < STOP_SECONDS * 1000,
    `${label}: docker stop ends it with exit code 0 within ${STOP_SECONDS} s`,
    `exit ${exitCode || '?'} after ${stopMs} ms`,
  );

  const log = await logs(name);
  const bad = badLogLines(log);
  check(
    bad.length === 0,
    `${label}: its log has no error or fatal lines ("level":50/60) and no stack traces`,
    bad.length ? `\n${indent(bad.join('\n'), 15)}` : `${log.trim().split('\n').length} lines`,
  );
  const events = [...log.matchAll(/"event":"([^"]+)"/g)].map((m) => m[1]);
  if (events.length) note(`${label}: events in its log: ${[...new Set(events)].join(', ')}`);
  const changed = (await docker(['diff', name])).out
    .trim()
    .split('\n')
    .filter((l) => l && !l.endsWith(DATA) && !l.includes(`${DATA}/`) && !/^C \/app$/.test(l));
  if (changed.length) note(`${label}: written outside ${DATA} (docker diff): ${changed.join(', ')}`);
  spawnSync('docker', ['rm', '-f', '-v', name], { stdio: 'ignore' });
  containers.delete(name);
}

/** Schemas this run created, dropped at the end whatever happened. */
let dropSchemas: (() => Promise<void>) | undefined;

/** 5. The same start on PostgreSQL, in a fresh schema (as tests/support/store.ts does), dropped afterwards. */
async function postgres(base: string): Promise<void> {
  const where = new URL(base);
  console.log(`\nPostgreSQL (${where.host}${where.pathname}), --network host:`);
  const client = new Client({ connectionString: base, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    check(false, `PostgreSQL at ${where.host}${where.pathname} is reachable`, (error as Error).message);
    await client.end().catch(() => undefined);
    return;
  }
  const schema = `docker_check_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  dropSchemas = async () => {
    dropSchemas = undefined;
    await client.query(`drop schema if exists ${schema} cascade; drop schema if exists ${schema}_boss cascade`).catch(() => undefined);
    await client.end().catch(() => undefined);
  };
  try {
    await client.query(`create schema ${schema}`);
    note(`schema ${schema} (and ${schema}_boss for the job queue), dropped at the end`);
    await startAndStop(
      'PostgreSQL',
      'postgres',
      { VARNA_STORE_URL: pgUrlWithSchema(base, schema), VARNA_QUEUE_SCHEMA: `${schema}_boss` },
      true,
    );
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from information_schema.tables where table_schema = $1', [
      schema,
    ]);
    check((rows[0]?.n ?? 0) > 0, `PostgreSQL: the tables were created in the schema ${schema}`, `${rows[0]?.n ?? 0} tables`);
  } finally {
    await dropSchemas?.();
  }
}

// ---- main -------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = Date.now();
  console.log('Värna docker check: the image, built and run with Docker\n');
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const which = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim();
  const info = await docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 30_000 }).catch((e: Error) => ({
    code: 1,
    out: e.message,
  }));
  if (info.code !== 0 || !info.out.trim() || /error|cannot connect/i.test(info.out)) {
    console.error(
      `No Docker engine reachable (${which || 'no docker on PATH'}: docker info ${info.code === 'timeout' ? 'timed out' : `failed: ${info.out.trim().split('\n').at(-1) ?? ''}`}).`,
    );
    console.error('Start the Docker daemon, or run this where one runs.');
    return 2;
  }
  const client = (await docker(['version', '--format', '{{.Client.Version}}'])).out.trim();
  check(true, `Docker engine ${info.out.trim()} reachable with ${which} (client ${client})`);
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO, encoding: 'utf8' }).stdout.trimEnd();
  if (dirty)
    note(
      `uncommitted changes are built as they are in the work tree: ${dirty
        .split('\n')
        .map((l) => l.slice(3))
        .join(', ')}`,
    );

  const tmp = mkdtempSync(join(tmpdir(), 'varna-docker-check-'));
  const cleanUp = async () => {
    removeContainers();
    await dropSchemas?.();
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => {
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    console.log('\nBuild:');
    if (!(await build(options, tmp))) return summary(started);
    console.log('\nThe image:');
    await productionOnly();
    await noCredentials();
    console.log('\nSQLite (the image default, /app/data):');
    await startAndStop('SQLite', 'sqlite', {}, false);
    if (options.pg) await postgres(options.pg);
    else {
      skipped.push('the start on PostgreSQL: no VARNA_TEST_PG_URL and no --pg <url>');
      console.log('\nPostgreSQL: skipped (set VARNA_TEST_PG_URL or pass --pg <url>)');
    }
  } catch (error) {
    check(false, 'the check ran to the end', (error as Error).message);
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return summary(started);
}

function summary(started: number): number {
  const code = checkSummary(started, { heading: 'Not checked:', lines: skipped.map((s) => `skipped ${s}`) });
  console.log(`\nThe containers are removed; the image is left: docker rmi ${IMAGE}`);
  return code;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
