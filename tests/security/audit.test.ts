import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import { verifyAudit } from '../../scripts/verify-audit';
import { loadConfig } from '../../src/config';
import { openStore, type Store } from '../../src/services/store';
import { unkeyedHash } from '../../src/services/store/audit';
import { openDb } from '../../src/services/store/db';
import { migrationProvider } from '../../src/services/store/migrations';
import { startBot, type TestBot } from '../support/bot';
import { ManualClock } from '../support/clock';
import { REPORTS_CHANNEL, TEAM } from '../support/intake';
import { reportInput, submitReport } from '../support/report';
import { createTestStore, testStoreKind, type TestStore } from '../support/store';
import { TENANT, as, type TestUser } from '../support/users';

const KEY_A = Buffer.alloc(32, 0x51).toString('base64');
const KEY_B = Buffer.alloc(32, 0x52).toString('base64');
/** The data and index keys of audit:verify's environment (it reads them for the development audit key). */
const DATA_KEY = Buffer.alloc(32, 0x53).toString('base64');
const FIVE_MINUTES = 5 * 60_000;

/** Press a button on the report's channel card as a member of the channel would. */
async function press(bot: TestBot, user: TestUser, reference: string, verb: string, data: Record<string, unknown> = {}) {
  const report = await bot.services.reports.byReference(reference);
  assert.ok(report?.channelActivityId, 'the card is in the channel');
  const res = await bot.execute(
    user,
    verb,
    { reference, ...data },
    {
      conversation: { conversationType: 'channel', tenantId: TENANT, id: report.channelConversationId, isGroup: true },
      channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
      replyToId: report.channelActivityId,
    },
  );
  assert.ok(res.card, res.message);
}

/** What an attacker with write access to the database but not the key can compute: a plain SHA-256. */
const plainHash = (r: Record<string, unknown>) => createHash('sha256').update(JSON.stringify(r)).digest('hex');

/**
 * Issue 20 §3: the audit log proves what it claims. An attacker who can write to the database
 * (a stolen backup restored, a DBA account, SQL injection elsewhere) but has no audit key deletes
 * entries, edits them and recomputes the hashes, reorders them, or removes a checkpoint with the
 * entries it sealed; `npm run audit:verify` names each.
 */
