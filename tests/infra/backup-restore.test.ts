import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { ConfigError, loadConfig } from '../../src/config';
import { startBot, type TestBot } from '../support/bot';
import { ManualClock } from '../support/clock';
import { REPORTS_CHANNEL, TEAM } from '../support/intake';
import { TEST_CHILD, reportInput, submitReport } from '../support/report';
import { testStoreKind } from '../support/store';
import { as } from '../support/users';

interface Run {
  status: number | null;
  stdout: string;
}
/** `npm run backup -- <file>` as an administrator runs it, beside the running Värna. */
function backup(storeFile: string, dest: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'src/cli/backup.ts', dest], {
      env: { PATH: process.env.PATH, VARNA_STORE_URL: `sqlite:${storeFile}` },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout }));
  });
}

async function ready(bot: TestBot): Promise<void> {
  await bot.installTeam(TEAM, as.intake);
  bot.connector.rosters.set(TEAM, new Set([as.intake.aadObjectId]));
  await bot.installPersonal(as.teacher);
  await bot.installPersonal(as.otherTeacher);
}

describe('npm run backup: the embedded store copied while Värna runs, and restored', function () {
  this.timeout(120_000);
  let bot: TestBot | undefined;
  let restored: TestBot | undefined;
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'varna-backup-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    await restored?.destroy();
    await bot?.destroy();
    restored = bot = undefined;
    dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  it('takes a consistent copy while reports are being submitted; the restored store starts and every report in it decrypts', async function () {
    if (testStoreKind !== 'sqlite') this.skip(); // PostgreSQL: the server's backups (docs/deployment.md)
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await ready(bot);
    const before = [];
    for (let i = 0; i < 4; i++) before.push((await submitReport(bot, as.teacher, reportInput())).reference);

    // Two teachers keep submitting over the protocol while the backup runs beside Värna.
    const dest = join(tempDir(), 'varna-backup.db');
    let done = false;
    const during: string[] = [];
    const load = (who: typeof as.teacher) =>
      (async () => {
        while (!done) during.push((await submitReport(bot!, who, reportInput())).reference);
      })();
    const loads = [load(as.teacher), load(as.otherTeacher)];
    const run = await backup(join(bot.dataDir, 'varna.db'), dest).finally(() => (done = true));
    await Promise.all(loads);
    assert.equal(run.status, 0, run.stdout);
    assert.match(run.stdout, /backup of .* complete, taken by the running Värna/);
    assert.ok(during.length >= 2, 'reports were being submitted while the backup ran');
    assert.ok(bot.logs.events().some((l) => l.event === 'backup.done'));
    assert.ok(!existsSync(`${dest}.partial`));

    // The copy is a whole database at one moment: intact, and every report with its channel card queued.
    const copy = new SqliteDatabase(dest, { readonly: true });
    try {
      assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
      const refs = (copy.prepare('select reference from reports').all() as Array<{ reference: string }>).map((r) => r.reference);
      for (const ref of before) assert.ok(refs.includes(ref), `${ref}, submitted before the backup, is in it`);
      const cards = copy.prepare("select count(*) as n from outbox where dedupe_key like 'report:%:channel'").get() as { n: number };
      assert.equal(cards.n, refs.length, 'each report in the copy has its channel card with it (one transaction)');
    } finally {
      copy.close();
    }

    // Restore: the file becomes the store of a new Värna (same keys), which starts on it.
    const restoreDir = tempDir();
    copyFileSync(dest, join(restoreDir, 'varna.db'));
    restored = await startBot({ clock: new ManualClock('2026-03-02T10:00:00+01:00'), dataDir: restoreDir });
    const rows = await restored.services.store.db.selectFrom('reports').select('reference').execute();
    assert.ok(rows.length >= before.length);
    for (const { reference } of rows) {
      const report = await restored.services.reports.byReference(reference);
      assert.ok(report, reference);
      const content = await restored.services.reports.content(report);
      assert.equal(content.child.childName, TEST_CHILD, `${reference} decrypts`);
    }
  });

  it('copies the file itself when Värna is not running, and never overwrites a file', async function () {
    if (testStoreKind !== 'sqlite') this.skip();
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await ready(bot);
    await submitReport(bot, as.teacher, reportInput());
    await bot.stop();
    const storeFile = join(bot.dataDir, 'varna.db');
    const dest = join(tempDir(), 'b.db');
    const run = await backup(storeFile, dest);
    assert.equal(run.status, 0, run.stdout);
    assert.match(run.stdout, /complete \(Värna was not running\)/);
    const again = await backup(storeFile, dest);
    assert.equal(again.status, 2);
    assert.match(again.stdout, /exists already; a backup never overwrites a file/);
    await bot.start();
  });
});

describe('VARNA_OUTBOX_PAUSED: a restored store starts without sending its old messages', () => {
  let bot: TestBot | undefined;
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'varna-paused-'))));
  afterEach(async () => {
    await bot?.destroy();
    bot = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers nothing while set, is still ready, says so in the log; after a restart without it the card goes', async () => {
    const env: Record<string, string> = { VARNA_OUTBOX_PAUSED: '1' };
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00'), dataDir: dir, env });
    await ready(bot);
    bot.services.outbox.start(); // what production does at start (tests drain by hand)
    assert.ok(bot.logs.events().some((l) => l.event === 'outbox.paused' && l.level === 40));
    await submitReport(bot, as.teacher, reportInput());
    const channelPosts = (b: TestBot) =>
      b.connector.calls.filter((c) => c.method === 'POST' && c.body?.channelData?.channel?.id === REPORTS_CHANNEL);
    assert.equal(await bot.services.outbox.drain(), 0);
    await bot.deliver();
    assert.equal(channelPosts(bot).length, 0, 'no card in the intake channel');
    const pending = await bot.services.store.db
      .selectFrom('outbox')
      .select(['status', 'attempts'])
      .where('dedupe_key', 'like', 'report:%:channel')
      .execute();
    assert.deepEqual(pending, [{ status: 'pending', attempts: 0 }], 'the message waits, untouched');
    assert.equal((await fetch(`${bot.url}/readyz`)).status, 200, 'ready: Värna answers users meanwhile');

    delete env.VARNA_OUTBOX_PAUSED;
    await bot.restart();
    await bot.deliver();
    assert.equal(channelPosts(bot).length, 1, 'the card goes once the pause is lifted');
  });

  it('accepts only 1 or 0', () => {
    assert.throws(
      () => loadConfig({ VARNA_OUTBOX_PAUSED: 'yes' }),
      (e: unknown) => e instanceof ConfigError && /VARNA_OUTBOX_PAUSED: must be 1 \(paused\) or 0/.test(e.message),
    );
  });
});
