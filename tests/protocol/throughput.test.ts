import assert from 'node:assert/strict';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Pool } from 'pg';
import { up as referenceSequences } from '../../src/services/store/migrations/0161-report-reference-sequences';
import { foldRollup, rollupDifferences } from '../../src/services/stat-rollup';
import { startBot, type TestBot } from '../support/bot';
import { textOf } from '../support/cards';
import { ManualClock } from '../support/clock';
import { REPORTS_CHANNEL, TEAM, intakeReady } from '../support/intake';
import { fillReport, submitReport } from '../support/report';
import { createTestStore, testStoreKind } from '../support/store';
import { as } from '../support/users';

/**
 * Issue 20 §3: on PostgreSQL, submits and intake actions do not queue on a row they all write (the
 * year's reference counter, the statistics roll-up's cells and version). What that must not cost:
 * every reference unique, every report and every take counted once in the figures. Run on both
 * stores; the concurrency is real on PostgreSQL (SQLite has one writer).
 */
describe('submits and intake actions at the same time', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await intakeReady(bot);
    await bot.installPersonal(as.otherTeacher);
  });
  afterEach(async () => bot.destroy()); // also checks the figures against the rows

  async function take(reference: string, by: typeof as.intake) {
    const report = await bot.services.reports.byReference(reference);
    assert.ok(report?.channelActivityId, 'the card is in the channel');
    return bot.execute(
      by,
      'intake.take',
      { reference, phone: '0123-456 01' },
      {
        conversation: {
          conversationType: 'channel',
          tenantId: 'e0e0e0e0-1111-4222-8333-444455556666',
          id: report.channelConversationId,
          isGroup: true,
        },
        channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
        replyToId: report.channelActivityId,
      },
    );
  }

  it('gives every report its own reference and counts every report and every take once', async function () {
    this.timeout(120_000);
    const sent: string[] = [];
    for (let i = 0; i < 6; i++) sent.push((await submitReport(bot, i % 2 ? as.otherTeacher : as.teacher)).reference);
    await bot.deliver();
    const drafts: Array<{ user: typeof as.teacher; draftId: string }> = [];
    for (let i = 0; i < 8; i++) {
      const user = i % 2 ? as.otherTeacher : as.teacher;
      drafts.push({ user, draftId: (await fillReport(bot, user)).draftId });
    }

    // Eight submits, six takes (two of them twice, by two people) and statistics folds, all at once.
    const submits = drafts.map(({ user, draftId }) => bot.execute(user, 'report.submit', { draftId }));
    const takes = [...sent, sent[0]!, sent[1]!].map((reference, i) => take(reference, i < sent.length ? as.intake : as.intake2));
    const folds = [foldRollup(bot.services.store.db), foldRollup(bot.services.store.db)];
    const [receipts, taken] = await Promise.all([Promise.all(submits), Promise.all(takes), Promise.all(folds)]);

    const references = receipts.map((r) => /VÄ-2026-\d{5}/.exec(textOf(r.card))?.[0]);
    assert.equal(references.filter(Boolean).length, 8, 'every submit got its receipt');
    assert.equal(new Set([...sent, ...references]).size, 14, 'no reference given twice');
    const handlers = await bot.services.store.db
      .selectFrom('reports')
      .select(['reference', 'handler_aad'])
      .where('reference', 'in', sent)
      .execute();
    assert.ok(
      handlers.every((h) => h.handler_aad),
      'each report taken',
    );
    assert.equal(
      taken.filter((t) => /har redan tagit|already taken/i.test(textOf(t.card ?? {}) + (t.message ?? ''))).length,
      2,
      'a second take is refused',
    );

    assert.deepEqual(await rollupDifferences(bot.services.store.db), []);
    await foldRollup(bot.services.store.db);
    const db = bot.services.store.db;
    assert.equal(
      (await db.selectFrom('stat_count_deltas').select('id').execute()).length +
        (await db.selectFrom('stat_duration_deltas').select('id').execute()).length,
      0,
    );
    const reports = await db
      .selectFrom('stat_counts')
      .select((eb) => eb.fn.sum<number>('reports').as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(reports.n), 14);
    const receipts6 = await db
      .selectFrom('stat_durations')
      .select((eb) => eb.fn.sum<number>('n').as('n'))
      .where('measure', '=', 'receiptHours')
      .executeTakeFirstOrThrow();
    assert.equal(Number(receipts6.n), 6, 'each take counted once in the time to receipt');
  });

  it('numbers the references of a year in order when nothing fails, from 00001', async () => {
    const refs: string[] = [];
    for (let i = 0; i < 3; i++) refs.push((await submitReport(bot, as.teacher)).reference);
    assert.deepEqual(refs, ['VÄ-2026-00001', 'VÄ-2026-00002', 'VÄ-2026-00003']);
  });

  (testStoreKind === 'postgres' ? it : it.skip)(
    'continues the year after its counter, and an instance of the previous version takes numbers from the same sequence (PostgreSQL)',
    async () => {
      const db = bot.services.store.db;
      // A year the previous version had counted to 41 before the upgrade (written past the trigger,
      // as before migration 0161); its sequence is made at the year's first report under this version.
      await sql`alter table counters disable trigger counters_report_number`.execute(db);
      await db.insertInto('counters').values({ name: 'report:2031', value: 41 }).execute();
      await sql`alter table counters enable trigger counters_report_number`.execute(db);
      const first = await bot.services.store.transaction((trx) => bot.services.store.references.nextReportNumber(trx, '2031'));
      assert.equal(first, 42);
      // The previous version's statement, as it ran in its submit:
      const old = await sql<{
        value: number;
      }>`insert into counters (name, value) values ('report:2031', 1) on conflict (name) do update set value = counters.value + 1 returning value`.execute(
        db,
      );
      const oldNumber = Number(old.rows[0]!.value);
      const next = await bot.services.store.transaction((trx) => bot.services.store.references.nextReportNumber(trx, '2031'));
      assert.ok(oldNumber > first && next > oldNumber, `${first} < ${oldNumber} < ${next}: one sequence for both versions`);
    },
  );

  (testStoreKind === 'postgres' ? it : it.skip)(
    'upgrades a year already counted to a sequence that continues after its counter (migration 0161, PostgreSQL)',
    async () => {
      const place = await createTestStore();
      const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new Pool({ connectionString: place.url, max: 1 }) }) });
      try {
        await sql`create table counters (name text primary key, value integer not null)`.execute(db);
        await db
          .insertInto('counters')
          .values([
            { name: 'report:2026', value: 17 },
            { name: 'consultation', value: 5 },
          ])
          .execute();
        await referenceSequences(db);
        const next = await sql<{ n: string }>`select varna_report_number('2026') as n`.execute(db);
        assert.equal(Number(next.rows[0]!.n), 18);
        const consultation = await sql<{
          value: number;
        }>`update counters set value = value + 1 where name = 'consultation' returning value`.execute(db);
        assert.equal(Number(consultation.rows[0]!.value), 6, 'other counters count as before');
      } finally {
        await db.destroy();
        await place.drop();
      }
    },
  );
});
