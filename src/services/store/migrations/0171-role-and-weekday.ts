import type { Kysely } from 'kysely';

/**
 * Two breakdowns of the reports the audits asked for (issue 24 §2): who reports (the reporter's
 * role group: principal, teaching staff, elevhälsan, other or unknown; Herrljunga 2018, Kinda 2015)
 * and when (the Stockholm weekday it was sent: Monday to Friday, the weekend; Eksjö 2021,
 * Herrljunga 2018: reports held back). Each is a partition of the reports in every cell of the
 * roll-up: its parts add up to `reports`.
 *
 * - reports: reporter_role_group ('principal' | 'teaching' | 'studentHealth' | 'otherRole'), set at
 *   submit from the role the reporter gave (src/services/reporter-role.ts); the text is never stored.
 *   The reports already stored had only `reporter_principal` (0170, null before it): 'principal'
 *   where it is 1, 'otherRole' ("annan eller okänd roll") for the rest. The weekday needs no column:
 *   the roll-up reads it from received_at.
 * - stat_counts, stat_count_deltas, stat_purged_counts: a column per new count (the principals'
 *   part is 0170's by_principal). What purged reports contributed is kept by month only (0150), so
 *   for the reports purged before this migration: role_other = reports − by_principal, and their
 *   weekday is unknown (weekday_unknown = reports), so that the parts still add up to the reports.
 * - the roll-up is filled again from the rows after the migrations, as 0170 asks it (the same kv
 *   row; src/services/stat-rollup.ts `rebuildRollupIfNeeded`): that fill counts the new columns.
 *
 * Frozen: the columns and the kv row are written out here, nothing is imported that can change.
 */
const added = [
  'role_teaching',
  'role_student_health',
  'role_other',
  'weekday_mon',
  'weekday_tue',
  'weekday_wed',
  'weekday_thu',
  'weekday_fri',
  'weekday_weekend',
  'weekday_unknown',
] as const;

/** The kv row that asks for the roll-up to be filled again after the migrations (src/services/store/rollup.ts reads it). */
const ROLLUP_REBUILD = 'varna:rollup-rebuild-needed';

/** The tables and columns this migration reads and writes, as they were. */
interface Tables {
  reports: { id: string; reporter_principal: number | null; reporter_role_group: string | null };
  stat_purged_counts: { reports: number; by_principal: number; role_other: number; weekday_unknown: number };
  kv: { key: string; etag: string; value: string; updated_at: string };
}

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['stat_counts', 'stat_count_deltas', 'stat_purged_counts'])
    for (const column of added)
      await db.schema
        .alterTable(table)
        .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
  await db.schema.alterTable('reports').addColumn('reporter_role_group', 'text').execute();

  const d = db as unknown as Kysely<Tables>;
  await d.updateTable('reports').set({ reporter_role_group: 'principal' }).where('reporter_principal', '=', 1).execute();
  await d.updateTable('reports').set({ reporter_role_group: 'otherRole' }).where('reporter_role_group', 'is', null).execute();
  await d
    .updateTable('stat_purged_counts')
    .set((eb) => ({ role_other: eb('reports', '-', eb.ref('by_principal')), weekday_unknown: eb.ref('reports') }))
    .execute();
  await d
    .insertInto('kv')
    .values({ key: ROLLUP_REBUILD, etag: '0171', value: '"0171-role-and-weekday"', updated_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['stat_counts', 'stat_count_deltas', 'stat_purged_counts'])
    for (const column of added) await db.schema.alterTable(table).dropColumn(column).execute();
  await db.schema.alterTable('reports').dropColumn('reporter_role_group').execute();
}
