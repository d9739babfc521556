import type { Kysely } from 'kysely';
import type { Tx } from './store/db';
import * as rollupRows from './store/rollup';
import type { ConsultationFacts, CountRow, CountValues, ReportFacts } from './store/rollup';
import type { Database } from './store/schema';
// The roll-up's counts are the statistics' counts, one column each (a migration freezes its own copy).
import { countKeys as countColumns, type CountKey as CountColumn } from './statistics-figures';

export { consultationFactColumns, reportFactColumns, type ConsultationFacts, type ReportFacts } from './store/rollup';

/**
 * The statistics roll-up: what the committee figures are made of, pre-aggregated by month,
 * school and category. Every change to a report or a consultation records its effect on the
 * figures in the same transaction as the change (the row's contribution before the change taken
 * off, the contribution after it added: +1/-1 per count and per duration bucket), as rows of its
 * own in the delta tables; `foldRollup` moves those into the roll-up. The statistics service
 * folds before it reads and reads only the roll-up, so a year's figures over a million reports is
 * a read of a few thousand rows.
 *
 *   stat_counts     one row per month × school (with its district and school type) × category:
 *                   the counts of `countKeys`. Consultations have no category: category ''.
 *   stat_durations  one row per month × school × category × measure × bucket: how many cases
 *                   took that long. Medians and 90th percentiles are computed from the buckets.
 *   stat_version    one row: raised by every fold that changed a figure, so a cached suppression
 *                   pattern is known stale.
 *   stat_count_deltas, stat_duration_deltas
 *                   a change's contribution not yet folded: inserted, never updated, so the
 *                   transactions of concurrent submits and intake actions share no row here (on
 *                   PostgreSQL they used to queue on the roll-up's cells and its version row until
 *                   each commit). A fold deletes the rows it adds to the roll-up in the same
 *                   transaction: a delta is counted once, whether the fold commits or not.
 *
 * Figures = roll-up + deltas not yet folded, at every moment (`rollupDifferences` checks it).
 *
 * Duration buckets (the resolution of every time figure):
 *   hours (receipt, protection assessment, first answer): whole hours, rounded down, up to
 *   168 h (one week); from there whole days (counted in hours: 168, 192, ...) up to 8,760 h
 *   (365 days), where everything longer is counted as 8,760 h.
 *   days (decision, decision feedback): whole calendar days (Stockholm dates), 0 to 365, where
 *   everything longer is counted as 365. Negative durations (clock skew) count as 0.
 *   draftToSendHours (from a draft's first step to its sending) is in hours too.
 *
 * Issue 24 §2's counts, from the report's own clear columns (so a recomputation agrees with the
 * roll-up whatever the configuration has become since): receipt confirmed (`receipt_at`: intake
 * took the report, and taking it sends the reporter the handler's name and phone); decision
 * feedback within 7 calendar days of the decision date; decided reports marked "återkoppling
 * olämplig"; protection assessment by the Stockholm date of its deadline (`protection_due_at`,
 * deadlines.ts); and three flags decided at submit: sent in the 14 days before a school holiday,
 * sent by a principal, and about a child reported in the preceding 12 months (reports.ts).
 *
 * Two partitions of `reports` (0171): every report counts in exactly one role group (`roleCount`:
 * byPrincipal, roleTeaching, roleStudentHealth, roleOther) and in exactly one weekday
 * (`weekdayCount`: weekdayMon..weekdayFri, weekdayWeekend, by the Stockholm date it was sent), so in
 * every cell each partition's parts add up to `reports`. weekdayUnknown counts only the reports
 * purged before 0171 (their weekday was never kept; the migration sets it in the purged record).
 */

const columns = Object.fromEntries(countColumns.map((k) => [k, k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)])) as Record<
  CountColumn,
  string
>;
/** The column of a count in `stat_counts` (snake case, like every column). */
export const columnOf = (k: CountColumn): string => columns[k];
const toRow = (v: Record<CountColumn, number>) =>
  Object.fromEntries(countColumns.map((k) => [columnOf(k), v[k]])) as unknown as CountValues;
/** The counts of a stored row, by count. */
const countsOfRow = (r: object): Record<CountColumn, number> =>
  Object.fromEntries(countColumns.map((k) => [k, Number((r as Record<string, unknown>)[columnOf(k)] ?? 0)])) as Record<CountColumn, number>;

