import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/services/store';
import { updateProfile, userProfile } from '../../src/services/store/users';
import { TEST_AUDIT_KEYS } from '../support/audit';
import { createTestStore, testStoreKind, type TestStore } from '../support/store';

/** The same store behaviour on SQLite and PostgreSQL (`npm test` runs this file on both). */
describe(`the store on ${testStoreKind}`, () => {
  let store: Store;
  let place: TestStore;
  const now = new Date('2026-03-02T08:00:00Z');
  beforeEach(async () => {
    place = await createTestStore();
    store = await openStore(place.url);
    store.audit.useKeys(TEST_AUDIT_KEYS);
  });
  afterEach(async () => {
    await store.close();
    await place.drop();
  });

  it('runs the migrations once: a second open finds them applied', async () => {
    const again = await openStore(place.url).catch((e: Error) => e);
    // SQLite refuses a second opener (exclusive lock); PostgreSQL shares the migrated schema.
    if (testStoreKind === 'sqlite') assert.match(String(again), /in use by another Värna process/);
    else await (again as Store).close();
  });

  it("waits for another instance's migrations however long they take, yet limits every other statement (PostgreSQL)", async function () {
    if (testStoreKind !== 'postgres') this.skip();
    const { Client } = await import('pg');
    const saved = process.env.VARNA_PG_QUERY_TIMEOUT_MS;
    process.env.VARNA_PG_QUERY_TIMEOUT_MS = '300';
    // Another instance, starting at the same time, holds the migration lock for a second (as while
    // it fills a new table from a large database).
    const other = new Client({ connectionString: place.url });
    await other.connect();
    try {
      // Kysely's migration lock (one advisory lock for the database).
      await other.query('select pg_advisory_lock(3853314791062309107)');
      const opening = openStore(place.url);
      await new Promise((r) => setTimeout(r, 1000));
      await other.query('select pg_advisory_unlock(3853314791062309107)');
      const second = await opening;
      try {
        // The limit holds for everything else the store does.
        await assert.rejects(sql`select pg_sleep(1)`.execute(second.db), /timeout/i);
        assert.equal((await sql<{ one: number }>`select 1 as one`.execute(second.db)).rows[0]?.one, 1);
      } finally {
        await second.close();
      }
    } finally {
      if (saved === undefined) delete process.env.VARNA_PG_QUERY_TIMEOUT_MS;
      else process.env.VARNA_PG_QUERY_TIMEOUT_MS = saved;
      await other.end();
    }
  });

  it('migrates a database next to another Värna store (its own migration bookkeeping)', async () => {
    const other = await createTestStore();
    try {
      const second = await openStore(other.url);
      await second.kv.write('k', 'v', undefined, now);
      assert.equal((await second.kv.read(['k'])).get('k')?.value, 'v');
      assert.equal((await store.kv.read(['k'])).size, 0, 'the stores do not share rows');
      await second.close();
    } finally {
      await other.drop();
    }
  });

  it('keeps outbox messages single per dedupe key and counts them as numbers', async () => {
    await store.transaction(async (trx) => {
      await store.outbox.enqueue(trx, { dedupeKey: 'a', target: { kind: 'user', aadObjectId: 'x' }, message: { kind: 'k' } }, now);
      await store.outbox.enqueue(trx, { dedupeKey: 'a', target: { kind: 'user', aadObjectId: 'x' }, message: { kind: 'k' } }, now);
      await store.outbox.enqueue(trx, { dedupeKey: 'b', target: { kind: 'user', aadObjectId: 'y' }, message: { kind: 'k' } }, now);
    });
    assert.deepEqual(await store.outbox.counts(), [{ status: 'pending', n: 2 }]);
    const claimed = await store.outbox.claimDue(now, 10, 60_000);
    assert.equal(claimed.length, 2);
    assert.equal(typeof claimed[0]!.attempts, 'number');
    assert.deepEqual(await store.outbox.claimDue(now, 10, 60_000), [], 'a leased row is not claimed twice');
    const byKey = new Map(claimed.map((r) => [r.dedupe_key, r]));
    await store.outbox.markSent(byKey.get('a')!.id, { activityId: '1' }, now);
    await store.outbox.reschedule(byKey.get('b')!.id, new Date(now.getTime() + 5_000), '429', true);
    assert.deepEqual(await store.outbox.nextDueAt(), new Date(now.getTime() + 5_000));
    const row = await store.outbox.byDedupeKey('b');
    assert.equal(row?.attempts, 1);
    assert.equal(await store.outbox.markDeadlineAlerted(row!.id, now), true);
    assert.equal(await store.outbox.markDeadlineAlerted(row!.id, now), false);
    const counts = await store.outbox.counts();
    assert.deepEqual(
      counts.sort((a, b) => a.status.localeCompare(b.status)),
      [
        { status: 'pending', n: 1 },
        { status: 'sent', n: 1 },
      ],
    );
  });

  it('chains the audit log and detects an altered entry', async () => {
    for (let i = 0; i < 3; i++)
      await store.transaction((trx) =>
        store.audit.append(
          trx,
          { actor: 'a', action: 'report.view', subject: `r${i}`, outcome: 'allowed', detail: { n: i, ok: true } },
          now,
        ),
      );
    assert.deepEqual(await store.audit.verify(), { ok: true, entries: 3 });
    const row = (await store.audit.forSubject('r1'))[0]!;
    assert.equal(typeof row.seq, 'number');
    await store.db.updateTable('audit').set({ detail: '{}' }).where('seq', '=', row.seq).execute();
    assert.deepEqual(await store.audit.verify(), { ok: false, brokenAt: 2 });
  });

  it('appends to the audit chain from many transactions at once without failing any of them', async () => {
    // On PostgreSQL several transactions take the same next seq; all must still commit (a failed
    // audit insert would otherwise abort, say, a teacher's report submission).
    const results = await Promise.allSettled(
      Array.from({ length: 24 }, (_, i) =>
        store.transaction(async (trx) => {
          await trx
            .insertInto('counters')
            .values({ name: `c${i}`, value: i })
            .execute();
          await store.audit.append(trx, { actor: 'a', action: 'report.submitted', subject: `r${i}`, outcome: 'allowed' }, now);
        }),
      ),
    );
    assert.deepEqual(
      results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
      [],
    );
    assert.deepEqual(await store.audit.verify(), { ok: true, entries: 24 });
    assert.equal((await store.db.selectFrom('counters').select('name').execute()).length, 24, 'each transaction committed whole');
  });

  it('writes key-value state with optimistic concurrency', async () => {
    const etag = await store.kv.write('s', 'one', undefined, now);
    assert.equal(await store.kv.write('s', 'two', 'stale', now), 'conflict');
    const next = await store.kv.write('s', 'two', etag as string, now);
    assert.notEqual(next, 'conflict');
    assert.equal((await store.kv.read(['s'])).get('s')?.value, 'two');
  });

  it('upserts installations and users on conflict', async () => {
    const inst = {
      key: 'p:x',
      kind: 'personal' as const,
      aad_object_id: 'x',
      team_id: null,
      tenant_id: 't',
      service_url: 'u',
      conversation_id: 'c1',
      reference: '{}',
    };
    await store.installations.upsert(inst, now);
    await store.installations.upsert({ ...inst, conversation_id: 'c2' }, now);
    assert.deepEqual(
      (await store.installations.list()).map((r) => r.conversation_id),
      ['c2'],
    );
    await updateProfile(store.db, 'x', { locale: 'en' }, now);
    await updateProfile(store.db, 'x', { schoolId: 's1' }, now);
    const user = await userProfile(store.db, 'x');
    assert.equal(user?.locale, 'en');
    assert.equal(user?.schoolId, 's1');
  });
});
