import { sql } from 'kysely';
import type { Tx } from './index';
import type { ConsultationMessageTable, ConsultationReviewTable, ConsultationTable } from './schema';

/**
 * Anonymous consultations, their messages and the texts under review (src/services/consultation.ts):
 * every query the consultation service makes. Rows come back as domain objects (camelCase, `Date`s,
 * booleans); the sealed columns stay sealed strings, opened by the service with the data key.
 */

export type ConsultationOutcome = NonNullable<ConsultationTable['outcome']>;

export interface Consultation {
  id: string;
  /** The pseudonym's number: K-0107. */
  number: number;
  submissionKey: string;
  /** Keyed hash of the teacher's Entra id; the id itself is only in `sealed`. */
  teacherKey: string;
  indexKeyId?: string;
  teacherLocale: string;
  unitId: string;
  schoolId: string;
  districtId: string;
  schoolType: 'municipal' | 'independent';
  schoolShown: boolean;
  /** { teacherAad, text }, sealed; undefined once purged. */
  sealed?: string;
  status: 'open' | 'closed';
  createdAt: Date;
  firstAnswerAt?: Date;
  closedAt?: Date;
  outcome?: ConsultationOutcome;
  ledToReport: boolean;
  messages: number;
  channelConversationId?: string;
  channelActivityId?: string;
  version: number;
  purgedAt?: Date;
  updatedAt: Date;
}

export interface ConsultationMessage {
  id: string;
  author: 'intake' | 'teacher';
  at: Date;
  /** Sealed with the consultation's data key; undefined once purged. */
  sealed?: string;
}

/** A text under review; `sealed` holds its state while pending, only what it was for once sent. */
export interface ConsultationReview {
  id: string;
  key: string;
  ownerKey: string;
  kind: 'ask' | 'reply';
  version: number;
  status: 'pending' | 'sent';
  sealed?: string;
  updatedAt: Date;
}

const iso = (d: Date) => d.toISOString();
const dateOf = (s: string | null | undefined) => (s ? new Date(s) : undefined);

function consultationOf(r: ConsultationTable): Consultation {
  return {
    id: r.id,
    number: Number(r.number),
    submissionKey: r.submission_key,
    teacherKey: r.teacher_key,
    ...(r.index_key_id ? { indexKeyId: r.index_key_id } : {}),
    teacherLocale: r.teacher_locale,
    unitId: r.unit_id,
    schoolId: r.school_id,
    districtId: r.district_id,
    schoolType: r.school_type,
    schoolShown: r.school_shown === 1,
    ...(r.sealed ? { sealed: r.sealed } : {}),
    status: r.status,
    createdAt: new Date(r.created_at),
    firstAnswerAt: dateOf(r.first_answer_at),
    closedAt: dateOf(r.closed_at),
    ...(r.outcome ? { outcome: r.outcome } : {}),
    ledToReport: r.led_to_report === 1,
    messages: r.messages,
    ...(r.channel_conversation_id ? { channelConversationId: r.channel_conversation_id } : {}),
    ...(r.channel_activity_id ? { channelActivityId: r.channel_activity_id } : {}),
    version: r.version,
    purgedAt: dateOf(r.purged_at),
    updatedAt: new Date(r.updated_at),
  };
}

function reviewOf(r: ConsultationReviewTable): ConsultationReview {
  return {
    id: r.id,
    key: r.key,
    ownerKey: r.owner_key,
    kind: r.kind,
    version: r.version,
    status: r.status,
    ...(r.sealed ? { sealed: r.sealed } : {}),
    updatedAt: new Date(r.updated_at),
  };
}

/** One consultation, or undefined. */
export async function findConsultation(db: Tx, id: string): Promise<Consultation | undefined> {
  const row = await db.selectFrom('consultations').selectAll().where('id', '=', id).executeTakeFirst();
  return row && consultationOf(row);
}

/** The consultation a compose card created (a repeated press), by its submission key under any index key. */
export async function findBySubmission(db: Tx, submissionKeys: string[]): Promise<Consultation | undefined> {
  const row = await db.selectFrom('consultations').selectAll().where('submission_key', 'in', submissionKeys).executeTakeFirst();
  return row && consultationOf(row);
}

/** The next pseudonym number (K-0001, K-0002, ...), in the creating transaction. */
export async function nextConsultationNumber(db: Tx): Promise<number> {
  const counter = await db
    .insertInto('counters')
    .values({ name: 'consultation', value: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('counters.value', '+', 1) })))
    .returning('value')
    .executeTakeFirstOrThrow();
  return counter.value;
}

