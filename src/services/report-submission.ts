/**
 * A submitted report as it is stored, decided from the draft's content and the instant it arrived:
 * a pure function (no store, no clock), so the deadlines and the statistics' facts a report carries
 * from its first moment are a unit test away (tests/services/intake-transitions.test.ts).
 */
import type { Locale } from './actor';
import { decisionDue, protectionDue, stockholmDate, stockholmMonth } from './deadlines';
import type { IntakeUnit, School } from './municipality';
import { isOpen } from './office-hours';
import type { ReportContent } from './report-model';
import { isBeforeHoliday, type HolidayRules } from './school-holidays';
import type { ReportTable } from './store/schema';

export interface Submission {
  id: string;
  /** The draft's id: the submission key that makes a submit idempotent. */
  draftId: string;
  locale: Locale;
  /** The report's content; `reporter.aadObjectId` is who sent it. */
  content: ReportContent;
  school: Pick<School, 'id' | 'district' | 'type'>;
  unit: Pick<IntakeUnit, 'id' | 'officeHours'>;
  /** The keyed hash of the child's personnummer and the id of the key it was made with. */
  child: { key: string; indexKeyId: string } | undefined;
  /** The content, sealed with the report's own data key. */
  sealed: string;
  /** When the draft was started (statistics: "draft to sending"). */
  draftStartedAt: Date;
  /** The municipality's school holidays (statistics: sent in the 14 days before one). */
  schoolHolidays: HolidayRules;
  /** A principal, by the municipality file or the role they gave (statistics). */
  byPrincipal: boolean;
  /** The child had another report in the 12 months before this one (statistics). */
  repeatChild: boolean;
}

const iso = (d: Date) => d.toISOString();

/** The year a report's reference counts in: the Stockholm year it arrived. */
export const referenceYear = (receivedAt: Date): string => stockholmMonth(receivedAt).slice(0, 4);

/** A report's reference: VÄ-<year>-<number of that year, five digits>. */
export const referenceOf = (year: string, n: number): string => `VÄ-${year}-${String(n).padStart(5, '0')}`;

/**
 * Is the reporter a principal (statistics: is the personal duty handed to principals? Herrljunga
 * 2018, Kinda 2019)? A principal of any school in the municipality file, or a role given as rektor
 * or förskolechef (biträdande rektor too: a school leader all the same).
 */
export function isPrincipalReporter(principalOfSchools: number, role: string): boolean {
  return principalOfSchools > 0 || /rektor|förskolechef|principal/iu.test(role);
}

/**
 * The report received at `now`, with its deadlines and statistics' facts, before its reference
 * (taken last, in the transaction that stores it) and before intake has done anything.
 */
export function newReport(s: Submission, now: Date): ReportTable {
  const c = s.content;
  return {
    id: s.id,
    reference: '', // taken last (reports.ts)
    submission_key: s.draftId,
    reporter_aad: c.reporter.aadObjectId,
    reporter_locale: s.locale,
    school_id: s.school.id,
    district_id: s.school.district,
    school_type: s.school.type,
    intake_unit_id: s.unit.id,
    category: c.concern.category,
    acute: c.acute.immediateDanger === 'yes' ? 1 : 0,
    feedback_requested: c.wishes.feedbackWanted ? 1 : 0,
    joint_meeting_wanted: c.wishes.jointMeeting ? 1 : 0,
    child_key: s.child?.key ?? null,
    index_key_id: s.child?.indexKeyId ?? null,
    sealed: s.sealed,
    received_at: iso(now),
    // The statistics' month: the Stockholm month it arrived (just after midnight on the 1st in
    // Stockholm the UTC month is still the last).
    received_month: stockholmMonth(now),
    // Acute: due at once (SoL (2025:400) 20 kap. 1 § "genast"), not by the end of the day.
    protection_due_at: iso(c.acute.immediateDanger === 'yes' ? now : protectionDue(now, s.unit)),
    decision_due_at: iso(decisionDue(now)),
    channel_conversation_id: null,
    channel_activity_id: null,
    handler_aad: null,
    handler_name: null,
    handler_phone: null,
    receipt_at: null,
    protection_at: null,
    protection_immediate: null,
    decision: null,
    decision_date: null,
    decision_at: null,
    feedback_inappropriate_at: null,
    feedback_requested_later_at: null,
    feedback_given_at: null,
    joint_meeting_offered_at: null,
    feedback_sent_unrequested: null,
    version: 1,
    purged_at: null,
    updated_at: iso(now),
    acute_alerts: 0,
    acute_alert_at: null,
    out_of_hours: isOpen(s.unit, now) ? 0 : 1,
    // Statistics (issue 24 §2), decided now so that a later change to the configuration or a
    // purged earlier report does not change a figure already published.
    draft_started_at: iso(s.draftStartedAt),
    before_holiday: isBeforeHoliday(stockholmDate(now), s.schoolHolidays) ? 1 : 0,
    reporter_principal: s.byPrincipal ? 1 : 0,
    // Another report on the same child (keyed hash, under any configured index key) in the 12
    // months before this one, of those Värna still holds (as the intake card's "earlier reports").
    repeat_child: s.repeatChild ? 1 : 0,
  };
}
