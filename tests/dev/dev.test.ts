import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { parse } from 'yaml';
import { openDb, type Db } from '../../src/services/store/db';
import { testStoreKind } from '../support/store';

/**
 * `npm run dev` as a newcomer meets it: on a machine where the usual ports are taken, or where a
 * Värna already runs on the store. The script itself is run (`tsx scripts/dev.ts`, what npm runs),
 * with the real bot and the real Agents Playground. It uses SQLite and ports only, so it runs once,
 * in the SQLite pass of `npm test`.
 */
describe('npm run dev', function () {
  this.timeout(120_000);
  let dir: string;
  let dev: ChildProcess | undefined;
  const held: Server[] = [];

  before(function () {
    if (testStoreKind !== 'sqlite') this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'varna-dev-test-'));
  });
  afterEach(async () => {
    if (dev && dev.exitCode === null && dev.signalCode === null) {
      const exited = new Promise((r) => dev!.once('exit', r));
      dev.kill('SIGTERM');
      const timer = setTimeout(() => dev?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    dev = undefined;
    await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Holds a port as another program would; a port someone else holds already is just as taken. */
  async function hold(port: number): Promise<void> {
    const server = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, () => resolve(true));
    });
    if (ok) held.push(server);
  }

  async function isFree(port: number): Promise<boolean> {
    const probe = createServer();
    return new Promise((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(port, () => probe.close(() => resolve(true)));
    });
  }

  interface Run {
    out: string;
    err: string;
    code?: number | null;
    banner?: { bot: URL; playground: URL };
  }

  /** Starts the script; resolves at its banner, or when it exits without one. */
  function startDev(args: string[], storeUrl = `sqlite:${join(dir, 'varna.db')}`): Promise<Run> {
    const run: Run = { out: '', err: '' };
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'scripts/dev.ts', ...args], {
      env: { ...process.env, VARNA_STORE_URL: storeUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    dev = child;
    return new Promise((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        run.out += chunk.toString('utf8');
        const bot = /Värna \(local mode\): +(\S+)/.exec(run.out);
        const playground = /Agents Playground: +(\S+)/.exec(run.out);
        if (bot && playground && !run.banner) {
          run.banner = { bot: new URL(bot[1]!), playground: new URL(playground[1]!) };
          resolve(run);
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (run.err += chunk.toString('utf8')));
      child.once('exit', (code) => {
        run.code = code;
        resolve(run);
      });
    });
  }

  const unit = () => {
    const config = parse(readFileSync('config/example.yaml', 'utf8')) as {
      intakeUnits: Array<{ teamId: string; reportsChannelId: string; consultationsChannelId: string }>;
    };
    return config.intakeUnits[0]!;
  };

  it('takes free ports when 3978 and 56150 are taken, and its banner names the ports it took @slow', async () => {
    await hold(3978);
    await hold(56150);
    const run = await startDev([]);
    assert.ok(run.banner, `no banner; exit ${run.code}\n${run.err}`);
    const botPort = Number(run.banner.bot.port);
    const playgroundPort = Number(run.banner.playground.port);
    assert.notEqual(botPort, 3978);
    assert.notEqual(playgroundPort, 56150);
    assert.equal((await fetch(new URL('/healthz', run.banner.bot))).status, 200, 'the bot answers on the port the banner names');
    assert.equal((await fetch(run.banner.playground.href)).status, 200, 'the Playground answers on the port the banner names');

    // Both of the intake unit's channels are in the Playground's team, as the bot sees it.
    const { teamId, reportsChannelId, consultationsChannelId } = unit();
    const res = await fetch(new URL(`/_connector/v3/teams/${encodeURIComponent(teamId)}/conversations`, run.banner.playground));
    const channels = ((await res.json()) as { conversations: Array<{ id: string }> }).conversations.map((c) => c.id);
    assert.ok(channels.includes(reportsChannelId), `reports channel in ${channels.join(', ')}`);
    assert.ok(channels.includes(consultationsChannelId), `consultations channel in ${channels.join(', ')}`);
    // Installed in the team at the start, so a report can be posted before anyone opens a channel.
    for (let i = 0; i < 40 && !run.out.includes('"event":"installation.team"'); i++) await new Promise((r) => setTimeout(r, 250));
    assert.match(run.out, /"event":"installation\.team","team":"19:exempel-ifo-team@thread\.tacv2"/);

    dev!.kill('SIGTERM');
    await new Promise((r) => dev!.once('exit', r));
    assert.ok(await isFree(botPort), 'the bot stopped with it');
    assert.ok(await isFree(playgroundPort), 'the Playground stopped with it');
  });

  it('uses the ports given with --port and --playground-port', async () => {
    const [botPort, playgroundPort] = [await freePort(), await freePort()];
    const run = await startDev(['--port', String(botPort), '--playground-port', String(playgroundPort)]);
    assert.ok(run.banner, `no banner; exit ${run.code}\n${run.err}`);
    assert.equal(Number(run.banner.bot.port), botPort);
    assert.equal(Number(run.banner.playground.port), playgroundPort);
  });

  it('stops before any banner when a port given is taken, and says which', async () => {
    const port = await freePort();
    await hold(port);
    const run = await startDev(['--port', String(port)]);
    assert.equal(run.code, 1);
    assert.match(run.err, new RegExp(`port ${port} \\(--port\\) is in use`));
    assert.doesNotMatch(run.out, /Värna \(local mode\)|Agents Playground:|Listening on/);
  });

  it('stops before any banner when another Värna process holds the store, and says so (exit code 3)', async () => {
    const storeUrl = `sqlite:${join(dir, 'varna.db')}`;
    // What a running Värna holds: the store, opened exclusively (src/services/store/db.ts).
    const other: Db = await openDb(storeUrl);
    try {
      await sql`select 1`.execute(other.db);
      const run = await startDev([], storeUrl);
      assert.equal(run.code, 3, run.err);
      assert.match(run.err, /varna\.db is in use by another Värna process/);
      assert.doesNotMatch(run.out, /Värna \(local mode\)|Agents Playground:|Listening on/);
    } finally {
      await other.close();
    }
  });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}
