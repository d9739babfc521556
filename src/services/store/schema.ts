import type { Generated } from 'kysely';

/**
 * Table types. Times are ISO-8601 UTC strings, booleans 0/1, JSON as text: the same in SQLite and
 * PostgreSQL, so one set of queries serves both. Anything that identifies a child or carries
 * free text lives only in `sealed` columns (encrypted with the record's data key).
 */
export interface KvTable {
  key: string;
  etag: string;
  value: string;
  updated_at: string;
}

export interface InstallationTable {
  key: string;
  kind: 'personal' | 'team';
  aad_object_id: string | null;
  team_id: string | null;
  tenant_id: string;
  service_url: string;
  conversation_id: string;
  reference: string;
  /** A team's Microsoft 365 group id (Graph's team id); null for 1:1 installations and old rows. */
  aad_group_id?: string | null;
  installed_at: string;
  updated_at: string;
}

export interface UserTable {
  aad_object_id: string;
  locale: string | null;
  school_id: string | null;
  phone: string | null;
  /** The phone this user gave when taking a report as a handler (0140): never a reporter's phone. */
  handler_phone?: string | null;
  /** The role the teacher gave on their last report (lärare, kurator…), to prefill the next one. */
  role: string | null;
  updated_at: string;
}

export interface DataKeyTable {
  record_id: string;
  master_key_id: string;
  wrapped: string;
  created_at: string;
}

export interface OutboxTable {
  id: string;
  dedupe_key: string;
  target: string;
  message: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: string;
  deadline_at: string | null;
  deadline_alerted_at: string | null;
  locked_until: string | null;
  last_error: string | null;
  result: string | null;
  created_at: string;
  sent_at: string | null;
  /** Set before a send, cleared when it is recorded: a row that keeps it is in doubt (see 0050). */
  attempt_at?: string | null;
}

export interface AuditTable {
  /** Listing order (assigned by the database: a sequence on PostgreSQL, the rowid on SQLite). */
  seq: Generated<number>;
  /** The entry's chain (its subject; 0080), null for an entry of the old unkeyed chain. */
  chain: string | null;
  /** Position in its chain, from 1 (0080); null for the old chain (ordered by seq). */
  n: number | null;
  /** Id of the HMAC key of `hash` (0080); null: the old scheme, plain SHA-256. */
  key_id: string | null;
  at: string;
  actor: string;
  action: string;
  subject: string;
  outcome: 'allowed' | 'refused';
  detail: string;
  prev_hash: string;
  hash: string;
}

export interface CounterTable {
  name: string;
  value: number;
}

export interface DraftTable {
  id: string;
  owner_aad: string;
  step: string;
  sealed: string;
  created_at: string;
  updated_at: string;
  nudged_at: string | null;
}

/** A report. Clear columns serve routing, deadlines and statistics; `sealed` holds the rest. */
export interface ReportTable {
  id: string;
  reference: string;
  submission_key: string;
  reporter_aad: string;
  reporter_locale: string;
  school_id: string;
  district_id: string;
  school_type: 'municipal' | 'independent';
  intake_unit_id: string;
  category: string;
  acute: number;
  feedback_requested: number;
  joint_meeting_wanted: number;
  /** Keyed hash of the child's personnummer (repeat reports), never the number. */
  child_key: string | null;
  /** Null once purged (gallring). */
  sealed: string | null;
  received_at: string;
  /** YYYY-MM in Stockholm time, for statistics. */
  received_month: string;
  protection_due_at: string;
  decision_due_at: string;
  channel_conversation_id: string | null;
  channel_activity_id: string | null;
  handler_aad: string | null;
  handler_name: string | null;
  handler_phone: string | null;
  receipt_at: string | null;
  protection_at: string | null;
  protection_immediate: number | null;
  decision: 'opened' | 'notOpened' | 'alreadyOngoing' | null;
  decision_date: string | null;
  decision_at: string | null;
  feedback_inappropriate_at: string | null;
  feedback_requested_later_at: string | null;
  feedback_given_at: string | null;
  joint_meeting_offered_at: string | null;
  /** 1 when intake chose to send decision feedback that was not asked for. */
  feedback_sent_unrequested: number | null;
  version: number;
  purged_at: string | null;
  updated_at: string;
  /** Id of the index key child_key was made with; null: before ids were stored (0070). */
  index_key_id?: string | null;
  /** Alerts queued in the thread of an acute report not yet taken, and when the last one was (0140). */
  acute_alerts?: number;
  acute_alert_at?: string | null;
  /** 1: arrived outside the intake unit's office hours (0140; null before it was stored). */
  out_of_hours?: number | null;
  /** "Registrerad i verksamhetssystemet" (or exported): only a registered report is purged (0150). */
  registered_at?: string | null;
  /** The alert for a report approaching its purge date unregistered was queued (0150). */
  purge_warned_at?: string | null;
  /** The daily summary (its due time) that listed the report as approaching its purge date (0150). */
  purge_listed_at?: string | null;
  /** When the report's draft was started (its first step), for "draft to sending" (0170; null before). */
  draft_started_at?: string | null;
  /** 1: sent in the 14 days before a school holiday began (0170; decided at submit). */
  before_holiday?: number | null;
  /** 1: the reporter is a principal (rektor), by the directory or the role they gave (0170; null before). */
  reporter_principal?: number | null;
  /** 1: the child (by child_key) had a report in the 12 months before this one (0170; decided at submit). */
  repeat_child?: number | null;
}