describe('the audit log proves what it claims', () => {
  let bot: TestBot;
  let dir: string;
  let file: string;
  let first: string;
  let second: string;
  /** The bot's environment (read again at each start). */
  let botEnv: Record<string, string>;
  const db = () => bot.services.store.db;
  /** audit:verify against the bot's store, with the environment an operator would give it. */
  const verify = (args: string[] = ['--checkpoint', file], env: Record<string, string> = {}) =>
    verifyAudit(
      args,
      {
        NODE_ENV: 'test',
        VARNA_CONFIG: 'config/example.yaml',
        VARNA_STORE_URL: bot.store!.url,
        VARNA_AUDIT_KEY: KEY_A,
        VARNA_DATA_KEY: DATA_KEY,
        VARNA_INDEX_KEY: DATA_KEY,
        ...env,
      },
      bot.services.store,
    );
  const chainOf = (reference: string) => db().selectFrom('audit').selectAll().where('chain', '=', reference).orderBy('n').execute();
  const checkpointLines = () => bot.logs.events().filter((e) => e.event === 'audit.checkpoint');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'varna-audit-'));
    file = join(dir, 'checkpoints.jsonl');
    botEnv = { VARNA_AUDIT_KEY: KEY_A, VARNA_AUDIT_CHECKPOINT_FILE: file };
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00'), env: botEnv });
    await bot.installTeam(TEAM, as.intake);
    bot.connector.rosters.set(TEAM, new Set([as.intake.aadObjectId]));
    await bot.installPersonal(as.teacher);
    await bot.services.jobs.runDue(); // the checkpoint job's first sight
    first = (await submitReport(bot, as.teacher, reportInput())).reference;
    await bot.deliver();
    await press(bot, as.intake, first, 'intake.take', { phone: '0123-456 01' });
    await press(bot, as.intake, first, 'intake.protection', { immediate: 'no' });
    second = (await submitReport(bot, as.teacher, reportInput())).reference;
    await bot.deliver();
    // Five minutes on, the scheduled checkpoint seals every chain's head.
    bot.clock.advance(FIVE_MINUTES);
    await bot.services.jobs.runDue();
  });
  afterEach(async () => {
    await bot.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes each checkpoint to the log and the checkpoint file, with counts and a keyed digest and nothing about a person', async () => {
    const [line] = checkpointLines();
    assert.ok(line, 'an audit.checkpoint line in the log');
    assert.deepEqual(
      Object.keys(line)
        .filter((k) => !['level', 'time', 'app', 'msg'].includes(k))
        .sort(),
      ['at', 'chains', 'checkpoint', 'created', 'digest', 'entries', 'event', 'keyId', 'reason'].sort(),
    );
    assert.equal(line.reason, 'interval');
    assert.equal(line.keyId, 'a1');
    assert.match(line.digest, /^[0-9a-f]{64}$/);
    assert.equal(line.entries, (await db().selectFrom('audit').select('seq').execute()).length);
    const inFile = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(inFile, [
      {
        event: 'audit.checkpoint',
        checkpoint: line.checkpoint,
        at: line.at,
        chains: line.chains,
        entries: line.entries,
        keyId: 'a1',
        digest: line.digest,
      },
    ]);
    for (const text of [JSON.stringify(line), readFileSync(file, 'utf8')])
      assert.doesNotMatch(text, new RegExp(`${first}|${second}|${as.teacher.aadObjectId}|${as.intake.aadObjectId}`));
    // Nothing moved: the next interval repeats the checkpoint in the log and adds nothing to the file.
    bot.clock.advance(FIVE_MINUTES);
    await bot.services.jobs.runDue();
    assert.deepEqual(
      checkpointLines().map((l) => [l.checkpoint, l.created]),
      [
        [line.checkpoint, true],
        [line.checkpoint, false],
      ],
    );
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1);
    const ok = await verify();
    assert.equal(ok.code, 0, ok.lines.join('\n'));
    assert.match(ok.lines.join('\n'), /intact/);
  });

  it('names an entry edited and re-hashed with plain SHA-256 (what the database alone allows) as the first altered one', async () => {
    const [, taken, ...after] = await chainOf(first);
    assert.equal(taken!.action, 'intake.take');
    // Another handler "took" the report: the attacker rewrites the entry and every hash after it.
    let prev = taken!.prev_hash;
    for (const r of [{ ...taken!, actor: as.stranger.aadObjectId }, ...after]) {
      const hash = plainHash({ ...r, prev_hash: prev, hash: undefined });
      await db().updateTable('audit').set({ actor: r.actor, prev_hash: prev, hash }).where('seq', '=', r.seq).execute();
      prev = hash;
    }
    await db().updateTable('audit_head').set({ hash: prev }).where('chain', '=', first).execute();
    const result = await verify();
    assert.equal(result.code, 1);
    assert.match(
      result.lines.join('\n'),
      new RegExp(`altered: entry ${taken!.seq} \\(chain "${first}" #2, .*intake\\.take\\) was altered: it does not match its HMAC`),
    );
    assert.deepEqual(await bot.services.store.audit.verify(), { ok: false, brokenAt: taken!.seq });
  });

  it('names entries deleted from the end of a chain: from its head, and when the head is rewound too, from the checkpoint that sealed them', async () => {
    const entries = await chainOf(first);
    const last = entries.at(-1)!;
    await db().deleteFrom('audit').where('seq', '=', last.seq).execute();
    let result = await verify([]);
    assert.equal(result.code, 1);
    assert.match(
      result.lines.join('\n'),
      new RegExp(`missing: chain "${first}": entries #${last.n} are missing \\(its head records ${last.n} entries`),
    );
    // The head rewound to the entry before: consistent again inside the database, but the
    // checkpoint sealed the entry that is gone.
    const before = entries.at(-2)!;
    await db().updateTable('audit_head').set({ n: before.n!, hash: before.hash }).where('chain', '=', first).execute();
    result = await verify([]);
    assert.equal(result.code, 1);
    assert.match(
      result.lines.join('\n'),
      new RegExp(
        `missing: chain "${first}": entries #${last.n} are missing: checkpoint 1 \\(2026-03-02T08:05:00.000Z\\) sealed ${last.n} entries of it`,
      ),
    );
    // The next checkpoint does not seal the rewound chain as it is now, and says so.
    await bot.services.auditCheckpoints.write('interval');
    assert.ok(bot.logs.events().some((e) => e.event === 'audit.checkpoint.mismatch' && e.chains === 1 && e.examples[0] === first));
  });

  it('names a checkpoint removed from the database with the entries it sealed, from the checkpoint file or a line pasted from the log', async () => {
    // A third report after the first checkpoint, sealed by the second.
    const third = (await submitReport(bot, as.teacher, reportInput())).reference;
    bot.clock.advance(FIVE_MINUTES);
    await bot.services.jobs.runDue();
    const line = checkpointLines().at(-1)!;
    assert.equal(line.checkpoint, 2);
    // Everything inside the database that tells of the third report's audit goes.
    await db().deleteFrom('audit').where('chain', '=', third).execute();
    await db().deleteFrom('audit_head').where('chain', '=', third).execute();
    await db().deleteFrom('audit_seal').where('checkpoint', '=', 2).execute();
    await db().deleteFrom('audit_checkpoint').where('id', '=', 2).execute();
    // The database alone looks whole: that is why the checkpoints also go outside it.
    assert.equal((await verify([])).code, 0);
    for (const args of [
      ['--checkpoint', file],
      ['--checkpoint', JSON.stringify(line)],
    ]) {
      const result = await verify(args);
      assert.equal(result.code, 1, args[1]);
      assert.match(
        result.lines.join('\n'),
        /checkpoint: checkpoint 2 \(2026-03-02T08:10:00\.000Z: \d+ entries in \d+ chains\) is missing from the database, whose newest is checkpoint 1 \(2026-03-02T08:05:00\.000Z\): checkpoints and entries written since were removed/,
      );
    }
    // The configured checkpoint file is used when none is named.
    assert.equal((await verify([], { VARNA_AUDIT_CHECKPOINT_FILE: file })).code, 1);
  });

  it('names entries dropped from under a checkpoint even when the database keeps that checkpoint', async () => {
    await db().deleteFrom('audit').where('chain', '=', second).execute();
    await db().deleteFrom('audit_head').where('chain', '=', second).execute();
    const result = await verify();
    assert.equal(result.code, 1);
    assert.match(
      result.lines.join('\n'),
      new RegExp(`missing: chain "${second}": entries #1 are missing: checkpoint 1 \\(2026-03-02T08:05:00.000Z\\) sealed 1 entries of it`),
    );
  });

  it('names entries put in another order, by position or by listing order', async () => {
    const [a, b] = await chainOf(first);
    // Positions swapped (the first entry of the chain now reads as the second).
    await db().updateTable('audit').set({ n: -1 }).where('seq', '=', a!.seq).execute();
    await db().updateTable('audit').set({ n: a!.n }).where('seq', '=', b!.seq).execute();
    await db().updateTable('audit').set({ n: b!.n }).where('seq', '=', a!.seq).execute();
    let result = await verify();
    assert.equal(result.code, 1);
    assert.match(
      result.lines.join('\n'),
      new RegExp(
        `reordered: entry ${b!.seq} \\(chain "${first}" #1, .*intake\\.take\\) was written as #2 of its chain: entries of chain "${first}" were reordered`,
      ),
    );
    // Back, then the sequence numbers swapped instead (what a listing of the log shows first).
    await db().updateTable('audit').set({ n: -1 }).where('seq', '=', a!.seq).execute();
    await db().updateTable('audit').set({ n: b!.n }).where('seq', '=', b!.seq).execute();
    await db().updateTable('audit').set({ n: a!.n }).where('seq', '=', a!.seq).execute();
    assert.equal((await verify()).code, 0);
    const top =
      Number(
        (
          await db()
            .selectFrom('audit')
            .select((eb) => eb.fn.max('seq').as('m'))
            .executeTakeFirstOrThrow()
        ).m,
      ) + 1000;
    await db().updateTable('audit').set({ seq: top }).where('seq', '=', a!.seq).execute();
    await db().updateTable('audit').set({ seq: a!.seq }).where('seq', '=', b!.seq).execute();
    await db().updateTable('audit').set({ seq: b!.seq }).where('seq', '=', top).execute();
    result = await verify();
    assert.equal(result.code, 1);
    assert.match(
      result.lines.join('\n'),
      new RegExp(`reordered: entry ${a!.seq} \\(chain "${first}" #2, .*intake\\.take\\) is listed before the entry it follows`),
    );
  });

  it('verifies with a retired key kept in VARNA_OLD_AUDIT_KEYS, and says which key is missing without it', async () => {
    // The key rotated: the bot restarts with key b1 and keeps a1 to verify.
    await bot.stop();
    Object.assign(botEnv, { VARNA_AUDIT_KEY: KEY_B, VARNA_AUDIT_KEY_ID: 'b1', VARNA_OLD_AUDIT_KEYS: `a1:${KEY_A}` });
    await bot.start();
    await press(bot, as.intake, second, 'intake.take', { phone: '0123-456 01' });
    const [, taken] = await chainOf(second);
    assert.equal(taken!.key_id, 'b1');
    const rotated = { VARNA_AUDIT_KEY: KEY_B, VARNA_AUDIT_KEY_ID: 'b1' };
    const ok = await verify([], { ...rotated, VARNA_OLD_AUDIT_KEYS: `a1:${KEY_A}` });
    assert.equal(ok.code, 0, ok.lines.join('\n'));
    const without = await verify([], rotated);
    assert.equal(without.code, 1);
    assert.match(
      without.lines.join('\n'),
      /entries are signed with audit key "a1", which is not configured \(add it to VARNA_OLD_AUDIT_KEYS/,
    );
    // A wrong key for a1 finds every entry it signed altered.
    const wrong = await verify([], { ...rotated, VARNA_OLD_AUDIT_KEYS: `a1:${Buffer.alloc(32, 1).toString('base64')}` });
    assert.match(wrong.lines.join('\n'), /does not match its HMAC/);
  });

  it('keeps each chain verifiable after retention purged its oldest entries, from a signed start that cannot be moved', async () => {
    bot.clock.set('2031-03-03T09:00:00+01:00');
    const purged = await bot.services.retention.purge();
    assert.equal(purged.auditEntries, 4);
    const ok = await verify();
    assert.equal(ok.code, 0, ok.lines.join('\n'));
    // Someone removes a newer entry and moves the start of its chain past it.
    await bot.services.store.transaction((trx) =>
      bot.services.store.audit.append(
        trx,
        { actor: as.intake.aadObjectId, action: 'report.opened', subject: first, outcome: 'allowed' },
        bot.clock.now(),
      ),
    );
    await db().deleteFrom('audit').where('chain', '=', first).execute();
    const head = await db().selectFrom('audit_head').selectAll().where('chain', '=', first).executeTakeFirstOrThrow();
    await db().updateTable('audit_chain_anchor').set({ n: head.n, hash: head.hash }).where('chain', '=', first).execute();
    const result = await verify();
    assert.equal(result.code, 1);
    assert.match(
      result.lines.join('\n'),
      new RegExp(`anchor: the start of chain "${first}" after retention was altered: entries before it may have been removed`),
    );
  });

  it('runs as npm run audit:verify: exit 0 when intact, 1 with the finding, 2 for a checkpoint it cannot read', async function () {
    this.timeout(120_000);
    const [, taken] = await chainOf(first);
    await bot.stop();
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      VARNA_CONFIG: 'config/example.yaml',
      VARNA_STORE_URL: bot.store!.url,
      VARNA_AUDIT_KEY: KEY_A,
      VARNA_DATA_KEY: DATA_KEY,
      VARNA_INDEX_KEY: DATA_KEY,
    };
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'scripts/verify-audit.ts', ...args], {
        env,
        encoding: 'utf8',
      });
    let res = run('--checkpoint', file);
    assert.equal(res.status, 0, res.stderr);
    assert.match(
      res.stdout,
      new RegExp(`audit log: \\d+ entries in \\d+ chains\ncheckpoint 1 .*, the database's newest and given: ${file}\nintact`),
    );
    const raw = await openStore(bot.store!.url);
    await raw.db.updateTable('audit').set({ detail: '{"phone":"x"}' }).where('seq', '=', taken!.seq).execute();
    await raw.close();
    res = run('--checkpoint', file);
    assert.equal(res.status, 1);
    assert.match(res.stderr, new RegExp(`BROKEN: 1 finding\\n  altered: entry ${taken!.seq} `));
    writeFileSync(join(dir, 'junk.txt'), 'no checkpoint here\n');
    res = run('--checkpoint', join(dir, 'junk.txt'));
    assert.equal(res.status, 2);
    assert.match(res.stderr, /no audit checkpoint in/);
    await bot.start();
  });
});