export const durationMeasures = [
  'feedbackDays',
  'receiptHours',
  'protectionHours',
  'decisionDays',
  'firstAnswerHours',
  'feedbackAfterDecisionDays',
  'draftToSendHours',
] as const;
export type DurationMeasure = (typeof durationMeasures)[number];

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export const MAX_HOURS = 8_760;
export const MAX_DAYS = 365;

/** The bucket of a duration in hours (see the module comment). */
export function hourBucket(hours: number): number {
  if (!(hours > 0)) return 0;
  if (hours < 168) return Math.floor(hours);
  return Math.min(MAX_HOURS, Math.floor(hours / 24) * 24);
}
export const dayBucket = (days: number): number => Math.max(0, Math.min(MAX_DAYS, Math.round(days)));

/** Summer time in Stockholm (EU rule since 1996): last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC. */
const summer = new Map<number, [number, number]>();
const lastSunday = (y: number, month: number) => {
  const last = new Date(Date.UTC(y, month + 1, 0, 1));
  return last.getTime() - last.getUTCDay() * DAY_MS;
};
/** The Stockholm date of an instant, without Intl per row. */
export function stockholmDate(isoAt: string): string {
  const ms = Date.parse(isoAt);
  const y = Number(isoAt.slice(0, 4));
  let range = summer.get(y);
  if (!range) summer.set(y, (range = [lastSunday(y, 2), lastSunday(y, 9)]));
  const offset = ms >= range[0] && ms < range[1] ? 2 : 1;
  return new Date(ms + offset * HOUR_MS).toISOString().slice(0, 10);
}
const hoursBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / HOUR_MS;
const daysBetweenDates = (a: string, b: string) => Math.round((Date.parse(`${b}T12:00:00Z`) - Date.parse(`${a}T12:00:00Z`)) / DAY_MS);

/** A cell of the roll-up: month × school (district, type) × category. */
export interface CellKey {
  month: string;
  school_id: string;
  district_id: string;
  school_type: string;
  category: string;
}
export interface Contribution {
  cell: CellKey;
  counts: Partial<Record<CountColumn, number>>;
  durations: Array<{ measure: DurationMeasure; bucket: number }>;
}

/**
 * Who sent a report (issue 24 §2): its role group's count. The principals' part is "Anmälda av
 * rektor" (`reporter_principal`, 0170), so the two are one count; the group decided at submit
 * (reporter-role.ts) sorts the rest. Reports from before 0170 have neither: "annan eller okänd roll".
 */
export function roleCount(r: Pick<ReportFacts, 'reporter_principal' | 'reporter_role_group'>): CountColumn {
  if (r.reporter_principal === 1) return 'byPrincipal';
  if (r.reporter_role_group === 'teaching') return 'roleTeaching';
  if (r.reporter_role_group === 'studentHealth') return 'roleStudentHealth';
  return 'roleOther';
}

const weekdayCounts = ['weekdayWeekend', 'weekdayMon', 'weekdayTue', 'weekdayWed', 'weekdayThu', 'weekdayFri', 'weekdayWeekend'] as const;
/** The weekday a report was sent (its Stockholm date; issue 24 §2): Monday to Friday, or the weekend (Saturday and Sunday). */
export function weekdayCount(receivedAt: string): CountColumn {
  return weekdayCounts[new Date(`${stockholmDate(receivedAt)}T12:00:00Z`).getUTCDay()]!;
}

