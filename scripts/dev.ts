/**
 * `npm run dev`: Värna in local mode on the embedded store, and the Microsoft 365 Agents Playground
 * connected to it, offline. Open the Playground's address in a browser and say "hej".
 *
 *   npm run dev                      the user speaks Swedish (sv-SE)
 *   npm run dev -- --locale en-US    the user's Teams is in English
 *
 * Local mode means no bot credentials: the bot accepts unauthenticated activities. Never point
 * this at real data. Ctrl-C stops both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const ROOT = join(__dirname, '..');
/** Every child this process started, so a signal at any moment (also during start) stops them. */
const started = new Set<ChildProcess>();
const track = (child: ChildProcess): ChildProcess => {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
};
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

export interface DevOptions {
  botPort?: number;
  playgroundPort?: number;
  /** The bot's store; default the developer's own data/varna.db. */
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
  stop(): Promise<void>;
}

async function waitFor(url: string, child: ChildProcess, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
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

export async function startDevStack(opts: DevOptions = {}): Promise<DevStack> {
  const botPort = opts.botPort ?? 3978;
  const playgroundPort = opts.playgroundPort ?? 56150;
  const stdio = opts.verbose ? 'inherit' : 'ignore';
  // Local mode: every credential removed, whatever the developer's shell holds.
  const botEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(botPort), NODE_ENV: 'development', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --disable-warning=DEP0111`.trim() };
  for (const k of ['BOT_APP_ID', 'BOT_APP_PASSWORD', 'BOT_TENANT_ID', 'VARNA_ALLOWED_TENANTS']) delete botEnv[k];
  if (opts.storeUrl) botEnv.VARNA_STORE_URL = opts.storeUrl;
  Object.assign(botEnv, opts.env);
  const bot = track(spawn(bin('tsx'), ['src/index.ts'], { cwd: ROOT, env: botEnv, stdio: ['ignore', stdio, stdio] }));
  const children: ChildProcess[] = [bot];
  let relay: Server | undefined;
  const stop = async () => {
    for (const c of [...children].reverse()) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve())));
    await new Promise((r) => (relay ? relay.close(r) : r(undefined)));
  };
  try {
    const botUrl = `http://127.0.0.1:${botPort}`;
    await waitFor(`${botUrl}/healthz`, bot, 'the bot');
    const front = await localeRelay(botUrl, opts.locale ?? 'sv-SE');
    relay = front.server;
    const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
    const playground = track(
      spawn(
        bin('agentsplayground'),
        ['-e', `${front.url}/api/messages`, '-c', 'msteams', '-p', String(playgroundPort), '--disable-telemetry'],
        { cwd: ROOT, env: { ...process.env, PATH: headless || !opts.openBrowser ? pathWithoutBrowser() : process.env.PATH }, stdio: ['ignore', stdio, stdio] },
      ),
    );
    children.push(playground);
    const playgroundUrl = `http://localhost:${playgroundPort}`;
    await waitFor(playgroundUrl, playground, 'the Agents Playground');
    return { botUrl, playgroundUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Stops every child this process started; for signals that arrive at any moment. */
export function stopAll(): void {
  for (const child of started) child.kill('SIGTERM');
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--locale');
  const locale = i >= 0 ? process.argv[i + 1] : undefined;
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
  stack = await startDevStack({ verbose: true, openBrowser: true, ...(locale ? { locale } : {}) });
  console.log(`\n  Värna (local mode):      ${stack.botUrl}/api/messages`);
  console.log(`  Agents Playground:       ${stack.playgroundUrl}   <- open this, say "hej"\n`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`npm run dev: ${error.message}`);
    process.exit(1);
  });
}
