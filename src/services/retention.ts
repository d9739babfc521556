import type { Logger } from '../log';
import type { Clock } from './clock';
import { alertKind } from './intake/alerts';
import type { Municipality } from './municipality';
import type { Outbox, Target } from './outbox';
import { reportContribution, RollupDelta } from './stat-rollup';
import type { Store, Tx } from './store';
import * as retentionRows from './store/retention';

export interface RetentionDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  retention: Municipality['retention'];
}

/** Replace (or delete) one of Värna's own messages about a purged report in Teams. Ids only. */
export const purgedMessageKind = 'report.purgedMessage';
export interface PurgedMessage {
  kind: typeof purgedMessageKind;
  [key: string]: unknown;
  activityId: string;
  locale: 'sv' | 'en';
  mode: 'replace' | 'delete';
}

/** The day a report is due to be purged, if registered by then (the alert names it). */
export function purgeDateOf(r: { decisionAt: Date | undefined; receivedAt: Date }, retention: Municipality['retention']): Date {
  return r.decisionAt
    ? new Date(r.decisionAt.getTime() + retention.reportDaysAfterHandover * DAY)
    : new Date(r.receivedAt.getTime() + retention.undecidedReportDays * DAY);
}

/**
 * Remembers where one of Värna's messages about a report landed in Teams (from the send's answer),
 * so the purge can replace it. Idempotent. A message is about one report at a time: a sibling's
 * form below a receipt (recorded for the first report, whose facts it shows) that a submit
 * replaced with the sibling's receipt is the sibling's from then on.
 */
export async function recordReportMessage(
  trx: Tx,
  reportId: string,
  target: Target,
  conversationId: string | undefined,
  activityId: string | undefined,
  now: Date,
): Promise<void> {
  if (!conversationId || !activityId) return;
  await retentionRows.rememberReportMessage(trx, reportId, JSON.stringify(target), conversationId, activityId, now);
}

/** What one purge removed, per data class (counts only). */
export interface PurgeResult {
  drafts: number;
  reports: number;
  /** Of `reports`: those shredded without a decision, `undecidedReportDays` after receipt. */
  undecidedReports: number;
  /** Värna's messages in Teams queued to be replaced or deleted (the purged reports'). */
  teamsMessages: number;
  /** Reports newly alerted as approaching their purge date unregistered. */
  unregisteredAlerts: number;
  users: number;
  auditEntries: number;
  turnState: number;
  deliveredMessages: number;
}

const DAY = 24 * 60 * 60 * 1000;
const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY);
function yearsBefore(now: Date, years: number): Date {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d;
}

/**
 * Retention (gallring) per data class, from the municipality's `retention` settings. A purge is
 * idempotent: it removes what is past its time and nothing else, so running it late, twice, or
 * after a crash half-way is safe (each data class is purged in its own transaction).
 *
 * - drafts: deleted `draftDays` after their last change, with their data keys.
 * - reports: only once intake has registered the report in the case system (the card's
 *   "Registrerad i verksamhetssystemet", or an export): the report is an allmän handling at the
 *   social services from the moment it arrives, and Värna's copy may be cleared only once the
 *   original lives in the case system. A registered report is purged `reportDaysAfterHandover` days
 *   after the intake unit's decision, or `undecidedReportDays` after it was received when no
 *   decision was recorded in Värna. The purge deletes it (see purgeReports); an unregistered one is
 *   kept and alerted once, `registrationWarningDays` before its purge date (warnUnregistered).
 * - users: the saved school, phone and language, `userDays` after their last change, unless the
 *   user still has a report that is not yet shredded.
 * - audit log: entries older than `auditYears` deleted; each chain stays verifiable from a signed anchor.
 * - conversation state and delivered messages: removed after `draftDays` and
 *   `reportDaysAfterHandover` respectively.
 *
 * Consultations are purged by their own module (`consultationDaysAfterClose`).
 */
