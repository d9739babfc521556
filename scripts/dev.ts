/**
 * `npm run dev`: Värna in local mode on the embedded store, and the Microsoft 365 Agents Playground
 * connected to it, offline. Open the Playground's address in a browser and say "hej".
 *
 *   npm run dev                               the user speaks Swedish (sv-SE)
 *   npm run dev -- --locale en-US             the user's Teams is in English
 *   npm run dev -- --port 4000 --playground-port 4001
 *
 * The ports are 3978 and 56150 when free, other free ones when not; a port given that is taken
 * stops the start. The banner names the ports in use. A store another Värna process holds (a
 * running `npm start` on data/varna.db) stops the start with that message, before anything runs.
 *
 * Local mode means no bot credentials: the bot accepts unauthenticated activities. Never point
 * this at real data. Ctrl-C stops both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { sql } from 'kysely';
import { parse } from 'yaml';
import { Env } from '../src/config';
import { openDb, StoreLockedError } from '../src/services/store/db';

const ROOT = join(__dirname, '..');
const DEFAULT_BOT_PORT = 3978;
const DEFAULT_PLAYGROUND_PORT = 56150;
/** Every child this process started, so a signal at any moment (also during start) stops them. */
const started = new Set<ChildProcess>();
const track = (child: ChildProcess): ChildProcess => {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
};

/** A port asked for (--port, --playground-port) that another process holds. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

export interface DevOptions {
  /** The bot's port; must be free. Default 3978, or any free port when that is taken. */
  botPort?: number;
  /** The Playground's port; must be free. Default 56150, or any free port when that is taken. */
  playgroundPort?: number;
  /** The bot's store; default VARNA_STORE_URL, else the developer's own data/varna.db. */
  storeUrl?: string;
  /** Print the bot's and the Playground's output (default: only the Playground's address). */
  verbose?: boolean;
  /** Open a browser window when a desktop is there (npm run dev); never in the UI check. */
  openBrowser?: boolean;
  /** The Teams locale the user appears to have (default sv-SE; the Playground itself always says en-US). */
  locale?: string;
  /** More environment for the bot (e.g. VARNA_CONFIG for another municipality file). */
  env?: Record<string, string>;
}

export interface DevStack {
  botUrl: string;
  playgroundUrl: string;
  botPort: number;
  playgroundPort: number;
  stop(): Promise<void>;
}

/** Whether nothing listens on the port (on any address, as the bot and the Playground listen). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}

async function anyFreePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The port given, if free; else the default if free; else one the system finds free. */
async function choosePort(given: number | undefined, preferred: number, flag: string): Promise<number> {
  if (given !== undefined) {
    if (await isFree(given)) return given;
    throw new PortInUseError(
      `port ${given} (${flag}) is in use by another process; give another, or leave ${flag} out to have a free one found`,
    );
  }
  return (await isFree(preferred)) ? preferred : anyFreePort();
}

/** SQLite stores relative to the project, as the bot (started in it) reads them. */
function storeUrlOf(opts: DevOptions): string {
  const url = opts.storeUrl ?? Env.shape.VARNA_STORE_URL.parse(process.env.VARNA_STORE_URL);
  if (!url.startsWith('sqlite:')) return url;
  const file = url.slice('sqlite:'.length);
  return file === ':memory:' || isAbsolute(file) ? url : `sqlite:${join(ROOT, file)}`;
}

/**
 * A SQLite store is one process's (db.ts opens it exclusively): if another Värna holds it, say so
 * now, instead of starting a bot that stops and a Playground with no bot behind it.
 */
async function assertStoreFree(url: string): Promise<void> {
  if (!url.startsWith('sqlite:')) return;
  const store = await openDb(url);
  // A query first: Kysely opens its driver at the first query, and closes only a driver it opened.
  await sql`select 1`.execute(store.db);
  await store.close();
}

/** The last lines a child wrote to a stream, shown if it stops during the start. */
function tail(stream: NodeJS.ReadableStream | null, echo: NodeJS.WritableStream | undefined): () => string {
  let last = '';
  stream?.on('data', (chunk: Buffer) => {
    echo?.write(chunk);
    last = (last + chunk.toString('utf8')).split('\n').slice(-6).join('\n');
  });
  return () => last.trim();
}

async function waitFor(url: string, child: ChildProcess, what: string, said: () => string = () => '', timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}${said() ? `:\n${said()}` : ''}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer at ${url} within ${timeoutMs / 1000} s`);
}

/**
 * The Playground stamps every activity with locale en-US, so Värna would answer in English. A
 * small relay in front of the bot sets the locale a Swedish Teams client would send instead.
 */
async function localeRelay(botUrl: string, locale: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks).toString('utf8');
      try {
        const activity = JSON.parse(body) as { locale?: string; entities?: Array<{ type?: string; locale?: string }> };
        activity.locale = locale;
        for (const e of activity.entities ?? []) if (e.type === 'clientInfo') e.locale = locale;
        body = JSON.stringify(activity);
      } catch {
        /* not JSON: the bot answers 400 itself */
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (req.headers.authorization) headers.authorization = req.headers.authorization;
      fetch(`${botUrl}${req.url ?? '/api/messages'}`, { method: req.method ?? 'POST', headers, body })
        .then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * On a machine without a desktop the Playground's CLI tries `xdg-open` and fails; a no-op
 * `xdg-open` first on PATH keeps it quiet. With a desktop, the real one opens the browser.
 */
function pathWithoutBrowser(): string {
  const dir = mkdtempSync(join(tmpdir(), 'varna-dev-bin-'));
  const noop = join(dir, 'xdg-open');
  writeFileSync(noop, '#!/bin/sh\nexit 0\n');
  chmodSync(noop, 0o755);
  return `${dir}${delimiter}${process.env.PATH ?? ''}`;
}

/** The Playground writes "Listening on <port>" when its output is not a terminal: the port it really took. */
function listeningPort(child: ChildProcess, timeoutMs = 60_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the Agents Playground did not say its port within ${timeoutMs / 1000} s`)), timeoutMs);
    const read = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const m = /Listening on (\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', read);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Agents Playground exited with code ${code} (its log: devTools/m365agentsplayground.log)`));
    });
  });
}

