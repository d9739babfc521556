import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Tx } from './db';
import { newId } from './ids';
import type { Database, StatCountsTable, StatDurationsTable } from './schema';

/**
 * The statistics roll-up's rows: its cells, its deltas, the purged reports' record, and the facts
 * of a report or consultation it is worked out from (src/services/stat-rollup.ts says what they
 * mean and does the arithmetic). Every function takes the executor first: the store's handle or
 * the caller's transaction. Counts are by column (snake case, `stat-rollup.ts`'s `columnOf`).
 */

/** A cell of the roll-up: month × school (district, type) × category. */
export type Cell = Pick<StatCountsTable, 'month' | 'school_id' | 'district_id' | 'school_type' | 'category'>;
/** The counts of a cell, by column. */
export type CountValues = Omit<StatCountsTable, keyof Cell>;
/** A count row: a cell and its counts. */
export type CountRow = StatCountsTable;
/** A duration row: how many cases of a cell took `bucket` hours or days by `measure`. */
export type DurationRow = StatDurationsTable;

/** The clear columns statistics read from a report. */
export const reportFactColumns = [
  'school_id',
  'district_id',
  'school_type',
  'category',
  'received_at',
  'received_month',
  'feedback_requested',
  'feedback_requested_later_at',
  'feedback_given_at',
  'receipt_at',
  'protection_at',
  'decision',
  'decision_date',
  'decision_at',
  'joint_meeting_offered_at',
  'protection_due_at',
  'feedback_inappropriate_at',
  'draft_started_at',
  'before_holiday',
  'reporter_principal',
  'repeat_child',
] as const;
export type ReportFacts = {
  [K in (typeof reportFactColumns)[number]]: Database['reports'][K];
};
/** The clear columns statistics read from a consultation. */
export const consultationFactColumns = [
  'school_id',
  'district_id',
  'school_type',
  'created_at',
  'first_answer_at',
  'outcome',
  'led_to_report',
] as const;
export type ConsultationFacts = {
  [K in (typeof consultationFactColumns)[number]]: Database['consultations'][K];
};

const cellColumns = ['month', 'school_id', 'district_id', 'school_type', 'category'] as const;
const durationColumns = [...cellColumns, 'measure', 'bucket'] as const;
const isPostgres = (db: Tx) => db.getExecutor().adapter instanceof PostgresAdapter;

