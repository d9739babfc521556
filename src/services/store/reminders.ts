import type { Tx } from './index';
import type { ReminderTable } from './schema';

/**
 * Reminders (src/services/reminders.ts): the annual cycle's reminder rows, and what the operational
 * nudges read of drafts, reports and consultations (counts and references only, never content).
 * Rows come back as domain objects (camelCase, `Date`s).
 */

export interface Reminder {
  id: string;
  /** cycle:<entryId>:<dueAt>:<recipient>:<school>: a retried run inserts nothing new. */
  key: string;
  entryId: string;
  dueAt: Date;
  /** Lower-case Entra id; undefined for an intake unit's channel reminder. */
  recipientAad?: string;
  unitId?: string;
  schoolId?: string;
  /** open: sent or waiting to be sent; unreachable: no installation at the due time. */
  status: 'open' | 'done' | 'unreachable';
  /** When the card goes out (next); undefined once enqueued. */
  sendAt?: Date;
  sentCount: number;
  doneAt?: Date;
  doneBy?: string;
  snoozedUntil?: Date;
  createdAt: Date;
}

const iso = (d: Date) => d.toISOString();
const dateOf = (s: string | null) => (s ? new Date(s) : undefined);

function reminderOf(r: ReminderTable): Reminder {
  return {
    id: r.id,
    key: r.key,
    entryId: r.entry_id,
    dueAt: new Date(r.due_at),
    ...(r.recipient_aad ? { recipientAad: r.recipient_aad } : {}),
    ...(r.unit_id ? { unitId: r.unit_id } : {}),
    ...(r.school_id ? { schoolId: r.school_id } : {}),
    status: r.status,
    sendAt: dateOf(r.send_at),
    sentCount: Number(r.sent_count),
    doneAt: dateOf(r.done_at),
    ...(r.done_by ? { doneBy: r.done_by } : {}),
    snoozedUntil: dateOf(r.snoozed_until),
    createdAt: new Date(r.created_at),
  };
}

/** One reminder, or undefined. */
export async function findReminder(db: Tx, id: string): Promise<Reminder | undefined> {
  const row = await db.selectFrom('reminders').selectAll().where('id', '=', id).executeTakeFirst();
  return row && reminderOf(row);
}

/** The intake unit a channel reminder belongs to (undefined for a principal's or the statistics role's). */
export async function unitOfReminder(db: Tx, id: string): Promise<string | undefined> {
  const row = await db.selectFrom('reminders').select('unit_id').where('id', '=', id).executeTakeFirst();
  return row?.unit_id ?? undefined;
}

/** Users with the app installed personally (lower-case Entra ids): the only ones a reminder reaches. */
export async function usersWithApp(db: Tx): Promise<Set<string>> {
  const rows = await db.selectFrom('installations').select('aad_object_id').where('kind', '=', 'personal').execute();
  return new Set(rows.map((r) => (r.aad_object_id ?? '').toLowerCase()).filter(Boolean));
}

