import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testStoreKind } from '../support/store';

/** Every process below `pid`, as Linux lists them (/proc/<pid>/task/<tid>/children). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const visit = (p: number) => {
    const tasks = `/proc/${p}/task`;
    if (!existsSync(tasks)) return;
    for (const tid of readdirSync(tasks)) {
      const file = join(tasks, tid, 'children');
      const children = existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
      for (const child of children) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

/**
 * `npm start` is `npm run build` and then the bot. A platform or a developer stops it by sending
 * SIGTERM to npm: the bot must stop with it. npm passes the signal to the shell that runs the
 * script, and the shell (dash) ended without passing it on, leaving the bot serving on its port
 * with no parent. Runs the real command, build included, once (in the SQLite pass of npm test).
 */
describe('npm start', function () {
  this.timeout(300_000);
  let dir: string;
  const leftovers: number[] = [];

  before(function () {
    if (testStoreKind !== 'sqlite' || process.platform !== 'linux') this.skip();
    dir = mkdtempSync(join(tmpdir(), 'varna-npm-start-'));
  });
  after(() => {
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops the bot when npm gets SIGTERM: the port is free and no process of it is left @slow', async () => {
    const port = await freePort();
    const npm = spawn('npm', ['start'], {
      env: {
        ...process.env,
        PORT: String(port),
        VARNA_STORE_URL: `sqlite:${join(dir, 'varna.db')}`,
        VARNA_CONFIG: 'config/example.yaml',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    npm.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const npmExit = new Promise<void>((resolve) => npm.once('exit', () => resolve()));

    let up = false;
    for (let i = 0; i < 960 && !up && npm.exitCode === null; i++) {
      up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!up) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(up, `npm start did not come up on port ${port}: ${stderr.slice(-500)}`);
    const below = descendants(npm.pid!);
    leftovers.push(...below);
    assert.ok(below.length > 0, 'npm runs the bot in a process of its own');

    npm.kill('SIGTERM');
    await npmExit;
    // The bot stops gracefully (store closed) before npm, which waits for it, exits.
    for (let i = 0; i < 40 && below.some(alive); i++) await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(below.filter(alive), [], 'no process npm started is left');
    const answered = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => true,
      () => false,
    );
    assert.equal(answered, false, `nothing answers on port ${port} any more`);
  });
});
