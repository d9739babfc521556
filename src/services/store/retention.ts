/**
 * Retention's repository (gallring): what is past its time, per data class, and its deletion. Every
 * function takes the executor first; the cut-off instants are computed by the service
 * (src/services/retention.ts) from the municipality's settings.
 */
import { sql, type ExpressionBuilder } from 'kysely';
import type { Dialect } from './db';
import type { Tx } from './index';
import { reportFactColumns, type ReportFacts } from './rollup';
import type { Database } from './schema';

const iso = (d: Date) => d.toISOString();
/** What a purged person reference reads (the column stays non-null). */
const PURGED = 'purged';

/** Drafts not changed since `cutoff`. */
export async function draftsUnchangedSince(db: Tx, cutoff: Date): Promise<string[]> {
  return (await db.selectFrom('drafts').select('id').where('updated_at', '<', iso(cutoff)).execute()).map((r) => r.id);
}

/** Deletes drafts (their data keys are the caller's: store.dataKeys.destroy). */
export async function deleteDrafts(db: Tx, ids: string[]): Promise<void> {
  if (ids.length) await db.deleteFrom('drafts').where('id', 'in', ids).execute();
}

/** The two cut-offs of a report's purge (or of its warning): by its decision, or by its receipt when undecided. */
export interface ReportCutoffs {
  /** Decided before this instant. */
  decidedBefore: Date;
  /** Undecided, and received before this instant. */
  undecidedReceivedBefore: Date;
}

function pastCutoffs(eb: ExpressionBuilder<Database, 'reports'>, { decidedBefore, undecidedReceivedBefore }: ReportCutoffs) {
  return eb.or([
    eb.and([eb('decision_at', 'is not', null), eb('decision_at', '<', iso(decidedBefore))]),
    eb.and([eb('decision_at', 'is', null), eb('received_at', '<', iso(undecidedReceivedBefore))]),
  ]);
}

/** A report due for purge: what statistics hold of it (`facts`), and where its own messages are. */
export interface ReportToPurge {
  id: string;
  decisionAt: Date | undefined;
  purgedAt: Date | undefined;
  reporterAad: string;
  reporterLocale: string;
  intakeUnitId: string;
  channelConversationId: string | undefined;
  channelActivityId: string | undefined;
  facts: ReportFacts;
}

const dateOf = (s: string | null | undefined): Date | undefined => (s ? new Date(s) : undefined);

/**
 * Reports whose purge date is past: only those intake has registered in the case system (the
 * report is an allmän handling at the social services from the moment it arrived, and Värna's
 * copy may be cleared only once the original lives there), and any left from the earlier purge,
 * which cleared the content but kept the row.
 */
export async function reportsDueForPurge(db: Tx, cutoffs: ReportCutoffs): Promise<ReportToPurge[]> {
  const rows = await db
    .selectFrom('reports')
    .select([
      'id',
      'purged_at',
      'reporter_aad',
      'reporter_locale',
      'intake_unit_id',
      'channel_conversation_id',
      'channel_activity_id',
      ...reportFactColumns,
    ])
    .where((eb) => eb.or([eb('purged_at', 'is not', null), eb.and([eb('registered_at', 'is not', null), pastCutoffs(eb, cutoffs)])]))
    .execute();
  return rows.map(
    ({ id, purged_at, reporter_aad, reporter_locale, intake_unit_id, channel_conversation_id, channel_activity_id, ...facts }) => ({
      id,
      decisionAt: dateOf(facts.decision_at),
      purgedAt: dateOf(purged_at),
      reporterAad: reporter_aad,
      reporterLocale: reporter_locale,
      intakeUnitId: intake_unit_id,
      channelConversationId: channel_conversation_id ?? undefined,
      channelActivityId: channel_activity_id ?? undefined,
      facts,
    }),
  );
}

/** One of Värna's own messages about a report in Teams, where it went (the outbox Target, parsed by the caller). */
export interface ReportMessage {
  target: string;
  conversationId: string;
  activityId: string;
}

/** Where Värna's own messages about a report landed in Teams. */
export async function messagesOfReport(db: Tx, reportId: string): Promise<ReportMessage[]> {
  const rows = await db
    .selectFrom('report_messages')
    .select(['target', 'conversation_id', 'activity_id'])
    .where('report_id', '=', reportId)
    .execute();
  return rows.map((m) => ({ target: m.target, conversationId: m.conversation_id, activityId: m.activity_id }));
}

/**
 * Remembers where one of Värna's messages about a report landed. Idempotent. A message is about one
 * report at a time: one recorded for another report is that report's no longer.
 */
