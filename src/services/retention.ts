import { sql, type ExpressionBuilder } from 'kysely';
import type { Logger } from '../log';
import type { Clock } from './clock';
import type { Municipality } from './municipality';
import type { Store } from './store';
import type { Database } from './store/schema';

export interface RetentionDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  retention: Municipality['retention'];
}

/** What one purge removed, per data class (counts only). */
export interface PurgeResult {
  drafts: number;
  reports: number;
  /** Of `reports`: those shredded without a decision, `undecidedReportDays` after receipt. */
  undecidedReports: number;
  users: number;
  auditEntries: number;
  turnState: number;
  deliveredMessages: number;
}

const DAY = 24 * 60 * 60 * 1000;
/** What a purged person reference reads (the column stays non-null). */
const PURGED = 'purged';
const iso = (d: Date) => d.toISOString();
const daysBefore = (now: Date, days: number) => iso(new Date(now.getTime() - days * DAY));
function yearsBefore(now: Date, years: number): string {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return iso(d);
}

/**
 * Retention (gallring) per data class, from the municipality's `retention` settings. A purge is
 * idempotent: it removes what is past its time and nothing else, so running it late, twice, or
 * after a crash half-way is safe (each data class is purged in its own transaction).
 *
 * - drafts: deleted `draftDays` after their last change, with their data keys.
 * - reports: `reportDaysAfterHandover` days after the intake unit's decision (the report has then
 *   been handed over to the social services' own records), the sealed content is cleared and the
 *   data key destroyed (crypto-shredding: backups become unreadable for it), the handler's name
 *   and phone cleared; the clear columns that statistics need (school, month, category, times,
 *   outcome) stay, without anything that identifies the child.
 * - reports without a decision in Värna: the same, `undecidedReportDays` after they were received
 *   (the intake unit handled them outside Värna; the long default keeps any report from being lost
 *   before someone acted on it).
 * - with a report: the reporter's Entra id (the link between a named teacher and a child's case,
 *   secret at the school under OSL 40 kap. 7 g §), the actors in its history, where its messages
 *   went, and the keyed child hash (so "earlier reports" in `reports.open` covers only reports
 *   Värna still holds, and its label says so).
 * - report history: the names in it are cleared with the report; the event codes stay.
 * - users: the saved school, phone and language, `userDays` after their last change, unless the
 *   user still has a report that is not yet shredded.
 * - audit log: entries older than `auditYears` deleted; each chain stays verifiable from a signed anchor.
 * - conversation state and delivered messages: removed after `draftDays` and
 *   `reportDaysAfterHandover` respectively.
 *
 * Consultations are purged by their own module (`consultationDaysAfterClose`).
 */
export function makeRetention({ store, clock, log, retention }: RetentionDeps) {
  const { db } = store;

  async function purgeDrafts(now: Date): Promise<number> {
    const cutoff = daysBefore(now, retention.draftDays);
    return store.transaction(async (trx) => {
      const ids = (await trx.selectFrom('drafts').select('id').where('updated_at', '<', cutoff).execute()).map((r) => r.id);
      if (!ids.length) return 0;
      await store.dataKeys.destroy(trx, ids);
      await trx.deleteFrom('drafts').where('id', 'in', ids).execute();
      return ids.length;
    });
  }

  async function purgeReports(now: Date): Promise<{ reports: number; undecided: number }> {
    const cutoff = daysBefore(now, retention.reportDaysAfterHandover);
    const undecidedCutoff = daysBefore(now, retention.undecidedReportDays);
    return store.transaction(async (trx) => {
      const rows = await trx
        .selectFrom('reports')
        .select(['id', 'decision_at'])
        .where('purged_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb.and([eb('decision_at', 'is not', null), eb('decision_at', '<', cutoff)]),
            eb.and([eb('decision_at', 'is', null), eb('received_at', '<', undecidedCutoff)]),
          ]),
        )
        .execute();
      const ids = rows.map((r) => r.id);
      if (!ids.length) return { reports: 0, undecided: 0 };
      await store.dataKeys.destroy(trx, ids);
      for (let i = 0; i < ids.length; i += 200) {
        const batch = ids.slice(i, i + 200);
        await trx
          .updateTable('reports')
          .set({ sealed: null, child_key: null, reporter_aad: PURGED, handler_aad: null, handler_name: null, handler_phone: null, purged_at: iso(now), updated_at: iso(now), version: sql`version + 1` })
          .where('id', 'in', batch)
          .execute();
        await trx.updateTable('report_events').set({ actor_aad: PURGED, actor_name: '' }).where('report_id', 'in', batch).execute();
      }
      // Where the report's messages went (the teacher's 1:1 chat) goes with it; one not yet sent
      // by now never will be.
      for (const id of ids) {
        const ofReport = (eb: ExpressionBuilder<Database, 'outbox'>) => eb.or([eb('dedupe_key', 'like', `report:${id}:%`), eb('dedupe_key', 'like', `feedback:${id}:%`)]);
        await trx.updateTable('outbox').set({ status: 'failed', last_error: 'purged' }).where(ofReport).where('status', '=', 'pending').execute();
        await trx.updateTable('outbox').set({ target: JSON.stringify({ kind: 'user', aadObjectId: PURGED }), result: null }).where(ofReport).execute();
      }
      return { reports: ids.length, undecided: rows.filter((r) => !r.decision_at).length };
    });
  }

  async function purgeUsers(now: Date): Promise<number> {
    const res = await db
      .deleteFrom('users')
      .where('updated_at', '<', daysBefore(now, retention.userDays))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('reports').select('id').whereRef('reports.reporter_aad', '=', 'users.aad_object_id').where('reports.purged_at', 'is', null))))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async function purgeAudit(now: Date): Promise<number> {
    // Each chain keeps its newer entries and a signed record of where it now starts (audit.ts).
    return store.audit.purge(new Date(yearsBefore(now, retention.auditYears)), now);
  }

  async function purgeTurnState(now: Date): Promise<number> {
    const res = await db.deleteFrom('kv').where('updated_at', '<', daysBefore(now, retention.draftDays)).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async function purgeDelivered(now: Date): Promise<number> {
    const res = await db
      .deleteFrom('outbox')
      .where('status', 'in', ['sent', 'failed'])
      .where('created_at', '<', daysBefore(now, retention.reportDaysAfterHandover))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  return {
    /** Purges everything past its retention time at `now`; returns counts per data class. */
    async purge(now: Date = clock.now()): Promise<PurgeResult> {
      const drafts = await purgeDrafts(now);
      const reports = await purgeReports(now);
      const result: PurgeResult = {
        drafts,
        reports: reports.reports,
        undecidedReports: reports.undecided,
        users: await purgeUsers(now),
        auditEntries: await purgeAudit(now),
        turnState: await purgeTurnState(now),
        deliveredMessages: await purgeDelivered(now),
      };
      // SQLite: secure_delete zeroes the freed pages; a checkpoint moves them into the file and
      // empties the write-ahead log, so no copy of purged rows is left in either.
      if (store.dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
      await store.transaction((trx) =>
        store.audit.append(trx, { actor: 'system', action: 'retention.purged', subject: 'retention', outcome: 'allowed', detail: { ...result } }, now),
      );
      log.info({ event: 'retention.purged', ...result }, 'retention purge done');
      return result;
    },
  };
}
export type RetentionService = ReturnType<typeof makeRetention>;
