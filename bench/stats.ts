/**
 * B2: a year's statistics over 1,000,000 reports, on SQLite and on PostgreSQL.
 *
 * The naive aggregate groups the `reports` rows of the year directly. The candidate reads a
 * monthly roll-up (`report_month_stats`: one row per month, school, category and outcome with
 * its counts), which the statistics service keeps current in the same transaction as each report
 * change (a +1/-1 upsert; see docs/benchmarks.md). Both queries are one Kysely query for both
 * dialects; only the bulk generation of test rows is dialect-specific.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { openStore, type Store } from '../src/services/store';
import { median } from './lib';

const ROWS = Number(process.env.BENCH_STATS_ROWS ?? 1_000_000);
const SCHOOLS = 60;
const CATEGORIES = ['violence', 'neglect', 'sexual', 'honour', 'ownBehaviour', 'other'];

export interface StatsResult {
  store: string;
  rows: number;
  loadSeconds: number;
  naiveMs: number;
  rollupMs: number;
  ratio: number;
  groups: number;
}

/**
 * The rows: all received in 2025 (the worst case: the whole million in the year asked for).
 * Dates come from a small table of days, so the bulk insert does no date arithmetic per row.
 */
async function load(store: Store): Promise<void> {
  const db = store.db as unknown as Kysely<any>;
  const cat = sql.raw(`case (i / 7) % ${CATEGORIES.length} ${CATEGORIES.map((c, k) => `when ${k} then '${c}'`).join(' ')} end`);
  const decision = sql.raw(`case (i / 3) % 4 when 0 then 'opened' when 1 then 'notOpened' when 2 then 'alreadyOngoing' end`);
  if (store.dialect === 'postgres') {
    await sql`create temporary table days as select d, to_char(timestamp '2025-01-01' + d * interval '1 day', 'YYYY-MM-DD') as day, to_char(timestamp '2025-01-01' + d * interval '1 day', 'YYYY-MM') as month from generate_series(0, 400) as g(d)`.execute(db);
  } else {
    await sql`create temporary table days as with recursive g(d) as (select 0 union all select d + 1 from g where d < 400) select d, strftime('%Y-%m-%d', '2025-01-01', '+' || d || ' days') as day, strftime('%Y-%m', '2025-01-01', '+' || d || ' days') as month from g`.execute(db);
  }
  const series =
    store.dialect === 'postgres'
      ? sql`generate_series(1, ${sql.lit(ROWS)}) as s(i)`
      : sql`(with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(ROWS)}) select i from s) as s`;
  await db.transaction().execute(async (trx) => {
    await sql`
      insert into reports (id, reference, submission_key, reporter_aad, reporter_locale, school_id, district_id, school_type, intake_unit_id,
        category, acute, feedback_requested, joint_meeting_wanted, child_key, sealed, received_at, received_month, protection_due_at,
        decision_due_at, receipt_at, decision, decision_at, version, updated_at)
      select 'r' || i, 'REF-' || i, 'sk' || i, 'aad' || (i % 5000), 'sv-SE', 'school-' || (i % ${sql.lit(SCHOOLS)}), 'd' || (i % 4), 'municipal', 'ifo',
        ${cat}, case when i % 9 = 0 then 1 else 0 end, 1, 0, null, null,
        r.day || 'T08:00:00.000Z', r.month, r.day || 'T08:00:00.000Z', due.day || 'T08:00:00.000Z', r.day || 'T09:00:00.000Z',
        ${decision}, case when (i / 3) % 4 = 3 then null else dec.day || 'T08:00:00.000Z' end,
        1, '2025-12-31T00:00:00.000Z'
      from ${series}
      join days r on r.d = i % 365
      join days due on due.d = i % 365 + 14
      join days dec on dec.d = i % 365 + i % 20`.execute(trx);
  });
  await sql`analyze`.execute(db);
}

/** The roll-up table and its initial fill (the statistics service would keep it current). */
async function buildRollup(store: Store): Promise<number> {
  const db = store.db as unknown as Kysely<any>;
  await db.schema
    .createTable('report_month_stats')
    .addColumn('received_month', 'text', (c) => c.notNull())
    .addColumn('school_id', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('reports', 'integer', (c) => c.notNull())
    .addColumn('acute', 'integer', (c) => c.notNull())
    .addColumn('decided_in_time', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_month_stats_pk', ['received_month', 'school_id', 'category', 'decision'])
    .execute();
  await db
    .insertInto('report_month_stats')
    .columns(['received_month', 'school_id', 'category', 'decision', 'reports', 'acute', 'decided_in_time'])
    .expression((eb) =>
      eb
        .selectFrom('reports')
        .select((e) => [
          'received_month',
          'school_id',
          'category',
          e.fn.coalesce('decision', sql.lit('none')).as('decision'),
          e.fn.countAll().as('reports'),
          e.fn.sum('acute').as('acute'),
          e.fn.sum(e.case().when('decision_at', '<=', e.ref('decision_due_at')).then(1).else(0).end()).as('decided_in_time'),
        ])
        .groupBy(['received_month', 'school_id', 'category', 'decision']),
    )
    .execute();
  const n = await db.selectFrom('report_month_stats').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(n.n);
}

const FROM = '2025-01';
const TO = '2025-12';

function naive(db: Kysely<any>) {
  return db
    .selectFrom('reports')
    .select((e) => [
      'received_month',
      'school_id',
      'category',
      'decision',
      e.fn.countAll().as('reports'),
      e.fn.sum('acute').as('acute'),
      e.fn.sum(e.case().when('decision_at', '<=', e.ref('decision_due_at')).then(1).else(0).end()).as('decided_in_time'),
    ])
    .where('received_month', '>=', FROM)
    .where('received_month', '<=', TO)
    .groupBy(['received_month', 'school_id', 'category', 'decision'])
    .execute();
}

function rollup(db: Kysely<any>) {
  return db
    .selectFrom('report_month_stats')
    .select((e) => ['received_month', 'school_id', 'category', 'decision', e.fn.sum('reports').as('reports'), e.fn.sum('acute').as('acute'), e.fn.sum('decided_in_time').as('decided_in_time')])
    .where('received_month', '>=', FROM)
    .where('received_month', '<=', TO)
    .groupBy(['received_month', 'school_id', 'category', 'decision'])
    .execute();
}

async function timeIt(fn: () => Promise<unknown[]>, runs = 5): Promise<{ ms: number; rows: number }> {
  let rows = (await fn()).length; // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    rows = (await fn()).length;
    times.push(performance.now() - t);
  }
  return { ms: median(times), rows };
}

export async function benchStats(storeUrl: string, label: string, cleanup: () => Promise<void>): Promise<StatsResult> {
  const store = await openStore(storeUrl);
  try {
    const t = performance.now();
    await load(store);
    const loadSeconds = (performance.now() - t) / 1000;
    await buildRollup(store);
    const db = store.db as unknown as Kysely<any>;
    const a = await timeIt(() => naive(db));
    const b = await timeIt(() => rollup(db));
    if (a.rows !== b.rows) throw new Error(`roll-up disagrees with the naive aggregate: ${a.rows} vs ${b.rows} groups`);
    return { store: label, rows: ROWS, loadSeconds, naiveMs: a.ms, rollupMs: b.ms, ratio: b.ms / a.ms, groups: b.rows };
  } finally {
    await store.close();
    await cleanup();
  }
}

export async function benchStatsSqlite(): Promise<StatsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'varna-bench-'));
  return benchStats(`sqlite:${join(dir, 'stats.db')}`, 'SQLite', async () => rmSync(dir, { recursive: true, force: true }));
}
