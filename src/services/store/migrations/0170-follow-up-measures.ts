import type { Kysely } from 'kysely';

/**
 * The follow-up measures the audits asked for (issue 24 §2): receipt confirmed, decision feedback
 * within a week of the decision, feedback marked inappropriate, protection assessment in time,
 * reports in the two weeks before a school holiday, reports by principals, repeat reports; and the
 * time from a draft's first step to its sending.
 *
 * - reports: draft_started_at, before_holiday, reporter_principal, repeat_child (set at submit).
 *   For the reports already stored: before_holiday by the default Swedish holiday rules (the
 *   municipality file is not read by a migration), repeat_child from child_key (an earlier report
 *   on the same hash in the 365 days before; a hash made under an older index key is not matched);
 *   draft_started_at and reporter_principal were never stored, so they stay null (not counted).
 * - stat_counts, stat_count_deltas, stat_purged_counts: a column per new count. Reports purged
 *   before this migration count 0 in them (only their old counts were kept).
 * - the roll-up is to be filled again from the rows (and the purged reports' record): this
 *   migration records that (`ROLLUP_REBUILD`, a kv row), and the store's migrate() fills it with
 *   the code of the day once every migration has run (src/services/stat-rollup.ts,
 *   `rebuildRollupIfNeeded`). A migration does not call the live roll-up: that code reads the
 *   columns of the newest schema, which a later migration may change. A later migration that
 *   changes the roll-up's shape records the same row.
 *
 * Frozen: everything this migration needs is written out here (the columns, the Stockholm date,
 * the default holiday rules as they were), so it does the same whatever the code around it has
 * become since.
 */
/** The counts 0170 adds to the roll-up's count tables (snake case, like every column). */
const added = [
  'receipt_confirmed',
  'feedback_within_week',
  'feedback_inappropriate',
  'protection_in_time',
  'reports_before_holiday',
  'by_principal',
  'repeat_reports',
] as const;

/** The kv row that asks for the roll-up to be filled again after the migrations (src/services/store/rollup.ts reads it). */
const ROLLUP_REBUILD = 'varna:rollup-rebuild-needed';

