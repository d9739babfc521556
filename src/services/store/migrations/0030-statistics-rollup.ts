import type { Kysely } from 'kysely';
import { columnOf, countColumns, rebuildRollup } from '../../stat-rollup';
import type { Database } from '../schema';

/**
 * The statistics roll-up (issue 7): counts and duration buckets by month × school × category,
 * kept current by the services in the same transaction as each change (src/services/stat-rollup.ts),
 * and filled here from the rows already stored. Only codes and counts: nothing about a person.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  let counts = db.schema
    .createTable('stat_counts')
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('school_id', 'text', (c) => c.notNull())
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('school_type', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull());
  for (const k of countColumns) counts = counts.addColumn(columnOf(k), 'integer', (c) => c.notNull().defaultTo(0));
  await counts.addPrimaryKeyConstraint('stat_counts_pk', ['month', 'school_id', 'district_id', 'school_type', 'category']).execute();
  await db.schema
    .createTable('stat_durations')
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('school_id', 'text', (c) => c.notNull())
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('school_type', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('measure', 'text', (c) => c.notNull())
    .addColumn('bucket', 'integer', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('stat_durations_pk', ['month', 'school_id', 'district_id', 'school_type', 'category', 'measure', 'bucket'])
    .execute();
  await db.schema.createTable('stat_version').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('v', 'integer', (c) => c.notNull()).execute();
  await db.insertInto('stat_version' as never).values({ id: 1, v: 0 } as never).execute();
  await rebuildRollup(db as unknown as Kysely<Database>);
}
