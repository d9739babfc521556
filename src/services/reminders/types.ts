import type { Config } from '../../config';
import type { Logger } from '../../log';
import type { Clock } from '../clock';
import type { Installations } from '../installations';
import type { Jobs } from '../jobs';
import type { Directory } from '../municipality';
import type { Outbox } from '../outbox';
import type { MIN_CELL } from '../suppression';
import type { Store } from '../store';

export interface RemindersDeps {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  installations: Installations;
  jobs: Jobs;
  directory: Directory;
}

export const SNOOZE_DAYS = 7;
export const DAY_MS = 24 * 60 * 60_000;
export const CHUNK = 200;
export const LIST_LIMIT = 30;

/** Message kinds the bot renders (its delivery table, src/bot/delivery.ts). */
export const reminderKinds = {
  cycle: 'reminder.cycle',
  draft: 'reminder.draft',
  digest: 'reminder.digest',
  intakeSummary: 'reminder.intake-summary',
} as const;

export interface Recipient {
  aadObjectId?: string;
  unitId?: string;
  schoolId?: string;
}

/** The period of Värna's figures a reminder carries (the statistics PDF): inclusive Stockholm dates. */
export type FiguresPeriod =
  { kind: 'year'; year: number; from: string; to: string } | { kind: 'term'; term: string; from: string; to: string };

export interface CycleReminderView {
  id: string;
  entryId: string;
  title: { sv: string; en: string };
  text: { sv: string; en: string };
  link?: string;
  dutyCards: boolean;
  /** The figures for the committees (or a principal's own school) one press away. */
  figures?: FiguresPeriod;
  schoolName?: string;
  dueAt: Date;
  status: 'open' | 'done';
  doneAt?: Date;
  /** Name from the municipality config (or the acting user's own Teams name). */
  doneByName?: string;
  snoozedUntil?: Date;
}

/**
 * A count in the digest: one school's week is small numbers, so under 5 is not given (as in the
 * statistics, `MIN_CELL`): the card cannot show what the view does not hold.
 */
export type DigestCount = { n: number } | { under: typeof MIN_CELL };

export interface DigestView {
  schoolName: string;
  from: Date;
  to: Date;
  sent: DigestCount;
  awaitingReceipt: DigestCount;
  decisionsOverdue: DigestCount;
  feedbackGiven: DigestCount;
  /** Consultations without the child's name started from the school in the week. */
  consultations: DigestCount;
  /** Only when the routine makes the principal a party (principalIsParty): reference and stage, never content. */
  references?: Array<{ reference: string; stage: ReportStage }>;
}

/**
 * Where a report is in the intake process; deliberately not the outcome (OSL 40 kap. 7 g §).
 * 'decided' only on the principal's own reports whose feedback they were given: nothing in SoL
 * (2025:400) 19 kap. 6 § or OSL 26 kap. lets the social services tell anyone else (issue 21 §12).
 */
export type ReportStage = 'awaitingReceipt' | 'received' | 'decided';

export interface IntakeSummaryView {
  unitName: string;
  day: Date;
  protection: DueList;
  decision: DueList;
  feedback: DueList;
  receiptMissing: DueList;
  /** Reports approaching their purge date that nobody marked registered in the case system (listed once). */
  unregistered: string[];
  unregisteredMore: number;
}
export interface DueList {
  overdue: string[];
  dueToday: string[];
  more: number;
}

export interface DraftNudgeView {
  draftId: string;
  startedAt: Date;
}

export interface UnreachablePrincipal {
  aadObjectId: string;
  name?: string;
  schools: string[];
}
