import type { Kysely } from 'kysely';
import { columnOf, countColumnsBefore0170 } from '../../stat-rollup';

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
  for (const k of countColumnsBefore0170) counts = counts.addColumn(columnOf(k), 'integer', (c) => c.notNull().defaultTo(0));
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
  // The roll-up is filled from the rows already stored by 0170, the last migration to change its
  // shape (today's code reads columns this one's store does not have yet).
}
