import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Migrator, sql, type Kysely } from 'kysely';
import {
  dayBucket,
  foldRollup,
  foldRollupIn,
  hourBucket,
  rebuildRollup,
  reportContribution,
  reportFactColumns,
  rollupDifferences,
  RollupDelta,
  trackConsultation,
  trackReport,
} from '../../src/services/stat-rollup';
import { openStore, type Store } from '../../src/services/store';
import { openDb } from '../../src/services/store/db';
import { migrationProvider } from '../../src/services/store/migrations';
import type { ReportTable } from '../../src/services/store/schema';
import { createTestStore, testStoreKind, type TestStore } from '../support/store';

/**
 * The roll-up (issue 7) after any sequence of changes equals a recomputation from the raw rows.
 * The protocol tests check the same after every flow through the real services (TestBot.destroy);
 * here the changes are random: new reports and consultations, and any clear column set or cleared
 * again (decision, feedback, times, joint meeting, outcome), on both stores.
 */

const SCHOOLS = [
  ['ekbacken', 'norra', 'municipal'],
  ['solstralen', 'sodra', 'municipal'],
  ['friskolan-lyran', 'sodra', 'independent'],
] as const;
const MONTHS = ['2026-06', '2026-07'];

function reportRow(id: string, school: number, month: string, category: string): ReportTable {
  const [s, d, t] = SCHOOLS[school]!;
  const at = `${month}-30T21:30:00.000Z`; // late evening UTC: the next day in Stockholm
  return {
    id,
    reference: id,
    submission_key: id,
    reporter_aad: 'r',
    reporter_locale: 'sv',
    school_id: s,
    district_id: d,
    school_type: t,
    intake_unit_id: 'u',
    category,
    acute: 0,
    feedback_requested: 0,
    joint_meeting_wanted: 0,
    child_key: null,
    sealed: null,
    received_at: at,
    received_month: month,
    protection_due_at: at,
    decision_due_at: at,
    channel_conversation_id: null,
    channel_activity_id: null,
    handler_aad: null,
    handler_name: null,
    handler_phone: null,
    receipt_at: null,
    protection_at: null,
    protection_immediate: null,
    decision: null,
    decision_date: null,
    decision_at: null,
    feedback_inappropriate_at: null,
    feedback_requested_later_at: null,
    feedback_given_at: null,
    joint_meeting_offered_at: null,
    feedback_sent_unrequested: null,
    version: 1,
    purged_at: null,
    updated_at: at,
  };
}

