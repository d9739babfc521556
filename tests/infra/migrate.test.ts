import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { migrations } from '../../src/services/store/migrations';
import { NewerDatabaseError, openStore } from '../../src/services/store';
import { createTestStore, testStoreKind, type TestStore } from '../support/store';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run migrate` as the Azure job runs it: the production environment, no credentials, no keys. */
function migrate(url: string, extra: NodeJS.ProcessEnv = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NODE_ENV: 'production', VARNA_STORE_URL: url, ...extra };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'src/migrate.ts'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const events = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event?: string; ran?: number; applied?: number });

describe('the migration step of an upgrade (npm run migrate, the Azure migrate job)', function () {
  this.timeout(60_000);
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore();
  });
  afterEach(async () => store.drop());

  it("brings a new store to this version's schema without credentials or keys, and a second run finds nothing to do", async () => {
    const total = Object.keys(migrations).length;
    const first = await migrate(store.url);
    assert.equal(first.status, 0, first.stderr);
    const done = events(first.stdout).find((e) => e.event === 'migrate.done');
    assert.deepEqual({ ran: done?.ran, applied: done?.applied }, { ran: total, applied: total }, first.stdout);
    const again = await migrate(store.url);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(events(again.stdout).find((e) => e.event === 'migrate.done')?.ran, 0);
    // Värna then starts on the migrated store and finds nothing left to do either.
    const opened = await openStore(store.url);
    await opened.ping();
    await opened.close();
  });

  it('stops with exit code 1 and one line when the database cannot be reached, so the upgrade goes no further', async () => {
    const run = await migrate('postgres://varna@127.0.0.1:1/varna?sslmode=disable');
    assert.equal(run.status, 1);
    assert.match(run.stderr.trim(), /^Cannot migrate: .*ECONNREFUSED/);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  });

  it('says which setting is wrong, with exit code 2', async () => {
    const run = await migrate('mysql://localhost/varna');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /VARNA_STORE_URL: must start with sqlite: or postgres:\/\//);
  });

  it('an older version meeting a database a newer one migrated says so plainly (exit code 4) and changes nothing', async () => {
    const opened = await openStore(store.url);
    await sql`insert into kysely_migration (name, timestamp) values ('0999-from-the-future', '2027-01-01T00:00:00.000Z')`.execute(
      opened.db,
    );
    await opened.close();
    const plain =
      /the database was migrated by a newer Värna \(migration 0999-from-the-future\); start that version or restore the pre-upgrade backup/;
    // Värna at start, in the process (both stores) …
    await assert.rejects(
      openStore(store.url),
      (error: Error) => error instanceof NewerDatabaseError && plain.test(error.message) && !/corrupted/.test(error.message),
    );
    // … the migrate job …
    const run = await migrate(store.url);
    assert.equal(run.status, 4, run.stderr);
    assert.match(run.stderr.trim(), new RegExp(`^Cannot migrate: ${plain.source}`));
    assert.doesNotMatch(run.stdout + run.stderr, /corrupted migrations/);
    // … and the server, which exits before listening.
    const start = await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'src/index.ts'], {
        env: { PATH: process.env.PATH, VARNA_STORE_URL: store.url, PORT: '0', VARNA_QUEUE_SCHEMA: `${store.schema ?? 'pgboss'}_boss` },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    assert.equal(start.status, 4, start.stderr);
    assert.match(start.stderr, new RegExp(`Cannot start: ${plain.source}`));
    // Nothing was written: the row is still the only trace of the newer version.
    const again = await openStore(store.url).catch((e: unknown) => e);
    assert.ok(again instanceof NewerDatabaseError);
  });

  it('refuses a SQLite file that a running Värna holds, with exit code 3', async function () {
    if (testStoreKind !== 'sqlite') this.skip();
    const running = await openStore(store.url);
    try {
      const run = await migrate(store.url);
      assert.equal(run.status, 3, run.stderr);
      assert.match(run.stderr, /is in use by another Värna process/);
    } finally {
      await running.close();
    }
  });
});