/** A new consultation (in the transaction that posts it to the channel). */
export async function insertConsultation(db: Tx, c: Consultation): Promise<void> {
  await db
    .insertInto('consultations')
    .values({
      id: c.id,
      number: c.number,
      submission_key: c.submissionKey,
      teacher_key: c.teacherKey,
      index_key_id: c.indexKeyId ?? null,
      teacher_locale: c.teacherLocale,
      unit_id: c.unitId,
      school_id: c.schoolId,
      district_id: c.districtId,
      school_type: c.schoolType,
      school_shown: c.schoolShown ? 1 : 0,
      sealed: c.sealed ?? null,
      status: c.status,
      created_at: iso(c.createdAt),
      first_answer_at: c.firstAnswerAt ? iso(c.firstAnswerAt) : null,
      closed_at: c.closedAt ? iso(c.closedAt) : null,
      outcome: c.outcome ?? null,
      led_to_report: c.ledToReport ? 1 : 0,
      messages: c.messages,
      channel_conversation_id: c.channelConversationId ?? null,
      channel_activity_id: c.channelActivityId ?? null,
      version: c.version,
      purged_at: c.purgedAt ? iso(c.purgedAt) : null,
      updated_at: iso(c.updatedAt),
    })
    .execute();
}

/**
 * Saves a state change worked out from `before` (a message added, the consultation closed): only
 * if nobody changed it since (`before.version`) and it is still open. False when it was.
 */
export async function saveConsultationChange(db: Tx, before: Consultation, after: Consultation): Promise<boolean> {
  const res = await db
    .updateTable('consultations')
    .set({
      messages: after.messages,
      version: after.version,
      updated_at: iso(after.updatedAt),
      status: after.status,
      outcome: after.outcome ?? null,
      first_answer_at: after.firstAnswerAt ? iso(after.firstAnswerAt) : null,
      closed_at: after.closedAt ? iso(after.closedAt) : null,
    })
    .where('id', '=', before.id)
    .where('version', '=', before.version)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The channel card's thread and activity, for in-place updates and replies. */
export async function rememberChannelCard(db: Tx, id: string, card: { conversationId?: string; activityId?: string }): Promise<void> {
  await db
    .updateTable('consultations')
    .set({ channel_conversation_id: card.conversationId ?? null, channel_activity_id: card.activityId ?? null })
    .where('id', '=', id)
    .execute();
}

/** The teacher's own consultations, newest first, by their keyed hash under every index key. */
export async function consultationsOfTeacher(
  db: Tx,
  teacherKeys: string[],
  limit: number,
): Promise<Array<Pick<Consultation, 'id' | 'number' | 'status' | 'outcome' | 'createdAt'>>> {
  const rows = await db
    .selectFrom('consultations')
    .select(['id', 'number', 'status', 'outcome', 'created_at'])
    .where('teacher_key', 'in', teacherKeys)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    number: Number(r.number),
    status: r.status,
    ...(r.outcome ? { outcome: r.outcome } : {}),
    createdAt: new Date(r.created_at),
  }));
}

/** A consultation's messages, in order. */
export async function messagesOf(db: Tx, consultationId: string): Promise<ConsultationMessage[]> {
  const rows = await db
    .selectFrom('consultation_messages')
    .selectAll()
    .where('consultation_id', '=', consultationId)
    .orderBy('seq')
    .execute();
  return rows.map((m: ConsultationMessageTable) => ({
    id: m.id,
    author: m.author,
    at: new Date(m.at),
    ...(m.sealed ? { sealed: m.sealed } : {}),
  }));
}

/** A message, sealed with the consultation's data key; `seq` is the consultation's new message count. */
export async function insertMessage(db: Tx, consultationId: string, m: Required<ConsultationMessage> & { seq: number }): Promise<void> {
  await db
    .insertInto('consultation_messages')
    .values({ id: m.id, consultation_id: consultationId, seq: m.seq, author: m.author, at: iso(m.at), sealed: m.sealed })
    .execute();
}

/** Open consultations without a change since `before` (retention closes them). */
export async function openQuietSince(db: Tx, before: Date): Promise<string[]> {
  return (
    await db.selectFrom('consultations').select('id').where('status', '=', 'open').where('updated_at', '<=', iso(before)).execute()
  ).map((r) => r.id);
}

