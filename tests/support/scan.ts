import { readFileSync, existsSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/services/store';
import { foldRollup } from '../../src/services/stat-rollup';

/**
 * Every table of the store (SQLite, or the store's own PostgreSQL schema), Kysely's own
 * bookkeeping left out.
 */
export async function tableNames(db: Kysely<Database>): Promise<string[]> {
  const current = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db).catch(() => undefined);
  const schema = current?.rows[0]?.schema ?? undefined;
  const tables = await db.introspection.getTables();
  return tables
    .filter((t) => !t.isView && !t.name.startsWith('kysely_') && !t.name.startsWith('sqlite_') && (!schema || t.schema === schema))
    .map((t) => t.name)
    .sort();
}

/**
 * Tables the running bot writes in the background on its own schedule, whatever a request does:
 * the statistics' kept suppression pattern (0190), written after a start or a change to a figure
 * once the pattern is worked out. Left out where a test asks whether a request changed anything.
 */
export const backgroundTables = new Set(['stat_patterns']);

/** Row count per table: a request that was refused must not change any of them. */
export async function rowCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  // The background fold moves the figures' deltas into the roll-up at any moment without changing
  // a figure: fold first, so only a change a request made is counted.
  await foldRollup(db);
  const counts: Record<string, number> = {};
  for (const name of (await tableNames(db)).filter((n) => !backgroundTables.has(n))) {
    const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(db);
    counts[name] = Number(r.rows[0]?.n ?? 0);
  }
  return counts;
}

/** Every value in every column of every table containing one of `needles`: where it hides. */
export async function findInTables(db: Kysely<Database>, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const name of await tableNames(db)) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    for (const row of rows.rows)
      for (const [column, value] of Object.entries(row))
        for (const needle of needles)
          if (value !== null && String(value).includes(needle)) hits.push(`${name}.${column} contains "${needle}"`);
  }
  return hits;
}

/**
 * The SQLite file itself, its -wal and -journal, read as bytes (UTF-8 and UTF-16, as SQLite may
 * store either): finds data left in free pages or old WAL frames that no query shows.
 */
export function findInFiles(dbFile: string, needles: string[]): string[] {
  const hits: string[] = [];
  for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-journal`]) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    for (const needle of needles) {
      if (bytes.includes(Buffer.from(needle, 'utf8')) || bytes.includes(Buffer.from(needle, 'utf16le')))
        hits.push(`${file.split('/').pop()} contains "${needle}"`);
    }
  }
  return hits;
}
