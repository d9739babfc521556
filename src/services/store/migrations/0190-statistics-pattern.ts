import type { Kysely } from 'kysely';

/**
 * The statistics' suppression pattern, kept (issue 24). Working it out over years of figures takes
 * minutes; a restart, a deploy or a second instance on the same PostgreSQL worked it out again from
 * nothing, and the first views meanwhile had no figures. The pattern is kept here by a fingerprint
 * of everything it is worked out from (the roll-up's counts, the families, the schools and the
 * principals' scopes, and the code that works it out): a start whose fingerprint matches loads it
 * instead. Only positions in the roll-up's cube (which month, school, category and count a
 * protecting cycle runs over), gzipped and base64: no figures, nothing about a person.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stat_patterns')
    .addColumn('fingerprint', 'text', (c) => c.primaryKey())
    .addColumn('cycles', 'text', (c) => c.notNull())
    .addColumn('cycle_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stat_patterns').execute();
}
