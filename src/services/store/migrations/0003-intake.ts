import type { Kysely } from 'kysely';

/**
 * Intake's internal notes (e.g. why feedback would be inappropriate): free text that stays in the
 * store, sealed with the report's data key, and is never sent to anyone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('intake_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_aad', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text')
    .execute();
  await db.schema.createIndex('intake_notes_report').on('intake_notes').column('report_id').execute();
  await db.schema.alterTable('reports').addColumn('feedback_sent_unrequested', 'integer').execute();
}
