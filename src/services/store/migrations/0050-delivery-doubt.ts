import type { Kysely } from 'kysely';

/**
 * Exactly-once delivery. `outbox.attempt_at` is set (and committed) before a message is handed to
 * the Bot Connector and cleared when the send is recorded; a row that still has it after a crash or
 * a timed-out send is "in doubt": Teams may or may not have it. The outbox then asks Microsoft
 * Graph before sending again (channel posts), or resends visibly marked as a possible repeat.
 * `installations.aad_group_id` is the team's Microsoft 365 group id, which Graph needs
 * (`channelData.team.aadGroupId` of the install event; the Bot Framework team id is not it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('attempt_at', 'text').execute();
  await db.schema.alterTable('installations').addColumn('aad_group_id', 'text').execute();
}
