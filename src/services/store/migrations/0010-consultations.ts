import type { Kysely } from 'kysely';

/**
 * Anonymous consultations (avidentifierad konsultation). Clear columns are what statistics need
 * (unit, school, district, school type, times, outcome); the question, the answers and the
 * teacher's Entra id (needed only to relay answers) are sealed with the consultation's own data key
 * (data_keys.record_id = consultations.id). `teacher_key` is a keyed hash of the teacher's id, so
 * the teacher can find their consultations without the id being stored in clear. Purging deletes
 * the data key and the sealed columns; the statistics stay.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('consultations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'integer', (c) => c.notNull().unique())
    .addColumn('submission_key', 'text', (c) => c.notNull().unique())
    .addColumn('teacher_key', 'text', (c) => c.notNull())
    .addColumn('teacher_locale', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'text', (c) => c.notNull())
    .addColumn('school_id', 'text', (c) => c.notNull())
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('school_type', 'text', (c) => c.notNull())
    .addColumn('school_shown', 'integer', (c) => c.notNull())
    .addColumn('sealed', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('first_answer_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('outcome', 'text')
    .addColumn('led_to_report', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('messages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('channel_conversation_id', 'text')
    .addColumn('channel_activity_id', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('purged_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consultations_teacher').on('consultations').columns(['teacher_key', 'created_at']).execute();
  await db.schema.createIndex('consultations_closed').on('consultations').columns(['closed_at', 'purged_at']).execute();
  await db.schema.createIndex('consultations_unit').on('consultations').columns(['unit_id', 'created_at']).execute();

  await db.schema
    .createTable('consultation_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('consultation_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text')
    .execute();
  await db.schema
    .createIndex('consultation_messages_seq')
    .on('consultation_messages')
    .columns(['consultation_id', 'seq'])
    .unique()
    .execute();
}
