import { makeCycle } from './reminders/cycle';
import { makeDigests } from './reminders/digest';
import { makeDraftNudges } from './reminders/drafts';
import { makeIntakeSummaries } from './reminders/intake-summary';
import { isWorkingTime, nextWorkingTime } from './reminders/calendar';
import { reminderKinds, type RemindersDeps } from './reminders/types';

/**
 * The calendar does the remembering: the municipality's annual cycle (årshjul) to principals and
 * the intake unit, and the operational nudges (a draft left unsent, the principal's weekly digest,
 * the intake unit's daily summary of what is due). Every message goes through the outbox; every
 * run is idempotent for its due time (unique reminder keys, outbox dedupe keys), so a run retried
 * or caught up after downtime never sends twice.
 *
 * After downtime each routine comes once, and only while it is still relevant: the latest missed
 * run of an entry, if it is within the entry's `catchUpWithin`; older runs are logged. No reminder
 * arrives outside working hours (07:00-18:00 Stockholm time on working days): one due then waits
 * for the next working morning.
 *
 * The use cases live in src/services/reminders/: cycle.ts (the annual cycle: runs, sends, catch-up,
 * "Klart", snooze), drafts.ts (the nudge), digest.ts (the principal's week), intake-summary.ts (the
 * intake unit's day); the rules are pure, in rules.ts and calendar.ts; the SQL is in store/reminders.ts.
 */
export { stockholmDayEnd, isWorkingTime, nextWorkingTime, termOf } from './reminders/calendar';
export { SNOOZE_DAYS, reminderKinds } from './reminders/types';
export type {
  RemindersDeps,
  Recipient,
  FiguresPeriod,
  CycleReminderView,
  DigestCount,
  DigestView,
  ReportStage,
  IntakeSummaryView,
  DueList,
  DraftNudgeView,
  UnreachablePrincipal,
} from './reminders/types';

export function makeReminders(deps: RemindersDeps) {
  const { config, clock, outbox, jobs } = deps;
  const m = config.municipality;

  // Every reminder waits for working hours, also when its send is retried or held up (outbox), and
  // a reminder whose send was interrupted is not sent a second time: one card per routine.
  const inWorkingHours = { holdUntil: (_message: unknown, now: Date) => (isWorkingTime(now) ? undefined : nextWorkingTime(now)) };
  outbox.on(reminderKinds.cycle, { ...inWorkingHours, atMostOnce: true });
  outbox.on(reminderKinds.digest, { ...inWorkingHours, atMostOnce: true });
  outbox.on(reminderKinds.draft, inWorkingHours);
  outbox.on(reminderKinds.intakeSummary, inWorkingHours);

  const { runEntry, sendPending, reachLateInstalls, ...cycle } = makeCycle(deps);
  const drafts = makeDraftNudges(deps);
  const digests = makeDigests(deps);
  const summaries = makeIntakeSummaries(deps);

  return {
    reminderKinds,

    /** Registers the jobs: one per annual-cycle entry, the digest, the intake summary, the nudges. */
    schedule(): void {
      // After downtime only each entry's latest missed run (and only within its window).
      for (const e of m.annualCycle) jobs.cron(`cycle:${e.id}`, e.schedule, (dueAt) => runEntry(e, dueAt), { missed: 'latest' });
      jobs.every('reminders.pending', 5 * 60_000, async () => {
        const now = clock.now();
        await reachLateInstalls(now);
        await sendPending(now);
      });
      jobs.every('reminders.drafts', 5 * 60_000, async () => void (await drafts.nudgeDrafts()));
      jobs.cron('reminders.digest', m.reminders.principalDigest, (dueAt) => digests.enqueueDigests(dueAt), { missed: 'latest' });
      jobs.cron('reminders.intake-summary', m.reminders.intakeSummary, (dueAt) => summaries.enqueueIntakeSummaries(dueAt), {
        missed: 'latest',
      });
    },

    /** Runs due reminders' sends now (the jobs call it; exposed for tests and admin tools). */
    sendPending: () => sendPending(clock.now()),
    ...cycle,
    ...drafts,
    ...digests,
    ...summaries,
  };
}
export type Reminders = ReturnType<typeof makeReminders>;
