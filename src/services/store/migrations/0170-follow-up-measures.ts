import type { Kysely } from 'kysely';
import { defaultHolidayRules, isBeforeHoliday } from '../../school-holidays';
import { columnOf, countColumns, countColumnsBefore0170, rebuildRollup, stockholmDate } from '../../stat-rollup';
import type { Database } from '../schema';

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
 * - the roll-up is filled again from the rows (and the purged reports' record). This is the last
 *   migration to change the roll-up's shape, so it is the one that fills it (0030 no longer does:
 *   today's code reads columns an older store does not have); a later one that changes the shape
 *   takes the call over.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const added = countColumns.filter((k) => !(countColumnsBefore0170 as readonly string[]).includes(k));
  for (const table of ['stat_counts', 'stat_count_deltas', 'stat_purged_counts'])
    for (const k of added) await db.schema.alterTable(table).addColumn(columnOf(k), 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('reports').addColumn('draft_started_at', 'text').execute();
  await db.schema.alterTable('reports').addColumn('before_holiday', 'integer').execute();
  await db.schema.alterTable('reports').addColumn('reporter_principal', 'integer').execute();
  await db.schema.alterTable('reports').addColumn('repeat_child', 'integer').execute();

  const d = db as unknown as Kysely<Database>;
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
      rows.filter((r) => isBeforeHoliday(stockholmDate(r.received_at), defaultHolidayRules)).map((r) => r.id),
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
        eb.or([eb('child_key', '>', k), eb.and([eb('child_key', '=', k), eb.or([eb('received_at', '>', at), eb.and([eb('received_at', '=', at), eb('id', '>', id)])])])]),
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
  await rebuildRollup(d);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const added = countColumns.filter((k) => !(countColumnsBefore0170 as readonly string[]).includes(k));
  for (const table of ['stat_counts', 'stat_count_deltas', 'stat_purged_counts'])
    for (const k of added) await db.schema.alterTable(table).dropColumn(columnOf(k)).execute();
  for (const c of ['draft_started_at', 'before_holiday', 'reporter_principal', 'repeat_child']) await db.schema.alterTable('reports').dropColumn(c).execute();
}
