import { randomBytes } from 'node:crypto';
import { Migrator, sql, type Kysely, type Transaction } from 'kysely';
import { rebuildRollupIfNeeded } from '../stat-rollup';
import { makeAuditLog } from './audit';
import { openDb, type Db, type Dialect, type OpenOptions, type Tx } from './db';
import { newId } from './ids';
import { migrationProvider } from './migrations';
import type { Database, InstallationTable, OutboxTable } from './schema';

export type { Database } from './schema';
export type { AuditEntry, AuditKeys, AuditCheck, AuditFinding, CheckpointRecord } from './audit';
export type { Tx };
export { newId };

const iso = (d: Date) => d.toISOString();

/**
 * The store was migrated by a newer Värna than this one: it has migrations this version does not
 * know (after a rollback to an older image, or an older instance still running beside a new one).
 * This version cannot know what they changed, so it does not start (exit code 4).
 */
export class NewerDatabaseError extends Error {
  override name = 'NewerDatabaseError';
  constructor(readonly unknown: string[]) {
    super(
      `the database was migrated by a newer Värna (migration ${unknown.at(-1)}${unknown.length > 1 ? `, ${unknown.length} migrations in all that this version does not have` : ''}); ` +
        'start that version or restore the pre-upgrade backup (docs/deployment.md, "Upgrades")',
    );
  }
}

export async function migrate(db: Kysely<Database>, dialect: Dialect = 'sqlite'): Promise<void> {
  // On PostgreSQL the migration tables live in the connection's schema, named explicitly: otherwise
  // Kysely takes a kysely_migration table in any other schema of the database for ours.
  const migrationTableSchema =
    dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  // Kysely's own words for a newer database are "corrupted migrations: … is missing"; say what it is.
  const known = new Set(Object.keys(await migrationProvider.getMigrations()));
  const unknown = (await executedMigrations(db, migrationTableSchema)).filter((name) => !known.has(name)).sort();
  if (unknown.length) throw new NewerDatabaseError(unknown);
  const { error, results } = await new Migrator({
    db,
    provider: migrationProvider,
    allowUnorderedMigrations: true,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? ''}`);
  // What a migration asked to be done with the code of the day once every migration has run
  // (a migration itself is frozen: it does not call live domain code).
  await rebuildRollupIfNeeded(db);
}

/** How many migrations the store has applied (0 for a new, empty store): for the migrate job's log. */
export async function appliedMigrations(db: Kysely<Database>): Promise<number> {
  try {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from kysely_migration`.execute(db);
    return Number(rows[0]?.n ?? 0);
  } catch {
    return 0; // a new, empty store
  }
}

/** The names in Kysely's bookkeeping table; none for a new, empty store. */
async function executedMigrations(db: Kysely<Database>, schema: string | undefined): Promise<string[]> {
  const table = schema ? sql.id(schema, 'kysely_migration') : sql.id('kysely_migration');
  const exists =
    schema === undefined
      ? (await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db))
          .rows[0]?.n
      : (
          await sql<{
            n: number;
          }>`select count(*) as n from pg_catalog.pg_tables where schemaname = ${schema} and tablename = 'kysely_migration'`.execute(db)
        ).rows[0]?.n;
  if (!Number(exists)) return [];
  return (await sql<{ name: string }>`select name from ${table}`.execute(db)).rows.map((r) => r.name);
}

export type OutboxRow = OutboxTable;
export interface NewOutboxMessage {
  dedupeKey: string;
  target: unknown;
  message: unknown;
  deadlineAt?: Date;
}

/**
 * The store: one implementation over Kysely, so SQLite and PostgreSQL run the same queries.
 * Methods that must be atomic take a transaction from `transaction()`.
 */