export function reportContribution(r: ReportFacts): Contribution {
  const counts: Partial<Record<CountColumn, number>> = { reports: 1 };
  const durations: Contribution['durations'] = [];
  const requested = r.feedback_requested === 1 || r.feedback_requested_later_at !== null;
  if (requested) counts.feedbackRequested = 1;
  if (requested && r.feedback_given_at) {
    counts.feedbackGiven = 1;
    durations.push({
      measure: 'feedbackDays',
      bucket: dayBucket(daysBetweenDates(stockholmDate(r.received_at), stockholmDate(r.feedback_given_at))),
    });
  }
  if (r.receipt_at) {
    counts.receiptConfirmed = 1;
    durations.push({
      measure: 'receiptHours',
      bucket: hourBucket(hoursBetween(r.received_at, r.receipt_at)),
    });
  }
  if (r.protection_at) {
    durations.push({
      measure: 'protectionHours',
      bucket: hourBucket(hoursBetween(r.received_at, r.protection_at)),
    });
    // SoL (2025:400) 20 kap. 1 §: by the Stockholm date its deadline falls on (the day of receipt,
    // or the next when it arrived late; an acute report's is the day of receipt).
    if (stockholmDate(r.protection_at) <= stockholmDate(r.protection_due_at)) counts.protectionInTime = 1;
  }
  if (r.decision) {
    counts.decisions = 1;
    counts[r.decision === 'opened' ? 'opened' : r.decision === 'notOpened' ? 'notOpened' : 'alreadyOngoing'] = 1;
    const decidedOn = r.decision_date ?? stockholmDate(r.decision_at ?? r.received_at);
    const days = daysBetweenDates(stockholmDate(r.received_at), decidedOn);
    durations.push({ measure: 'decisionDays', bucket: dayBucket(days) });
    if (days <= 14) counts.decidedWithin14 = 1;
    if (r.feedback_inappropriate_at) counts.feedbackInappropriate = 1;
    // 19 kap. 6 §: the decision feedback within one week of the decision date.
    if (requested && r.feedback_given_at) {
      const after = daysBetweenDates(decidedOn, stockholmDate(r.feedback_given_at));
      durations.push({ measure: 'feedbackAfterDecisionDays', bucket: dayBucket(after) });
      if (after <= 7) counts.feedbackWithinWeek = 1;
    }
  }
  if (r.draft_started_at)
    durations.push({ measure: 'draftToSendHours', bucket: hourBucket(hoursBetween(r.draft_started_at, r.received_at)) });
  if (r.before_holiday === 1) counts.reportsBeforeHoliday = 1;
  // Two partitions of the reports (0171): each report counts in exactly one part of each.
  counts[roleCount(r)] = 1;
  counts[weekdayCount(r.received_at)] = 1;
  if (r.repeat_child === 1) counts.repeatReports = 1;
  if (r.joint_meeting_offered_at) counts.jointMeetings = 1;
  return {
    cell: {
      month: r.received_month,
      school_id: r.school_id,
      district_id: r.district_id,
      school_type: r.school_type,
      category: r.category,
    },
    counts,
    durations,
  };
}

export function consultationContribution(k: ConsultationFacts): Contribution {
  const counts: Partial<Record<CountColumn, number>> = { consultations: 1 };
  counts[
    k.outcome === 'report'
      ? 'consultReport'
      : k.outcome === 'noReportNow'
        ? 'consultNoReportNow'
        : k.outcome === 'otherSupport'
          ? 'consultOtherSupport'
          : 'consultNoOutcome'
  ] = 1;
  if (k.led_to_report === 1) counts.ledToReport = 1;
  const durations: Contribution['durations'] = k.first_answer_at
    ? [
        {
          measure: 'firstAnswerHours',
          bucket: hourBucket(hoursBetween(k.created_at, k.first_answer_at)),
        },
      ]
    : [];
  return {
    cell: {
      month: stockholmDate(k.created_at).slice(0, 7),
      school_id: k.school_id,
      district_id: k.district_id,
      school_type: k.school_type,
      category: '',
    },
    counts,
    durations,
  };
}

const cellId = (c: CellKey) => [c.month, c.school_id, c.district_id, c.school_type, c.category].join('\u001f');