/**
 * The Playground installs the app in its team only when the user first opens one of the team's
 * channels; until then Värna cannot post there, and a report made first waited in the outbox. The
 * Playground's own installation call (what opening a channel does) installs it at the start.
 */
async function installInTeam(playgroundUrl: string): Promise<void> {
  const config = parse(readFileSync(join(ROOT, '.m365agentsplayground.yml'), 'utf8')) as { team?: { channels?: Array<{ id: string }> } };
  const channel = config.team?.channels?.[0]?.id;
  if (!channel) return;
  const res = await fetch(`${playgroundUrl}/_debug/conversation/${encodeURIComponent(channel)}/installation`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  if (!res.ok)
    console.error(
      `npm run dev: the Playground did not install Värna in its team (${res.status}); open the channel Anmälningar once before making a report`,
    );
}

export async function startDevStack(opts: DevOptions = {}): Promise<DevStack> {
  const storeUrl = storeUrlOf(opts);
  await assertStoreFree(storeUrl);
  const botPort = await choosePort(opts.botPort, DEFAULT_BOT_PORT, '--port');
  const playgroundPort = await choosePort(opts.playgroundPort, DEFAULT_PLAYGROUND_PORT, '--playground-port');
  const out = opts.verbose ? 'inherit' : 'ignore';
  // Local mode: every credential removed, whatever the developer's shell holds.
  const botEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(botPort), NODE_ENV: 'development', VARNA_STORE_URL: storeUrl };
  for (const k of ['BOT_APP_ID', 'BOT_APP_PASSWORD', 'BOT_TENANT_ID', 'VARNA_ALLOWED_TENANTS']) delete botEnv[k];
  Object.assign(botEnv, opts.env);
  const bot = track(
    spawn(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'src/index.ts'], {
      cwd: ROOT,
      env: botEnv,
      stdio: ['ignore', out, 'pipe'],
    }),
  );
  const botSaid = tail(bot.stderr, opts.verbose ? process.stderr : undefined);
  const children: ChildProcess[] = [bot];
  let relay: Server | undefined;
  const stop = async () => {
    for (const c of [...children].reverse()) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve())));
    await new Promise((r) => (relay ? relay.close(r) : r(undefined)));
  };
  try {
    const botUrl = `http://127.0.0.1:${botPort}`;
    await waitFor(`${botUrl}/healthz`, bot, 'the bot', botSaid).catch((error: Error) => {
      // The bot's own refusal (exit code 3), should another process have taken the store since the check.
      throw bot.exitCode === 3 ? new StoreLockedError(botSaid().replace(/^Cannot start: /, '')) : error;
    });
    const front = await localeRelay(botUrl, opts.locale ?? 'sv-SE');
    relay = front.server;
    const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
    const playground = track(
      spawn(
        process.execPath,
        [
          '-r',
          join(__dirname, 'playground-channels.js'),
          require.resolve('@microsoft/m365agentsplayground/cli.js'),
          '-e',
          `${front.url}/api/messages`,
          '-c',
          'msteams',
          '-p',
          String(playgroundPort),
          '--disable-telemetry',
        ],
        {
          cwd: ROOT,
          env: { ...process.env, PATH: headless || !opts.openBrowser ? pathWithoutBrowser() : process.env.PATH },
          stdio: ['ignore', 'pipe', out],
        },
      ),
    );
    children.push(playground);
    if (opts.verbose) playground.stdout?.pipe(process.stdout);
    // Should the port have been taken since it was chosen, the Playground takes another: its word counts.
    const listening = await listeningPort(playground);
    const playgroundUrl = `http://localhost:${listening}`;
    await waitFor(playgroundUrl, playground, 'the Agents Playground', () => 'its log: devTools/m365agentsplayground.log');
    await installInTeam(playgroundUrl);
    return { botUrl, playgroundUrl, botPort, playgroundPort: listening, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Stops every child this process started; for signals that arrive at any moment. */
export function stopAll(): void {
  for (const child of started) child.kill('SIGTERM');
}

/** `--name value`; a number where a port is asked for. */
function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function portOption(name: string): number | undefined {
  const value = option(name);
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} ${value}: not a port (1-65535)`);
  return port;
}

async function main(): Promise<void> {
  const locale = option('--locale');
  let stack: DevStack | undefined;
  const shutdown = () => {
    if (stack) void stack.stop().then(() => process.exit(0));
    else {
      stopAll();
      process.exit(0);
    }
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  const botPort = portOption('--port');
  const playgroundPort = portOption('--playground-port');
  stack = await startDevStack({
    verbose: true,
    openBrowser: true,
    ...(locale ? { locale } : {}),
    ...(botPort !== undefined ? { botPort } : {}),
    ...(playgroundPort !== undefined ? { playgroundPort } : {}),
  });
  console.log(`\n  Värna (local mode):      ${stack.botUrl}/api/messages`);
  console.log(`  Agents Playground:       ${stack.playgroundUrl}   <- open this, say "hej"\n`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`npm run dev: ${error.message}`);
    // 3 as the bot itself: the store is another process's.
    process.exit(error instanceof StoreLockedError ? 3 : 1);
  });
}
