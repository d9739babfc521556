/**
 * The report path's repository: drafts, reports, their history (report_events) and intake's sealed
 * notes. Every function takes the executor first (the store's db, or a transaction), so a service
 * decides what shares a transaction. Reports, drafts and history entries come back as domain shapes
 * (camelCase, real Dates and booleans): the row's columns go no further than this file.
 */
import { roleGroups, type RoleGroup } from '../reporter-role';
import type { Report, ReportPatch } from '../reports/report';
import { newId, type Tx } from './index';
import type { ReportTable } from './schema';

const iso = (d: Date) => d.toISOString();
const DAY_MS = 86_400_000;

const dateOf = (s: string | null | undefined): Date | undefined => (s ? new Date(s) : undefined);
const flagOf = (n: number | null | undefined): boolean | undefined => (n === null || n === undefined ? undefined : n === 1);
const roleGroupOf = (g: string | null | undefined): RoleGroup | undefined =>
  g !== null && g !== undefined && (roleGroups as readonly string[]).includes(g) ? (g as RoleGroup) : undefined;
const textOf = (s: string | null | undefined): string | undefined => s ?? undefined;

/** The report a row holds. */
export function reportOf(r: ReportTable): Report {
  return {
    id: r.id,
    reference: r.reference,
    submissionKey: r.submission_key,
    reporterAad: r.reporter_aad,
    reporterLocale: r.reporter_locale,
    schoolId: r.school_id,
    districtId: r.district_id,
    schoolType: r.school_type,
    intakeUnitId: r.intake_unit_id,
    category: r.category,
    acute: r.acute === 1,
    feedbackRequested: r.feedback_requested === 1,
    jointMeetingWanted: r.joint_meeting_wanted === 1,
    childKey: textOf(r.child_key),
    indexKeyId: textOf(r.index_key_id),
    sealed: textOf(r.sealed),
    receivedAt: new Date(r.received_at),
    receivedMonth: r.received_month,
    protectionDueAt: new Date(r.protection_due_at),
    decisionDueAt: new Date(r.decision_due_at),
    channelConversationId: textOf(r.channel_conversation_id),
    channelActivityId: textOf(r.channel_activity_id),
    handlerAad: textOf(r.handler_aad),
    handlerName: textOf(r.handler_name),
    handlerPhone: textOf(r.handler_phone),
    receiptAt: dateOf(r.receipt_at),
    protectionAt: dateOf(r.protection_at),
    protectionImmediate: flagOf(r.protection_immediate),
    decision: r.decision ?? undefined,
    decisionDate: textOf(r.decision_date),
    decisionAt: dateOf(r.decision_at),
    feedbackInappropriateAt: dateOf(r.feedback_inappropriate_at),
    feedbackRequestedLaterAt: dateOf(r.feedback_requested_later_at),
    feedbackGivenAt: dateOf(r.feedback_given_at),
    jointMeetingOfferedAt: dateOf(r.joint_meeting_offered_at),
    feedbackSentUnrequested: flagOf(r.feedback_sent_unrequested),
    version: r.version,
    purgedAt: dateOf(r.purged_at),
    updatedAt: new Date(r.updated_at),
    acuteAlerts: r.acute_alerts ?? 0,
    acuteAlertAt: dateOf(r.acute_alert_at),
    outOfHours: flagOf(r.out_of_hours),
    registeredAt: dateOf(r.registered_at),
    purgeWarnedAt: dateOf(r.purge_warned_at),
    purgeListedAt: dateOf(r.purge_listed_at),
    draftStartedAt: dateOf(r.draft_started_at),
    beforeHoliday: flagOf(r.before_holiday),
    reporterPrincipal: flagOf(r.reporter_principal),
    repeatChild: flagOf(r.repeat_child),
    reporterRoleGroup: roleGroupOf(r.reporter_role_group),
  };
}

