/**
 * A report of concern once it is sent: what the services, the routes and the cards read. The
 * repository (store/reports.ts) maps it to and from the `reports` row; nothing outside the store
 * sees the row's snake_case columns, ISO strings or 0/1 flags. Optional facts are `undefined`
 * while they have not happened (or, for the statistics' facts, before they were stored).
 */
import type { RoleGroup } from '../reporter-role';

/** Intake's decision on whether to open an investigation (SoL (2025:400) 20 kap. 2 §). */
export type Outcome = 'opened' | 'notOpened' | 'alreadyOngoing';

export interface Report {
  id: string;
  /** VÄ-2026-00001. */
  reference: string;
  /** The draft it was sent from: a second "Skicka" finds the same report. */
  submissionKey: string;
  reporterAad: string;
  reporterLocale: string;
  schoolId: string;
  districtId: string;
  schoolType: 'municipal' | 'independent';
  intakeUnitId: string;
  category: string;
  acute: boolean;
  feedbackRequested: boolean;
  jointMeetingWanted: boolean;
  /** Keyed hash of the child's personnummer (repeat reports), never the number. */
  childKey: string | undefined;
  /** Id of the index key childKey was made with; undefined: before ids were stored (0070). */
  indexKeyId: string | undefined;
  /** The content, sealed with the report's data key; undefined once purged (gallring). */
  sealed: string | undefined;
  receivedAt: Date;
  /** YYYY-MM in Stockholm time, for statistics. */
  receivedMonth: string;
  protectionDueAt: Date;
  decisionDueAt: Date;
  /** Where the channel card landed in the intake unit's channel. */
  channelConversationId: string | undefined;
  channelActivityId: string | undefined;
  handlerAad: string | undefined;
  handlerName: string | undefined;
  handlerPhone: string | undefined;
  receiptAt: Date | undefined;
  protectionAt: Date | undefined;
  protectionImmediate: boolean | undefined;
  decision: Outcome | undefined;
  /** The decision date intake entered (YYYY-MM-DD, Stockholm). */
  decisionDate: string | undefined;
  decisionAt: Date | undefined;
  feedbackInappropriateAt: Date | undefined;
  feedbackRequestedLaterAt: Date | undefined;
  feedbackGivenAt: Date | undefined;
  jointMeetingOfferedAt: Date | undefined;
  /** Intake chose to send decision feedback that was not asked for. */
  feedbackSentUnrequested: boolean | undefined;
  /** Optimistic concurrency: one more with every intake change. */
  version: number;
  purgedAt: Date | undefined;
  updatedAt: Date;
  /** Alerts queued in the thread of an acute report not yet taken, and when the last one was (0140). */
  acuteAlerts: number;
  acuteAlertAt: Date | undefined;
  /** Arrived outside the intake unit's office hours (undefined before it was stored, 0140). */
  outOfHours: boolean | undefined;
  /** "Registrerad i verksamhetssystemet" (or exported): only a registered report is purged (0150). */
  registeredAt: Date | undefined;
  /** The alert for a report approaching its purge date unregistered was queued (0150). */
  purgeWarnedAt: Date | undefined;
  /** The daily summary (its due time) that listed the report as approaching its purge date (0150). */
  purgeListedAt: Date | undefined;
  /** When the report's draft was started (its first step), for "draft to sending" (0170). */
  draftStartedAt: Date | undefined;
  /** Sent in the 14 days before a school holiday began (0170; decided at submit). */
  beforeHoliday: boolean | undefined;
  /** The reporter is a principal (rektor), by the directory or the role they gave (0170). */
  reporterPrincipal: boolean | undefined;
  /** The child (by childKey) had a report in the 12 months before this one (0170; decided at submit). */
  repeatChild: boolean | undefined;
  /** The reporter's role group, never the role's text (0171; decided at submit; reporter-role.ts). */
  reporterRoleGroup: RoleGroup | undefined;
}

/** What an intake action or the reporter may change (the rest is fixed at submit). */
export type ReportPatch = Partial<Omit<Report, 'id' | 'reference' | 'submissionKey'>>;