export function makeRetention({ store, clock, log, outbox, retention }: RetentionDeps) {
  const { db } = store;

  async function purgeDrafts(now: Date): Promise<number> {
    const cutoff = daysBefore(now, retention.draftDays);
    return store.transaction(async (trx) => {
      const ids = await retentionRows.draftsUnchangedSince(trx, cutoff);
      if (!ids.length) return 0;
      await store.dataKeys.destroy(trx, ids);
      await retentionRows.deleteDrafts(trx, ids);
      return ids.length;
    });
  }

  /**
   * The purge of a report deletes it: content and data key (crypto-shredding: backups become
   * unreadable for it), its history, intake's notes, where its messages went, and the row itself
   * with its reference, exact times and the link to the reporter. Due: registered in the case
   * system and past its purge date (retentionRows.reportsDueForPurge). The statistics roll-up already
   * holds its figures and is not touched; what the report contributed is also added to
   * stat_purged_* (month, school, category: no reference), so the roll-up can still be checked
   * against what remains. Värna's own messages about it in Teams (the receipt and the feedback in
   * the teacher's chat, the channel card and its thread replies) are replaced or deleted through
   * the outbox, so a restart between the purge and the delivery loses nothing.
   */
  async function purgeReports(now: Date): Promise<{ reports: number; undecided: number; messages: number }> {
    return store.transaction(async (trx) => {
      const rows = await retentionRows.reportsDueForPurge(trx, {
        decidedBefore: daysBefore(now, retention.reportDaysAfterHandover),
        undecidedReceivedBefore: daysBefore(now, retention.undecidedReportDays),
      });
      const ids = rows.map((r) => r.id);
      if (!ids.length) return { reports: 0, undecided: 0, messages: 0 };
      await store.dataKeys.destroy(trx, ids);
      const contribution = new RollupDelta();
      let messages = 0;
      for (const r of rows) {
        contribution.add(reportContribution(r.facts), 1);
        const recorded = await retentionRows.messagesOfReport(trx, r.id);
        const own = recorded.map((m) => ({
          target: JSON.parse(m.target) as Target,
          conversationId: m.conversationId,
          activityId: m.activityId,
        }));
        // The channel card: its thread is its conversation, and it is the thread's root message.
        if (r.channelConversationId && r.channelActivityId)
          own.push({
            target: { kind: 'thread', unitId: r.intakeUnitId, conversationId: r.channelConversationId },
            conversationId: r.channelConversationId,
            activityId: r.channelActivityId,
          });
        for (const m of own) {
          // The teacher's language in the teacher's chat; the intake side (and an on-call person) reads Swedish.
          const message: PurgedMessage = {
            kind: purgedMessageKind,
            activityId: m.activityId,
            locale: m.target.kind === 'user' && m.target.aadObjectId === r.reporterAad && r.reporterLocale === 'en' ? 'en' : 'sv',
            mode: retention.teamsMessages,
          };
          // Ids only: nothing in the row says which report, or which child, the message was about.
          await outbox.enqueue(trx, { dedupeKey: `purged:${m.conversationId}:${m.activityId}`, target: m.target, message }, now);
          messages++;
        }
      }
      await contribution.applyPurged(trx);
      await retentionRows.deleteReports(trx, ids);
      // Where the report's messages went (the teacher's 1:1 chat) goes with it; one not yet sent
      // by now never will be.
      for (const id of ids) await retentionRows.forgetOutboxOfReport(trx, id);
      return {
        reports: rows.filter((r) => !r.purgedAt).length,
        undecided: rows.filter((r) => !r.purgedAt && !r.decisionAt).length,
        messages,
      };
    });
  }

  /**
   * Reports that reach their purge date within `registrationWarningDays` and are not registered:
   * an alert in the report's thread in the intake channel, and a line in the unit's next daily
   * summary (reminders.ts), each once.
   */
  async function warnUnregistered(now: Date): Promise<number> {
    const ahead = retention.registrationWarningDays;
    const rows = await retentionRows.unregisteredNearPurge(db, {
      decidedBefore: daysBefore(now, retention.reportDaysAfterHandover - ahead),
      undecidedReceivedBefore: daysBefore(now, retention.undecidedReportDays - ahead),
    });
    for (const r of rows) {
      await store.transaction(async (trx) => {
        await retentionRows.markPurgeWarned(trx, r.id, now);
        // Long past its purge date (reports from before registration existed, on the first night
        // after the upgrade): the daily summary lists it, without a thread alert for each.
        const longPast = purgeDateOf(r, retention).getTime() < now.getTime() - ahead * DAY;
        if (r.channelConversationId && !longPast)
          await outbox.enqueue(
            trx,
            {
              dedupeKey: `report:${r.id}:purgeDue`,
              target: { kind: 'thread', unitId: r.intakeUnitId, conversationId: r.channelConversationId },
              message: { kind: alertKind, reportId: r.id, alert: 'purgeDue' },
            },
            now,
          );
      });
    }
    return rows.length;
  }

  return {
    /** A message shown in a user's 1:1 chat about a report (a receipt, a sibling's form): recordReportMessage. */
    async rememberMessage(reportId: string, aadObjectId: string, where: { conversationId?: string; activityId?: string }): Promise<void> {
      await store.transaction((trx) =>
        recordReportMessage(trx, reportId, { kind: 'user', aadObjectId }, where.conversationId, where.activityId, clock.now()),
      );
    },
    /** Purges everything past its retention time at `now`; returns counts per data class. */
    async purge(now: Date = clock.now()): Promise<PurgeResult> {
      const drafts = await purgeDrafts(now);
      const reports = await purgeReports(now);
      const unregisteredAlerts = await warnUnregistered(now);
      if (reports.messages || unregisteredAlerts) outbox.wake();
      const result: PurgeResult = {
        drafts,
        reports: reports.reports,
        undecidedReports: reports.undecided,
        teamsMessages: reports.messages,
        unregisteredAlerts,
        users: await retentionRows.deleteIdleUsers(db, daysBefore(now, retention.userDays)),
        // Each chain keeps its newer entries and a signed record of where it now starts (audit.ts).
        auditEntries: await store.audit.purge(yearsBefore(now, retention.auditYears), now),
        turnState: await retentionRows.deleteTurnStateBefore(db, daysBefore(now, retention.draftDays)),
        deliveredMessages: await retentionRows.deleteDeliveredBefore(db, daysBefore(now, retention.reportDaysAfterHandover)),
      };
      // SQLite: no copy of purged rows is left in the file or its write-ahead log.
      await retentionRows.flushDeleted(db, store.dialect);
      await store.transaction((trx) =>
        store.audit.append(
          trx,
          { actor: 'system', action: 'retention.purged', subject: 'retention', outcome: 'allowed', detail: { ...result } },
          now,
        ),
      );
      log.info({ event: 'retention.purged', ...result }, 'retention purge done');
      return result;
    },
  };
}
export type RetentionService = ReturnType<typeof makeRetention>;
