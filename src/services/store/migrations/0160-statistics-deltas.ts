import type { Kysely } from 'kysely';

/**
 * The count columns of the roll-up's tables as this migration made them: a literal list, frozen
 * (a migration makes the same tables whatever the code around it has become since; 0170 adds the
 * later counts).
 */
const countColumns = [
  'reports',
  'feedback_requested',
  'feedback_given',
  'decisions',
  'opened',
  'not_opened',
  'already_ongoing',
  'decided_within14',
  'joint_meetings',
  'consultations',
  'consult_report',
  'consult_no_report_now',
  'consult_other_support',
  'consult_no_outcome',
  'led_to_report',
] as const;

/**
 * The statistics roll-up without shared rows in the hot path (issue 20 §3). Until now every
 * submit and intake action updated the roll-up's cells and its version row in its own transaction,
 * so on PostgreSQL those transactions waited for each other on the same few rows until each
 * commit. From here a change inserts its contribution (+1/-1) as rows of its own into these two
 * tables, which nothing else updates; `foldRollup` (src/services/stat-rollup.ts) moves them into
 * `stat_counts` / `stat_durations` and raises `stat_version`, in one transaction, before statistics
 * are read and every minute. Only codes and counts, like the roll-up.
 *
 * `id` is a sortable unique id (`newId`), so that a fold can take a batch in order on both stores.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  let counts = db.schema
    .createTable('stat_count_deltas')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('school_id', 'text', (c) => c.notNull())
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('school_type', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull());
  for (const column of countColumns) counts = counts.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
  await counts.execute();
  await db.schema
    .createTable('stat_duration_deltas')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('school_id', 'text', (c) => c.notNull())
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('school_type', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('measure', 'text', (c) => c.notNull())
    .addColumn('bucket', 'integer', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .execute();
}
