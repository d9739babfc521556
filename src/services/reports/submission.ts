/**
 * A submitted report as it is stored, decided from the draft's content and the instant it arrived:
 * a pure function (no store, no clock), so the deadlines and the statistics' facts a report carries
 * from its first moment are a unit test away (tests/services/intake-transitions.test.ts).
 */
import type { Locale } from '../actor';
import { decisionDue, protectionDue, stockholmDate, stockholmMonth } from '../deadlines';
import type { IntakeUnit, School } from '../municipality';
import { isOpen } from '../office-hours';
import type { ReportContent } from './model';
import type { RoleGroup } from '../reporter-role';
import { isBeforeHoliday, type HolidayRules } from '../school-holidays';
import type { Report } from './report';

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
  /**
   * The reporter's role group (statistics: who reports), by the municipality file and the role they
   * gave (`reporterRoleGroup`); 'principal' is also "Anmälda av rektor".
   */
  roleGroup: RoleGroup;
  /** The child had another report in the 12 months before this one (statistics). */
  repeatChild: boolean;
}

/** The year a report's reference counts in: the Stockholm year it arrived. */
export const referenceYear = (receivedAt: Date): string => stockholmMonth(receivedAt).slice(0, 4);

/** A report's reference: VÄ-<year>-<number of that year, five digits>. */
export const referenceOf = (year: string, n: number): string => `VÄ-${year}-${String(n).padStart(5, '0')}`;

/** The principal rule ("Anmälda av rektor") lives with the role groups, so that the two always agree. */
export { isPrincipalReporter } from '../reporter-role';

/**
 * The report received at `now`, with its deadlines and statistics' facts, before its reference
 * (taken last, in the transaction that stores it) and before intake has done anything.
 */
export function newReport(s: Submission, now: Date): Report {
  const c = s.content;
  return {
    id: s.id,
    reference: '', // taken last (reports.ts)
    submissionKey: s.draftId,
    reporterAad: c.reporter.aadObjectId,
    reporterLocale: s.locale,
    schoolId: s.school.id,
    districtId: s.school.district,
    schoolType: s.school.type,
    intakeUnitId: s.unit.id,
    category: c.concern.category,
    acute: c.acute.immediateDanger === 'yes',
    feedbackRequested: !!c.wishes.feedbackWanted,
    jointMeetingWanted: !!c.wishes.jointMeeting,
    childKey: s.child?.key,
    indexKeyId: s.child?.indexKeyId,
    sealed: s.sealed,
    receivedAt: now,
    // The statistics' month: the Stockholm month it arrived (just after midnight on the 1st in
    // Stockholm the UTC month is still the last).
    receivedMonth: stockholmMonth(now),
    // Acute: due at once (SoL (2025:400) 20 kap. 1 § "genast"), not by the end of the day.
    protectionDueAt: c.acute.immediateDanger === 'yes' ? now : protectionDue(now, s.unit),
    decisionDueAt: decisionDue(now),
    channelConversationId: undefined,
    channelActivityId: undefined,
    handlerAad: undefined,
    handlerName: undefined,
    handlerPhone: undefined,
    receiptAt: undefined,
    protectionAt: undefined,
    protectionImmediate: undefined,
    decision: undefined,
    decisionDate: undefined,
    decisionAt: undefined,
    feedbackInappropriateAt: undefined,
    feedbackRequestedLaterAt: undefined,
    feedbackGivenAt: undefined,
    jointMeetingOfferedAt: undefined,
    feedbackSentUnrequested: undefined,
    version: 1,
    purgedAt: undefined,
    updatedAt: now,
    acuteAlerts: 0,
    acuteAlertAt: undefined,
    outOfHours: !isOpen(s.unit, now),
    registeredAt: undefined,
    purgeWarnedAt: undefined,
    purgeListedAt: undefined,
    // Statistics (issue 24 §2), decided now so that a later change to the configuration or a
    // purged earlier report does not change a figure already published.
    draftStartedAt: s.draftStartedAt,
    beforeHoliday: isBeforeHoliday(stockholmDate(now), s.schoolHolidays),
    reporterPrincipal: s.roleGroup === 'principal',
    reporterRoleGroup: s.roleGroup,
    // Another report on the same child (keyed hash, under any configured index key) in the 12
    // months before this one, of those Värna still holds (as the intake card's "earlier reports").
    repeatChild: s.repeatChild,
  };
}
