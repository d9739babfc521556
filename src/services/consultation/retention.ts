import * as consultationRows from '../store/consultations';
import type { Context } from './context';
import type { Reviews } from './reviews';

const PURGE_BATCH = 500;

/**
 * Retention: consultations left open are closed, reviews nobody sent are deleted, and the text of
 * a consultation closed more than `retentionDays` ago is purged.
 */
export function makeRetention(ctx: Context, reviews: Reviews) {
  const { store, log, retentionDays, maxOpenDays } = ctx;

  /**
   * Retention for consultations nobody closed: after `maxOpenDays` without a message they are
   * closed without an outcome (counted as such in the statistics), so their text is purged
   * `retentionDays` later like any closed one. An answer pressed later on the old card is refused
   * as "closed".
   */
  async function closeAbandoned(now: Date): Promise<number> {
    const before = new Date(now.getTime() - maxOpenDays * 86_400_000);
    return store.transaction(async (trx) => {
      const ids = await consultationRows.openQuietSince(trx, before);
      await consultationRows.closeWithoutOutcome(trx, ids, now);
      if (ids.length) {
        await store.audit.append(
          trx,
          { actor: 'system', action: 'consultation.closedUnused', subject: 'retention', outcome: 'allowed', detail: { count: ids.length } },
          now,
        );
        log.info({ event: 'consultation.closedUnused', count: ids.length }, 'consultations left open closed by retention');
      }
      return ids.length;
    });
  }

  /** One batch of the retention purge (see purgeExpired). */
  async function purgeBatch(now: Date): Promise<number> {
    const before = new Date(now.getTime() - retentionDays * 86_400_000);
    const ids = await consultationRows.closedUnpurged(store.db, before, PURGE_BATCH);
    if (ids.length === 0) return 0;
    const messageIds = await consultationRows.messageIdsOf(store.db, ids);
    // Sent messages to the teacher name their Entra id (target) and 1:1 chat (result): once the
    // text is gone, so is that link between the teacher and the consultation.
    const toTeacher = [
      ...ids.flatMap((id) => [`consultation.closed:${id}`, `consultation.delayed:${id}`]),
      ...messageIds.map((m) => `consultation.answer:${m}`),
    ];
    await store.transaction(async (trx) => {
      await consultationRows.forgetTeacherOfSent(trx, toTeacher);
      await consultationRows.purgeTexts(trx, ids, now);
      await store.dataKeys.destroy(trx, ids);
    });
    log.info({ event: 'consultation.purged', count: ids.length }, 'consultation texts purged');
    return ids.length;
  }

  return {
    /**
     * Retention: the text of a consultation closed more than `retentionDays` ago is purged (its
     * data key destroyed, its sealed columns emptied); the statistics columns stay. Returns how many.
     */
    async purgeExpired(now: Date): Promise<number> {
      await closeAbandoned(now);
      await reviews.purge(now, PURGE_BATCH);
      let total = 0;
      for (;;) {
        const n = await purgeBatch(now);
        total += n;
        if (n < PURGE_BATCH) return total;
      }
    },
  };
}
