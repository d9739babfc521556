import type { Kysely } from 'kysely';

/**
 * Issue 22 §§3–4. An acute report's alerts in its thread (`reports.acute_alerts`, how many were
 * queued, and `acute_alert_at`, when the last one was: the repeat every 15 minutes until someone
 * takes the report is worked out from these, so it survives a restart); whether the report arrived
 * outside the intake unit's office hours (`reports.out_of_hours`, as it was at arrival: a later
 * change of office hours does not rewrite it). The phone a handler gave when taking a report
 * (`users.handler_phone`): the handler's own, kept apart from the phone a teacher gives in a report,
 * so one can never stand in for the other.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('reports')
    .addColumn('acute_alerts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('reports').addColumn('acute_alert_at', 'text').execute();
  await db.schema.alterTable('reports').addColumn('out_of_hours', 'integer').execute();
  await db.schema.alterTable('users').addColumn('handler_phone', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('handler_phone').execute();
  await db.schema.alterTable('reports').dropColumn('out_of_hours').execute();
  await db.schema.alterTable('reports').dropColumn('acute_alert_at').execute();
  await db.schema.alterTable('reports').dropColumn('acute_alerts').execute();
}
