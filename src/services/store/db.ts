import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Transaction,
  type PostgresPool,
  type PostgresPoolClient,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';
import type { Pool, types as PgTypes } from 'pg';
import type { Database } from './schema';

export type Dialect = 'sqlite' | 'postgres';
/** What a repository function runs its statements on: the store's handle or a transaction of it. */
export type Tx = Kysely<Database> | Transaction<Database>;

export interface Db {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for log lines (no credentials). */
  where: string;
  close(): Promise<void>;
  /**
   * SQLite only: a consistent copy of the store to `dest`, taken on this connection with SQLite's
   * online backup API while Värna keeps working (writes made meanwhile are carried into the copy).
   */
  backup?(dest: string): Promise<void>;
}

/**
 * Kysely's PostgreSQL introspection (used by the Migrator to see whether its bookkeeping tables
 * exist) reads every schema of the database with catalog functions, and fails when another schema
 * is dropped meanwhile. Ours looks at the connection's own schema only.
 */
class OwnSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<any>) {}
  async getSchemas(): Promise<SchemaMetadata[]> {
    const r = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(this.db);
    return r.rows;
  }
  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const r = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v')`.execute(this.db);
    return r.rows
      .filter((t) => options.withInternalKyselyTables || !t.name.startsWith('kysely_'))
      .map((t) => ({ name: t.name, schema: t.schema, isView: t.kind === 'v', columns: [] }));
  }
  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

class VarnaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}

/**
 * Connection settings for every PostgreSQL pool (the store's and the job queue's). A new connection
 * that gets no answer (a server failing over, packets dropped) fails after 5 s instead of waiting
 * for the operating system's TCP timeout. A statement without an answer for VARNA_PG_QUERY_TIMEOUT_MS
 * (default 60 s; no statement of Värna's takes near that) fails, and its connection is dropped:
 * after a failover, connections to the old server can go silent rather than closed, and the
 * operating system would take a quarter of an hour to give up on them. TCP keep-alive lets an idle
 * dead connection be noticed.
 */
export const pgConnection = () => ({
  connectionTimeoutMillis: 5_000,
  query_timeout: Number(process.env.VARNA_PG_QUERY_TIMEOUT_MS ?? 60_000) || 60_000,
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
});

const QUERY_TIMED_OUT = 'Query read timeout';

/**
 * pg's pool as Kysely gets it: a connection on which a statement timed out is dropped when it is
 * given back (pg-pool ends a connection released with an error), and refuses further statements
 * meanwhile (the unanswered one still occupies it: a ROLLBACK would only wait behind it). Kysely
 * gives connections back without an error, so without this a silent connection would go back to
 * the pool and hang the next turn that takes it. (pg-boss uses `pool.query`, which already gives
 * the connection back with the error.)
 */
function droppingTimedOut(pool: Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      let timedOut: Error | undefined;
      const wrapped = {
        async query(sql: string, parameters: ReadonlyArray<unknown>) {
          if (timedOut) throw timedOut;
          try {
            return await client.query(sql, [...parameters]);
          } catch (error) {
            if ((error as Error).message === QUERY_TIMED_OUT) timedOut = error as Error;
            throw error;
          }
        },
        release: () => client.release(timedOut),
      };
      return wrapped as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

const INT8 = 20;
const NUMERIC = 1700;

export class StoreLockedError extends Error {
  override name = 'StoreLockedError';
}

/**
 * Kysely's SQLite driver prepares every statement anew (parsing and planning the SQL each time);
 * the store runs the same few dozen statements over and over. This hands it prepared statements
 * from a small LRU cache keyed by the SQL text instead. Parameters are bound at each run, so a
 * cached statement is as good as a fresh one; SQLite re-prepares a statement itself when the schema
 * changed under it. Nothing here streams (Kysely's `stream()` would hold a statement busy).
 */
export function withStatementCache(
  raw: SqliteDatabase.Database,
  max = 256,
): { close(): void; prepare(sql: string): SqliteDatabase.Statement } {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => raw.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql); // re-inserted below: the map stays ordered by last use
      } else {
        stmt = raw.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

export interface OpenOptions {
  /**
   * PostgreSQL: the server or the network closed a connection (a failover, a restart, an idle
   * timeout on the way). The pool drops that connection and opens a new one at the next query; a
   * statement in flight on it fails. This only tells.
   */
  onConnectionLost?: (error: Error) => void;
  /**
   * PostgreSQL: no time limit per statement (the migrations: filling a new table from a large
   * database, or waiting for another instance's migrations to finish, can take minutes).
   */
  noQueryTimeout?: boolean;
}

/**
 * Opens the store named by the URL: `sqlite:<file>` (the embedded default) or `postgres://…`.
 * SQLite is opened in exclusive locking mode: one Värna process owns the file, and a second one
 * is refused with a clear message instead of both delivering the same outbox.
 */
export async function openDb(url: string, options: OpenOptions = {}): Promise<Db> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    const path = file === ':memory:' ? file : resolve(file);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const raw = new SqliteDatabase(path, { timeout: 2000 });
    try {
      raw.pragma('locking_mode = EXCLUSIVE');
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = NORMAL');
      raw.pragma('foreign_keys = ON');
      // Deleted rows are overwritten with zeros, so purged data does not linger in free pages.
      raw.pragma('secure_delete = ON');
      // Take the exclusive lock now, not at the first write.
      raw.exec('BEGIN IMMEDIATE; COMMIT;');
    } catch (error) {
      raw.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY')
        throw new StoreLockedError(
          `${path} is in use by another Värna process; run one process per SQLite file (use PostgreSQL for several instances)`,
        );
      throw error;
    }
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
    return { db, dialect: 'sqlite', where: path, close: () => db.destroy(), backup: async (dest) => void (await raw.backup(dest)) };
  }
  // Counts and sums come back as numbers on both dialects (pg's default for bigint/numeric is a
  // string, to keep precision beyond 2^53, which no count here approaches).
  // pg is loaded only when used: a SQLite installation starts without it.
  const { Pool, types } = await import('pg');
  const parsers = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === INT8 || oid === NUMERIC ? Number : types.getTypeParser(oid, format as 'text'),
  };
  // Connections per process (the test suite, with many stores open at once, uses fewer).
  const max = Number(process.env.VARNA_PG_POOL_MAX ?? 10) || 10;
  // application_name shows Värna's connections in pg_stat_activity (one in the URL wins).
  const pool = new Pool({
    connectionString: url,
    max,
    application_name: 'varna',
    ...pgConnection(),
    ...(options.noQueryTimeout ? { query_timeout: 0 } : {}),
    types: parsers as typeof PgTypes,
  });
  // A lost connection is an error event on its client (whether idle in the pool or in use, e.g. a
  // transaction between statements), and on the pool too when idle; an error event nobody hears
  // ends the process. Each client's own listener tells once; the pool's only keeps it quiet.
  pool.on('connect', (client) => client.on('error', (error) => options.onConnectionLost?.(error)));
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new VarnaPostgresDialect({ pool: droppingTimedOut(pool) }) });
  await sql`select 1`.execute(db);
  const where = new URL(url);
  return { db, dialect: 'postgres', where: `${where.hostname}:${where.port || 5432}${where.pathname}`, close: () => db.destroy() };
}
