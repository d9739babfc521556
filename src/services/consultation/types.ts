import type { Logger } from '../../log';
import type { Clock } from '../clock';
import type { Cipher } from '../crypto';
import type { Directory } from '../municipality';
import type { Outbox } from '../outbox';
import type { WeakKind } from '../pii';
import type { Store } from '../store';

export const outcomes = ['report', 'noReportNow', 'otherSupport'] as const;
export type Outcome = (typeof outcomes)[number];

export const MAX_TEXT = 4000;
/** Answers and replies: shorter, so a card with the question and the latest messages stays small. */
export const MAX_MESSAGE = 2000;
export const MIN_TEXT = 10;

export type Origin = { kind: 'school'; schoolName: string } | { kind: 'area'; level: string; districtName: string };

export interface ConsultationMessageView {
  id: string;
  author: 'intake' | 'teacher';
  at: Date;
  /** Undefined once purged. */
  text?: string;
}

/** What the intake channel may see. No field for who asked: the channel card cannot show it. */
export interface ChannelView {
  id: string;
  pseudonym: string;
  origin: Origin;
  createdAt: Date;
  question?: string;
  messages: ConsultationMessageView[];
  open: boolean;
  outcome?: Outcome;
  closedAt?: Date;
}

/** What the teacher sees in their own chat. */
export interface TeacherView extends ChannelView {
  locale: string;
}

/** Membership of a Teams team, asked of Teams (fails closed). */
export type IsMember = (teamId: string) => Promise<boolean>;

export interface AskInput {
  text: string;
  schoolId: string;
  showSchool: boolean;
  /** Random per compose card: a repeated press creates one consultation. */
  nonce: string;
}

/** A weak hit under review: replaced by its placeholder unless the teacher restored it. */
export interface ReviewHit {
  kind: WeakKind;
  value: string;
  start: number;
  end: number;
  restored: boolean;
}

/**
 * The guard's verdict shown to the teacher before anything leaves the chat, kept on the server
 * (consultation_reviews): the card carries its id and version, never the text to send.
 */
export interface Review {
  kind: 'review';
  id: string;
  version: number;
  for: { kind: 'ask'; nonce: string; schoolId: string; showSchool: boolean } | { kind: 'reply'; consultationId: string };
  /** The text after the strong hits were removed, weak hits still in it (positions in `hits`). */
  text: string;
  hits: ReviewHit[];
  /** How many strong hits (personnummer, phone, e-mail) were removed. */
  removed: number;
  /** What "Skicka" sends: `text` with every hit not restored replaced ("[namn]"). */
  outgoing: string;
}

/** What is sealed in a review row. */
export interface ReviewState {
  for: Review['for'];
  text: string;
  hits: Array<{ kind: WeakKind; value: string; start: number; end: number }>;
  restored: number[];
  removed: number;
  /** "kind:value" the teacher restored in this review before an edit: still restored after it. */
  kept: string[];
}

export interface ConsultationDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  cipher: Cipher;
  directory: Directory;
  outbox: Outbox;
  retentionDays: number;
  /** An open consultation quiet this long is closed without an outcome (then purged after retentionDays). */
  maxOpenDays?: number;
  /** The question not in the channel by then: the teacher is told (and given the phone number). */
  deliveryDeadlineMinutes?: number;
  /** Further names to flag (the school's pupils), when a municipality configures them. */
  extraNames?: (schoolId: string) => string[];
  /** A review neither sent nor cancelled is deleted, with its data key, after this many days. */
  reviewDays?: number;
}

/** What is sealed in a consultation row. */
export interface Sealed {
  teacherAad: string;
  text: string;
}