/** Contributions summed: counts per cell, duration buckets per cell. Signs allow a delta. */
export class RollupDelta {
  readonly counts = new Map<string, { cell: CellKey; v: Record<CountColumn, number> }>();
  readonly durations = new Map<string, { cell: CellKey; measure: DurationMeasure; bucket: number; n: number }>();
  add(c: Contribution, sign: 1 | -1): void {
    const id = cellId(c.cell);
    let e = this.counts.get(id);
    if (!e)
      this.counts.set(
        id,
        (e = {
          cell: c.cell,
          v: Object.fromEntries(countColumns.map((k) => [k, 0])) as Record<CountColumn, number>,
        }),
      );
    for (const [k, n] of Object.entries(c.counts) as Array<[CountColumn, number]>) e.v[k] += sign * n;
    for (const d of c.durations) {
      const did = `${id}\u001f${d.measure}\u001f${d.bucket}`;
      const x = this.durations.get(did);
      if (x) x.n += sign;
      else
        this.durations.set(did, {
          cell: c.cell,
          measure: d.measure,
          bucket: d.bucket,
          n: sign,
        });
    }
  }
  /** Adds a stored delta row (a fold). */
  addRow(cell: CellKey, v: Partial<Record<CountColumn, number>>): void {
    const id = cellId(cell);
    let e = this.counts.get(id);
    if (!e) this.counts.set(id, (e = { cell, v: Object.fromEntries(countColumns.map((k) => [k, 0])) as Record<CountColumn, number> }));
    for (const k of countColumns) e.v[k] += Number(v[k] ?? 0);
  }
  addDuration(cell: CellKey, measure: DurationMeasure, bucket: number, n: number): void {
    const did = `${cellId(cell)}\u001f${measure}\u001f${bucket}`;
    const x = this.durations.get(did);
    if (x) x.n += n;
    else this.durations.set(did, { cell, measure, bucket, n });
  }
  /** Adds a stored count row or duration rows as they are (the purged reports' part, see recomputeRollup). */
  addStored(
    cell: CellKey,
    counts: Partial<Record<CountColumn, number>>,
    durations: Array<{ measure: DurationMeasure; bucket: number; n: number }> = [],
  ): void {
    this.addRow(cell, counts);
    for (const d of durations) this.addDuration(cell, d.measure, d.bucket, d.n);
  }
  /** The non-zero parts: counts per cell, durations per bucket. */
  nonZero() {
    return {
      counts: [...this.counts.values()].filter((e) => countColumns.some((k) => e.v[k] !== 0)),
      durations: [...this.durations.values()].filter((d) => d.n !== 0),
    };
  }
  /**
   * Records the non-zero parts as delta rows (inserts only: no row another transaction writes),
   * to be folded into the roll-up by `foldRollup`.
   */
  async record(trx: Tx): Promise<void> {
    const { counts, durations } = this.nonZero();
    if (!counts.length && !durations.length) return;
    await rollupRows.recordDeltas(
      trx,
      counts.map(({ cell, v }): CountRow => ({ ...cell, ...toRow(v) })),
      durations.map(({ cell, measure, bucket, n }) => ({ ...cell, measure, bucket, n })),
    );
    for (const l of listeners) l();
  }
  /**
   * Adds the non-zero parts to the record of what purged reports contributed (0150): it changes no
   * figure, so it is no delta and tells no listener.
   */
  async applyPurged(trx: Tx): Promise<void> {
    const counts = [...this.counts.values()].filter(({ v }) => countColumns.some((k) => v[k] !== 0));
    const durations = [...this.durations.values()].filter(({ n }) => n !== 0);
    await rollupRows.addToPurgedRecord(
      trx,
      counts.map(({ cell, v }) => ({ ...cell, ...toRow(v) })),
      durations.map(({ cell, measure, bucket, n }) => ({ ...cell, measure, bucket, n })),
    );
  }
  /**
   * Adds the non-zero parts to the roll-up as +/- upserts, cells in a fixed order, and raises the
   * version (a fold, under the fold lock).
   */
  async applyToRollup(trx: Tx): Promise<boolean> {
    const { counts, durations } = this.nonZero();
    if (!counts.length && !durations.length) return false;
    counts.sort((a, b) => (cellId(a.cell) < cellId(b.cell) ? -1 : 1));
    durations.sort((a, b) =>
      `${cellId(a.cell)}\u001f${a.measure}\u001f${a.bucket}` < `${cellId(b.cell)}\u001f${b.measure}\u001f${b.bucket}` ? -1 : 1,
    );
    await rollupRows.addToRollup(
      trx,
      counts.map(({ cell, v }) => ({ ...cell, ...toRow(v) })),
      durations.map(({ cell, measure, bucket, n }) => ({ ...cell, measure, bucket, n })),
    );
    return true;
  }
}

const listeners = new Set<() => void>();
/**
 * Told when a write recorded a change to the figures (before its transaction commits: debounce,
 * then read; the read folds it in). The
 * statistics service uses it to work out the new suppression pattern in the background, so a view
 * after a change does not wait for it. Returns the unsubscribe.
 */
