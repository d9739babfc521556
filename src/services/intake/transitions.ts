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
import { isCalendarDate, stockholmDate } from '../deadlines';
import { ConflictError, ValidationError } from '../errors';
import type { PermittedFeedback } from '../feedback';
import type { Outcome, Report, ReportPatch } from '../reports/report';

export type { Outcome } from '../reports/report';
/** An intake action on the card (the audit's `intake.<action>`, the history's kind). */
export type IntakeAction = 'take' | 'protection' | 'decision' | 'inappropriate' | 'meeting' | 'register';
/** A history entry's detail: codes only, never free text. */
export type EventDetail = Record<string, string | boolean | number | null>;

/** A report's change: its next state, the columns that change, the history entry, and what follows from it. */
export interface Transition {
  /** The report after the change. */
  report: Report;
  /** Only what changed (with the next version), so a save overwrites nothing else. */
  changes: ReportPatch;
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

function transition(
  report: Report,
  now: Date,
  changes: ReportPatch,
  event: Transition['event'],
  extra: Pick<Transition, 'feedback' | 'note'> = {},
): Transition {
  const all: ReportPatch = { ...changes, version: report.version + 1, updatedAt: now };
  return { report: { ...report, ...all }, changes: all, event, ...extra };
}

/** Did the reporter ask for the decision feedback, on the form or later from "Mina anmälningar"? */
export const wantsDecisionFeedback = (r: Pick<Report, 'feedbackRequested' | 'feedbackRequestedLaterAt'>): boolean =>
  r.feedbackRequested || !!r.feedbackRequestedLaterAt;

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
  if (report.handlerAad) throw new ConflictError('taken', { by: report.handlerName ?? '' });
  const handlerPhone = handlerPhoneOf(phone);
  return transition(
    report,
    now,
    { handlerAad: handler.aadObjectId, handlerName: handler.name, handlerPhone, receiptAt: report.receiptAt ?? now },
    { kind: 'take', detail: {} },
    { feedback: { kind: 'received', handlerName: handler.name, handlerPhone } },
  );
}

/**
 * "Skyddsbedömning gjord" (SoL (2025:400) 20 kap. 1 §). Recorded once: the card no longer offers it,
 * so a second press comes from a stale card and must not add a second entry.
 */
export function assessProtection(report: Report, immediate: boolean, now: Date): Transition {
  if (report.protectionAt) throw new ConflictError('assessed');
  return transition(report, now, { protectionAt: now, protectionImmediate: immediate }, { kind: 'protection', detail: { immediate } });
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
  if (input.date < stockholmDate(report.receivedAt)) throw new ValidationError({ date: 'dateBeforeReport' });
  if (report.decision) throw new ConflictError('decided', { by: '' });
  const send = !report.feedbackInappropriateAt && (wantsDecisionFeedback(report) || input.sendUnasked);
  // The law's order is the protection assessment first (20 kap. 1 §), then the decision (20 kap.
  // 2 §). A decision recorded before it is allowed (the assessment may have been made and not yet
  // recorded) but the order is kept in the history and the audit, and the card says so.
  const beforeProtection = !report.protectionAt;
  return transition(
    report,
    now,
    {
      decision: input.outcome,
      decisionDate: input.date,
      decisionAt: now,
      ...(send ? { feedbackGivenAt: now, feedbackSentUnrequested: !wantsDecisionFeedback(report) } : {}),
    },
    {
      kind: 'decision',
      detail: { outcome: input.outcome, date: input.date, feedbackSent: send, ...(beforeProtection ? { beforeProtection: true } : {}) },
    },
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
  if (report.feedbackInappropriateAt) throw new ConflictError('alreadyMarked');
  return transition(
    report,
    now,
    { feedbackInappropriateAt: now },
    { kind: 'inappropriate', detail: { afterFeedback: !!report.feedbackGivenAt } },
    { note },
  );
}

/** "Erbjud anmälningsmöte" (SoL (2025:400) 19 kap. 5 §): the reporter is told intake will contact them. */
export function offerJointMeeting(report: Report, now: Date): Transition {
  if (report.jointMeetingOfferedAt) throw new ConflictError('alreadyOffered');
  return transition(
    report,
    now,
    { jointMeetingOfferedAt: now },
    { kind: 'meeting', detail: {} },
    { feedback: { kind: 'jointMeetingOffered' } },
  );
}

/**
 * "Registrerad i verksamhetssystemet": the report is in the social services' case system, so
 * Värna's working copy may be purged (retention.ts).
 */
export function registerReport(report: Report, now: Date): Transition {
  if (report.registeredAt) throw new ConflictError('registered');
  return transition(report, now, { registeredAt: now }, { kind: 'register', detail: { via: 'card' } });
}

/**
 * An export downloaded by intake counts as registration: how the report reaches the case system.
 * Undefined when there is nothing to record (registered already, or purged).
 */
export function registerByExport(report: Report, format: 'json' | 'pdf', now: Date): Transition | undefined {
  if (report.registeredAt || report.purgedAt) return undefined;
  return transition(report, now, { registeredAt: now }, { kind: 'register', detail: { via: 'export', format } });
}

/**
 * The reporter asks for the decision feedback later, from "Mina anmälningar": sent at once if the
 * decision is made (and feedback is neither inappropriate nor given). Undefined when they had asked already.
 */
export function requestFeedbackLater(report: Report, now: Date): Transition | undefined {
  if (wantsDecisionFeedback(report)) return undefined;
  const sendNow = !!report.decision && !report.feedbackInappropriateAt && !report.feedbackGivenAt;
  return transition(
    report,
    now,
    { feedbackRequestedLaterAt: now, ...(sendNow ? { feedbackGivenAt: now } : {}) },
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
  if (!report.acute || report.handlerAad || report.purgedAt) return undefined;
  const n = report.acuteAlerts;
  if (now.getTime() - report.receivedAt.getTime() >= ACUTE_ALERT_HOURS * 3_600_000 && n > 0) return undefined;
  if (report.acuteAlertAt && now.getTime() - report.acuteAlertAt.getTime() < ACUTE_REPEAT_MS) return undefined;
  return n;
}
