import type { Kysely } from 'kysely';

/**
 * Reports (orosanmälningar), their drafts and their history. Columns in clear are what routing,
 * deadlines and statistics need (school, category, times, outcomes); everything about the child,
 * the guardians, the concern and the people involved is in `sealed`, encrypted with the record's
 * own data key (data_keys.record_id = reports.id / drafts.id).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('drafts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_aad', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('nudged_at', 'text')
    .execute();
  await db.schema.createIndex('drafts_owner').on('drafts').columns(['owner_aad', 'updated_at']).execute();

  await db.schema
    .createTable('reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('submission_key', 'text', (c) => c.notNull().unique())
    .addColumn('reporter_aad', 'text', (c) => c.notNull())
    .addColumn('reporter_locale', 'text', (c) => c.notNull())
    .addColumn('school_id', 'text', (c) => c.notNull())
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('school_type', 'text', (c) => c.notNull())
    .addColumn('intake_unit_id', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('acute', 'integer', (c) => c.notNull())
    .addColumn('feedback_requested', 'integer', (c) => c.notNull())
    .addColumn('joint_meeting_wanted', 'integer', (c) => c.notNull())
    .addColumn('child_key', 'text')
    .addColumn('sealed', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('received_month', 'text', (c) => c.notNull())
    .addColumn('protection_due_at', 'text', (c) => c.notNull())
    .addColumn('decision_due_at', 'text', (c) => c.notNull())
    .addColumn('channel_conversation_id', 'text')
    .addColumn('channel_activity_id', 'text')
    .addColumn('handler_aad', 'text')
    .addColumn('handler_name', 'text')
    .addColumn('handler_phone', 'text')
    .addColumn('receipt_at', 'text')
    .addColumn('protection_at', 'text')
    .addColumn('protection_immediate', 'integer')
    .addColumn('decision', 'text')
    .addColumn('decision_date', 'text')
    .addColumn('decision_at', 'text')
    .addColumn('feedback_inappropriate_at', 'text')
    .addColumn('feedback_requested_later_at', 'text')
    .addColumn('feedback_given_at', 'text')
    .addColumn('joint_meeting_offered_at', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('purged_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('reports_reporter').on('reports').columns(['reporter_aad', 'received_at']).execute();
  await db.schema.createIndex('reports_child').on('reports').columns(['child_key', 'received_at']).execute();
  await db.schema.createIndex('reports_month').on('reports').columns(['received_month', 'school_id']).execute();
  await db.schema.createIndex('reports_unit_due').on('reports').columns(['intake_unit_id', 'decision_due_at']).execute();

  await db.schema
    .createTable('report_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_aad', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('report_events_report').on('report_events').columns(['report_id', 'at']).execute();
}
