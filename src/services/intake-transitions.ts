/**
 * The intake team's and the reporter's changes to a report, as pure functions: given the report as
 * it is, the input and the instant, each returns the report's next state (and what to write, the
 * history entry, any feedback) or throws the domain error that refuses it. No store, no clock: the
 * service (intake.ts) loads, applies one of these and saves, so each rule is a unit test away
 * (tests/services/intake-transitions.test.ts).
 *
 * Dates a person enters or reads (the decision date, "today", the feedback week) are Stockholm
 * dates: just after midnight in Stockholm the UTC date is still yesterday.
 */
import { isCalendarDate, stockholmDate } from './deadlines';
import { ConflictError, ValidationError } from './errors';
import type { PermittedFeedback } from './feedback';
import type { ReportTable } from './store/schema';
import type { ReportChanges } from './store/reports';

type Report = ReportTable;
export type Outcome = 'opened' | 'notOpened' | 'alreadyOngoing';
/** An intake action on the card (the audit's `intake.<action>`, the history's kind). */
export type IntakeAction = 'take' | 'protection' | 'decision' | 'inappropriate' | 'meeting' | 'register';
/** A history entry's detail: codes only, never free text. */
export type EventDetail = Record<string, string | boolean | number | null>;

/** A report's change: its next state, the columns that change, the history entry, and what follows from it. */
export interface Transition {
  /** The report after the change. */
  report: Report;
  /** Only what changed (with the next version), so a save overwrites nothing else. */
  changes: ReportChanges;
  event: { kind: IntakeAction | 'feedbackRequested'; detail: EventDetail };
  /** What the reporter is told, from the closed set (SoL (2025:400) 19 kap. 6 §). */
  feedback?: PermittedFeedback;
  /** Intake's own words, stored sealed and never shown to the reporter. */
  note?: string;
}

/** Who acts, as the history names them. */
export interface Handler {
  aadObjectId: string;
  name: string;
}

const iso = (d: Date) => d.toISOString();

function transition(report: Report, now: Date, changes: ReportChanges, event: Transition['event'], extra: Pick<Transition, 'feedback' | 'note'> = {}): Transition {
  const all: ReportChanges = { ...changes, version: report.version + 1, updated_at: iso(now) };
  return { report: { ...report, ...all }, changes: all, event, ...extra };
}

/** Did the reporter ask for the decision feedback, on the form or later from "Mina anmälningar"? */
export const wantsDecisionFeedback = (r: Pick<Report, 'feedback_requested' | 'feedback_requested_later_at'>): boolean =>
  r.feedback_requested === 1 || !!r.feedback_requested_later_at;

/**
 * The phone the reporter gets with the receipt: the one the handler typed. Required: a receipt
 * without a phone is no contact (issue 22 §4).
 */
export function handlerPhoneOf(phone: string | undefined): string {
  const handlerPhone = (phone ?? '').trim();
  if (!handlerPhone) throw new ValidationError({ phone: 'required' });
  if (!/^\+?[0-9][0-9 ()-]{5,}$/.test(handlerPhone)) throw new ValidationError({ phone: 'phoneInvalid' });
  return handlerPhone;
}

/** "Bekräfta mottagen / Ta ärendet": the handler takes the report; the reporter learns who, with a phone. */
export function takeReport(report: Report, handler: Handler, phone: string | undefined, now: Date): Transition {
  if (report.handler_aad) throw new ConflictError('taken', { by: report.handler_name ?? '' });
  const handlerPhone = handlerPhoneOf(phone);
  return transition(
    report,
    now,
    { handler_aad: handler.aadObjectId, handler_name: handler.name, handler_phone: handlerPhone, receipt_at: report.receipt_at ?? iso(now) },
    { kind: 'take', detail: {} },
    { feedback: { kind: 'received', handlerName: handler.name, handlerPhone } },
  );
}

/**
 * "Skyddsbedömning gjord" (SoL (2025:400) 20 kap. 1 §). Recorded once: the card no longer offers it,
 * so a second press comes from a stale card and must not add a second entry.
 */
export function assessProtection(report: Report, immediate: boolean, now: Date): Transition {
  if (report.protection_at) throw new ConflictError('assessed');
  return transition(report, now, { protection_at: iso(now), protection_immediate: immediate ? 1 : 0 }, { kind: 'protection', detail: { immediate } });
}

/** A decision date as the card sends it: a calendar date, not after today in Stockholm. */
export function checkDecisionDate(date: string, now: Date): void {
  if (!isCalendarDate(date)) throw new ValidationError({ date: 'dateInvalid' });
  if (date > stockholmDate(now)) throw new ValidationError({ date: 'dateFuture' });
}

export interface DecisionInput {
  outcome: Outcome;
  /** The decision date intake entered (YYYY-MM-DD, Stockholm); the decision clock is judged by it. */
  date: string;
  /** Send the decision feedback though the reporter did not ask (19 kap. 6 §). */
  sendUnasked: boolean;
}

/**
 * "Beslut om utredning" (SoL (2025:400) 20 kap. 2 §). The decision feedback goes to a reporter who
 * asked for it, unless intake marked it inappropriate; intake may also send it unasked (19 kap. 6 §).
 */