describe('audit checkpoints at start and at shutdown', () => {
  let bot: TestBot;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'varna-audit-'));
  });
  afterEach(async () => {
    await bot.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seals the heads when Värna starts and when it stops, so what was written before a restart is in the checkpoint file', async () => {
    const file = join(dir, 'checkpoints.jsonl');
    bot = await startBot({
      clock: new ManualClock('2026-03-02T09:00:00+01:00'),
      deliverInBackground: true,
      env: { VARNA_AUDIT_KEY: KEY_A, VARNA_AUDIT_CHECKPOINT_FILE: file },
    });
    await bot.installPersonal(as.teacher);
    const { reference } = await submitReport(bot, as.teacher, reportInput());
    await bot.stop();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { checkpoint: number; chains: number; entries: number });
    assert.deepEqual(
      lines.map((l) => [l.checkpoint, l.chains, l.entries]),
      [
        [1, 0, 0],
        [2, 1, 1],
      ],
    );
    assert.deepEqual(
      bot.logs
        .events()
        .filter((e) => e.event === 'audit.checkpoint')
        .map((e) => [e.reason, e.checkpoint]),
      [
        ['start', 1],
        ['shutdown', 2],
      ],
    );
    await bot.start();
    const result = await verifyAudit(
      ['--checkpoint', file],
      {
        NODE_ENV: 'test',
        VARNA_CONFIG: 'config/example.yaml',
        VARNA_STORE_URL: bot.store!.url,
        VARNA_AUDIT_KEY: KEY_A,
        VARNA_DATA_KEY: DATA_KEY,
        VARNA_INDEX_KEY: DATA_KEY,
      },
      bot.services.store,
    );
    assert.equal(result.code, 0, result.lines.join('\n'));
    assert.equal((await bot.services.store.db.selectFrom('audit').select('chain').executeTakeFirstOrThrow()).chain, reference);
  });
});

