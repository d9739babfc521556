import type { Kysely } from 'kysely';

/**
 * The report form in three cards (issue 22 §1): the reporter is shown collapsed, prefilled from
 * Teams and from the teacher's last report. The phone was remembered already; the role (lärare,
 * kurator…) is too now. Staff data, like the phone: deleted with the rest of the profile
 * (`retention.userDays`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('role', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('role').execute();
}
