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
 * Retention a DPO would sign (issue 21 §15-17).
 *
 * - reports.registered_at: when intake marked the report "Registrerad i verksamhetssystemet" (or
 *   exported it, which counts as registration). Only a registered report is purged: the report is
 *   an allmän handling at the social services from the moment it arrives, and Värna's copy may be
 *   cleared only once the original lives in the case system.
 * - reports.purge_warned_at / purge_listed_at: the alert for a report approaching its purge date
 *   unregistered was queued (once), and the daily summary that listed it (once).
 * - report_messages: where Värna's own messages about a report landed in Teams (the receipt and
 *   feedback in the teacher's chat, the channel card's thread replies), so that the purge can
 *   replace or delete them.
 * - stat_purged_counts / stat_purged_durations: what purged (deleted) reports contributed to the
 *   statistics roll-up, by month × school × category only, so the roll-up can still be checked
 *   against the rows that remain.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('reports').addColumn('registered_at', 'text').execute();
  await db.schema.alterTable('reports').addColumn('purge_warned_at', 'text').execute();
  await db.schema.alterTable('reports').addColumn('purge_listed_at', 'text').execute();
  await db.schema
    .createTable('report_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('activity_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('report_messages_report').on('report_messages').columns(['report_id', 'activity_id']).unique().execute();
  let counts = db.schema
    .createTable('stat_purged_counts')
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('school_id', 'text', (c) => c.notNull())
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('school_type', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull());
  for (const column of countColumns) counts = counts.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
  await counts.addPrimaryKeyConstraint('stat_purged_counts_pk', ['month', 'school_id', 'district_id', 'school_type', 'category']).execute();
  await db.schema
    .createTable('stat_purged_durations')
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('school_id', 'text', (c) => c.notNull())
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('school_type', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('measure', 'text', (c) => c.notNull())
    .addColumn('bucket', 'integer', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('stat_purged_durations_pk', [
      'month',
      'school_id',
      'district_id',
      'school_type',
      'category',
      'measure',
      'bucket',
    ])
    .execute();
}
