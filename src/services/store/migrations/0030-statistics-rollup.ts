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
  for (const column of countColumns) counts = counts.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
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
  await db.schema
    .createTable('stat_version')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('v', 'integer', (c) => c.notNull())
    .execute();
  await db
    .insertInto('stat_version' as never)
    .values({ id: 1, v: 0 } as never)
    .execute();
  // The roll-up is filled from the rows already stored after the migrations, at 0170's request
  // (0170 is the last migration to change its shape; today's code reads columns this one's store
  // does not have yet).
}