export async function rememberReportMessage(
  db: Tx,
  reportId: string,
  target: string,
  conversationId: string,
  activityId: string,
  now: Date,
): Promise<void> {
  await db
    .deleteFrom('report_messages')
    .where('conversation_id', '=', conversationId)
    .where('activity_id', '=', activityId)
    .where('report_id', '!=', reportId)
    .execute();
  await db
    .insertInto('report_messages')
    .values({
      id: `${reportId}:${activityId}`.slice(0, 200),
      report_id: reportId,
      target,
      conversation_id: conversationId,
      activity_id: activityId,
      created_at: iso(now),
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Deletes reports and all that is theirs in the store: where their messages went, intake's notes, the history. */
export async function deleteReports(db: Tx, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    await db.deleteFrom('report_messages').where('report_id', 'in', batch).execute();
    await db.deleteFrom('intake_notes').where('report_id', 'in', batch).execute();
    await db.deleteFrom('report_events').where('report_id', 'in', batch).execute();
    await db.deleteFrom('reports').where('id', 'in', batch).execute();
  }
}

/**
 * The outbox's messages about a purged report: one not yet sent never will be, and where each went
 * (the teacher's 1:1 chat) and what it said go with the report.
 */
export async function forgetOutboxOfReport(db: Tx, reportId: string): Promise<void> {
  const ofReport = (eb: ExpressionBuilder<Database, 'outbox'>) =>
    eb.or([eb('dedupe_key', 'like', `report:${reportId}:%`), eb('dedupe_key', 'like', `feedback:${reportId}:%`)]);
  await db.updateTable('outbox').set({ status: 'failed', last_error: 'purged' }).where(ofReport).where('status', '=', 'pending').execute();
  await db
    .updateTable('outbox')
    .set({ target: JSON.stringify({ kind: 'user', aadObjectId: PURGED }), message: JSON.stringify({ kind: 'purged' }), result: null })
    .where(ofReport)
    .execute();
}

export interface UnregisteredReport {
  id: string;
  intakeUnitId: string;
  channelConversationId: string | undefined;
  decisionAt: Date | undefined;
  receivedAt: Date;
}

/** Reports not purged, not registered and not yet warned about, past the warning's cut-offs. */
export async function unregisteredNearPurge(db: Tx, cutoffs: ReportCutoffs): Promise<UnregisteredReport[]> {
  const rows = await db
    .selectFrom('reports')
    .select(['id', 'intake_unit_id', 'channel_conversation_id', 'decision_at', 'received_at'])
    .where('purged_at', 'is', null)
    .where('registered_at', 'is', null)
    .where('purge_warned_at', 'is', null)
    .where((eb) => pastCutoffs(eb, cutoffs))
    .execute();
  return rows.map((r) => ({
    id: r.id,
    intakeUnitId: r.intake_unit_id,
    channelConversationId: r.channel_conversation_id ?? undefined,
    decisionAt: dateOf(r.decision_at),
    receivedAt: new Date(r.received_at),
  }));
}

/** The purge warning for the report is queued: once. */
export async function markPurgeWarned(db: Tx, id: string, now: Date): Promise<void> {
  await db
    .updateTable('reports')
    .set({ purge_warned_at: iso(now) })
    .where('id', '=', id)
    .where('purge_warned_at', 'is', null)
    .execute();
}

/** Users' saved school, phone and language unchanged since `cutoff`, of users with no report left. */
export async function deleteIdleUsers(db: Tx, cutoff: Date): Promise<number> {
  const res = await db
    .deleteFrom('users')
    .where('updated_at', '<', iso(cutoff))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('reports')
            .select('id')
            .whereRef('reports.reporter_aad', '=', 'users.aad_object_id')
            .where('reports.purged_at', 'is', null),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Conversation state not changed since `cutoff`. */
export async function deleteTurnStateBefore(db: Tx, cutoff: Date): Promise<number> {
  const res = await db.deleteFrom('kv').where('updated_at', '<', iso(cutoff)).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Outbox messages sent (or given up) and created before `cutoff`. */
export async function deleteDeliveredBefore(db: Tx, cutoff: Date): Promise<number> {
  const res = await db
    .deleteFrom('outbox')
    .where('status', 'in', ['sent', 'failed'])
    .where('created_at', '<', iso(cutoff))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

/**
 * SQLite: secure_delete zeroes the freed pages; a checkpoint moves them into the file and empties
 * the write-ahead log, so no copy of purged rows is left in either. Nothing to do on PostgreSQL.
 */
export async function flushDeleted(db: Tx, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
}
