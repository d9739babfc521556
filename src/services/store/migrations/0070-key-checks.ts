import type { Kysely } from 'kysely';

/**
 * Keys: a key check value per key id (`key_checks`: an HMAC of a fixed text under the key, never
 * the key), so that a different key under an id already in use stops the start instead of making
 * every stored report unreadable; and the id of the index key each keyed hash was made with
 * (`reports.index_key_id` for child_key, `consultations.index_key_id` for teacher_key; null: made
 * before ids were stored), so a rotation knows what is left to rehash. The index on
 * `data_keys.master_key_id` finds the records still wrapped under an old master key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('key_checks')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('check_value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('key_checks_pk', ['kind', 'key_id'])
    .execute();
  await db.schema.alterTable('reports').addColumn('index_key_id', 'text').execute();
  await db.schema.alterTable('consultations').addColumn('index_key_id', 'text').execute();
  await db.schema.createIndex('data_keys_master').on('data_keys').column('master_key_id').execute();
}