export function makeStore(handle: Db) {
  const { db } = handle;
  const store = {
    dialect: handle.dialect,
    where: handle.where,
    db,
    async ping(): Promise<void> {
      await sql`select 1`.execute(db);
    },
    close: () => handle.close(),
    /** SQLite: the online backup (src/services/backup.ts); undefined on PostgreSQL. */
    backup: handle.backup,
    transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
      return db.transaction().execute(fn);
    },

    kv: {
      async read(keys: string[]): Promise<Map<string, { etag: string; value: string }>> {
        if (keys.length === 0) return new Map();
        const rows = await db.selectFrom('kv').select(['key', 'etag', 'value']).where('key', 'in', keys).execute();
        return new Map(rows.map((r) => [r.key, { etag: r.etag, value: r.value }]));
      },
      /** Writes with optimistic concurrency: `expectedEtag` '*' or undefined overwrites. */
      async write(key: string, value: string, expectedEtag: string | undefined, now: Date): Promise<string | 'conflict'> {
        const etag = randomBytes(8).toString('hex');
        if (expectedEtag && expectedEtag !== '*') {
          const res = await db
            .updateTable('kv')
            .set({ value, etag, updated_at: iso(now) })
            .where('key', '=', key)
            .where('etag', '=', expectedEtag)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) === 1) return etag;
          const exists = await db.selectFrom('kv').select('key').where('key', '=', key).executeTakeFirst();
          if (exists) return 'conflict';
        }
        await db
          .insertInto('kv')
          .values({ key, value, etag, updated_at: iso(now) })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value, etag, updated_at: iso(now) }))
          .execute();
        return etag;
      },
      async delete(keys: string[]): Promise<void> {
        if (keys.length) await db.deleteFrom('kv').where('key', 'in', keys).execute();
      },
    },

    installations: {
      async upsert(row: Omit<InstallationTable, 'installed_at' | 'updated_at'>, now: Date): Promise<void> {
        await db
          .insertInto('installations')
          .values({ ...row, installed_at: iso(now), updated_at: iso(now) })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet({
              service_url: row.service_url,
              conversation_id: row.conversation_id,
              reference: row.reference,
              tenant_id: row.tenant_id,
              // An update that does not know the group id keeps the one stored.
              ...(row.aad_group_id ? { aad_group_id: row.aad_group_id } : {}),
              updated_at: iso(now),
            }),
          )
          .execute();
      },
      async remove(key: string): Promise<void> {
        await db.deleteFrom('installations').where('key', '=', key).execute();
      },
      get: (key: string) => db.selectFrom('installations').selectAll().where('key', '=', key).executeTakeFirst(),
      list: () => db.selectFrom('installations').selectAll().orderBy('key').execute(),
    },

    references: {
      /**
       * The next report number of a year. PostgreSQL: from the year's sequence (migration 0161), so
       * concurrent submits do not wait for each other's commit; a number taken by a transaction
       * that rolls back stays unused (a gap). SQLite: the year's counter row, in the transaction
       * (one writer at a time; gapless).
       */
      async nextReportNumber(trx: Tx, year: string): Promise<number> {
        if (handle.dialect === 'postgres') {
          const { rows } = await sql<{ n: string }>`select varna_report_number(${year}) as n`.execute(trx);
          return Number(rows[0]!.n);
        }
        const row = await trx
          .insertInto('counters')
          .values({ name: `report:${year}`, value: 1 })
          .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('counters.value', '+', 1) })))
          .returning('value')
          .executeTakeFirstOrThrow();
        return Number(row.value);
      },
    },

    dataKeys: {
      async put(trx: Tx, recordId: string, masterKeyId: string, wrapped: string, now: Date): Promise<void> {
        await trx
          .insertInto('data_keys')
          .values({ record_id: recordId, master_key_id: masterKeyId, wrapped, created_at: iso(now) })
          .execute();
      },
      get: (recordId: string, trx: Tx = db) => trx.selectFrom('data_keys').selectAll().where('record_id', '=', recordId).executeTakeFirst(),
      /** Crypto-shredding: without its data key a record's sealed fields are unreadable, in backups too. */
      async destroy(trx: Tx, recordIds: string[]): Promise<void> {
        if (recordIds.length) await trx.deleteFrom('data_keys').where('record_id', 'in', recordIds).execute();
      },
    },

    outbox: {
      /** Stored first; delivered later. A repeated dedupe key is a no-op (idempotent submits). */
      async enqueue(trx: Tx, m: NewOutboxMessage, now: Date): Promise<void> {
        await trx
          .insertInto('outbox')
          .values({
            id: newId(now),
            dedupe_key: m.dedupeKey,
            target: JSON.stringify(m.target),
            message: JSON.stringify(m.message),
            status: 'pending',
            attempts: 0,
            next_attempt_at: iso(now),
            deadline_at: m.deadlineAt ? iso(m.deadlineAt) : null,
            deadline_alerted_at: null,
            locked_until: null,
            last_error: null,
            result: null,
            created_at: iso(now),
            sent_at: null,
          })
          .onConflict((oc) => oc.column('dedupe_key').doNothing())
          .execute();
      },
      /** Claims due rows with a lease; a conditional update makes the claim safe across instances. */
      async claimDue(now: Date, limit: number, leaseMs: number, skipTargets: readonly string[] = []): Promise<OutboxRow[]> {
        // One statement for the whole batch (UPDATE … RETURNING on both stores). On PostgreSQL a
        // concurrent claimer blocks on the same rows and then re-checks the lease condition, so a
        // row is never claimed twice.
        const lease = iso(new Date(now.getTime() + leaseMs));
        const rows = await db
          .updateTable('outbox')
          .set({ locked_until: lease })
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('outbox')
              .select('id')
              .where('status', '=', 'pending')
              .where('next_attempt_at', '<=', iso(now))
              .where((e) => e.or([e('locked_until', 'is', null), e('locked_until', '<=', iso(now))]))
              // Conversations the caller knows have no room now (its pacer): claiming their rows
              // would only hand them back.
              .$if(skipTargets.length > 0, (q) => q.where('target', 'not in', skipTargets))
              .orderBy('next_attempt_at')
              .orderBy('id')
              .limit(limit),
          )
          // The re-check is PostgreSQL's (see above). SQLite has one process per file and runs the
          // statement at once; there the same condition would make its planner walk every pending
          // row through the status index instead of looking up the chosen ids by key.
          .$if(handle.dialect === 'postgres', (q) =>
            q.where('status', '=', 'pending').where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', iso(now))])),
          )
          .returningAll()
          .execute();
        return rows.sort((a, b) => a.next_attempt_at.localeCompare(b.next_attempt_at) || a.id.localeCompare(b.id));
      },
      /**
       * Committed before the send: from here until `markSent` the row is in doubt if the process
       * dies. The first unresolved attempt's time is kept (a retry does not move it).
       */
      async markAttempt(id: string, now: Date): Promise<void> {
        await db
          .updateTable('outbox')
          .set((eb) => ({ attempt_at: eb.fn.coalesce('attempt_at', eb.val(iso(now))) }))
          .where('id', '=', id)
          .execute();
      },
      /** Marks a row sent (in the caller's transaction, with the sent-hook's writes). */
      async markSent(id: string, result: unknown, now: Date, trx: Tx = db): Promise<void> {
        await trx
          .updateTable('outbox')
          .set({
            status: 'sent',
            sent_at: iso(now),
            result: JSON.stringify(result ?? null),
            locked_until: null,
            last_error: null,
            attempt_at: null,
          })
          .where('id', '=', id)
          .execute();
      },
      /**
       * Back to pending at `at`. `doubt`: 'keep' leaves the in-doubt mark as it is, 'clear' removes it
       * (the earlier attempt is known not to have arrived), or a time sets it (this send may have
       * arrived: a timeout or a dropped connection).
       */
      async reschedule(
        id: string,
        at: Date,
        error: string | null,
        countAttempt: boolean,
        doubt: 'keep' | 'clear' | Date = 'keep',
      ): Promise<void> {
        await db
          .updateTable('outbox')
          .set((eb) => ({
            next_attempt_at: iso(at),
            locked_until: null,
            last_error: error,
            attempts: countAttempt ? eb('attempts', '+', 1) : eb.ref('attempts'),
            ...(doubt === 'clear'
              ? { attempt_at: null }
              : doubt === 'keep'
                ? {}
                : { attempt_at: eb.fn.coalesce('attempt_at', eb.val(iso(doubt))) }),
          }))
          .where('id', '=', id)
          .execute();
      },
      /**
       * Hands claimed rows back, due again at `at`, in one statement (the pacer says their
       * conversation has no room now). Attempts, errors and doubts are left as they are.
       */
      async defer(ids: string[], at: Date): Promise<void> {
        for (let i = 0; i < ids.length; i += 500) {
          await db
            .updateTable('outbox')
            .set({ next_attempt_at: iso(at), locked_until: null })
            .where('id', 'in', ids.slice(i, i + 500))
            .execute();
        }
      },
      /** Frees every claim (a single process starting after a crash: no one else can hold one). */
      async releaseLeases(): Promise<number> {
        const res = await db
          .updateTable('outbox')
          .set({ locked_until: null })
          .where('status', '=', 'pending')
          .where('locked_until', 'is not', null)
          .executeTakeFirst();
        return Number(res.numUpdatedRows);
      },
      /** The in-doubt attempt is settled (Graph said the message is not there): a plain send follows. */
      async clearDoubt(id: string): Promise<void> {
        await db.updateTable('outbox').set({ attempt_at: null }).where('id', '=', id).execute();
      },
      async markFailed(id: string, error: string): Promise<void> {
        await db.updateTable('outbox').set({ status: 'failed', last_error: error, locked_until: null }).where('id', '=', id).execute();
      },
      async markDeadlineAlerted(id: string, now: Date): Promise<boolean> {
        const res = await db
          .updateTable('outbox')
          .set({ deadline_alerted_at: iso(now) })
          .where('id', '=', id)
          .where('deadline_alerted_at', 'is', null)
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      },
      /** Undelivered messages past their deadline whose alert has not gone out yet. */
      pastDeadline: (now: Date) =>
        db
          .selectFrom('outbox')
          .selectAll()
          .where('status', '=', 'pending')
          .where('deadline_at', 'is not', null)
          .where('deadline_at', '<=', iso(now))
          .where('deadline_alerted_at', 'is', null)
          .limit(100)
          .execute(),
      byDedupeKey: (key: string) => db.selectFrom('outbox').selectAll().where('dedupe_key', '=', key).executeTakeFirst(),
      /** The earliest pending row's time, leaving out the given targets (their time is the caller's to know). */
      nextDueAt: async (skipTargets: readonly string[] = []): Promise<Date | undefined> => {
        // A row is claimable at its due time or when its claim runs out, whichever is later.
        const row = await db
          .selectFrom('outbox')
          .select((eb) =>
            eb.fn
              .min(
                eb
                  .case()
                  .when('locked_until', '>', eb.ref('next_attempt_at'))
                  .then(eb.ref('locked_until'))
                  .else(eb.ref('next_attempt_at'))
                  .end(),
              )
              .as('next'),
          )
          .where('status', '=', 'pending')
          .$if(skipTargets.length > 0, (q) => q.where('target', 'not in', skipTargets))
          .executeTakeFirst();
        return row?.next ? new Date(row.next) : undefined;
      },
      counts: async () =>
        (
          await db
            .selectFrom('outbox')
            .select(['status', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
            .groupBy('status')
            .execute()
        ).map((r) => ({ status: r.status, n: Number(r.n) })),
    },

    /** Hash-chained, keyed, checkpointed: see audit.ts. */
    audit: makeAuditLog(db, handle.dialect),
  };
  return store;
}
export type Store = ReturnType<typeof makeStore>;

export async function openStore(url: string, options: OpenOptions = {}): Promise<Store> {
  const handle = await openDb(url, options);
  try {
    if (handle.dialect === 'sqlite') await migrate(handle.db, handle.dialect);
    else {
      // On connections of their own without the time limit per statement (see noQueryTimeout).
      const migrations = await openDb(url, { ...options, noQueryTimeout: true });
      try {
        await migrate(migrations.db, migrations.dialect);
      } finally {
        await migrations.close();
      }
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
  return makeStore(handle);
}
