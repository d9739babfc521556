import type { Kysely } from 'kysely';
import { columnOf, countColumnsBefore0170 } from '../../stat-rollup';

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
  for (const k of countColumnsBefore0170) counts = counts.addColumn(columnOf(k), 'integer', (c) => c.notNull().defaultTo(0));
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