/** The tables and columns this migration reads and writes, as they were. */
interface Tables {
  reports: { id: string; received_at: string; child_key: string | null; before_holiday: number | null; repeat_child: number | null };
  kv: { key: string; etag: string; value: string; updated_at: string };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The Stockholm date of an instant (summer time by the EU rule since 1996), as in 2026. */
const summer = new Map<number, [number, number]>();
const lastSunday = (y: number, month: number) => {
  const last = new Date(Date.UTC(y, month + 1, 0, 1));
  return last.getTime() - last.getUTCDay() * DAY_MS;
};
function stockholmDate(isoAt: string): string {
  const ms = Date.parse(isoAt);
  const y = Number(isoAt.slice(0, 4));
  let range = summer.get(y);
  if (!range) summer.set(y, (range = [lastSunday(y, 2), lastSunday(y, 9)]));
  const offset = ms >= range[0] && ms < range[1] ? 2 : 1;
  return new Date(ms + offset * HOUR_MS).toISOString().slice(0, 10);
}

/*
 * The default Swedish holiday rules as they were (src/services/school-holidays.ts): the first days
 * of sportlov (Monday of ISO week 9), påsklov (Good Friday), sommarlov (the Saturday after the
 * second Friday of June), höstlov (Monday of ISO week 44) and jullov (the Saturday after the third
 * Friday of December).
 */
const utc = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
function isoWeekMonday(year: number, week: number): number {
  const jan4 = utc(year, 1, 4);
  const dow = (new Date(jan4).getUTCDay() + 6) % 7;
  return jan4 - dow * DAY_MS + (week - 1) * 7 * DAY_MS;
}
function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(year, month, day);
}
function saturdayAfterFriday(year: number, month: number, nth: number): number {
  const first = utc(year, month, 1);
  const toFriday = (5 - new Date(first).getUTCDay() + 7) % 7;
  return first + (toFriday + (nth - 1) * 7 + 1) * DAY_MS;
}
const holidayStarts = (year: number): number[] => [
  isoWeekMonday(year, 9),
  easterSunday(year) - 2 * DAY_MS,
  saturdayAfterFriday(year, 6, 2),
  isoWeekMonday(year, 44),
  saturdayAfterFriday(year, 12, 3),
];
/** Is a Stockholm date within the 14 days before a holiday's first day (that day not included)? */
function isBeforeHoliday(date: string): boolean {
  const day = Date.parse(`${date}T00:00:00Z`);
  const year = Number(date.slice(0, 4));
  return [...holidayStarts(year), ...holidayStarts(year + 1)].some((start) => day < start && day >= start - 14 * DAY_MS);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['stat_counts', 'stat_count_deltas', 'stat_purged_counts'])
    for (const column of added)
      await db.schema
        .alterTable(table)
        .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
  await db.schema.alterTable('reports').addColumn('draft_started_at', 'text').execute();
  await db.schema.alterTable('reports').addColumn('before_holiday', 'integer').execute();
  await db.schema.alterTable('reports').addColumn('reporter_principal', 'integer').execute();
  await db.schema.alterTable('reports').addColumn('repeat_child', 'integer').execute();

  const d = db as unknown as Kysely<Tables>;
  const page = 20_000;
  const mark = async (column: 'before_holiday' | 'repeat_child', ids: string[]) => {
    for (let i = 0; i < ids.length; i += 500)
      await d
        .updateTable('reports')
        .set({ [column]: 1 })
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
  };
  // Sent in the 14 days before a holiday began (Stockholm dates).
  for (let last = ''; ;) {
    const rows = await d.selectFrom('reports').select(['id', 'received_at']).where('id', '>', last).orderBy('id').limit(page).execute();
    await mark(
      'before_holiday',
      rows.filter((r) => isBeforeHoliday(stockholmDate(r.received_at))).map((r) => r.id),
    );
    if (rows.length < page) break;
    last = rows[rows.length - 1]!.id;
  }
  // A repeat: the same child_key received in the 365 days before (in the order received).
  const repeats: string[] = [];
  let key: string | null = null;
  let times: number[] = [];
  for (let after: [string, string, string] | undefined; ;) {
    let q = d.selectFrom('reports').select(['id', 'child_key', 'received_at']).where('child_key', 'is not', null);
    if (after) {
      const [k, at, id] = after;
      q = q.where((eb) =>
        eb.or([
          eb('child_key', '>', k),
          eb.and([eb('child_key', '=', k), eb.or([eb('received_at', '>', at), eb.and([eb('received_at', '=', at), eb('id', '>', id)])])]),
        ]),
      );
    }
    const rows = await q.orderBy('child_key').orderBy('received_at').orderBy('id').limit(page).execute();
    for (const r of rows) {
      if (r.child_key !== key) {
        key = r.child_key;
        times = [];
      }
      const at = Date.parse(r.received_at);
      if (times.some((t) => t >= at - 365 * 86_400_000 && t <= at)) repeats.push(r.id);
      times.push(at);
    }
    if (rows.length < page) break;
    const lastRow = rows[rows.length - 1]!;
    after = [lastRow.child_key!, lastRow.received_at, lastRow.id];
  }
  await mark('repeat_child', repeats);
  await d.updateTable('reports').set({ before_holiday: 0 }).where('before_holiday', 'is', null).execute();
  await d.updateTable('reports').set({ repeat_child: 0 }).where('repeat_child', 'is', null).execute();
  // Filled after the last migration (see above); a fill there empties and refills, so a second
  // request is harmless.
  await d
    .insertInto('kv')
    .values({ key: ROLLUP_REBUILD, etag: '0170', value: '"0170-follow-up-measures"', updated_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['stat_counts', 'stat_count_deltas', 'stat_purged_counts'])
    for (const column of added) await db.schema.alterTable(table).dropColumn(column).execute();
  for (const c of ['draft_started_at', 'before_holiday', 'reporter_principal', 'repeat_child'])
    await db.schema.alterTable('reports').dropColumn(c).execute();
}
