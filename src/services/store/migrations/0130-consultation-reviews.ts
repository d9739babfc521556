import type { Kysely } from 'kysely';

/**
 * The consultation guard's review, kept on the server (issue 22 §2): the text the teacher typed,
 * the names, addresses and postal codes found in it, and which of them the teacher restored. The
 * review card carries only the review's id, its version and an index into this list, so what is
 * sent is always the server's own cleaned text. `sealed` is encrypted with the review's own data
 * key (data_keys.record_id = consultation_reviews.id), emptied and the key destroyed when it is
 * sent or cancelled; rows are deleted after the municipality's `draftDays`. `owner_key` is the
 * keyed hash of the teacher's id (as consultations.teacher_key), `key` a keyed hash of what the
 * review is for (the compose card's nonce, or the consultation replied to): never the id in clear.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('consultation_reviews')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consultation_reviews_updated').on('consultation_reviews').column('updated_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('consultation_reviews').execute();
}
