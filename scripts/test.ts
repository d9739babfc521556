/**
 * `npm test`: the whole suite on SQLite, then again on PostgreSQL when a server is reachable
 * (127.0.0.1:5432, or VARNA_TEST_PG_URL). Without one the PostgreSQL run is skipped and says so,
 * unless VARNA_REQUIRE_POSTGRES=1 (CI), where that fails the run. Arguments go to mocha
 * (`npm test -- tests/services/jobs.test.ts`). The whole suite is the default spec only when no
 * file is named: a spec in .mocharc.json would be added to the files named, so `npx mocha FILE`
 * and `npm test -- FILE` ran everything.
 * `npm run test:quick` is this with `--grep @slow --invert`: both stores, without the scenarios whose
 * title ends in @slow (the linear-programming attacks, the crash loop, `npm start`'s SIGTERM, ...).
 */
import { spawnSync } from 'node:child_process';
import { Client } from 'pg';

const pgUrl = process.env.VARNA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const where = (() => {
  const u = new URL(pgUrl);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
})();
const ALL = 'tests/**/*.test.ts';
const given = process.argv.slice(2);
// Mocha's own parser (untyped) tells the files named from the options' values (`--grep foo` names none).
const { loadOptions } = require('mocha/lib/cli/options') as { loadOptions(argv: string[]): { _: unknown[] } };
const args = loadOptions(given)._.length > 0 ? given : [...given, ALL];

function mocha(store: 'sqlite' | 'postgres'): number {
  console.log(`\n=== test suite on ${store === 'sqlite' ? 'SQLite' : `PostgreSQL (${where})`} ===`);
  const res = spawnSync(process.execPath, [require.resolve('mocha/bin/mocha.js'), ...args], {
    stdio: 'inherit',
    env: { ...process.env, VARNA_TEST_STORE: store, VARNA_TEST_PG_URL: pgUrl },
  });
  return res.status ?? 1;
}

async function reachable(): Promise<string | undefined> {
  const client = new Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || (error as Error).name;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Test schemas are t_<base36 time>_<random>; drop those left over (e.g. by a killed run) after an hour. */
async function sweepOldSchemas(): Promise<void> {
  const client = new Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "select nspname as name from pg_namespace where nspname ~ '^t_[0-9a-z]+_[0-9a-f]{8}(_boss)?$'",
    );
    for (const { name } of rows) {
      const born = parseInt(name.split('_')[1]!, 36);
      if (Date.now() - born > 60 * 60_000) await client.query(`drop schema if exists ${name} cascade`);
    }
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const results: string[] = [];
  const sqlite = mocha('sqlite');
  results.push(`SQLite: ${sqlite === 0 ? 'passed' : 'FAILED'}`);
  let pg = 0;
  const problem = await reachable();
  if (problem) {
    const line = `PostgreSQL suite SKIPPED: no server at ${where} (${problem})`;
    if (process.env.VARNA_REQUIRE_POSTGRES === '1') {
      results.push(`${line} — but VARNA_REQUIRE_POSTGRES=1: FAILED`);
      pg = 1;
    } else results.push(line);
  } else {
    await sweepOldSchemas().catch(() => undefined);
    pg = mocha('postgres');
    results.push(`PostgreSQL: ${pg === 0 ? 'passed' : 'FAILED'}`);
  }
  console.log(`\n=== ${results.join('; ')} ===`);
  process.exit(sqlite || pg ? 1 : 0);
}

void main();