export function onRollupChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Runs `change` (which writes report `id` inside `trx`) and records the move of the report's
 * contribution to the figures from what it was to what it is now, in the same transaction. Use for every write that
 * can change a figure: a new report (nothing before), an intake action, feedback asked later.
 */
export async function trackReport<T>(trx: Tx, id: string, change: () => Promise<T>): Promise<T> {
  const before = await rollupRows.reportFacts(trx, id);
  const result = await change();
  const after = await rollupRows.reportFacts(trx, id);
  const delta = new RollupDelta();
  if (before) delta.add(reportContribution(before), -1);
  if (after) delta.add(reportContribution(after), 1);
  await delta.record(trx);
  return result;
}

/** The same for a consultation (asked, first answer, closed with an outcome, led to a report). */
export async function trackConsultation<T>(trx: Tx, id: string, change: () => Promise<T>): Promise<T> {
  const before = await rollupRows.consultationFacts(trx, id);
  const result = await change();
  const after = await rollupRows.consultationFacts(trx, id);
  const delta = new RollupDelta();
  if (before) delta.add(consultationContribution(before), -1);
  if (after) delta.add(consultationContribution(after), 1);
  await delta.record(trx);
  return result;
}

/** The roll-up worked out from the raw rows (after a migration that asks for it, bulk loads, and the tests' check). */
export async function recomputeRollup(db: Kysely<Database> | Tx): Promise<RollupDelta> {
  const delta = new RollupDelta();
  const page = 20_000;
  // Purged reports are deleted (retention.ts); what they contributed is kept by month, school and
  // category only (0150), and counts as rows here.
  const purged = await rollupRows.purgedRecord(db);
  for (const r of purged.counts) delta.addStored(cellOf(r), countsOfRow(r));
  for (const d of purged.durations)
    delta.addStored(cellOf(d), {}, [{ measure: d.measure as DurationMeasure, bucket: Number(d.bucket), n: Number(d.n) }]);
  for (let last = ''; ;) {
    const rows = await rollupRows.reportFactsAfter(db, last, page);
    for (const r of rows) delta.add(reportContribution(r), 1);
    if (rows.length < page) break;
    last = rows[rows.length - 1]!.id;
  }
  for (let last = ''; ;) {
    const rows = await rollupRows.consultationFactsAfter(db, last, page);
    for (const k of rows) delta.add(consultationContribution(k), 1);
    if (rows.length < page) break;
    last = rows[rows.length - 1]!.id;
  }
  return delta;
}

const FOLD_BATCH = 5_000;

/**
 * One batch of the fold, in the caller's transaction: takes up to `limit` delta rows of each
 * table (oldest first), deleting them, and adds them to the roll-up, raising its version. Whatever
 * becomes of the transaction, each delta is counted once: on commit it is in the roll-up and gone
 * from the deltas, on a rollback (or a crash) it is still a delta and the roll-up as it was. On
 * PostgreSQL a delta whose transaction has not committed yet is not seen here and is left for the
 * next fold; the deletion is of the rows read, never of a range of ids. Returns the rows folded
 * from the fuller of the two tables (under `limit`: nothing is left that this fold could see).
 */
export async function foldRollupIn(trx: Tx, limit = FOLD_BATCH): Promise<number> {
  await rollupRows.lockFolds(trx);
  const { counts, durations } = await rollupRows.takeDeltas(trx, limit);
  const delta = new RollupDelta();
  for (const r of counts) delta.addRow(cellOf(r), countsOfRow(r));
  for (const r of durations) delta.addDuration(cellOf(r), r.measure as DurationMeasure, Number(r.bucket), Number(r.n));
  await delta.applyToRollup(trx);
  return Math.max(counts.length, durations.length);
}
const cellOf = (r: CellKey): CellKey => ({
  month: r.month,
  school_id: r.school_id,
  district_id: r.district_id,
  school_type: r.school_type,
  category: r.category,
});

/** Are there deltas to fold? (One small read: what a statistics view pays when nothing changed.) */
export const rollupPending = (db: Kysely<Database> | Tx): Promise<boolean> => rollupRows.deltasPending(db);

/**
 * Folds every delta committed so far into the roll-up, in batches of its own transactions (each
 * complete or not at all, see `foldRollupIn`). Idempotent: a second fold finds nothing to do.
 * Called before statistics are read and every minute (src/services/index.ts). Returns the rows folded.
 */
