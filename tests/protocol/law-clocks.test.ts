import assert from 'node:assert/strict';
import { startBot, type TestBot } from '../support/bot';
import { inputsOf, textOf } from '../support/cards';
import { ManualClock } from '../support/clock';
import { submitReport } from '../support/report';
import { as, type TestUser } from '../support/users';
import { REPORTS_CHANNEL, TEAM, channelCards, intakeReady } from '../support/intake';

/** Press a button on the report's channel card as a member of the intake team would. */
async function press(bot: TestBot, user: TestUser, reference: string, verb: string, data: Record<string, unknown> = {}) {
  const report = await bot.services.reports.byReference(reference);
  assert.ok(report?.channelActivityId, 'the card is in the channel');
  return bot.execute(
    user,
    verb,
    { reference, ...data },
    {
      conversation: {
        conversationType: 'channel',
        tenantId: 'e0e0e0e0-1111-4222-8333-444455556666',
        id: report.channelConversationId,
        isGroup: true,
      },
      channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
      replyToId: report.channelActivityId,
    },
  );
}

/**
 * The law's clocks as intake and the reporter see them (issue 21, items 9–11): the protection
 * assessment in calendar days (SoL (2025:400) 20 kap. 1 §, prop. 2012/13:10 s. 60), the feedback
 * week from the decision date (19 kap. 6 §), and decision dates in Stockholm time.
 */
describe("the law's clocks over the protocol", () => {
  let bot: TestBot;
  afterEach(async () => bot?.destroy());

  async function reportAt(at: string): Promise<string> {
    bot = await startBot({ clock: new ManualClock(at) });
    await intakeReady(bot);
    const { reference } = await submitReport(bot, as.teacher);
    await bot.deliver();
    return reference;
  }

  it("a report sent on a Friday evening: the receipt says it is read on the next working day and gives socialjouren's number; the assessment is due on Saturday and overdue on Monday", async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-06T20:00:00+01:00') });
    await intakeReady(bot);
    const { reference, receipt } = await submitReport(bot, as.teacher);
    assert.match(
      textOf(receipt),
      /Anmälan kom in utanför mottagningens kontorstid och läses nästa arbetsdag – kan det inte vänta, ring socialjouren, 0123-456 99\./,
    );
    await bot.deliver();
    assert.match(textOf(channelCards(bot)[0]), /Skyddsbedömning \(20 kap\. 1 §\): senast 7 mars 2026 23:59/, 'Saturday, not Monday');
    bot.clock.set('2026-03-09T08:05:00+01:00');
    const taken = await press(bot, as.intake, reference, 'intake.take', { phone: '0123-456 01' });
    assert.match(textOf(taken.card), /⚠ Skyddsbedömning \(20 kap\. 1 §\): FÖRSENAD – skulle vara klar 7 mars 2026 23:59/);
    const assessed = await press(bot, as.intake, reference, 'intake.protection', { immediate: 'no' });
    assert.match(
      textOf(assessed.card),
      /⚠ Skyddsbedömning \(20 kap\. 1 §\): klar 9 mars 2026 08:05 – EFTER fristen 7 mars 2026 23:59/,
      'done, and late',
    );
  });

  it('a report sent in office hours: no socialjouren line, assessment due the same day', async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-06T10:00:00+01:00') });
    await intakeReady(bot);
    const { receipt } = await submitReport(bot, as.teacher);
    assert.doesNotMatch(textOf(receipt), /socialjouren/);
    await bot.deliver();
    assert.match(textOf(channelCards(bot)[0]), /Skyddsbedömning \(20 kap\. 1 §\): senast 6 mars 2026 23:59/);
  });

  it('counts the feedback week from the decision date intake enters: a decision entered late does not look on time', async () => {
    const reference = await reportAt('2026-03-02T09:00:00+01:00');
    await press(bot, as.intake, reference, 'intake.take', { phone: '0123-456 01' });
    bot.clock.set('2026-03-13T10:00:00+01:00');
    const decided = await press(bot, as.intake, reference, 'intake.decision', { outcome: 'opened', date: '2026-03-02' });
    const card = textOf(decided.card);
    assert.match(card, /✔ Beslut inom 14 dagar \(20 kap\. 2 §\): klar 2 mars 2026/, 'the decision itself was on time: judged by its date');
    assert.match(card, /⚠ Återkoppling inom en vecka \(19 kap\. 6 §\): klar 13 mars 2026 10:00 – EFTER fristen 9 mars 2026 23:59/);
  });

  it('judges the decision clock by the decision date: dated after day 14, it is late however it was entered', async () => {
    const reference = await reportAt('2026-03-02T09:00:00+01:00');
    bot.clock.set('2026-03-18T10:00:00+01:00');
    const decided = await press(bot, as.intake, reference, 'intake.decision', { outcome: 'notOpened', date: '2026-03-17' });
    assert.match(textOf(decided.card), /⚠ Beslut inom 14 dagar \(20 kap\. 2 §\): klar 17 mars 2026 – EFTER fristen 16 mars 2026 23:59/);
  });

  it('refuses a decision dated before the report arrived', async () => {
    const reference = await reportAt('2026-03-02T09:00:00+01:00');
    const res = await press(bot, as.intake, reference, 'intake.decision', { outcome: 'opened', date: '2026-03-01' });
    assert.match(res.message!, /Beslutsdatumet ligger före dagen då anmälan kom in/);
    assert.equal((await bot.services.reports.byReference(reference))!.decision, undefined);
  });

  for (const [season, reportedAt, at, today, tomorrow] of [
    ['winter', '2026-03-02T09:00:00+01:00', '2026-03-03T00:30:00+01:00', '2026-03-03', '2026-03-04'],
    ['winter', '2026-03-02T09:00:00+01:00', '2026-03-03T23:30:00+01:00', '2026-03-03', '2026-03-04'],
    ['summer', '2026-06-01T09:00:00+02:00', '2026-06-02T00:30:00+02:00', '2026-06-02', '2026-06-03'],
    ['summer', '2026-06-01T09:00:00+02:00', '2026-06-02T23:30:00+02:00', '2026-06-02', '2026-06-03'],
  ] as const) {
    it(`at ${at.slice(11, 16)} Stockholm time in ${season}: the card offers today's Stockholm date, the decision dated today is recorded, tomorrow is refused`, async () => {
      const reference = await reportAt(reportedAt);
      bot.clock.set(at);
      const card = (await press(bot, as.intake, reference, 'intake.take', { phone: '0123-456 01' })).card;
      const date = inputsOf(card).find((i) => i.id === 'date')!;
      assert.equal(date.value, today);
      assert.equal(date.max, today);
      const future = await press(bot, as.intake, reference, 'intake.decision', { outcome: 'opened', date: tomorrow });
      assert.match(future.message!, /Beslutsdatumet ligger i framtiden/);
      const decided = await press(bot, as.intake, reference, 'intake.decision', { outcome: 'opened', date: today });
      assert.ok(decided.card, decided.message);
      assert.match(textOf(decided.card), /Utredning inleds/);
      const stored = await bot.services.reports.byReference(reference);
      assert.equal(stored!.decisionDate, today);
    });
  }
});
