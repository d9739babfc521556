import type { Tx } from './db';

/**
 * When each scheduled job (src/services/jobs.ts) was last due: one row per job name, moved on by
 * the instance that ran it. Every function takes the executor first.
 */

const iso = (d: Date) => d.toISOString();

/** The due time a job last completed, undefined for a job never seen before. */
export async function lastDue(db: Tx, name: string): Promise<Date | undefined> {
  const row = await db.selectFrom('job_runs').select('last_due_at').where('name', '=', name).executeTakeFirst();
  return row ? new Date(row.last_due_at) : undefined;
}

/**
 * A job seen for the first time starts from `at` (nothing before it existed is "missed"); another
 * instance may have started it meanwhile, and then its time stands. Returns the time that stands.
 */
export async function startSchedule(db: Tx, name: string, at: Date): Promise<Date> {
  await db
    .insertInto('job_runs')
    .values({ name, last_due_at: iso(at), updated_at: iso(at) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('job_runs').select('last_due_at').where('name', '=', name).executeTakeFirstOrThrow();
  return new Date(row.last_due_at);
}

/**
 * The run due at `due` completed: moves the job on from `last`, unless another instance already
 * did (then false: that one ran it).
 */
export async function completeRun(db: Tx, name: string, last: Date, due: Date, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('job_runs')
    .set({ last_due_at: iso(due), updated_at: iso(now) })
    .where('name', '=', name)
    .where('last_due_at', '=', iso(last))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
