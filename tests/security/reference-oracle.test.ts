import assert from 'node:assert/strict';
import { startBot, type TestBot } from '../support/bot';
import { ManualClock } from '../support/clock';
import { TEAM, channelConversation } from '../support/intake';
import { submitReport } from '../support/report';
import { TENANT, as } from '../support/users';

/**
 * A non-member must not learn whether a reference exists ("finns inte" against "inte behörighet"),
 * and with it how many reports the municipality has: membership is asked before the lookup, and a
 * reference that does not exist is refused exactly like one that is not theirs.
 */
describe('references: a non-member cannot tell which exist', () => {
  let bot: TestBot;
  let reference: string;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await bot.installTeam(TEAM, as.intake);
    bot.connector.rosters.set(TEAM, new Set([as.intake.aadObjectId]));
    ({ reference } = await submitReport(bot, as.teacher));
    await bot.deliver();
  });
  afterEach(async () => bot.destroy());

  const missing = 'VÄ-2026-00417';

  it('answers the full-report dialog the same for an existing and a made-up reference, and audits both', async () => {
    const existing = await bot.taskFetch(as.stranger, { verb: 'report.open', reference }, channelConversation());
    const madeUp = await bot.taskFetch(as.stranger, { verb: 'report.open', reference: missing }, channelConversation());
    const garbage = await bot.taskFetch(as.stranger, { verb: 'report.open', reference: 'nonsense <b>' }, channelConversation());
    assert.equal(existing.status, 200);
    assert.deepEqual(madeUp, existing, 'the same answer');
    assert.deepEqual(garbage, existing, 'the same answer');
    assert.match(JSON.stringify(existing.body), /behörighet/);
    for (const subject of [reference, missing, 'invalid-reference']) {
      const audit = await bot.services.store.audit.forSubject(subject);
      assert.deepEqual(
        audit.filter((a) => a.action === 'report.view').map((a) => [a.actor, a.outcome]),
        [[as.stranger.aadObjectId, 'refused']],
        subject,
      );
    }
  });

  it('answers an intake action the same for an existing and a made-up reference', async () => {
    const existing = await bot.execute(as.stranger, 'intake.take', { reference, phone: '0123-456 00' }, channelConversation());
    const madeUp = await bot.execute(as.stranger, 'intake.take', { reference: missing, phone: '0123-456 00' }, channelConversation());
    assert.equal(existing.message, madeUp.message);
    assert.match(existing.message ?? '', /behörighet/);
    assert.equal((await bot.services.reports.byReference(reference))?.handlerAad, undefined, 'nothing changed');
    assert.equal(
      (await bot.services.store.audit.forSubject(missing)).filter((a) => a.action === 'intake.take' && a.outcome === 'refused').length,
      1,
    );
  });

  it('still opens the report for a member of the receiving team', async () => {
    const opened = await bot.taskFetch(as.intake, { verb: 'report.open', reference }, channelConversation());
    assert.equal(opened.body?.task?.type, 'continue');
  });
});
