import assert from 'node:assert/strict';
import { createLogger } from '../../src/log';
import { makeOutbox, type OutboxMessage, type Sender, type Target } from '../../src/services/outbox';
import { openStore, type Store } from '../../src/services/store';
import { ManualClock } from '../support/clock';
import { LogCapture } from '../support/logs';
import { createTestStore, testStoreKind, type TestStore } from '../support/store';

/**
 * Every report card goes to the same intake channel, which Teams lets a bot post to 7 times a
 * second. A burst of reports must go out at that pace without costing a store write for every
 * message that has to wait its turn on every round.
 */
describe(`outbox pacing on ${testStoreKind}: one busy conversation`, () => {
  let place: TestStore;
  let store: Store;
  beforeEach(async () => {
    place = await createTestStore();
    store = await openStore(place.url);
  });
  afterEach(async () => {
    await store.close();
    await place.drop();
  });

  it('sends 7 a second to one channel and hands the waiting ones back in one statement, not one write each', async () => {
    const clock = new ManualClock('2026-03-02T09:00:00+01:00');
    const outbox = makeOutbox({ store, clock, log: createLogger('info', new LogCapture()), random: () => 0.5 });
    const sent: Array<{ id: string; at: number }> = [];
    const sender: Sender = {
      conversationOf: (t: Target) => JSON.stringify(t),
      async send(_t: Target, m: OutboxMessage) {
        sent.push({ id: String(m.id), at: clock.now().getTime() });
        return { activityId: `a-${String(m.id)}` };
      },
    };
    outbox.setSender(sender);
    for (let i = 0; i < 40; i++) {
      await store.transaction((trx) =>
        outbox.enqueue(
          trx,
          { dedupeKey: `r${i}`, target: { kind: 'channel', unitId: 'ifo', channel: 'reports' }, message: { kind: 'test', id: `r${i}` } },
          clock.now(),
        ),
      );
    }
    // Count the writes that hand rows back.
    const calls = { reschedule: 0, defer: 0 };
    const { reschedule, defer } = store.outbox;
    store.outbox.reschedule = async (...args) => (calls.reschedule++, reschedule(...args));
    store.outbox.defer = async (...args) => (calls.defer++, defer(...args));

    assert.equal(await outbox.drain(), 7, 'the first second: the channel takes 7');
    assert.deepEqual(calls, { reschedule: 0, defer: 1 }, 'the 33 waiting were handed back in one statement');
    const waiting = await store.db
      .selectFrom('outbox')
      .select(['next_attempt_at', 'locked_until', 'attempts'])
      .where('status', '=', 'pending')
      .execute();
    assert.equal(waiting.length, 33);
    assert.ok(
      waiting.every((r) => r.locked_until === null && r.attempts === 0),
      'handed back unclaimed, no attempt counted',
    );
    assert.ok(
      waiting.every((r) => new Date(r.next_attempt_at).getTime() > clock.now().getTime()),
      'due again once the channel has room',
    );
    const next = await outbox.nextAttemptAt();
    assert.ok(
      next && next.getTime() > clock.now().getTime() && next.getTime() <= clock.now().getTime() + 1_100,
      'the loop wakes when the channel has room (a second and the pacer margin), not before',
    );

    // Reports keep arriving while the channel is full: they wait without being claimed, and go
    // after the ones stored before them.
    const claims: number[] = [];
    const { claimDue } = store.outbox;
    store.outbox.claimDue = async (...args) => {
      const rows = await claimDue(...args);
      claims.push(rows.length);
      return rows;
    };
    for (let i = 40; i < 45; i++) {
      await store.transaction((trx) =>
        outbox.enqueue(
          trx,
          { dedupeKey: `r${i}`, target: { kind: 'channel', unitId: 'ifo', channel: 'reports' }, message: { kind: 'test', id: `r${i}` } },
          clock.now(),
        ),
      );
      await outbox.drain();
    }
    assert.deepEqual(claims, [0, 0, 0, 0, 0], 'nothing is claimed for a full channel');
    assert.equal(calls.defer, 1, 'and nothing is handed back');

    for (let round = 0; round < 20 && sent.length < 45; round++) {
      clock.advance(1_100);
      await outbox.drain();
    }
    assert.deepEqual(
      sent.map((s) => s.id),
      Array.from({ length: 45 }, (_, i) => `r${i}`),
      'each once, in the order stored',
    );
    for (const s of sent) assert.ok(sent.filter((o) => o.at > s.at - 1_000 && o.at <= s.at).length <= 7, 'never more than 7 in a second');
    assert.equal(calls.reschedule, 0, 'pacing never costs a write per message');
  });

  it("counts a send from Teams' answer, so a slow send cannot make the next window overlap Teams' own", async () => {
    const clock = new ManualClock('2026-03-02T09:00:00+01:00');
    const start = clock.now().getTime();
    const outbox = makeOutbox({ store, clock, log: createLogger('info', new LogCapture()), random: () => 0.5 });
    const sent: Array<{ id: string; left: number; answered: number }> = [];
    outbox.setSender({
      conversationOf: (t: Target) => JSON.stringify(t),
      async send(_t: Target, m: OutboxMessage) {
        // Each send is 100 ms on its way: Teams counts it somewhere within that time.
        const left = clock.now().getTime() - start;
        clock.advance(100);
        sent.push({ id: String(m.id), left, answered: clock.now().getTime() - start });
        return { activityId: `a-${String(m.id)}` };
      },
    });
    for (let i = 0; i < 8; i++) {
      await store.transaction((trx) =>
        outbox.enqueue(
          trx,
          { dedupeKey: `s${i}`, target: { kind: 'channel', unitId: 'ifo', channel: 'reports' }, message: { kind: 'test', id: `s${i}` } },
          clock.now(),
        ),
      );
    }
    assert.equal(await outbox.drain(), 7, 'the channel takes 7 in its second');
    assert.deepEqual(
      sent.map((s) => s.left),
      [0, 100, 200, 300, 400, 500, 600],
      'one after the other',
    );

    // A second and a bit after the first one left, but not yet a second (and the margin) after
    // Teams answered it: counted from when it left, the eighth would go now and could arrive
    // within Teams' second of the first.
    clock.set(new Date(start + 1_100));
    assert.equal(await outbox.drain(), 0, 'the eighth waits');
    const next = await outbox.nextAttemptAt();
    assert.equal(next!.getTime() - start, 100 + 1_020, 'it may go a second and 2 % after Teams answered the first');
    clock.set(next!);
    assert.equal(await outbox.drain(), 1);
    assert.equal(sent.length, 8);
    for (const s of sent) {
      const arrivedBefore = sent.filter((o) => o.left < s.left && o.answered > s.left - 1_000).length;
      assert.ok(arrivedBefore < 7, `at most 7 may have reached Teams in the second before ${s.id}`);
    }
  });
});
