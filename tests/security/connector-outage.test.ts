import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log';
import { SendFailure, makeOutbox, type OutboxMessage, type Sender, type Target } from '../../src/services/outbox';
import { openStore, type Store } from '../../src/services/store';
import { TEST_AUDIT_KEYS } from '../support/audit';
import { ManualClock } from '../support/clock';
import { LogCapture } from '../support/logs';

/**
 * The Bot Connector down for minutes, in every way it fails: connections that hang without an
 * answer, 429 with Retry-After, 500 and 503. Afterwards everything is delivered, each message
 * once, and a hung connection never stalls the rest of the outbox.
 */
describe('the connector failing for minutes: everything is delivered afterwards', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'varna-outage-'));
    store = await openStore(`sqlite:${join(dir, 'varna.db')}`);
    store.audit.useKeys(TEST_AUDIT_KEYS);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  type Mode = 'hang' | '429' | '500' | '503' | 'ok';

  /** The Connector as the outbox sees it: answers per the current mode. */
  function connector() {
    const delivered: string[] = [];
    const held: Array<() => void> = [];
    let mode: Mode = 'ok';
    const sender: Sender = {
      conversationOf: (t: Target) => JSON.stringify(t),
      async send(_t: Target, m: OutboxMessage) {
        if (mode === 'hang') return new Promise((_, reject) => held.push(() => reject(new Error('socket hang up'))));
        if (mode === '429') throw new SendFailure(429, 2_000, false, 'throttled');
        if (mode === '500' || mode === '503') throw new SendFailure(Number(mode), undefined, false, 'server error');
        delivered.push(String(m.id));
        return { activityId: `a-${String(m.id)}` };
      },
    };
    return {
      sender,
      delivered,
      set: (m: Mode) => (mode = m),
      /** The hung connections finally drop. */
      drop: () => held.splice(0).forEach((f) => f()),
    };
  }

  it('does not stall on hung connections, rides out 429/500/503, then delivers each message once', async function () {
    this.timeout(20_000);
    const clock = new ManualClock('2026-03-02T09:00:00+01:00');
    const outbox = makeOutbox({ store, clock, log: createLogger('debug', new LogCapture()), random: () => 0.5, sendTimeoutMs: 100 });
    const c = connector();
    outbox.setSender(c.sender);
    for (let i = 1; i <= 6; i++) {
      await store.transaction((trx) =>
        outbox.enqueue(
          trx,
          { dedupeKey: `m${i}`, target: { kind: 'channel', unitId: `u${i}`, channel: 'reports' }, message: { kind: 'test', id: `m${i}` } },
          clock.now(),
        ),
      );
    }

    // Minutes of trouble, a different failure each time the outbox tries.
    for (const mode of ['hang', '429', '500', 'hang', '503', '429'] as Mode[]) {
      c.set(mode);
      const started = Date.now();
      assert.equal(await outbox.drain(), 0);
      assert.ok(Date.now() - started < 5_000, `a ${mode} did not stall the outbox`);
      clock.advanceMinutes(2);
    }
    c.drop(); // connections that hung now fail; their results must not count as sent

    c.set('ok');
    for (let i = 0; i < 10 && c.delivered.length < 6; i++) {
      await outbox.drain();
      clock.advanceMinutes(5);
    }
    assert.deepEqual([...c.delivered].sort(), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    const rows = await store.db.selectFrom('outbox').select(['status', 'attempts']).execute();
    assert.ok(rows.every((r) => r.status === 'sent'));
    assert.ok(
      rows.every((r) => r.attempts >= 6),
      'every failure counted as an attempt',
    );
    await outbox.drain();
    assert.equal(c.delivered.length, 6, 'nothing is sent twice');
  });
});