/** What a report adds to the figures now (undefined: no such report). */
export async function reportFacts(db: Tx, id: string): Promise<ReportFacts | undefined> {
  return db
    .selectFrom('reports')
    .select([...reportFactColumns])
    .where('id', '=', id)
    .executeTakeFirst();
}
/** What a consultation adds to the figures now (undefined: no such consultation). */
export async function consultationFacts(db: Tx, id: string): Promise<ConsultationFacts | undefined> {
  return db
    .selectFrom('consultations')
    .select([...consultationFactColumns])
    .where('id', '=', id)
    .executeTakeFirst();
}
/** The facts of up to `limit` reports after id `after`, in id order (a recomputation's page). */
export async function reportFactsAfter(db: Tx, after: string, limit: number): Promise<Array<ReportFacts & { id: string }>> {
  return db
    .selectFrom('reports')
    .select(['id', ...reportFactColumns])
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
}
/** The facts of up to `limit` consultations after id `after`, in id order. */
export async function consultationFactsAfter(db: Tx, after: string, limit: number): Promise<Array<ConsultationFacts & { id: string }>> {
  return db
    .selectFrom('consultations')
    .select(['id', ...consultationFactColumns])
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * A report started from a consultation was sent: the consultation led to a report (statistics
 * only; nothing links the two records). Once: a second call changes nothing.
 */
export async function markLedToReport(db: Tx, consultationId: string, now: Date): Promise<void> {
  await db
    .updateTable('consultations')
    .set({ led_to_report: 1, updated_at: now.toISOString() })
    .where('id', '=', consultationId)
    .where('led_to_report', '=', 0)
    .execute();
}

/** Records a change's contribution as delta rows of its own (inserts only: no row another transaction writes). */
export async function recordDeltas(db: Tx, counts: CountRow[], durations: DurationRow[]): Promise<void> {
  if (counts.length)
    await db
      .insertInto('stat_count_deltas')
      .values(counts.map((row) => ({ id: newId(), ...row })))
      .execute();
  if (durations.length)
    await db
      .insertInto('stat_duration_deltas')
      .values(durations.map((row) => ({ id: newId(), ...row })))
      .execute();
}

/** Are there deltas to fold? (One small read.) */
export async function deltasPending(db: Tx): Promise<boolean> {
  const [a, b] = await Promise.all([
    db.selectFrom('stat_count_deltas').select('id').limit(1).executeTakeFirst(),
    db.selectFrom('stat_duration_deltas').select('id').limit(1).executeTakeFirst(),
  ]);
  return Boolean(a || b);
}

/** Folds take turns on PostgreSQL (one transaction-scoped advisory lock); SQLite has one writer. */
const FOLD_LOCK = 0x56_52_4e_46_4f_4c_44n; // 'VRNFOLD'
export async function lockFolds(db: Tx): Promise<void> {
  if (isPostgres(db)) await sql`select pg_advisory_xact_lock(${FOLD_LOCK}::bigint)`.execute(db);
}

/**
 * Takes up to `limit` delta rows of each table, oldest first, deleting them (the rows read, never a
 * range of ids: on PostgreSQL a delta whose transaction has not committed is not seen and stays).
 */
export async function takeDeltas(db: Tx, limit: number): Promise<{ counts: CountRow[]; durations: DurationRow[] }> {
  const counts = await db
    .deleteFrom('stat_count_deltas')
    .where('id', 'in', (eb) => eb.selectFrom('stat_count_deltas').select('id').orderBy('id').limit(limit))
    .returningAll()
    .execute();
  const durations = await db
    .deleteFrom('stat_duration_deltas')
    .where('id', 'in', (eb) => eb.selectFrom('stat_duration_deltas').select('id').orderBy('id').limit(limit))
    .returningAll()
    .execute();
  return { counts, durations };
}

/** Drops every delta not yet folded (a rebuild, under the fold lock: the rows already hold what they say). */
export async function dropDeltas(db: Tx): Promise<void> {
  await db.deleteFrom('stat_count_deltas').execute();
  await db.deleteFrom('stat_duration_deltas').execute();
}

/** Adds counts to a cell of `table`, creating it; `add` holds the columns to add (others stay). */
async function addCounts(db: Tx, table: 'stat_counts' | 'stat_purged_counts', row: CountRow, add: Array<keyof CountValues>): Promise<void> {
  await db
    .insertInto(table)
    .values(row)
    .onConflict((oc) =>
      oc
        .columns([...cellColumns])
        .doUpdateSet(Object.fromEntries(add.map((column) => [column, sql`${sql.ref(`${table}.${column}`)} + ${row[column] ?? 0}`]))),
    )
    .execute();
}
async function addDuration(db: Tx, table: 'stat_durations' | 'stat_purged_durations', row: DurationRow): Promise<void> {
  await db
    .insertInto(table)
    .values(row)
    .onConflict((oc) => oc.columns([...durationColumns]).doUpdateSet({ n: sql`${sql.ref(`${table}.n`)} + ${row.n}` }))
    .execute();
}
const nonZeroColumns = (row: CountRow) =>
  (Object.keys(row) as Array<keyof CountRow>).filter(
    (k): k is keyof CountValues => !(cellColumns as readonly string[]).includes(k) && row[k] !== 0,
  );

/**
 * Adds count and duration rows to the roll-up (+/- per cell, in the order given: the caller sorts,
 * so that concurrent folds lock cells in one order) and raises its version (a fold, under the lock).
 */
export async function addToRollup(db: Tx, counts: CountRow[], durations: DurationRow[]): Promise<void> {
  for (const row of counts) await addCounts(db, 'stat_counts', row, nonZeroColumns(row));
  for (const row of durations) await addDuration(db, 'stat_durations', row);
  await raiseVersion(db);
}

/**
 * Adds to the record of what purged reports contributed (0150): it changes no figure, so it is no
 * delta and raises no version.
 */
export async function addToPurgedRecord(db: Tx, counts: CountRow[], durations: DurationRow[]): Promise<void> {
  for (const row of counts) await addCounts(db, 'stat_purged_counts', row, nonZeroColumns(row));
  for (const row of durations) await addDuration(db, 'stat_purged_durations', row);
}

/** What purged reports contributed, by cell (0150). */
export async function purgedRecord(db: Tx): Promise<{ counts: StatCountsTable[]; durations: DurationRow[] }> {
  return {
    counts: await db.selectFrom('stat_purged_counts').selectAll().execute(),
    durations: await db.selectFrom('stat_purged_durations').selectAll().execute(),
  };
}

/** Empties the roll-up and writes the given rows as its whole content, raising its version. */
export async function replaceRollup(db: Tx, counts: CountRow[], durations: DurationRow[]): Promise<void> {
  await db.deleteFrom('stat_counts').execute();
  await db.deleteFrom('stat_durations').execute();
  for (let i = 0; i < counts.length; i += 200)
    await db
      .insertInto('stat_counts')
      .values(counts.slice(i, i + 200))
      .execute();
  for (let i = 0; i < durations.length; i += 200)
    await db
      .insertInto('stat_durations')
      .values(durations.slice(i, i + 200))
      .execute();
  await raiseVersion(db);
}

/** The roll-up's version: raised by every change to a figure, so a cached suppression pattern is known stale. */
export async function rollupVersion(db: Tx): Promise<number> {
  return Number((await db.selectFrom('stat_version').select('v').where('id', '=', 1).executeTakeFirst())?.v ?? 0);
}
async function raiseVersion(db: Tx): Promise<void> {
  await db
    .updateTable('stat_version')
    .set({ v: sql`v + 1` })
    .where('id', '=', 1)
    .execute();
}

/** Every count cell of the roll-up (what the statistics read). */
export async function countCells(db: Tx): Promise<StatCountsTable[]> {
  return db.selectFrom('stat_counts').selectAll().execute();
}

/**
 * The duration buckets of the months `fromMonth`..`toMonth` (of the schools in `scope`, all when
 * undefined), summed by the cells' `group` column, measure and bucket.
 */
export async function durationSums(
  db: Tx,
  group: 'school_id' | 'district_id' | 'school_type' | 'category',
  fromMonth: string,
  toMonth: string,
  scope: string[] | undefined,
): Promise<Array<{ group: string; measure: string; bucket: number; n: number }>> {
  let q = db
    .selectFrom('stat_durations')
    .select((e) => [e.ref(group).as('g'), 'measure', 'bucket', e.fn.sum<number>('n').as('n')])
    .where('month', '>=', fromMonth)
    .where('month', '<=', toMonth)
    .groupBy([group, 'measure', 'bucket']);
  if (scope) q = q.where('school_id', 'in', scope);
  return (await q.execute()).map((r) => ({ group: String(r.g), measure: r.measure, bucket: Number(r.bucket), n: Number(r.n) }));
}

/**
 * The roll-up and the deltas not yet folded, read in one snapshot (repeatable read on PostgreSQL),
 * together with what `alongside` reads in the same snapshot.
 */
export async function storedFigures<T>(
  db: Kysely<Database>,
  alongside: (trx: Tx) => Promise<T>,
): Promise<{
  counts: StatCountsTable[];
  countDeltas: StatCountsTable[];
  durations: DurationRow[];
  durationDeltas: DurationRow[];
  alongside: T;
}> {
  const read = async (trx: Tx) => ({
    alongside: await alongside(trx),
    counts: await trx.selectFrom('stat_counts').selectAll().execute(),
    countDeltas: await trx.selectFrom('stat_count_deltas').selectAll().execute(),
    durations: await trx.selectFrom('stat_durations').selectAll().execute(),
    durationDeltas: await trx.selectFrom('stat_duration_deltas').selectAll().execute(),
  });
  return isPostgres(db) ? db.transaction().setIsolationLevel('repeatable read').execute(read) : db.transaction().execute(read);
}

/**
 * The kv row a migration writes when the roll-up is to be filled again from the rows once every
 * migration has run (0170 writes it as a literal: keep the two the same).
 */
const ROLLUP_REBUILD = 'varna:rollup-rebuild-needed';

/** Has a migration asked for the roll-up to be filled again from the rows? */
export async function rebuildRequested(db: Tx): Promise<boolean> {
  return (await db.selectFrom('kv').select('key').where('key', '=', ROLLUP_REBUILD).executeTakeFirst()) !== undefined;
}

/** The request is done (in the transaction of the fill). */
export async function clearRebuildRequest(db: Tx): Promise<void> {
  await db.deleteFrom('kv').where('key', '=', ROLLUP_REBUILD).execute();
}

/** The kept suppression pattern with this fingerprint (0190), if any. */
export async function keptPattern(db: Tx, fingerprint: string): Promise<string | undefined> {
  return (await db.selectFrom('stat_patterns').select('cycles').where('fingerprint', '=', fingerprint).executeTakeFirst())?.cycles;
}

/** Keeps a pattern by its fingerprint, in place of any other (only the newest is of use). */
export async function keepPattern(db: Tx, fingerprint: string, cycles: string, cycleCount: number, now: Date): Promise<void> {
  await db.deleteFrom('stat_patterns').where('fingerprint', '<>', fingerprint).execute();
  await db
    .insertInto('stat_patterns')
    .values({ fingerprint, cycles, cycle_count: cycleCount, created_at: now.toISOString() })
    .onConflict((oc) => oc.column('fingerprint').doNothing())
    .execute();
}