export async function foldRollup(db: Kysely<Database>): Promise<number> {
  if (!(await rollupPending(db))) return 0;
  let folded = 0;
  for (;;) {
    const n = await db.transaction().execute((trx) => foldRollupIn(trx));
    folded += n;
    if (n < FOLD_BATCH) return folded;
  }
}

/** Empties the roll-up and fills it from the raw rows, in one transaction (pending deltas with it). */
export async function rebuildRollup(db: Kysely<Database>): Promise<void> {
  // Handed a transaction, it runs in that one.
  const inTransaction = (fn: (trx: Kysely<Database>) => Promise<void>) => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  await inTransaction(async (trx) => {
    // The raw rows already hold what any pending delta says.
    await rollupRows.lockFolds(trx);
    await rollupRows.dropDeltas(trx);
    await rollupRows.clearRebuildRequest(trx);
    const { counts, durations } = (await recomputeRollup(trx)).nonZero();
    await rollupRows.replaceRollup(
      trx,
      counts.map((e) => ({ ...e.cell, ...toRow(e.v) })),
      durations.map((d) => ({ ...d.cell, measure: d.measure, bucket: d.bucket, n: d.n })),
    );
  });
}

/**
 * Fills the roll-up from the rows when a migration asked for it (0170, the last to change its
 * shape): called by the store's migrate() once every migration has run, so the fill is today's
 * code on today's schema. Returns whether it filled.
 */
export async function rebuildRollupIfNeeded(db: Kysely<Database>): Promise<boolean> {
  if (!(await rollupRows.rebuildRequested(db))) return false;
  await rebuildRollup(db);
  return true;
}

/**
 * Where the stored figures (the roll-up plus the deltas not yet folded) differ from a
 * recomputation from the raw rows (empty when they are right), read in one snapshot. For the
 * tests and for an operator's check; reads every row, so not for a hot path.
 */
export async function rollupDifferences(db: Kysely<Database>): Promise<string[]> {
  const stored = await rollupRows.storedFigures(db, (trx) => recomputeRollup(trx));
  const want = stored.alongside;
  const have = new RollupDelta();
  for (const r of [...stored.counts, ...stored.countDeltas]) have.addRow(cellOf(r), countsOfRow(r));
  for (const r of [...stored.durations, ...stored.durationDeltas])
    have.addDuration(cellOf(r), r.measure as DurationMeasure, Number(r.bucket), Number(r.n));
  const out: string[] = [];
  const counts = new Map<string, Record<string, number>>();
  for (const e of want.nonZero().counts) counts.set(cellId(e.cell), toRow(e.v));
  for (const e of have.counts.values()) {
    const id = cellId(e.cell);
    const expected = counts.get(id) ?? {};
    counts.delete(id);
    for (const k of countColumns) {
      const stored = e.v[k];
      if (stored !== (expected[columnOf(k)] ?? 0))
        out.push(`stat_counts ${id.replace(/\u001f/g, '/')} ${k}: stored ${stored}, from the rows ${expected[columnOf(k)] ?? 0}`);
    }
  }
  for (const [id, v] of counts) out.push(`stat_counts ${id.replace(/\u001f/g, '/')} missing: ${JSON.stringify(v)}`);
  const durations = new Map<string, number>();
  for (const d of want.nonZero().durations) durations.set(`${cellId(d.cell)}\u001f${d.measure}\u001f${d.bucket}`, d.n);
  for (const d of have.durations.values()) {
    const id = `${cellId(d.cell)}\u001f${d.measure}\u001f${d.bucket}`;
    const expected = durations.get(id) ?? 0;
    durations.delete(id);
    if (d.n !== expected) out.push(`stat_durations ${id.replace(/\u001f/g, '/')}: stored ${d.n}, from the rows ${expected}`);
  }
  for (const [id, n] of durations) out.push(`stat_durations ${id.replace(/\u001f/g, '/')} missing: ${n}`);
  return out;
}

/**
 * A report started from a consultation was sent: the consultation counts as having led to a
 * report (statistics only; nothing links the two records). In the report's own transaction.
 */
export async function markLedToReport(trx: Tx, consultationId: string, now: Date): Promise<void> {
  await trackConsultation(trx, consultationId, () => rollupRows.markLedToReport(trx, consultationId, now));
}
