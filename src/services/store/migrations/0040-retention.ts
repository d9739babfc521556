import type { Kysely } from 'kysely';

/**
 * Retention (gallring). When audit entries older than the retention period are purged, the last
 * purged entry's seq and hash are kept here, so the hash chain of what remains still verifies.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_anchor')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('purged_at', 'text', (c) => c.notNull())
    .execute();
}
