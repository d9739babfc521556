import type { Kysely } from 'kysely';

/**
 * Annual-cycle reminders (årshjul): one row per due run, recipient and school. `key` makes a run
 * retried after a crash insert nothing new; `send_at` is when the card should (next) go out: the
 * due time, moved past weekends and public holidays, or a snooze. Done-records (done_at, done_by)
 * feed the statistics. Only ids and codes: the entry's texts live in the config.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reminders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('recipient_aad', 'text')
    .addColumn('unit_id', 'text')
    .addColumn('school_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('send_at', 'text')
    .addColumn('sent_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('done_at', 'text')
    .addColumn('done_by', 'text')
    .addColumn('snoozed_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('reminders_send').on('reminders').columns(['send_at']).execute();
  await db.schema.createIndex('reminders_stats').on('reminders').columns(['entry_id', 'school_id', 'due_at']).execute();
  await db.schema.createIndex('reminders_recipient').on('reminders').columns(['recipient_aad', 'status']).execute();
}