/** Older runs of an entry still waiting to go out are not sent (a newer run replaces them). How many. */
export async function replaceWaitingRuns(db: Tx, entryId: string, dueAt: Date): Promise<number> {
  const res = await db
    .updateTable('reminders')
    .set({ send_at: null })
    .where('entry_id', '=', entryId)
    .where('status', '=', 'open')
    .where('send_at', 'is not', null)
    .where('due_at', '<', iso(dueAt))
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** A run's reminders, in one statement: a retried run inserts nothing new (unique key). */
export async function insertRun(db: Tx, reminders: Reminder[]): Promise<void> {
  if (!reminders.length) return;
  const rows: ReminderTable[] = reminders.map((r) => ({
    id: r.id,
    key: r.key,
    entry_id: r.entryId,
    due_at: iso(r.dueAt),
    recipient_aad: r.recipientAad ?? null,
    unit_id: r.unitId ?? null,
    school_id: r.schoolId ?? null,
    status: r.status,
    send_at: r.sendAt ? iso(r.sendAt) : null,
    sent_count: r.sentCount,
    done_at: r.doneAt ? iso(r.doneAt) : null,
    done_by: r.doneBy ?? null,
    snoozed_until: r.snoozedUntil ? iso(r.snoozedUntil) : null,
    created_at: iso(r.createdAt),
  }));
  await db
    .insertInto('reminders')
    .values(rows)
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

/** Open reminders whose send time has come, earliest first, up to `limit`. */
export async function dueToSend(db: Tx, now: Date, limit: number): Promise<Array<Reminder & { sendAt: Date }>> {
  const rows = await db
    .selectFrom('reminders')
    .selectAll()
    .where('status', '=', 'open')
    .where('send_at', 'is not', null)
    .where('send_at', '<=', iso(now))
    .orderBy('send_at')
    .limit(limit)
    .execute();
  return rows.map((r) => reminderOf(r) as Reminder & { sendAt: Date });
}

/**
 * Takes a reminder's send (its send time cleared; `sent` counts it): only if the send time is still
 * `sendAt`, so two instances never both send it. False when another was first.
 */
export async function claimSend(db: Tx, id: string, sendAt: Date, sent: boolean): Promise<boolean> {
  const res = await db
    .updateTable('reminders')
    .set((eb) => ({ send_at: null, sent_count: sent ? eb('sent_count', '+', 1) : eb.ref('sent_count') }))
    .where('id', '=', id)
    .where('send_at', '=', iso(sendAt))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Reminders that found no installation, due at or after `since`. */
export async function unreachableSince(db: Tx, since: Date): Promise<Reminder[]> {
  const rows = await db.selectFrom('reminders').selectAll().where('status', '=', 'unreachable').where('due_at', '>=', iso(since)).execute();
  return rows.map(reminderOf);
}

/** Every run due at or after `since` to these recipients, whatever became of it (which is the latest). */
export async function runsOfRecipients(
  db: Tx,
  recipients: string[],
  since: Date,
): Promise<Array<Pick<Reminder, 'entryId' | 'recipientAad' | 'schoolId' | 'dueAt'>>> {
  if (!recipients.length) return [];
  const rows = await db
    .selectFrom('reminders')
    .select(['entry_id', 'recipient_aad', 'school_id', 'due_at'])
    .where('recipient_aad', 'in', recipients)
    .where('due_at', '>=', iso(since))
    .execute();
  return rows.map((r) => ({
    entryId: r.entry_id,
    ...(r.recipient_aad ? { recipientAad: r.recipient_aad } : {}),
    ...(r.school_id ? { schoolId: r.school_id } : {}),
    dueAt: new Date(r.due_at),
  }));
}

/** An unreachable reminder goes out after all (the recipient installed the app). */
export async function reopenUnreachable(db: Tx, id: string, sendAt: Date): Promise<void> {
  await db
    .updateTable('reminders')
    .set({ status: 'open', send_at: iso(sendAt) })
    .where('id', '=', id)
    .where('status', '=', 'unreachable')
    .execute();
}

/**
 * "Klart" for a run: for every reminder of the run to the school (`school`), for the statistics
 * role's reminders of the run (`statistics`), or for this one reminder (`one`). Done ones stay as they were.
 */
export async function markRunDone(db: Tx, r: Reminder, scope: 'school' | 'statistics' | 'one', by: string, now: Date): Promise<void> {
  let q = db
    .updateTable('reminders')
    .set({ status: 'done', done_at: iso(now), done_by: by, send_at: null, snoozed_until: null })
    .where('entry_id', '=', r.entryId)
    .where('due_at', '=', iso(r.dueAt))
    .where('status', '!=', 'done');
  if (scope === 'school') q = q.where('school_id', '=', r.schoolId ?? null);
  else if (scope === 'statistics') q = q.where('school_id', 'is', null).where('unit_id', 'is', null);
  else q = q.where('id', '=', r.id);
  await q.execute();
}

/** The reminder comes back at `until` (not one already done). */
export async function snoozeReminder(db: Tx, id: string, until: Date): Promise<void> {
  await db
    .updateTable('reminders')
    .set({ status: 'open', snoozed_until: iso(until), send_at: iso(until) })
    .where('id', '=', id)
    .where('status', '!=', 'done')
    .execute();
}

/** Runs a school recorded as done, optionally of some entries only. */
export async function doneRunsOfSchools(db: Tx, entryIds?: string[]): Promise<Array<{ schoolId: string; entryId: string; dueAt: Date }>> {
  let q = db
    .selectFrom('reminders')
    .select(['school_id', 'entry_id', 'due_at'])
    .where('status', '=', 'done')
    .where('school_id', 'is not', null);
  if (entryIds?.length) q = q.where('entry_id', 'in', entryIds);
  return (await q.execute()).map((r) => ({ schoolId: r.school_id!, entryId: r.entry_id, dueAt: new Date(r.due_at) }));
}

/** Drafts not saved since `cutoff` and not nudged since, up to `limit`. */
export async function draftsLeftSince(
  db: Tx,
  cutoff: Date,
  limit: number,
): Promise<Array<{ id: string; ownerAad: string; updatedAt: Date }>> {
  const rows = await db
    .selectFrom('drafts')
    .select(['id', 'owner_aad', 'updated_at'])
    .where('nudged_at', 'is', null)
    .where('updated_at', '<=', iso(cutoff))
    .limit(limit)
    .execute();
  return rows.map((d) => ({ id: d.id, ownerAad: d.owner_aad, updatedAt: new Date(d.updated_at) }));
}

/** Marks a draft nudged, if it is not saved again since `updatedAt` nor already nudged. False otherwise. */
export async function markDraftNudged(db: Tx, id: string, updatedAt: Date, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('drafts')
    .set({ nudged_at: iso(now) })
    .where('id', '=', id)
    .where('nudged_at', 'is', null)
    .where('updated_at', '=', iso(updatedAt))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** When a draft was started; undefined once it is gone (sent or purged). */
export async function draftStartedAt(db: Tx, id: string): Promise<Date | undefined> {
  const d = await db.selectFrom('drafts').select('created_at').where('id', '=', id).executeTakeFirst();
  return d ? new Date(d.created_at) : undefined;
}

const reportsOf = (db: Tx, schoolId: string) => db.selectFrom('reports').where('school_id', '=', schoolId).where('purged_at', 'is', null);

async function countOf(q: ReturnType<typeof reportsOf>): Promise<number> {
  const row = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** A school's week in numbers, for the principal's digest (counts only, before the digest's suppression). */
export async function schoolWeek(
  db: Tx,
  schoolId: string,
  from: Date,
  to: Date,
): Promise<{ sent: number; awaitingReceipt: number; decisionsOverdue: number; feedbackGiven: number; consultations: number }> {
  const consultations = await db
    .selectFrom('consultations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('school_id', '=', schoolId)
    .where('created_at', '>=', iso(from))
    .where('created_at', '<', iso(to))
    .executeTakeFirst();
  return {
    sent: await countOf(reportsOf(db, schoolId).where('received_at', '>=', iso(from)).where('received_at', '<', iso(to))),
    awaitingReceipt: await countOf(reportsOf(db, schoolId).where('receipt_at', 'is', null)),
    decisionsOverdue: await countOf(reportsOf(db, schoolId).where('decision_at', 'is', null).where('decision_due_at', '<', iso(to))),
    feedbackGiven: await countOf(
      reportsOf(db, schoolId).where('feedback_given_at', '>=', iso(from)).where('feedback_given_at', '<', iso(to)),
    ),
    consultations: Number(consultations?.n ?? 0),
  };
}

/** A school's reports received since `from` or still awaiting receipt, newest first: reference and stage facts only. */
export async function schoolReportsForDigest(
  db: Tx,
  schoolId: string,
  from: Date,
  limit: number,
): Promise<Array<{ reference: string; received: boolean; reporterAad: string; feedbackGiven: boolean }>> {
  const rows = await reportsOf(db, schoolId)
    .select(['reference', 'receipt_at', 'reporter_aad', 'feedback_given_at'])
    .where((eb) => eb.or([eb('received_at', '>=', iso(from)), eb('receipt_at', 'is', null)]))
    .orderBy('received_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    reference: r.reference,
    received: !!r.receipt_at,
    reporterAad: r.reporter_aad,
    feedbackGiven: !!r.feedback_given_at,
  }));
}

const unlistedUnregistered = (db: Tx, unitId: string) =>
  db
    .selectFrom('reports')
    .where('intake_unit_id', '=', unitId)
    .where('purged_at', 'is', null)
    .where('registered_at', 'is', null)
    .where('purge_warned_at', 'is not', null)
    .where('purge_listed_at', 'is', null);

/** How many reports warned as approaching their purge date unregistered no summary has listed yet. */
export async function countUnlistedUnregistered(db: Tx, unitId: string): Promise<number> {
  return (await unlistedUnregistered(db, unitId).select('id').execute()).length;
}

/** The summary of `at` claims them (listed once). */
export async function listUnregisteredIn(db: Tx, unitId: string, at: Date): Promise<void> {
  await db
    .updateTable('reports')
    .set({ purge_listed_at: iso(at) })
    .where('intake_unit_id', '=', unitId)
    .where('purged_at', 'is', null)
    .where('registered_at', 'is', null)
    .where('purge_warned_at', 'is not', null)
    .where('purge_listed_at', 'is', null)
    .execute();
}

const openReports = (db: Tx, unitId: string) =>
  db.selectFrom('reports').select(['reference']).where('intake_unit_id', '=', unitId).where('purged_at', 'is', null);

/** What is due in an intake unit's reports before `end`: references and due times, never content. */
export async function intakeDue(db: Tx, unitId: string, at: Date, end: Date) {
  const protection = await openReports(db, unitId)
    .select('protection_due_at as due')
    .where('protection_at', 'is', null)
    .where('protection_due_at', '<', iso(end))
    .execute();
  const decision = await openReports(db, unitId)
    .select('decision_due_at as due')
    .where('decision_at', 'is', null)
    .where('decision_due_at', '<', iso(end))
    .execute();
  const feedback = await openReports(db, unitId)
    .select(['decision_date', 'decision_at', 'decision'])
    .where('feedback_requested', '=', 1)
    .where('decision_at', 'is not', null)
    .where('feedback_given_at', 'is', null)
    .where('feedback_inappropriate_at', 'is', null)
    .execute();
  const receipt = await openReports(db, unitId)
    .select('received_at as due')
    .where('receipt_at', 'is', null)
    .where('received_at', '<', iso(at))
    .execute();
  const unregistered = await openReports(db, unitId)
    .where('registered_at', 'is', null)
    .where('purge_listed_at', '=', iso(at))
    .orderBy('reference')
    .execute();
  return {
    protection: protection.map((r) => ({ reference: r.reference, due: new Date(r.due) })),
    decision: decision.map((r) => ({ reference: r.reference, due: new Date(r.due) })),
    /** Decided, feedback asked for and not yet given (nor found inappropriate). */
    awaitingFeedback: feedback.map((r) => ({
      reference: r.reference,
      decisionDate: r.decision_date ?? undefined,
      decidedAt: new Date(r.decision_at!),
      decision: r.decision ?? '',
    })),
    awaitingReceipt: receipt.map((r) => r.reference),
    /** Listed in the summary of `at` as approaching their purge date unregistered. */
    unregistered: unregistered.map((r) => r.reference),
  };
}