const later = (hours: number) => new Date(Date.parse('2026-07-01T00:00:00Z') + hours * 3_600_000).toISOString();
const op = fc.oneof(
  fc.record({
    kind: fc.constant('report' as const),
    school: fc.integer({ min: 0, max: 2 }),
    month: fc.constantFrom(...MONTHS),
    category: fc.constantFrom('neglect', 'violence'),
  }),
  fc.record({
    kind: fc.constant('consultation' as const),
    school: fc.integer({ min: 0, max: 2 }),
    hours: fc.integer({ min: -800, max: 800 }),
  }),
  fc.record({
    kind: fc.constant('change' as const),
    pick: fc.nat(),
    patch: fc.record(
      {
        decision: fc.constantFrom(null, 'opened', 'notOpened', 'alreadyOngoing'),
        decision_date: fc.constantFrom(null, '2026-07-05', '2026-08-30'),
        feedback_requested: fc.constantFrom(0, 1),
        feedback_requested_later_at: fc.option(fc.integer({ min: 0, max: 900 }).map(later)),
        feedback_given_at: fc.option(fc.integer({ min: 0, max: 9000 }).map(later)),
        receipt_at: fc.option(fc.integer({ min: 0, max: 300 }).map(later)),
        protection_at: fc.option(fc.integer({ min: 0, max: 20_000 }).map(later)),
        joint_meeting_offered_at: fc.option(fc.constant(later(3))),
        category: fc.constantFrom('neglect', 'violence'),
        // Issue 24 §2's measures.
        feedback_inappropriate_at: fc.option(fc.constant(later(40))),
        protection_due_at: fc.integer({ min: 0, max: 60 }).map(later),
        draft_started_at: fc.option(fc.integer({ min: -400, max: 0 }).map(later)),
        before_holiday: fc.constantFrom(null, 0, 1),
        reporter_principal: fc.constantFrom(null, 0, 1),
        repeat_child: fc.constantFrom(null, 0, 1),
        // 0171: the role group, and the time sent (its Stockholm weekday; any day of the week, late evenings too).
        reporter_role_group: fc.constantFrom(null, 'principal', 'teaching', 'studentHealth', 'otherRole', 'unknown'),
        received_at: fc.integer({ min: -400, max: 400 }).map(later),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    kind: fc.constant('consult' as const),
    pick: fc.nat(),
    patch: fc.record(
      {
        outcome: fc.constantFrom(null, 'report', 'noReportNow', 'otherSupport'),
        led_to_report: fc.constantFrom(0, 1),
        first_answer_at: fc.option(fc.integer({ min: 0, max: 400 }).map(later)),
      },
      { requiredKeys: [] },
    ),
  }),
);

describe('the statistics roll-up', () => {
  let place: TestStore;
  let store: Store;
  beforeEach(async () => {
    place = await createTestStore();
    store = await openStore(place.url);
  });
  afterEach(async () => {
    await store.close();
    await place.drop();
  });

  /** A new store migrated only to `migration`, as an earlier version left it (its reports go in before the rest migrates at open). */
  async function storeAsMigratedTo(migration: string) {
    await store.close();
    await place.drop();
    place = await createTestStore();
    const old = await openDb(place.url);
    const migrationTableSchema = old.dialect === 'postgres' ? place.schema : undefined;
    await new Migrator({
      db: old.db,
      provider: migrationProvider,
      allowUnorderedMigrations: true,
      ...(migrationTableSchema ? { migrationTableSchema } : {}),
    }).migrateTo(migration);
    return old;
  }

  it('equals a recomputation from the raw rows after any sequence of changes, each in its own transaction', async function () {
    this.timeout(300_000);
    let run = 0;
    let numbers = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        run++;
        const reports: string[] = [];
        const consultations: string[] = [];
        for (const [i, o] of ops.entries()) {
          const id = `x${run}-${i}`;
          if (o.kind === 'report') {
            await store.transaction((trx) =>
              trackReport(trx, id, () =>
                trx
                  .insertInto('reports')
                  .values(reportRow(id, o.school, o.month, o.category))
                  .execute(),
              ),
            );
            reports.push(id);
          } else if (o.kind === 'consultation') {
            const [s, d, t] = SCHOOLS[o.school]!;
            await store.transaction((trx) =>
              trackConsultation(trx, id, () =>
                trx
                  .insertInto('consultations')
                  .values({
                    id,
                    number: ++numbers,
                    submission_key: id,
                    teacher_key: 't',
                    teacher_locale: 'sv',
                    unit_id: 'u',
                    school_id: s,
                    district_id: d,
                    school_type: t,
                    school_shown: 1,
                    sealed: null,
                    status: 'open',
                    created_at: later(o.hours),
                    first_answer_at: null,
                    closed_at: null,
                    outcome: null,
                    led_to_report: 0,
                    messages: 0,
                    channel_conversation_id: null,
                    channel_activity_id: null,
                    version: 1,
                    purged_at: null,
                    updated_at: later(o.hours),
                  })
                  .execute(),
              ),
            );
            consultations.push(id);
          } else if (o.kind === 'change' && reports.length) {
            const target = reports[o.pick % reports.length]!;
            if (Object.keys(o.patch).length)
              await store.transaction((trx) =>
                trackReport(trx, target, () =>
                  trx
                    .updateTable('reports')
                    .set(o.patch as never)
                    .where('id', '=', target)
                    .execute(),
                ),
              );
          } else if (o.kind === 'consult' && consultations.length) {
            const target = consultations[o.pick % consultations.length]!;
            if (Object.keys(o.patch).length)
              await store.transaction((trx) =>
                trackConsultation(trx, target, () =>
                  trx
                    .updateTable('consultations')
                    .set(o.patch as never)
                    .where('id', '=', target)
                    .execute(),
                ),
              );
          }
        }
        assert.deepEqual(await rollupDifferences(store.db), []);
        await foldRollup(store.db);
        assert.deepEqual(await partitionBreaks(), []);
      }),
      { numRuns: 25 },
    );
  });

  /**
   * The cells where a partition of the reports (0171: the role groups, the weekdays) does not add up
   * to the reports: the suppression pattern relies on it (one family each, the reports first).
   */
  async function partitionBreaks(): Promise<string[]> {
    const rows = await store.db.selectFrom('stat_counts').selectAll().execute();
    const out: string[] = [];
    for (const r of rows) {
      const n = (v: unknown) => Number(v);
      const roles = n(r.by_principal) + n(r.role_teaching) + n(r.role_student_health) + n(r.role_other);
      const days =
        n(r.weekday_mon) +
        n(r.weekday_tue) +
        n(r.weekday_wed) +
        n(r.weekday_thu) +
        n(r.weekday_fri) +
        n(r.weekday_weekend) +
        n(r.weekday_unknown);
      if (roles !== n(r.reports) || days !== n(r.reports))
        out.push(`${r.month}/${r.school_id}/${r.category}: reports ${n(r.reports)}, roles ${roles}, weekdays ${days}`);
    }
    return out;
  }

  it('counts each report in one role group and one Stockholm weekday (0171), the principals\' group being "Anmälda av rektor"', () => {
    const facts = (receivedAt: string, principal: number | null, group: string | null) => ({
      ...reportRow('w', 0, receivedAt.slice(0, 7), 'neglect'),
      received_at: receivedAt,
      draft_started_at: null,
      before_holiday: null,
      reporter_principal: principal,
      repeat_child: null,
      reporter_role_group: group,
    });
    const parts = (receivedAt: string, principal: number | null = 0, group: string | null = 'teaching') =>
      Object.keys(reportContribution(facts(receivedAt, principal, group)).counts)
        .filter((k) => k !== 'reports')
        .sort();
    // Friday 3 July 2026 09:00; Saturday 4 July; Sunday 5 July 21:30 UTC is 23:30 Sunday in Stockholm;
    // 22:30 UTC is 00:30 on Monday 6 July (summer time); in winter, 23:30 UTC Sunday 4 January 2026 is Monday already.
    assert.deepEqual(parts('2026-07-03T07:00:00.000Z'), ['roleTeaching', 'weekdayFri']);
    assert.deepEqual(parts('2026-07-04T07:00:00.000Z'), ['roleTeaching', 'weekdayWeekend']);
    assert.deepEqual(parts('2026-07-05T21:30:00.000Z'), ['roleTeaching', 'weekdayWeekend']);
    assert.deepEqual(parts('2026-07-05T22:30:00.000Z'), ['roleTeaching', 'weekdayMon']);
    assert.deepEqual(parts('2026-01-04T23:30:00.000Z'), ['roleTeaching', 'weekdayMon']);
    assert.deepEqual(parts('2026-07-07T07:00:00.000Z', 0, 'studentHealth'), ['roleStudentHealth', 'weekdayTue']);
    assert.deepEqual(parts('2026-07-08T07:00:00.000Z', 0, 'otherRole'), ['roleOther', 'weekdayWed']);
    assert.deepEqual(parts('2026-07-09T07:00:00.000Z', null, null), ['roleOther', 'weekdayThu']);
    // A principal counts once, in byPrincipal (the principals' group), whatever the group column says.
    assert.deepEqual(parts('2026-07-09T07:00:00.000Z', 1, 'principal'), ['byPrincipal', 'weekdayThu']);
    assert.deepEqual(parts('2026-07-09T07:00:00.000Z', 1, null), ['byPrincipal', 'weekdayThu']);
  });

  it("keeps issue 24 §2's counts and times of a purged report, and a rebuild agrees", async () => {
    const full = (id: string): ReportTable => ({
      ...reportRow(id, 0, '2026-06', 'neglect'),
      feedback_requested: 1,
      receipt_at: later(2),
      protection_due_at: later(20),
      protection_at: later(10),
      decision: 'opened',
      decision_date: '2026-07-05',
      decision_at: later(100),
      feedback_given_at: '2026-07-09T10:00:00.000Z',
      draft_started_at: '2026-06-30T18:30:00.000Z',
      before_holiday: 1,
      reporter_principal: 1,
      repeat_child: 1,
    });
    const marked = (id: string): ReportTable => ({
      ...reportRow(id, 0, '2026-06', 'neglect'),
      decision: 'notOpened',
      decision_date: '2026-07-20',
      feedback_inappropriate_at: later(30),
      protection_at: later(60),
    });
    for (const row of [full('p1'), full('p2'), marked('p3')])
      await store.transaction((trx) => trackReport(trx, row.id, () => trx.insertInto('reports').values(row).execute()));
    await foldRollup(store.db);
    const counts = async () =>
      store.db
        .selectFrom('stat_counts')
        .select([
          'reports',
          'receipt_confirmed',
          'feedback_within_week',
          'feedback_inappropriate',
          'protection_in_time',
          'reports_before_holiday',
          'by_principal',
          'repeat_reports',
        ])
        .executeTakeFirstOrThrow();
    const want = {
      reports: 3,
      receipt_confirmed: 2,
      feedback_within_week: 2,
      feedback_inappropriate: 1,
      protection_in_time: 2,
      reports_before_holiday: 2,
      by_principal: 2,
      repeat_reports: 2,
    };
    const plain = (r: object) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));
    assert.deepEqual(plain(await counts()), want);
    const times = async () =>
      (
        await store.db
          .selectFrom('stat_durations')
          .select(['measure', 'bucket', 'n'])
          .where('measure', 'in', ['feedbackAfterDecisionDays', 'draftToSendHours'])
          .orderBy('measure')
          .execute()
      ).map(plain2);
    const plain2 = (r: { measure: string; bucket: number; n: number }) => ({
      measure: r.measure,
      bucket: Number(r.bucket),
      n: Number(r.n),
    });
    // Decided 5 July, feedback 9 July: 4 days; draft started 18:30 UTC, sent 21:30 UTC: 3 hours.
    const wantTimes = [
      { measure: 'draftToSendHours', bucket: 3, n: 2 },
      { measure: 'feedbackAfterDecisionDays', bucket: 4, n: 2 },
    ];
    assert.deepEqual(await times(), wantTimes);
    // Purged as retention.ts does: the contribution kept by month, school and category, the rows deleted.
    await store.transaction(async (trx) => {
      const rows = await trx
        .selectFrom('reports')
        .select([...reportFactColumns])
        .where('id', 'in', ['p1', 'p3'])
        .execute();
      const kept = new RollupDelta();
      for (const r of rows) kept.add(reportContribution(r), 1);
      await kept.applyPurged(trx);
      await trx.deleteFrom('reports').where('id', 'in', ['p1', 'p3']).execute();
    });
    assert.deepEqual(await rollupDifferences(store.db), [], 'the purged part counts as rows');
    assert.deepEqual(await partitionBreaks(), [], 'the purged keep their role group and weekday');
    await rebuildRollup(store.db);
    assert.deepEqual(plain(await counts()), want, 'a rebuild from the remaining row and the purged record gives the same figures');
    assert.deepEqual(await partitionBreaks(), []);
    assert.deepEqual(await times(), wantTimes);
  });

  it('rolls a change back with its transaction', async () => {
    await assert.rejects(
      store.transaction(async (trx) => {
        await trackReport(trx, 'r1', () =>
          trx
            .insertInto('reports')
            .values(reportRow('r1', 0, '2026-06', 'neglect'))
            .execute(),
        );
        throw new Error('later step failed');
      }),
    );
    assert.equal((await store.db.selectFrom('stat_counts').selectAll().execute()).length, 0);
    assert.deepEqual(await rollupDifferences(store.db), []);
  });

  /** The roll-up's stored rows and version, and the deltas waiting, as plain data. */
  async function snapshot() {
    const [counts, durations, version, countDeltas, durationDeltas] = await Promise.all([
      store.db.selectFrom('stat_counts').selectAll().orderBy('month').orderBy('school_id').orderBy('category').execute(),
      store.db
        .selectFrom('stat_durations')
        .selectAll()
        .orderBy('month')
        .orderBy('school_id')
        .orderBy('category')
        .orderBy('measure')
        .orderBy('bucket')
        .execute(),
      store.db.selectFrom('stat_version').select('v').executeTakeFirstOrThrow(),
      store.db.selectFrom('stat_count_deltas').select('id').orderBy('id').execute(),
      store.db.selectFrom('stat_duration_deltas').select('id').orderBy('id').execute(),
    ]);
    const plain = (rows: object[]) =>
      rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) && k !== 'month' ? Number(v) : v]),
        ),
      );
    return {
      counts: plain(counts),
      durations: plain(durations),
      version: Number(version.v),
      deltas: countDeltas.length + durationDeltas.length,
    };
  }
  /** Some reports, each taken later in a transaction of its own: deltas waiting to be folded. */
  async function someChanges(prefix: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const id = `${prefix}${i}`;
      await store.transaction((trx) =>
        trackReport(trx, id, () =>
          trx
            .insertInto('reports')
            .values(reportRow(id, i % 3, MONTHS[i % 2]!, i % 2 ? 'neglect' : 'violence'))
            .execute(),
        ),
      );
      if (i % 2)
        await store.transaction((trx) =>
          trackReport(trx, id, () =>
            trx
              .updateTable('reports')
              .set({ receipt_at: later(i) })
              .where('id', '=', id)
              .execute(),
          ),
        );
    }
  }

  it('keeps a change as a delta of its own until a fold moves it into the roll-up; a second fold changes nothing', async () => {
    await someChanges('f', 6);
    const before = await snapshot();
    assert.equal(before.counts.length, 0, 'a change writes no row of the roll-up itself');
    // A receipt is a count (receiptConfirmed, issue 24 §2) and a duration: two delta rows.
    assert.equal(before.deltas, 6 + 3 * 2, 'six reports and three receipts');
    assert.deepEqual(await rollupDifferences(store.db), []);
    assert.equal(await foldRollup(store.db), 9, 'the fuller table: six reports and three receipts counted');
    const folded = await snapshot();
    assert.equal(folded.deltas, 0);
    assert.equal(folded.version, before.version + 1);
    assert.equal(
      folded.counts.reduce((n, r) => n + Number(r.reports), 0),
      6,
    );
    assert.equal(
      folded.durations.reduce((n, r) => n + Number(r.n), 0),
      3,
    );
    assert.deepEqual(await rollupDifferences(store.db), []);
    assert.equal(await foldRollup(store.db), 0);
    assert.deepEqual(await snapshot(), folded, 'folding again is a no-op: same figures, same version');
  });

  it('loses and doubles nothing when a fold fails before its commit, and the next fold finishes the work', async () => {
    await someChanges('g', 5);
    await foldRollup(store.db);
    await someChanges('h', 4);
    const before = await snapshot();
    await assert.rejects(
      store.transaction(async (trx) => {
        assert.ok((await foldRollupIn(trx)) > 0);
        throw new Error('the process died here');
      }),
      /the process died here/,
    );
    assert.deepEqual(await snapshot(), before, 'the deltas are all still there and the roll-up as it was');
    await foldRollup(store.db);
    assert.equal((await snapshot()).deltas, 0);
    assert.deepEqual(await rollupDifferences(store.db), []);
  });

  it('folds in batches, each complete on its own', async () => {
    await someChanges('b', 7);
    await store.transaction((trx) => foldRollupIn(trx, 3));
    assert.deepEqual(await rollupDifferences(store.db), [], 'part folded, the rest waiting: the figures are whole');
    // Seven reports and three receipts as count rows, three receipts as duration rows; 3 of each folded.
    assert.equal((await snapshot()).deltas, 7 + 3 + 3 - 3 - 3);
    await foldRollup(store.db);
    assert.equal((await snapshot()).deltas, 0);
    assert.deepEqual(await rollupDifferences(store.db), []);
  });

  it('stays exact when changes and folds run at the same time', async function () {
    this.timeout(120_000);
    const writers = Array.from({ length: 6 }, (_, w) => someChanges(`w${w}-`, 8));
    const folds = Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 5; i++) await foldRollup(store.db);
    });
    await Promise.all([...writers, ...folds]);
    assert.deepEqual(await rollupDifferences(store.db), []);
    await foldRollup(store.db);
    const after = await snapshot();
    assert.equal(after.deltas, 0);
    assert.equal(
      after.counts.reduce((n, r) => n + Number(r.reports), 0),
      48,
    );
    assert.deepEqual(await rollupDifferences(store.db), []);
  });

  (testStoreKind === 'postgres' ? it : it.skip)("loses nothing when the fold's connection is cut mid-fold (PostgreSQL)", async function () {
    this.timeout(60_000);
    await someChanges('k', 6);
    const before = await snapshot();
    // The fold's own store, named, so that only its connection is cut.
    const appName = `varna-fold-${process.pid}-${Date.now()}`;
    const url = new URL(place.url);
    url.searchParams.set('application_name', appName);
    const folding = await openStore(url.toString());
    // Another transaction holds the version row: the fold deletes its deltas, writes the roll-up
    // and then waits for that row, inside its transaction.
    const release = store.transaction(async (trx) => {
      await sql`select v from stat_version where id = 1 for update`.execute(trx);
      const fold = foldRollup(folding.db).then(
        () => 'committed',
        (error: Error) => error.message,
      );
      for (;;) {
        const waiting = await sql<{
          pid: number;
        }>`select pid from pg_stat_activity where application_name = ${appName} and wait_event_type = 'Lock'`.execute(store.db);
        if (waiting.rows.length) {
          await sql`select pg_terminate_backend(${waiting.rows[0]!.pid})`.execute(store.db);
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      return fold;
    });
    assert.match(await release, /terminat|connection/i);
    await folding.close().catch(() => undefined);
    assert.deepEqual(await snapshot(), before, 'the cut fold left every delta and the roll-up as they were');
    await foldRollup(store.db);
    assert.equal((await snapshot()).deltas, 0);
    assert.deepEqual(await rollupDifferences(store.db), []);
  });

  it('buckets times by the documented resolution', () => {
    assert.deepEqual([0, 0.5, 1, 23.9, 167.9, 168, 191, 192, 10_000, -3].map(hourBucket), [0, 0, 1, 23, 167, 168, 168, 192, 8760, 0]);
    assert.deepEqual([0, 14, 365, 900, -2].map(dayBucket), [0, 14, 365, 365, 0]);
  });

  it("fills issue 24 §2's figures for the reports already stored when 0170 migrates (holidays by the default rules, repeats from the keyed hash)", async () => {
    // A store as the previous version left it: migrated to 0161, three reports on one child's hash.
    const old = await storeAsMigratedTo('0161-report-reference-sequences');
    const row = (id: string, receivedAt: string, childKey: string | null) => ({
      ...reportRow(id, 0, receivedAt.slice(0, 7), 'neglect'),
      received_at: receivedAt,
      receipt_at: receivedAt,
      child_key: childKey,
    });
    // 25 March 2026: nine days before Good Friday. 2025-01-10 is more than 12 months before 2026-03-25.
    await old.db
      .insertInto('reports')
      .values([
        row('a1', '2025-01-10T09:00:00.000Z', 'h1'),
        row('a2', '2026-03-25T09:00:00.000Z', 'h1'),
        row('a3', '2026-05-04T09:00:00.000Z', 'h1'),
        row('a4', '2026-05-05T09:00:00.000Z', null),
      ] as never)
      .execute();
    await old.close();
    store = await openStore(place.url);
    const flags = await store.db
      .selectFrom('reports')
      .select(['id', 'before_holiday', 'repeat_child', 'reporter_principal', 'draft_started_at'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      flags.map((f) => [f.id, Number(f.before_holiday), Number(f.repeat_child), f.reporter_principal, f.draft_started_at]),
      [
        ['a1', 0, 0, null, null],
        ['a2', 1, 0, null, null],
        ['a3', 0, 1, null, null],
        ['a4', 0, 0, null, null],
      ],
    );
    const total = await store.db
      .selectFrom('stat_counts')
      .select((e) => [
        e.fn.sum<number>('reports').as('reports'),
        e.fn.sum<number>('receipt_confirmed').as('receipt'),
        e.fn.sum<number>('reports_before_holiday').as('holiday'),
        e.fn.sum<number>('repeat_reports').as('repeats'),
      ])
      .executeTakeFirstOrThrow();
    assert.deepEqual([total.reports, total.receipt, total.holiday, total.repeats].map(Number), [4, 4, 1, 1]);
    assert.deepEqual(await rollupDifferences(store.db), []);
  });

  it('sorts the reports already stored into role groups and weekdays when 0171 migrates, the purged into "other or unknown"', async () => {
    // A store as 0170 left it: two reports by a principal's flag (1, and null from before 0170), and
    // the record of three purged reports (one by a principal).
    const old = await storeAsMigratedTo('0170-follow-up-measures');
    const row = (id: string, receivedAt: string, principal: number | null) => ({
      ...reportRow(id, 0, receivedAt.slice(0, 7), 'neglect'),
      received_at: receivedAt,
      reporter_principal: principal,
    });
    // Friday 12 June 2026 and Sunday 14 June 2026 (23:00 Stockholm time).
    await old.db
      .insertInto('reports')
      .values([
        row('b1', '2026-06-12T08:00:00.000Z', 1),
        row('b2', '2026-06-14T21:00:00.000Z', null),
        row('b3', '2026-06-15T08:00:00.000Z', 0),
      ] as never)
      .execute();
    await (old.db as unknown as Kysely<any>)
      .insertInto('stat_purged_counts')
      .values({
        month: '2026-06',
        school_id: 'ekbacken',
        district_id: 'norra',
        school_type: 'municipal',
        category: 'neglect',
        reports: 3,
        by_principal: 1,
      })
      .execute();
    await old.close();
    store = await openStore(place.url);
    const groups = await store.db.selectFrom('reports').select(['id', 'reporter_role_group']).orderBy('id').execute();
    assert.deepEqual(
      groups.map((g) => [g.id, g.reporter_role_group]),
      [
        ['b1', 'principal'],
        ['b2', 'otherRole'],
        ['b3', 'otherRole'],
      ],
    );
    const sum = async (table: 'stat_counts' | 'stat_purged_counts') =>
      Object.fromEntries(
        Object.entries(
          await store.db
            .selectFrom(table)
            .select((e) => [
              e.fn.sum<number>('reports').as('reports'),
              e.fn.sum<number>('by_principal').as('byPrincipal'),
              e.fn.sum<number>('role_teaching').as('roleTeaching'),
              e.fn.sum<number>('role_student_health').as('roleStudentHealth'),
              e.fn.sum<number>('role_other').as('roleOther'),
              e.fn.sum<number>('weekday_mon').as('weekdayMon'),
              e.fn.sum<number>('weekday_fri').as('weekdayFri'),
              e.fn.sum<number>('weekday_weekend').as('weekdayWeekend'),
              e.fn.sum<number>('weekday_unknown').as('weekdayUnknown'),
            ])
            .executeTakeFirstOrThrow(),
        ).map(([k, v]) => [k, Number(v)]),
      );
    assert.deepEqual(await sum('stat_purged_counts'), {
      reports: 3,
      byPrincipal: 1,
      roleTeaching: 0,
      roleStudentHealth: 0,
      roleOther: 2,
      weekdayMon: 0,
      weekdayFri: 0,
      weekdayWeekend: 0,
      weekdayUnknown: 3,
    });
    // The roll-up filled again after the migrations: the rows and the purged record.
    assert.deepEqual(await sum('stat_counts'), {
      reports: 6,
      byPrincipal: 2,
      roleTeaching: 0,
      roleStudentHealth: 0,
      roleOther: 4,
      weekdayMon: 1,
      weekdayFri: 1,
      weekdayWeekend: 1,
      weekdayUnknown: 3,
    });
    assert.deepEqual(await partitionBreaks(), []);
    assert.deepEqual(await rollupDifferences(store.db), []);
  });
});
