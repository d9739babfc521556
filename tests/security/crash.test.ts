import assert from 'node:assert/strict';
import { assertNoProblems, crashTest } from '../support/crash';
import { testStoreKind } from '../support/store';

/**
 * The crash test in every `npm test`, smaller than `npm run crash` (200 kills): Värna as a child
 * process on a SQLite file, killed with SIGKILL at random moments while a teacher submits reports
 * and intake takes them, assesses and decides from the channel card; restarted each time.
 */
describe('SIGKILL during report submission and intake actions', () => {
  it('loses no receipt or answer seen, stores nothing twice or half, and puts each card in the channel exactly once @slow', async function () {
    // The child runs on its own SQLite file whatever the suite's store; once per `npm test` is enough.
    if (testStoreKind !== 'sqlite') this.skip();
    this.timeout(240_000);
    const result = await crashTest({ kills: 6, checkDelivery: true });
    assertNoProblems(result);
    assert.ok(result.receiptsSeen > 0 && result.actionsSeen > 0, `too little happened: ${JSON.stringify(result)}`);
    assert.equal(result.channelPosts, result.reportsStored, 'each stored report once in the channel');
  });
});
