import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { types as PgTypes } from 'pg';
import type { Database } from './schema';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for log lines (no credentials). */
  where: string;
  close(): Promise<void>;
}

const INT8 = 20;
const NUMERIC = 1700;

export class StoreLockedError extends Error {
  override name = 'StoreLockedError';
}

/**
 * Opens the store named by the URL: `sqlite:<file>` (the embedded default) or `postgres://…`.
 * SQLite is opened in exclusive locking mode: one Värna process owns the file, and a second one
 * is refused with a clear message instead of both delivering the same outbox.
 */
export async function openDb(url: string): Promise<Db> {
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
        throw new StoreLockedError(`${path} is in use by another Värna process; run one process per SQLite file (use PostgreSQL for several instances)`);
      throw error;
    }
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    return { db, dialect: 'sqlite', where: path, close: () => db.destroy() };
  }
  // Counts and sums come back as numbers on both dialects (pg's default for bigint/numeric is a
  // string, to keep precision beyond 2^53, which no count here approaches).
  // pg is loaded only when used: a SQLite installation starts without it.
  const { Pool, types } = await import('pg');
  const parsers = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === INT8 || oid === NUMERIC ? Number : types.getTypeParser(oid, format as 'text')) };
  const pool = new Pool({ connectionString: url, max: 10, types: parsers as typeof PgTypes });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await sql`select 1`.execute(db);
  const where = new URL(url);
  return { db, dialect: 'postgres', where: `${where.hostname}:${where.port || 5432}${where.pathname}`, close: () => db.destroy() };
}
