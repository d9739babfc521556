import * as reminderRows from '../store/reminders';
import { reminderKinds, type DraftNudgeView, type RemindersDeps } from './types';

const iso = (d: Date) => d.toISOString();

/** Staff: a draft left unsent gets one nudge; the duty is to report at once. */
export function makeDraftNudges({ config, store, clock, log, outbox }: RemindersDeps) {
  const m = config.municipality;
  return {
    /**
     * A draft untouched for the configured time gets one nudge. Once per time it is left: the
     * report flow clears nudged_at when the draft is saved again.
     */
    async nudgeDrafts(): Promise<number> {
      const now = clock.now();
      const drafts = await reminderRows.draftsLeftSince(store.db, new Date(now.getTime() - m.reminders.draftNudgeMinutes * 60_000), 500);
      if (!drafts.length) return 0;
      const installed = await reminderRows.usersWithApp(store.db);
      let n = 0;
      await store.transaction(async (trx) => {
        for (const d of drafts) {
          const owner = d.ownerAad.toLowerCase();
          if (!(await reminderRows.markDraftNudged(trx, d.id, d.updatedAt, now)) || !installed.has(owner)) continue;
          await outbox.enqueue(
            trx,
            {
              dedupeKey: `draft-nudge:${d.id}:${iso(d.updatedAt)}`,
              target: { kind: 'user', aadObjectId: owner },
              message: { kind: reminderKinds.draft, draftId: d.id },
            },
            now,
          );
          n++;
        }
      });
      if (n) {
        log.info({ event: 'reminders.draft-nudged', count: n }, 'draft nudges enqueued');
        outbox.wake();
      }
      return n;
    },

    /** The nudge card's facts, or undefined once the draft is gone (sent or purged): then nothing is sent. */
    async draftNudge(draftId: string): Promise<DraftNudgeView | undefined> {
      const startedAt = await reminderRows.draftStartedAt(store.db, draftId);
      return startedAt ? { draftId, startedAt } : undefined;
    },
  };
}