/** The column of each field (typed, so a renamed column fails the build). */
const columnOf: { [K in keyof Report]-?: keyof ReportTable } = {
  id: 'id',
  reference: 'reference',
  submissionKey: 'submission_key',
  reporterAad: 'reporter_aad',
  reporterLocale: 'reporter_locale',
  schoolId: 'school_id',
  districtId: 'district_id',
  schoolType: 'school_type',
  intakeUnitId: 'intake_unit_id',
  category: 'category',
  acute: 'acute',
  feedbackRequested: 'feedback_requested',
  jointMeetingWanted: 'joint_meeting_wanted',
  childKey: 'child_key',
  indexKeyId: 'index_key_id',
  sealed: 'sealed',
  receivedAt: 'received_at',
  receivedMonth: 'received_month',
  protectionDueAt: 'protection_due_at',
  decisionDueAt: 'decision_due_at',
  channelConversationId: 'channel_conversation_id',
  channelActivityId: 'channel_activity_id',
  handlerAad: 'handler_aad',
  handlerName: 'handler_name',
  handlerPhone: 'handler_phone',
  receiptAt: 'receipt_at',
  protectionAt: 'protection_at',
  protectionImmediate: 'protection_immediate',
  decision: 'decision',
  decisionDate: 'decision_date',
  decisionAt: 'decision_at',
  feedbackInappropriateAt: 'feedback_inappropriate_at',
  feedbackRequestedLaterAt: 'feedback_requested_later_at',
  feedbackGivenAt: 'feedback_given_at',
  jointMeetingOfferedAt: 'joint_meeting_offered_at',
  feedbackSentUnrequested: 'feedback_sent_unrequested',
  version: 'version',
  purgedAt: 'purged_at',
  updatedAt: 'updated_at',
  acuteAlerts: 'acute_alerts',
  acuteAlertAt: 'acute_alert_at',
  outOfHours: 'out_of_hours',
  registeredAt: 'registered_at',
  purgeWarnedAt: 'purge_warned_at',
  purgeListedAt: 'purge_listed_at',
  draftStartedAt: 'draft_started_at',
  beforeHoliday: 'before_holiday',
  reporterPrincipal: 'reporter_principal',
  repeatChild: 'repeat_child',
  reporterRoleGroup: 'reporter_role_group',
};

/** A field's value as its column stores it: ISO instants, 0/1 flags, null for nothing. */
const columnValue = (v: Report[keyof Report]): string | number | null =>
  v instanceof Date ? iso(v) : typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? null);

/** The columns a patch changes, and only those. */
export function columnsOf(patch: ReportPatch): Partial<ReportTable> {
  const changes: Record<string, string | number | null> = {};
  for (const [field, value] of Object.entries(patch) as Array<[keyof Report, Report[keyof Report]]>)
    changes[columnOf[field]] = columnValue(value);
  return changes as Partial<ReportTable>;
}

/** The row that stores a report. */
export const rowOf = (report: Report): ReportTable => columnsOf(report) as ReportTable;

/** A stored draft: its content is sealed with the draft's own data key. */
export interface StoredDraft {
  id: string;
  ownerAad: string;
  step: string;
  sealed: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A draft by its id, whoever owns it (the service checks the owner). */
export async function draftById(db: Tx, id: string): Promise<StoredDraft | undefined> {
  const row = await db.selectFrom('drafts').selectAll().where('id', '=', id).executeTakeFirst();
  return (
    row && {
      id: row.id,
      ownerAad: row.owner_aad,
      step: row.step,
      sealed: row.sealed,
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
    }
  );
}

/** A teacher's drafts, the latest changed first. */
export async function draftsOf(db: Tx, ownerAad: string): Promise<Array<{ id: string; step: string; updatedAt: Date }>> {
  const rows = await db
    .selectFrom('drafts')
    .select(['id', 'step', 'updated_at'])
    .where('owner_aad', '=', ownerAad)
    .orderBy('updated_at', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, step: r.step, updatedAt: new Date(r.updated_at) }));
}

/** A new draft, its content already sealed with the draft's data key. */
export async function addDraft(db: Tx, draft: { id: string; ownerAad: string; step: string; sealed: string }, now: Date): Promise<void> {
  await db
    .insertInto('drafts')
    .values({
      id: draft.id,
      owner_aad: draft.ownerAad,
      step: draft.step,
      sealed: draft.sealed,
      created_at: iso(now),
      updated_at: iso(now),
      nudged_at: null,
    })
    .execute();
}

