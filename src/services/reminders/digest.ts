import type { Tx } from '../store';
import * as reminderRows from '../store/reminders';
import { protect, stageFor } from './rules';
import { CHUNK, DAY_MS, LIST_LIMIT, reminderKinds, type DigestView, type RemindersDeps } from './types';

const iso = (d: Date) => d.toISOString();

/** The principal's weekly digest: counts only, unless the routine makes the principal a party. */
export function makeDigests({ config, store, clock, log, outbox, directory }: RemindersDeps) {
  const m = config.municipality;
  return {
    /** Weekly: one digest per principal and school, counts only unless the principal is a party. */
    async enqueueDigests(dueAt: Date): Promise<void> {
      const now = clock.now();
      // Caught up after downtime: last week's figures have no use, the next digest comes soon.
      if (now.getTime() - dueAt.getTime() > DAY_MS)
        return void log.info({ event: 'reminders.digest.stale', dueAt: iso(dueAt) }, 'stale digest skipped');
      const installed = await reminderRows.usersWithApp(store.db);
      const pairs = m.schools.flatMap((s) => s.principals.map((p) => ({ schoolId: s.id, aad: p.aadObjectId.toLowerCase() })));
      const unreachable = pairs.filter((p) => !installed.has(p.aad)).map((p) => p.aad);
      const reachable = pairs.filter((p) => installed.has(p.aad));
      for (let i = 0; i < reachable.length; i += CHUNK) {
        await store.transaction(async (trx: Tx) => {
          for (const p of reachable.slice(i, i + CHUNK)) {
            await outbox.enqueue(
              trx,
              {
                dedupeKey: `digest:${iso(dueAt)}:${p.aad}:${p.schoolId}`,
                target: { kind: 'user', aadObjectId: p.aad },
                message: { kind: reminderKinds.digest, schoolId: p.schoolId, to: iso(dueAt) },
              },
              now,
            );
          }
        });
      }
      if (unreachable.length)
        log.warn(
          {
            event: 'reminders.unreachable',
            entry: 'digest',
            dueAt: iso(dueAt),
            count: unreachable.length,
            users: [...new Set(unreachable)].slice(0, 100),
          },
          'principals without the app installed: no digest',
        );
      outbox.wake();
    },

    /**
     * The digest's figures for one school and the week before `to`, from the store now, for the
     * principal it goes to (`principal`: their own reports may show more, see ReportStage).
     */
    async digest(schoolId: string, to: Date, principal?: string): Promise<DigestView | undefined> {
      const school = directory.school(schoolId);
      if (!school) return undefined;
      const from = new Date(to.getTime() - 7 * DAY_MS);
      const week = await reminderRows.schoolWeek(store.db, schoolId, from, to);
      const view: DigestView = {
        schoolName: school.name,
        from,
        to,
        sent: protect(week.sent),
        awaitingReceipt: protect(week.awaitingReceipt),
        decisionsOverdue: protect(week.decisionsOverdue),
        feedbackGiven: protect(week.feedbackGiven),
        consultations: protect(week.consultations),
      };
      if (m.principalIsParty) {
        // The routine makes the principal a party: reference and stage, never content or outcome.
        // Which reports are listed (the week's, and those still awaiting receipt) does not depend on
        // the decision: a reference that dropped off the list when it was decided would tell the
        // same thing the stage does not (see stageFor).
        const rows = await reminderRows.schoolReportsForDigest(store.db, schoolId, from, LIST_LIMIT);
        view.references = rows.map((r) => ({ reference: r.reference, stage: stageFor(principal, r) }));
      }
      return view;
    },
  };
}