/** Where one of Värna's own messages about a report landed in Teams (0150), to replace it on purge. */
export interface ReportMessageTable {
  id: string;
  report_id: string;
  /** The outbox Target (JSON) the message went to. */
  target: string;
  conversation_id: string;
  activity_id: string;
  created_at: string;
}

export interface ReportEventTable {
  id: string;
  report_id: string;
  at: string;
  actor_aad: string;
  actor_name: string;
  kind: string;
  /** Codes only, never free text. */
  detail: string;
}

export interface JobRunTable {
  name: string;
  last_due_at: string;
  updated_at: string;
}

/** An annual-cycle reminder to one principal (for one school) or to an intake unit's channel. */
export interface ReminderTable {
  id: string;
  /** cycle:<entryId>:<dueAt>:<recipient>:<school>: a retried run inserts nothing new. */
  key: string;
  entry_id: string;
  due_at: string;
  recipient_aad: string | null;
  unit_id: string | null;
  school_id: string | null;
  /** open: sent or waiting to be sent; unreachable: no installation at the due time. */
  status: 'open' | 'done' | 'unreachable';
  /** When the card goes out (next): null once enqueued. */
  send_at: string | null;
  sent_count: number;
  done_at: string | null;
  done_by: string | null;
  snoozed_until: string | null;
  created_at: string;
}

export interface IntakeNoteTable {
  id: string;
  report_id: string;
  at: string;
  actor_aad: string;
  kind: string;
  /** Sealed with the report's data key; null once purged. */
  sealed: string | null;
}

/** An anonymous consultation. Clear columns serve statistics; the question and who asked are sealed. */
export interface ConsultationTable {
  id: string;
  /** The pseudonym's number: K-0107. */
  number: number;
  submission_key: string;
  /** Keyed hash of the teacher's Entra id ("my consultations"); the id itself is only in `sealed`. */
  teacher_key: string;
  teacher_locale: string;
  unit_id: string;
  school_id: string;
  district_id: string;
  school_type: 'municipal' | 'independent';
  school_shown: number;
  /** { teacherAad, text }; null once purged. */
  sealed: string | null;
  status: 'open' | 'closed';
  created_at: string;
  first_answer_at: string | null;
  closed_at: string | null;
  outcome: 'report' | 'noReportNow' | 'otherSupport' | null;
  led_to_report: number;
  messages: number;
  channel_conversation_id: string | null;
  channel_activity_id: string | null;
  version: number;
  purged_at: string | null;
  updated_at: string;
  /** Id of the index key teacher_key was made with; null: before ids were stored (0070). */
  index_key_id?: string | null;
}

export interface ConsultationMessageTable {
  id: string;
  consultation_id: string;
  seq: number;
  author: 'intake' | 'teacher';
  at: string;
  /** The message text, sealed with the consultation's data key; null once purged. */
  sealed: string | null;
}

/** A consultation text under review (0130): sealed, and only until it is sent or cancelled. */
export interface ConsultationReviewTable {
  id: string;
  /** Keyed hash of what it is for: the compose card's nonce (a question) or the consultation (a reply). */
  key: string;
  /** Keyed hash of the teacher's Entra id. */
  owner_key: string;
  kind: 'ask' | 'reply';
  version: number;
  status: 'pending' | 'sent';
  /** The text, the hits and what was restored; null once sent. */
  sealed: string | null;
  updated_at: string;
}

