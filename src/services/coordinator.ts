import type PgBoss from 'pg-boss';
import type { Logger } from '../log';
import { pgConnection } from './store/db';

/**
 * Who runs the background work (outbox delivery, scheduled jobs, purges) when several Värna
 * instances share one PostgreSQL database: pg-boss decides. Each kind of work is a pg-boss queue
 * with the `stately` policy, so at most one run is active across all instances (and at most one
 * more waits); an instance that dies mid-run loses its claim when the job expires, and another
 * instance takes over. On SQLite (one process by construction) the outbox and the jobs keep their
 * own in-process timers and need no coordinator.
 */
export interface Coordinator {
  /** True when work is shared through PostgreSQL between instances. */
  readonly distributed: boolean;
  /** How long a run may take before another instance may take over (ms). */
  readonly failoverMs: number;
  /**
   * Runs `run` on one instance at a time, at least every `everyMs` and whenever `poke` is called.
   * `run` should finish within failoverMs / 3; anything left over it leaves for the next run.
   */
  exclusive(name: string, everyMs: number, run: () => Promise<void>): void;
  /** Asks for a run soon (e.g. after a commit that enqueued a message). */
  poke(name: string): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Work {
  name: string;
  everyMs: number;
  run: () => Promise<void>;
  timer?: NodeJS.Timeout;
  /** The fetch loop; done when it has seen `stopping`. */
  loop?: Promise<void>;
  /** Ends the loop's pause between fetches early (a poke). */
  wake?: () => void;
}

/** Pause between fetches when a queue is empty (pg-boss's own work() polled as often). */
const POLL_MS = 500;
/** Attempts to mark a finished run complete while the database is away (a failover). */
const COMPLETE_ATTEMPTS = 10;

export interface CoordinatorOptions {
  storeUrl: string;
  /** PostgreSQL schema for pg-boss's tables. */
  schema: string;
  failoverSeconds: number;
  log: Logger;
}

/** pg-boss over the store's PostgreSQL database. */
export function makePgCoordinator({ storeUrl, schema, failoverSeconds, log }: CoordinatorOptions): Coordinator {
  const works = new Map<string, Work>();
  let boss!: PgBoss;
  const options: PgBoss.ConstructorOptions = {
    connectionString: storeUrl,
    schema,
    max: 4,
    application_name: 'varna-queue',
    // pg-boss hands its options to pg's Pool; its types do not list these.
    ...(pgConnection() as object),
    // A killed instance's run expires after failoverSeconds; supervision (which any live instance
    // does, under pg-boss's own advisory lock) notices within a quarter of that.
    expireInSeconds: failoverSeconds,
    maintenanceIntervalSeconds: Math.max(1, Math.round(failoverSeconds / 4)),
    retryLimit: 0,
    // Runs are ticks, not data: keep the job table small.
    archiveCompletedAfterSeconds: 60,
    deleteAfterHours: 1,
    schedule: false,
  };
  let started = false;
  let stopping = false;

  async function tick(work: Work, notify: boolean): Promise<void> {
    if (!started || stopping) return;
    try {
      // With the stately policy a second waiting run is refused (null): ticks never pile up.
      await boss.send(work.name, {}, { singletonKey: 'run', expireInSeconds: failoverSeconds });
      if (notify) work.wake?.();
    } catch (error) {
      log.warn({ event: 'queue.tick-failed', queue: work.name, err: error }, 'could not queue a run');
    }
  }

  /**
   * Creating a queue is DDL (a partition of pg-boss's job table); instances starting together can
   * deadlock on it, so a failed attempt is retried after a short random pause.
   */
  async function createQueue(name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (await boss.getQueue(name)) return;
      try {
        return await boss.createQueue(name, { name, policy: 'stately', retryLimit: 0, expireInSeconds: failoverSeconds });
      } catch (error) {
        if (attempt >= 8) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 250 * attempt));
      }
    }
  }

  /**
   * Fetches the queue's next run, runs it, marks it complete; pauses when there is none. Our own
   * loop rather than pg-boss's work(): pg-boss 10 does not wait for its completion write, so when
   * the database drops the connection at that moment (a failover, a restart) the rejection goes
   * unhandled and ends the process. Here every database call has its answer. A run whose
   * completion cannot be written within the attempts stays active until it expires (failoverSeconds),
   * and the queue's next run waits until then: late, not lost.
   */
  async function fetchLoop(work: Work): Promise<void> {
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          work.wake = undefined;
          resolve();
        }
        work.wake = done;
      });
    while (!stopping) {
      let jobs: Array<{ id: string }>;
      try {
        jobs = await boss.fetch(work.name, { batchSize: 1 });
      } catch (error) {
        log.warn({ event: 'queue.fetch-failed', queue: work.name, err: error }, 'could not fetch a run; trying again');
        await pause(POLL_MS * 2);
        continue;
      }
      if (jobs.length === 0) {
        await pause(POLL_MS);
        continue;
      }
      try {
        await work.run();
      } catch (error) {
        log.error({ event: 'queue.run-failed', queue: work.name, err: error }, 'background run failed; the next tick retries');
      }
      for (let attempt = 1; ; attempt++) {
        try {
          await boss.complete(
            work.name,
            jobs.map((j) => j.id),
          );
          break;
        } catch (error) {
          if (attempt >= COMPLETE_ATTEMPTS || stopping) {
            log.error(
              { event: 'queue.complete-failed', queue: work.name, err: error },
              'could not mark a run complete; the queue waits until it expires',
            );
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
        }
      }
    }
  }

  async function startWork(work: Work): Promise<void> {
    await createQueue(work.name);
    work.loop = fetchLoop(work);
    const loop = () => {
      void tick(work, false).finally(() => {
        if (!stopping) work.timer = setTimeout(loop, work.everyMs);
      });
    };
    loop();
  }

  return {
    distributed: true,
    failoverMs: failoverSeconds * 1000,
    exclusive(name, everyMs, run) {
      const work: Work = { name, everyMs, run };
      works.set(name, work);
      if (started)
        void startWork(work).catch((error) =>
          log.error({ event: 'queue.start-failed', queue: name, err: error }, 'could not start a queue'),
        );
    },
    poke(name) {
      const work = works.get(name);
      if (work) void tick(work, true);
    },
    async start() {
      if (started) return;
      const { default: Boss } = await import('pg-boss');
      boss = new Boss(options);
      // The error itself: the log keeps its class, code and stack frames (src/log.ts).
      boss.on('error', (error) => log.error({ event: 'queue.error', err: error }, 'job queue error'));
      await boss.start();
      started = true;
      for (const work of works.values()) await startWork(work);
      log.info(
        { event: 'queue.started', schema, failoverSeconds, queues: [...works.keys()] },
        'background work coordinated through pg-boss',
      );
    },
    async stop() {
      stopping = true;
      for (const work of works.values()) {
        if (work.timer) clearTimeout(work.timer);
        work.wake?.();
      }
      // A run in progress finishes (and is marked complete) before pg-boss closes its pool.
      await Promise.all([...works.values()].flatMap((work) => (work.loop ? [work.loop] : [])));
      if (started) await boss.stop({ graceful: true, wait: true, timeout: Math.min(30_000, failoverSeconds * 1000) });
      started = false;
    },
  };
}
