import assert from 'node:assert/strict';
import { createLogger } from '../../src/log';
import { makeJobs } from '../../src/services/jobs';
import { openStore, type Store } from '../../src/services/store';
import { ManualClock } from '../support/clock';
import { LogCapture } from '../support/logs';
import { createTestStore, type TestStore } from '../support/store';

describe('scheduled jobs', () => {
  let store: Store;
  let place: TestStore;
  const clock = new ManualClock('2026-08-10T08:00:00+02:00');
  const log = createLogger('info', new LogCapture());
  beforeEach(async () => {
    place = await createTestStore();
    store = await openStore(place.url);
    clock.set('2026-08-10T08:00:00+02:00');
  });
  afterEach(async () => {
    await store.close();
    await place.drop();
  });

  it('runs a cron job at its due time, in Stockholm time, once', async () => {
    const jobs = makeJobs({ store, clock, log });
    const runs: string[] = [];
    jobs.cron('weekly', '0 8 * * mon', async (due) => void runs.push(due.toISOString()));
    await jobs.runDue();
    assert.deepEqual(runs, [], 'nothing before the job existed is missed');
    clock.set('2026-08-17T08:00:30+02:00');
    await jobs.runDue();
    await jobs.runDue();
    assert.deepEqual(runs, ['2026-08-17T06:00:00.000Z']);
  });

  it('catches up each run missed while down, once each, also after a restart', async () => {
    let jobs = makeJobs({ store, clock, log });
    const runs: string[] = [];
    jobs.cron('weekly', '0 8 * * mon', async (due) => void runs.push(due.toISOString().slice(0, 10)));
    await jobs.runDue();
    clock.set('2026-09-02T12:00:00+02:00'); // three Mondays later
    jobs = makeJobs({ store, clock, log });
    jobs.cron('weekly', '0 8 * * mon', async (due) => void runs.push(due.toISOString().slice(0, 10)));
    await jobs.runDue();
    await jobs.runDue();
    assert.deepEqual(runs, ['2026-08-17', '2026-08-24', '2026-08-31']);
  });

  it('runs only the latest missed run of a job that asks for it, and logs the ones left out', async () => {
    const capture = new LogCapture();
    let jobs = makeJobs({ store, clock, log: createLogger('info', capture) });
    const runs: string[] = [];
    const handler = async (due: Date) => void runs.push(due.toISOString().slice(0, 10));
    jobs.cron('monthly', '0 7 1 * *', handler, { missed: 'latest' });
    await jobs.runDue();
    clock.set('2029-09-15T12:00:00+02:00'); // three years down
    jobs = makeJobs({ store, clock, log: createLogger('info', capture) });
    jobs.cron('monthly', '0 7 1 * *', handler, { missed: 'latest' });
    await jobs.runDue();
    await jobs.runDue();
    assert.deepEqual(runs, ['2029-09-01']);
    const skipped = capture.events().filter((e) => e.event === 'job.skipped');
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0]!.runs, 36, 'Sep 2026 to Aug 2029');
    assert.equal(String(skipped[0]!.from).slice(0, 10), '2026-09-01');
    assert.equal(String(skipped[0]!.to).slice(0, 10), '2029-08-01');
  });

  it('retries a run whose handler failed, and does not skip it', async () => {
    const jobs = makeJobs({ store, clock, log });
    let fail = true;
    const runs: string[] = [];
    jobs.cron('daily', '0 7 * * *', async (due) => {
      if (fail) throw new Error('connector down');
      runs.push(due.toISOString().slice(0, 10));
    });
    await jobs.runDue();
    clock.set('2026-08-11T09:00:00+02:00');
    await jobs.runDue();
    assert.deepEqual(runs, []);
    fail = false;
    await jobs.runDue();
    assert.deepEqual(runs, ['2026-08-11']);
  });

  it('collapses missed housekeeping periods into one run', async () => {
    const jobs = makeJobs({ store, clock, log });
    let n = 0;
    jobs.every('purge', 60 * 60_000, async () => void n++);
    await jobs.runDue();
    clock.advance(5 * 60 * 60_000);
    await jobs.runDue();
    assert.equal(n, 1);
  });
});