export function recordDecision(report: Report, input: DecisionInput, now: Date): Transition {
  checkDecisionDate(input.date, now);
  if (input.date < stockholmDate(new Date(report.received_at))) throw new ValidationError({ date: 'dateBeforeReport' });
  if (report.decision) throw new ConflictError('decided', { by: '' });
  const send = !report.feedback_inappropriate_at && (wantsDecisionFeedback(report) || input.sendUnasked);
  // The law's order is the protection assessment first (20 kap. 1 §), then the decision (20 kap.
  // 2 §). A decision recorded before it is allowed (the assessment may have been made and not yet
  // recorded) but the order is kept in the history and the audit, and the card says so.
  const beforeProtection = !report.protection_at;
  return transition(
    report,
    now,
    {
      decision: input.outcome,
      decision_date: input.date,
      decision_at: iso(now),
      ...(send ? { feedback_given_at: iso(now), feedback_sent_unrequested: wantsDecisionFeedback(report) ? 0 : 1 } : {}),
    },
    { kind: 'decision', detail: { outcome: input.outcome, date: input.date, feedbackSent: send, ...(beforeProtection ? { beforeProtection: true } : {}) } },
    send ? { feedback: { kind: 'investigation', outcome: input.outcome } } : {},
  );
}

/** Why feedback is inappropriate, as intake wrote it: required, at most 2,000 characters. */
export function inappropriateReason(reason: string): string {
  const text = reason.trim();
  if (!text) throw new ValidationError({ reason: 'required' });
  if (text.length > 2000) throw new ValidationError({ reason: 'tooLong:2000' });
  return text;
}

/** "Återkoppling olämplig": no decision feedback; the reason is kept as intake's sealed note. */
export function markFeedbackInappropriate(report: Report, reason: string, now: Date): Transition {
  const note = inappropriateReason(reason);
  if (report.feedback_inappropriate_at) throw new ConflictError('alreadyMarked');
  return transition(report, now, { feedback_inappropriate_at: iso(now) }, { kind: 'inappropriate', detail: { afterFeedback: !!report.feedback_given_at } }, { note });
}

/** "Erbjud anmälningsmöte" (SoL (2025:400) 19 kap. 5 §): the reporter is told intake will contact them. */
export function offerJointMeeting(report: Report, now: Date): Transition {
  if (report.joint_meeting_offered_at) throw new ConflictError('alreadyOffered');
  return transition(report, now, { joint_meeting_offered_at: iso(now) }, { kind: 'meeting', detail: {} }, { feedback: { kind: 'jointMeetingOffered' } });
}

/**
 * "Registrerad i verksamhetssystemet": the report is in the social services' case system, so
 * Värna's working copy may be purged (retention.ts).
 */
export function registerReport(report: Report, now: Date): Transition {
  if (report.registered_at) throw new ConflictError('registered');
  return transition(report, now, { registered_at: iso(now) }, { kind: 'register', detail: { via: 'card' } });
}

/**
 * An export downloaded by intake counts as registration: how the report reaches the case system.
 * Undefined when there is nothing to record (registered already, or purged).
 */
export function registerByExport(report: Report, format: 'json' | 'pdf', now: Date): Transition | undefined {
  if (report.registered_at || report.purged_at) return undefined;
  return transition(report, now, { registered_at: iso(now) }, { kind: 'register', detail: { via: 'export', format } });
}

/**
 * The reporter asks for the decision feedback later, from "Mina anmälningar": sent at once if the
 * decision is made (and feedback is neither inappropriate nor given). Undefined when they had asked already.
 */
export function requestFeedbackLater(report: Report, now: Date): Transition | undefined {
  if (wantsDecisionFeedback(report)) return undefined;
  const sendNow = !!report.decision && !report.feedback_inappropriate_at && !report.feedback_given_at;
  return transition(
    report,
    now,
    { feedback_requested_later_at: iso(now), ...(sendNow ? { feedback_given_at: iso(now) } : {}) },
    { kind: 'feedbackRequested', detail: { sentNow: sendNow } },
    sendNow ? { feedback: { kind: 'investigation', outcome: report.decision! } } : {},
  );
}

/** An acute report's alert is repeated this often until someone takes it… */
export const ACUTE_REPEAT_MS = 15 * 60_000;
/** …for at most this long after it arrived (then the card and the daily summary carry it). */
export const ACUTE_ALERT_HOURS = 24;

/**
 * The number of the acute alert due now (0 for the first), or undefined when none is: the report
 * is not acute, taken or purged, its last alert is less than 15 minutes old, or it arrived more than
 * 24 hours ago and has had one.
 */
export function acuteAlertDue(report: Report, now: Date): number | undefined {
  if (report.acute !== 1 || report.handler_aad || report.purged_at) return undefined;
  const n = report.acute_alerts ?? 0;
  if (now.getTime() - new Date(report.received_at).getTime() >= ACUTE_ALERT_HOURS * 3_600_000 && n > 0) return undefined;
  if (report.acute_alert_at && now.getTime() - new Date(report.acute_alert_at).getTime() < ACUTE_REPEAT_MS) return undefined;
  return n;
}