/** A draft changed by its owner: a nudge about it is due again later. */
export async function saveDraft(db: Tx, id: string, step: string, sealed: string, now: Date): Promise<void> {
  await db
    .updateTable('drafts')
    .set({ step, sealed, updated_at: iso(now), nudged_at: null })
    .where('id', '=', id)
    .execute();
}

/** Deletes a draft; false when it was already gone (e.g. deleted by a concurrent submit). */
export async function deleteDraft(db: Tx, id: string): Promise<boolean> {
  const res = await db.deleteFrom('drafts').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) === 1;
}

/** A report by its id (purged ones too, until the purge deletes the row). */
export async function reportById(db: Tx, id: string): Promise<Report | undefined> {
  const row = await db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
  return row && reportOf(row);
}

/** A report by its reference (VÄ-2026-00001). */
export async function reportByReference(db: Tx, reference: string): Promise<Report | undefined> {
  const row = await db.selectFrom('reports').selectAll().where('reference', '=', reference).executeTakeFirst();
  return row && reportOf(row);
}

/** The report a draft became (the draft id is the submission key). */
export async function reportOfSubmission(db: Tx, draftId: string): Promise<Report | undefined> {
  const row = await db.selectFrom('reports').selectAll().where('submission_key', '=', draftId).executeTakeFirst();
  return row && reportOf(row);
}

/** Does the report still exist (a purge deletes the row)? */
export async function reportExists(db: Tx, id: string): Promise<boolean> {
  return Boolean(await db.selectFrom('reports').select('id').where('id', '=', id).executeTakeFirst());
}

/** Is there a report on the child (any of its keyed hashes) received in the 365 days up to `until`? */
export async function anyReportOnChild(db: Tx, childKeys: string[], until: Date): Promise<boolean> {
  const found = await db
    .selectFrom('reports')
    .select('id')
    .where('child_key', 'in', [...new Set(childKeys)])
    .where('received_at', '>=', new Date(until.getTime() - 365 * DAY_MS).toISOString())
    .where('received_at', '<=', until.toISOString())
    .limit(1)
    .executeTakeFirst();
  return Boolean(found);
}

/** The other reports on the child (any of its keyed hashes) in the 365 days up to `report`'s receipt, newest first. */
export async function earlierReportsOnChild(db: Tx, report: Pick<Report, 'id' | 'receivedAt'>, childKeys: string[]): Promise<Report[]> {
  const rows = await db
    .selectFrom('reports')
    .selectAll()
    .where('child_key', 'in', [...new Set(childKeys)])
    .where('id', '!=', report.id)
    .where('received_at', '>=', new Date(report.receivedAt.getTime() - 365 * DAY_MS).toISOString())
    .where('received_at', '<=', iso(report.receivedAt))
    .orderBy('received_at', 'desc')
    .execute();
  return rows.map(reportOf);
}

/** A submitted report, with its reference (reports/submission.ts builds it). */
export async function addReport(db: Tx, report: Report): Promise<void> {
  await db.insertInto('reports').values(rowOf(report)).execute();
}

/** One line of a report's history. Detail holds codes only, never free text. */
export interface ReportEvent {
  at: Date;
  actorAad: string;
  actorName: string;
  kind: string;
  detail: Record<string, string | boolean | number | null>;
}

/** Appends a line to a report's history. */
export async function addReportEvent(db: Tx, reportId: string, event: ReportEvent): Promise<void> {
  await db
    .insertInto('report_events')
    .values({
      id: newId(event.at),
      report_id: reportId,
      at: iso(event.at),
      actor_aad: event.actorAad,
      actor_name: event.actorName,
      kind: event.kind,
      detail: JSON.stringify(event.detail),
    })
    .execute();
}

