import { localParts, isPublicHoliday } from '../office-hours';
import * as reminderRows from '../store/reminders';
import { isWorkingTime, stockholmDayEnd } from './calendar';
import { feedbackDueOf, splitDue } from './rules';
import { DAY_MS, LIST_LIMIT, reminderKinds, type IntakeSummaryView, type RemindersDeps } from './types';

const iso = (d: Date) => d.toISOString();

/** The intake unit's daily "Att göra i dag": what is due today and overdue, by reference. */
export function makeIntakeSummaries({ config, store, clock, log, outbox, directory }: RemindersDeps) {
  const m = config.municipality;
  const summaries = {
    /** Daily, on working days: what is due today and overdue, in each intake unit's channel. */
    async enqueueIntakeSummaries(dueAt: Date): Promise<void> {
      if (isPublicHoliday(dueAt)) return;
      const now = clock.now();
      // "Att göra i dag" is for the day it names, in working hours; the next day has its own.
      if (now.getTime() - dueAt.getTime() > DAY_MS / 2 || !isWorkingTime(now) || localParts(now).date !== localParts(dueAt).date)
        return void log.info({ event: 'reminders.intake-summary.stale', dueAt: iso(dueAt) }, 'stale summary skipped');
      for (const unit of m.intakeUnits) {
        const view = await summaries.intakeSummary(unit.id, dueAt);
        // Reports alerted as approaching their purge date unregistered (retention.ts) are listed in
        // one summary only: this one claims them.
        const toList = await reminderRows.countUnlistedUnregistered(store.db, unit.id);
        const empty =
          view &&
          !toList &&
          !view.unregistered.length &&
          [view.protection, view.decision, view.feedback, view.receiptMissing].every((l) => !l.overdue.length && !l.dueToday.length);
        if (!view || empty) continue;
        await store.transaction(async (trx) => {
          if (toList) await reminderRows.listUnregisteredIn(trx, unit.id, dueAt);
          await outbox.enqueue(
            trx,
            {
              dedupeKey: `intake-summary:${unit.id}:${iso(dueAt)}`,
              target: { kind: 'channel', unitId: unit.id, channel: 'reports' },
              message: { kind: reminderKinds.intakeSummary, unitId: unit.id, at: iso(dueAt) },
            },
            now,
          );
        });
      }
      outbox.wake();
    },

    /**
     * SoL (2025:400) 20 kap. 1 §: protection assessment at once; 20 kap. 2 §: decide within 14 days
     * whether to investigate; 19 kap. 6 §: feedback within a week of the decision when requested.
     */
    async intakeSummary(unitId: string, at: Date): Promise<IntakeSummaryView | undefined> {
      const unit = directory.intakeUnit(unitId);
      // A summary held up until another day is not sent: that day has its own.
      if (!unit || localParts(clock.now()).date !== localParts(at).date) return undefined;
      const end = stockholmDayEnd(at);
      const due = await reminderRows.intakeDue(store.db, unitId, at, end);
      const feedback = due.awaitingFeedback.map((r) => ({ reference: r.reference, due: feedbackDueOf(r) })).filter((r) => r.due <= end);
      return {
        unitName: unit.name,
        day: at,
        protection: splitDue(due.protection, at),
        decision: splitDue(due.decision, at),
        feedback: splitDue(feedback, at),
        receiptMissing: {
          overdue: due.awaitingReceipt.slice(0, LIST_LIMIT),
          dueToday: [],
          more: Math.max(0, due.awaitingReceipt.length - LIST_LIMIT),
        },
        unregistered: due.unregistered.slice(0, LIST_LIMIT),
        unregisteredMore: Math.max(0, due.unregistered.length - LIST_LIMIT),
      };
    },
  };
  return summaries;
}