/** Closes them without an outcome (retention); one still open only. */
export async function closeWithoutOutcome(db: Tx, ids: string[], now: Date): Promise<void> {
  for (let i = 0; i < ids.length; i += 200) {
    await db
      .updateTable('consultations')
      .set({ status: 'closed', closed_at: iso(now), updated_at: iso(now), version: sql`version + 1` })
      .where('id', 'in', ids.slice(i, i + 200))
      .where('status', '=', 'open')
      .execute();
  }
}

/** Closed on or before `before`, text not yet purged: up to `limit` ids. */
export async function closedUnpurged(db: Tx, before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('consultations')
    .select('id')
    .where('status', '=', 'closed')
    .where('closed_at', '<=', iso(before))
    .where('purged_at', 'is', null)
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** The ids of these consultations' messages. */
export async function messageIdsOf(db: Tx, consultationIds: string[]): Promise<string[]> {
  if (!consultationIds.length) return [];
  return (await db.selectFrom('consultation_messages').select('id').where('consultation_id', 'in', consultationIds).execute()).map(
    (m) => m.id,
  );
}

/**
 * Sent outbox messages to the teacher name their Entra id (target) and 1:1 chat (result): once the
 * text is gone, so is that link. Pending ones are left to be sent.
 */
export async function forgetTeacherOfSent(db: Tx, dedupeKeys: string[]): Promise<void> {
  for (let i = 0; i < dedupeKeys.length; i += 200) {
    await db
      .updateTable('outbox')
      .set({ target: JSON.stringify({ kind: 'user', aadObjectId: 'purged' }), result: null })
      .where('dedupe_key', 'in', dedupeKeys.slice(i, i + 200))
      .where('status', '!=', 'pending')
      .execute();
  }
}

/** Empties the sealed columns of these consultations and their messages (retention); the statistics columns stay. */
export async function purgeTexts(db: Tx, ids: string[], now: Date): Promise<void> {
  await db
    .updateTable('consultations')
    .set({ sealed: null, purged_at: iso(now), updated_at: iso(now) })
    .where('id', 'in', ids)
    .execute();
  await db.updateTable('consultation_messages').set({ sealed: null }).where('consultation_id', 'in', ids).execute();
}

/** One review, or undefined. */
export async function findReview(db: Tx, id: string): Promise<ConsultationReview | undefined> {
  const row = await db.selectFrom('consultation_reviews').selectAll().where('id', '=', id).executeTakeFirst();
  return row && reviewOf(row);
}

/** The review of a compose card or reply thread, by its key under any index key. */
export async function findReviewByKey(db: Tx, keys: string[]): Promise<ConsultationReview | undefined> {
  const row = await db.selectFrom('consultation_reviews').selectAll().where('key', 'in', keys).executeTakeFirst();
  return row && reviewOf(row);
}

export async function insertReview(db: Tx, r: Omit<ConsultationReview, 'sealed'> & { sealed: string }): Promise<void> {
  await db
    .insertInto('consultation_reviews')
    .values({
      id: r.id,
      key: r.key,
      owner_key: r.ownerKey,
      kind: r.kind,
      version: r.version,
      status: r.status,
      sealed: r.sealed,
      updated_at: iso(r.updatedAt),
    })
    .execute();
}

/**
 * A new text for a review (an edit, a restored word): only if it is still at `version`; with
 * `pendingOnly`, also only while not sent. False when someone was first.
 */
export async function saveReviewText(
  db: Tx,
  id: string,
  version: number,
  sealed: string,
  now: Date,
  opts: { reopen?: boolean; pendingOnly?: boolean } = {},
): Promise<boolean> {
  const res = await db
    .updateTable('consultation_reviews')
    .set({ sealed, version: version + 1, updated_at: iso(now), ...(opts.reopen ? { status: 'pending' as const } : {}) })
    .where('id', '=', id)
    .where('version', '=', version)
    .$if(!!opts.pendingOnly, (q) => q.where('status', '=', 'pending'))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The review is sent: `sealed` keeps only what it was for. False when it was already sent. */
export async function markReviewSent(db: Tx, id: string, sealed: string, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('consultation_reviews')
    .set({ status: 'sent', sealed, version: sql`version + 1`, updated_at: iso(now) })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function deleteReviews(db: Tx, ids: string[]): Promise<void> {
  if (ids.length) await db.deleteFrom('consultation_reviews').where('id', 'in', ids).execute();
}

/** Reviews not changed since `before` (pending or sent), up to `limit`. */
export async function reviewsUnchangedSince(db: Tx, before: Date, limit: number): Promise<string[]> {
  return (await db.selectFrom('consultation_reviews').select('id').where('updated_at', '<', iso(before)).limit(limit).execute()).map(
    (r) => r.id,
  );
}