describe('the audit log under concurrent writers (PostgreSQL)', () => {
  let place: TestStore;
  let store: Store;
  beforeEach(async function () {
    if (testStoreKind !== 'postgres') this.skip();
    place = await createTestStore();
    store = await openStore(place.url);
    store.audit.useKeys({ currentId: 'a1', keys: new Map([['a1', Buffer.from(KEY_A, 'base64')]]) });
  });
  afterEach(async () => {
    if (testStoreKind !== 'postgres') return;
    await store.close();
    await place.drop();
  });

  it('lets a transaction auditing one report commit while another, auditing a different report, is still open', async () => {
    const at = new Date('2026-03-02T08:00:00Z');
    const entry = (subject: string) => ({ actor: 'a', action: 'report.submitted', subject, outcome: 'allowed' as const });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let appended!: () => void;
    const inside = new Promise<void>((r) => (appended = r));
    // A: appends for VÄ-1 and stays open.
    const a = store.transaction(async (trx) => {
      await store.audit.append(trx, entry('VÄ-2026-00001'), at);
      appended();
      await held;
    });
    await inside;
    // B: a different report. Before, it queued behind A on the one audit lock; a lock wait
    // longer than two seconds fails it here instead of hanging.
    await store.transaction(async (trx) => {
      await sql`set local lock_timeout = '2s'`.execute(trx);
      await store.audit.append(trx, entry('VÄ-2026-00002'), at);
    });
    // C: the same report as A waits for A (one chain, one writer at a time).
    await assert.rejects(
      store.transaction(async (trx) => {
        await sql`set local lock_timeout = '200ms'`.execute(trx);
        await store.audit.append(trx, entry('VÄ-2026-00001'), at);
      }),
      /lock timeout/,
    );
    release();
    await a;
    await store.transaction((trx) => store.audit.append(trx, entry('VÄ-2026-00001'), at));
    assert.deepEqual(await store.audit.verify(), { ok: true, entries: 3 });
    assert.deepEqual(
      (await store.db.selectFrom('audit_head').selectAll().orderBy('chain').execute()).map((h) => [h.chain, h.n]),
      [
        ['VÄ-2026-00001', 2],
        ['VÄ-2026-00002', 1],
      ],
    );
  });
});

