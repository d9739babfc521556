import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * Which store the suite runs on: SQLite (default) or PostgreSQL when VARNA_TEST_STORE=postgres
 * (`npm test` runs both; see scripts/test.ts). On PostgreSQL every test store is a fresh schema
 * in the server's test database, selected with search_path, so tests never see each other's rows.
 */
export const testStoreKind: 'sqlite' | 'postgres' = process.env.VARNA_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
export const testPgUrl = process.env.VARNA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// Several test suites may share one server (100 connections by default): small pools per store.
process.env.VARNA_PG_POOL_MAX ??= '3';

export interface TestStore {
  /** VARNA_STORE_URL for this store; the same after a restart. */
  url: string;
  /** The PostgreSQL schema (postgres only), e.g. for pg-boss's own schema next to it. */
  schema?: string;
  /** Removes the data (the temp folder, or the schema). */
  drop(): Promise<void>;
}

/** A store URL inside an existing PostgreSQL URL, limited to one schema. */
export function pgUrlWithSchema(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function withClient<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testPgUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty store for one test (or one test bot and its restarts). */
export async function createTestStore(dataDir?: string): Promise<TestStore> {
  if (testStoreKind === 'postgres') {
    const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    await withClient((c) => c.query(`create schema ${schema}`));
    return {
      url: pgUrlWithSchema(testPgUrl, schema),
      schema,
      drop: () =>
        withClient(
          async (c) => void (await c.query(`drop schema if exists ${schema} cascade; drop schema if exists ${schema}_boss cascade`)),
        ),
    };
  }
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'varna-test-'));
  return {
    url: `sqlite:${join(dir, 'varna.db')}`,
    drop: async () => {
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