/** The last purged audit entry: the remaining chain starts from its hash. */
export interface AuditAnchorTable {
  seq: number;
  hash: string;
  purged_at: string;
}

/** The newest entry of each audit chain (0080): appenders lock their chain's row, no other. */
export interface AuditHeadTable {
  chain: string;
  n: number;
  hash: string;
}
/** A checkpoint of every chain head (0080); the same record is written outside the database. */
export interface AuditCheckpointTable {
  id: number;
  at: string;
  chains: number;
  entries: number;
  key_id: string;
  digest: string;
}
/** The heads a checkpoint sealed that had moved since the checkpoint before (0080). */
export interface AuditSealTable {
  chain: string;
  checkpoint: number;
  n: number;
  hash: string;
}
/** Where a chain starts after retention purged its oldest entries (0080), signed with the audit key. */
export interface AuditChainAnchorTable {
  chain: string;
  n: number;
  hash: string;
  purged_at: string;
  key_id: string | null;
  mac: string | null;
}

/** Statistics roll-up (0030): counts by month × school × category; see src/services/stat-rollup.ts. */
export interface StatCountsTable {
  month: string;
  school_id: string;
  district_id: string;
  school_type: string;
  category: string;
  reports: number;
  feedback_requested: number;
  feedback_given: number;
  decisions: number;
  opened: number;
  not_opened: number;
  already_ongoing: number;
  decided_within14: number;
  joint_meetings: number;
  consultations: number;
  consult_report: number;
  consult_no_report_now: number;
  consult_other_support: number;
  consult_no_outcome: number;
  led_to_report: number;
  /** Issue 24 §2 (0170). */
  receipt_confirmed: number;
  feedback_within_week: number;
  feedback_inappropriate: number;
  protection_in_time: number;
  reports_before_holiday: number;
  by_principal: number;
  repeat_reports: number;
}
/** How many cases took `bucket` hours or days (measure), per month × school × category. */
export interface StatDurationsTable {
  month: string;
  school_id: string;
  district_id: string;
  school_type: string;
  category: string;
  measure: string;
  bucket: number;
  n: number;
}
/** A change's contribution to `stat_counts`, not yet folded into it (0160; insert-only). */
export interface StatCountDeltasTable extends StatCountsTable {
  id: string;
}
/** A change's contribution to `stat_durations`, not yet folded into it (0160; insert-only). */
export interface StatDurationDeltasTable extends StatDurationsTable {
  id: string;
}
export interface StatVersionTable {
  id: number;
  v: number;
}
/** The suppression pattern last worked out, by the fingerprint of what it was worked out from (0190). */
export interface StatPatternTable {
  fingerprint: string;
  /** The protecting cycles as positions in the cube: gzipped Int32Array, base64. */
  cycles: string;
  cycle_count: number;
  created_at: string;
}

/** One key check value per key id (0070): a changed key under a used id stops the start. */
export interface KeyCheckTable {
  kind: 'data' | 'index';
  key_id: string;
  check_value: string;
  created_at: string;
}

export interface Database {
  key_checks: KeyCheckTable;
  stat_counts: StatCountsTable;
  stat_durations: StatDurationsTable;
  /** What purged reports contributed to the roll-up (0150): same shape, no reference. */
  stat_purged_counts: StatCountsTable;
  stat_purged_durations: StatDurationsTable;
  report_messages: ReportMessageTable;
  stat_version: StatVersionTable;
  stat_patterns: StatPatternTable;
  stat_count_deltas: StatCountDeltasTable;
  stat_duration_deltas: StatDurationDeltasTable;
  intake_notes: IntakeNoteTable;
  consultations: ConsultationTable;
  consultation_messages: ConsultationMessageTable;
  consultation_reviews: ConsultationReviewTable;
  reminders: ReminderTable;
  job_runs: JobRunTable;
  audit_anchor: AuditAnchorTable;
  audit_head: AuditHeadTable;
  audit_checkpoint: AuditCheckpointTable;
  audit_seal: AuditSealTable;
  audit_chain_anchor: AuditChainAnchorTable;
  counters: CounterTable;
  drafts: DraftTable;
  reports: ReportTable;
  report_events: ReportEventTable;
  kv: KvTable;
  installations: InstallationTable;
  users: UserTable;
  data_keys: DataKeyTable;
  outbox: OutboxTable;
  audit: AuditTable;
}