describe('audit entries written before the audit key', () => {
  let place: TestStore;
  beforeEach(async () => {
    place = await createTestStore();
  });
  afterEach(async () => place.drop());

  it('still verify, and an old entry edited and re-hashed the old way after the first checkpoint is caught', async () => {
    // A database as the previous version left it: migrated up to 0060, three entries in the old
    // single chain, the oldest purged (its anchor kept).
    const old = await openDb(place.url);
    const migrationTableSchema = old.dialect === 'postgres' ? place.schema : undefined;
    await new Migrator({
      db: old.db,
      provider: migrationProvider,
      allowUnorderedMigrations: true,
      ...(migrationTableSchema ? { migrationTableSchema } : {}),
    }).migrateTo('0060-outbox-deadline');
    let prev = 'genesis';
    const rows = [];
    for (let seq = 1; seq <= 4; seq++) {
      const row = {
        at: `2026-01-0${seq}T08:00:00.000Z`,
        actor: 'b2b2b2b2-0000-4000-8000-000000000001',
        action: 'report.opened',
        subject: `VÄ-2026-0000${seq}`,
        outcome: 'allowed' as const,
        detail: '{}',
      };
      const hash = unkeyedHash(prev, seq, row);
      rows.push({ seq, ...row, prev_hash: prev, hash });
      prev = hash;
    }
    await sql`insert into audit_anchor (seq, hash, purged_at) values (1, ${rows[0]!.hash}, '2026-01-05T00:00:00.000Z')`.execute(old.db);
    for (const r of rows.slice(1))
      await sql`insert into audit (seq, at, actor, action, subject, outcome, detail, prev_hash, hash) values (${r.seq}, ${r.at}, ${r.actor}, ${r.action}, ${r.subject}, ${r.outcome}, ${r.detail}, ${r.prev_hash}, ${r.hash})`.execute(
        old.db,
      );
    await old.close();

    const store = await openStore(place.url);
    try {
      store.audit.useKeys({ currentId: 'a1', keys: new Map([['a1', Buffer.from(KEY_A, 'base64')]]) });
      let result = await store.audit.check();
      assert.deepEqual([result.ok, result.entries, result.oldEntries], [true, 3, 3], JSON.stringify(result.findings));
      // New entries go to their own chains, signed; the first checkpoint seals the old chain's head.
      await store.transaction((trx) =>
        store.audit.append(
          trx,
          { actor: 'a', action: 'report.submitted', subject: 'VÄ-2026-00009', outcome: 'allowed' },
          new Date('2026-03-02T08:00:00Z'),
        ),
      );
      const { record } = await store.audit.checkpoint(new Date('2026-03-02T08:05:00Z'));
      assert.equal((await store.audit.check({ checkpoint: record })).ok, true);
      // Entry 3 edited, and it and entry 4 re-hashed the old way (no key needed for that).
      const edited = { ...rows[2]!, actor: 'c3c3c3c3-0000-4000-8000-000000000001' };
      edited.hash = unkeyedHash(edited.prev_hash, 3, edited);
      const next = { ...rows[3]!, prev_hash: edited.hash };
      next.hash = unkeyedHash(next.prev_hash, 4, next);
      for (const r of [edited, next])
        await store.db
          .updateTable('audit')
          .set({ actor: r.actor, prev_hash: r.prev_hash, hash: r.hash })
          .where('seq', '=', r.seq)
          .execute();
      await store.db.updateTable('audit_head').set({ hash: next.hash }).where('chain', '=', '').execute();
      result = await store.audit.check({ checkpoint: record });
      assert.equal(result.ok, false);
      assert.deepEqual(
        result.findings.map((f) => f.message),
        ['the old unkeyed chain: entry #4 is not the one checkpoint 1 (2026-03-02T08:05:00.000Z) sealed: it was replaced'],
      );
    } finally {
      await store.close();
    }
  });
});