/** A report's history, oldest first. */
export async function historyOf(db: Tx, reportId: string): Promise<ReportEvent[]> {
  const rows = await db.selectFrom('report_events').selectAll().where('report_id', '=', reportId).orderBy('at').orderBy('id').execute();
  return rows.map((r) => ({
    at: new Date(r.at),
    actorAad: r.actor_aad,
    actorName: r.actor_name,
    kind: r.kind,
    detail: JSON.parse(r.detail) as ReportEvent['detail'],
  }));
}

/** Intake's own words on a report (the reason feedback is inappropriate), sealed with its data key. */
export async function addIntakeNote(
  db: Tx,
  reportId: string,
  note: { at: Date; actorAad: string; kind: string; sealed: string },
): Promise<void> {
  await db
    .insertInto('intake_notes')
    .values({ id: newId(note.at), report_id: reportId, at: iso(note.at), actor_aad: note.actorAad, kind: note.kind, sealed: note.sealed })
    .execute();
}

/**
 * Saves a change made to the report as it was at `expectedVersion` (optimistic concurrency): false,
 * and nothing written, when someone else changed it since.
 */
export async function saveIfUnchanged(db: Tx, id: string, expectedVersion: number, patch: ReportPatch): Promise<boolean> {
  const res = await db
    .updateTable('reports')
    .set(columnsOf(patch))
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Registration in the case system, once: false when it was already recorded. */
export async function recordRegistration(db: Tx, id: string, patch: ReportPatch & { registeredAt: Date }): Promise<boolean> {
  const res = await db
    .updateTable('reports')
    .set(columnsOf(patch))
    .where('id', '=', id)
    .where('registered_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Where the channel card landed, so it can be updated and threaded. */
export async function recordChannelCard(db: Tx, id: string, conversationId: string | null, activityId: string | null): Promise<void> {
  await db
    .updateTable('reports')
    .set({ channel_conversation_id: conversationId, channel_activity_id: activityId })
    .where('id', '=', id)
    .execute();
}

/** A reporter's own reports not purged, newest first: `limit` from `offset`. */
export async function reportsOfReporter(db: Tx, reporterAad: string, offset: number, limit: number): Promise<Report[]> {
  const rows = await db
    .selectFrom('reports')
    .selectAll()
    .where('reporter_aad', '=', reporterAad)
    // A purged report is gone from the list: no reference, no time (retention.ts).
    .where('purged_at', 'is', null)
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  return rows.map(reportOf);
}

/** Reports received since `since`, not purged, not yet acknowledged or not yet decided. */
export async function reportsAwaitingIntake(db: Tx, since: Date): Promise<Report[]> {
  const rows = await db
    .selectFrom('reports')
    .selectAll()
    .where('received_at', '>=', iso(since))
    .where('purged_at', 'is', null)
    .where((eb) => eb.or([eb('receipt_at', 'is', null), eb('decision', 'is', null)]))
    .execute();
  return rows.map(reportOf);
}

/**
 * Acute reports not taken, whose channel card has landed, received after `receivedAfter`, with no
 * alert yet or the last one at or before `lastAlertBy`.
 */
export async function acuteReportsToAlert(db: Tx, receivedAfter: Date, lastAlertBy: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('reports')
    .select('id')
    .where('acute', '=', 1)
    .where('handler_aad', 'is', null)
    .where('purged_at', 'is', null)
    .where('channel_conversation_id', 'is not', null)
    .where('received_at', '>', iso(receivedAfter))
    .where((eb) => eb.or([eb('acute_alert_at', 'is', null), eb('acute_alert_at', '<=', iso(lastAlertBy))]))
    .execute();
  return rows.map((r) => r.id);
}

/** Counts an acute alert, if the count is still `seen` (no other instance counted it): true if this one did. */
export async function countAcuteAlert(db: Tx, id: string, seen: number, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('reports')
    .set({ acute_alerts: seen + 1, acute_alert_at: iso(now) })
    .where('id', '=', id)
    .where('acute_alerts', '=', seen)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** A change the reporter makes to their own report (no version check: intake's actions do not touch these columns). */
export async function updateReport(db: Tx, id: string, patch: ReportPatch): Promise<void> {
  await db.updateTable('reports').set(columnsOf(patch)).where('id', '=', id).execute();
}
