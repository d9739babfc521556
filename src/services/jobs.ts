import { Cron } from 'croner';
import type { Logger } from '../log';
import type { Clock } from './clock';
import type { Coordinator } from './coordinator';
import type { Store } from './store';
import * as jobRuns from './store/jobs';

export type JobHandler = (dueAt: Date) => Promise<void>;

/**
 * What a cron job does with runs missed while the bot was down: `each` runs every one of them, in
 * order (a purge, where each night counts); `latest` runs only the most recent one and logs how
 * many older ones it left out (a reminder: one card per routine, not one per missed run).
 */
export type MissedRuns = 'each' | 'latest';

/**
 * Scheduled work: the annual cycle, nudges, clocks and purges. Each job remembers in the store the
 * last due time it completed; on every tick each due time since then runs once, in order, so runs
 * missed while the bot was down are caught up once each, never several times (or, for a job that
 * asks for it, only the latest of them). A handler must be idempotent for its due time (outbox
 * dedupe keys make sends so): the completion mark is written after the handler, with a conditional
 * update, so two instances never both complete a due time and a crash mid-handler means the run is
 * retried.
 */
export interface Jobs {
  /** Cron pattern in Europe/Stockholm time; every missed due time runs once (or only the latest). */
  cron(name: string, pattern: string, handler: JobHandler, opts?: { missed?: MissedRuns }): void;
  /** Housekeeping every `ms`; missed periods collapse into one run. */
  every(name: string, ms: number, handler: JobHandler): void;
  /** Runs everything due at the clock's now (the loop calls it; tests call it after moving time). */
  runDue(): Promise<void>;
  start(tickMs?: number): void;
  stop(): Promise<void>;
}

interface Registered {
  name: string;
  next: (after: Date) => Date | undefined;
  catchUp: boolean;
  /** Log the runs a collapse leaves out (cron jobs; housekeeping periods are not worth a line). */
  logSkipped: boolean;
  handler: JobHandler;
}

const MAX_CATCH_UP = 500;

/**
 * With several instances on PostgreSQL (`coordinator`), pg-boss runs the tick on one instance at a
 * time and hands it to another if that instance dies; on SQLite the tick is a local timer.
 */
export function makeJobs({ store, clock, log, coordinator }: { store: Store; clock: Clock; log: Logger; coordinator?: Coordinator }): Jobs {
  const jobs = new Map<string, Registered>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const iso = (d: Date) => d.toISOString();

  async function lastDue(job: Registered, now: Date): Promise<Date> {
    // First time: start from now; nothing before the job existed is "missed".
    return (await jobRuns.lastDue(store.db, job.name)) ?? (await jobRuns.startSchedule(store.db, job.name, now));
  }

  async function runJob(job: Registered, now: Date): Promise<void> {
    let last = await lastDue(job, now);
    let due = job.next(last);
    let runs = 0;
    while (due && due <= now && runs < MAX_CATCH_UP) {
      if (!job.catchUp) {
        // Collapse missed periods: run once for the latest due time.
        let latest = due;
        let skipped = 0;
        let lastSkipped = due;
        for (let n = job.next(due); n && n <= now; n = job.next(n)) {
          lastSkipped = latest;
          latest = n;
          skipped++;
        }
        if (skipped && job.logSkipped)
          log.info(
            { event: 'job.skipped', job: job.name, runs: skipped, from: iso(due), to: iso(lastSkipped), latest: iso(latest) },
            'missed runs left out: only the latest runs',
          );
        due = latest;
      }
      await job.handler(due);
      if (!(await jobRuns.completeRun(store.db, job.name, last, due, clock.now()))) return; // another instance completed it
      log.info({ event: 'job.ran', job: job.name, dueAt: iso(due) }, 'scheduled job ran');
      last = due;
      due = job.next(last);
      runs++;
    }
  }

  async function runDue(): Promise<void> {
    if (running) return running;
    running = (async () => {
      const now = clock.now();
      for (const job of jobs.values()) {
        try {
          await runJob(job, now);
        } catch (error) {
          log.error({ event: 'job.failed', job: job.name, err: error }, 'scheduled job failed; it will be retried');
        }
      }
    })().finally(() => (running = undefined));
    return running;
  }

  return {
    cron(name, pattern, handler, { missed = 'each' } = {}) {
      const cron = new Cron(pattern, { timezone: 'Europe/Stockholm', paused: true });
      jobs.set(name, { name, handler, catchUp: missed === 'each', logSkipped: true, next: (after) => cron.nextRun(after) ?? undefined });
    },
    every(name, ms, handler) {
      jobs.set(name, { name, handler, catchUp: false, logSkipped: false, next: (after) => new Date(after.getTime() + ms) });
    },
    runDue,
    start(tickMs = 30_000) {
      if (coordinator) return coordinator.exclusive('varna-jobs', tickMs, runDue);
      if (timer) return;
      const tick = () => void runDue().finally(() => (timer = setTimeout(tick, tickMs)));
      timer = setTimeout(tick, 1_000);
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