describe('the audit key in production', () => {
  it('is required, and must not be the data or index key', () => {
    const base = {
      NODE_ENV: 'production',
      BOT_APP_ID: '00000000-0000-4000-8000-0000000000aa',
      BOT_APP_PASSWORD: 'x',
      BOT_TENANT_ID: TENANT,
      VARNA_DATA_KEY: KEY_A,
      VARNA_INDEX_KEY: KEY_B,
      VARNA_CONFIG: 'config/example.yaml',
      VARNA_PUBLIC_URL: 'https://varna.exempel.se',
    };
    assert.throws(() => loadConfig(base), /VARNA_AUDIT_KEY: required in production/);
    assert.throws(() => loadConfig({ ...base, VARNA_AUDIT_KEY: KEY_A }), /VARNA_AUDIT_KEY: must be a key of its own/);
    assert.throws(
      () => loadConfig({ ...base, VARNA_AUDIT_KEY: Buffer.alloc(32, 3).toString('base64'), VARNA_OLD_AUDIT_KEYS: 'a0:short' }),
      /VARNA_OLD_AUDIT_KEYS: must be id:base64/,
    );
    assert.equal(loadConfig({ ...base, VARNA_AUDIT_KEY: Buffer.alloc(32, 3).toString('base64') }).env.VARNA_AUDIT_KEY_ID, 'a1');
  });
});
