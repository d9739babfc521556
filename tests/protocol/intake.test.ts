import assert from 'node:assert/strict';
import { startBot, type TestBot } from '../support/bot';
import { actionsOf, cardsOf, checkCard, textOf } from '../support/cards';
import { activityOf } from '../support/connector';
import { ManualClock } from '../support/clock';
import { TEST_CHILD, TEST_PNR, reportInput, submitReport } from '../support/report';
import { as, type TestUser } from '../support/users';
import { REPORTS_CHANNEL, TEAM, intakeReady } from '../support/intake';

/** Press a button on the report's channel card as a member of the channel would. */
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

/** What reached the teacher's own 1:1 chat since the last look. */
function toTeacher(bot: TestBot): string[] {
  return bot.connector
    .take()
    .filter((c) => c.method === 'POST' && c.conversationId.startsWith(bot.personalConversation(as.teacher)))
    .flatMap((c) => cardsOf(activityOf(c)).map(checkCard))
    .map(textOf);
}

describe('intake triage and the permitted feedback', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await intakeReady(bot);
  });
  afterEach(async () => bot.destroy());

  async function reported(feedbackWanted = true, jointMeeting = false): Promise<string> {
    const { reference } = await submitReport(bot, as.teacher, reportInput({ wishes: { feedbackWanted, jointMeeting } }));
    await bot.deliver();
    bot.connector.take();
    return reference;
  }

  it('runs the full loop: taken, decided "opened", and the teacher gets exactly the permitted messages', async () => {
    const reference = await reported(true);
    const taken = await press(bot, as.intake, reference, 'intake.take', { phone: '0123-456 01' });
    assert.ok(taken.card, taken.message);
    assert.match(textOf(taken.card), /Ingrid Mottagning, 0123-456 01/);
    assert.ok(
      taken.calls.some((c) => c.method === 'PUT'),
      'the card is updated in place for everyone',
    );
    await bot.deliver();
    const [received, ...rest1] = toTeacher(bot);
    assert.equal(rest1.length, 0);
    assert.match(received!, /har tagit emot anmälan\. Din kontaktperson är Ingrid Mottagning, telefon 0123-456 01/);

    const protection = await press(bot, as.intake, reference, 'intake.protection', { immediate: 'no' });
    assert.match(textOf(protection.card), /inget omedelbart skydd/);
    await bot.deliver();
    assert.deepEqual(toTeacher(bot), [], 'the protection assessment is not told to the reporter');

    const decided = await press(bot, as.intake, reference, 'intake.decision', { outcome: 'opened', date: '2026-03-02' });
    const card = textOf(decided.card);
    assert.match(card, /Utredning inleds/);
    assert.match(card, /Historik/);
    assert.match(card, /Ingrid Mottagning tog ärendet/);
    assert.match(card, /Ingrid Mottagning: utredning inleds; återkoppling skickad/);
    assert.match(card, /✔ Beslut inom 14 dagar/);
    await bot.deliver();
    const messages = toTeacher(bot);
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /Socialtjänsten har beslutat att inleda en utredning\./);
    assert.match(messages[0]!, /19 kap\. 6 §/);
    assert.match(messages[0]!, /sekretess/);
    for (const secret of [TEST_CHILD, 'Elin', TEST_PNR]) assert.ok(!messages[0]!.includes(secret), 'the child stays with intake');
    bot.connector.assertNothingElseSent();
  });

  it('sends no decision message to a reporter who did not ask, unless intake chooses to', async () => {
    const reference = await reported(false);
    await press(bot, as.intake, reference, 'intake.take', { phone: '0123-456 01' });
    await press(bot, as.intake, reference, 'intake.decision', { outcome: 'notOpened', date: '2026-03-02' });
    await bot.deliver();
    const messages = toTeacher(bot);
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /tagit emot/);

    const second = await reported(false);
    await press(bot, as.intake, second, 'intake.decision', { outcome: 'alreadyOngoing', date: '2026-03-02', sendUnasked: 'true' });
    await bot.deliver();
    const chosen = toTeacher(bot);
    assert.equal(chosen.length, 1);
    assert.match(chosen[0]!, /En utredning om barnet pågår redan\./);
  });

  it('blocks the decision message when intake marks feedback inappropriate, and keeps the reason inside', async () => {
    const reference = await reported(true);
    const reason = 'Vårdnadshavaren arbetar på skolan';
    const marked = await press(bot, as.intake, reference, 'intake.inappropriate', { reason });
    assert.match(textOf(marked.card), /olämplig – ingen återkoppling om beslutet/);
    assert.ok(!JSON.stringify(marked.card).includes(reason), 'the reason is not on the card');
    await press(bot, as.intake, reference, 'intake.decision', { outcome: 'opened', date: '2026-03-02' });
    await bot.deliver();
    assert.deepEqual(toTeacher(bot), []);
    const note = await bot.services.store.db.selectFrom('intake_notes').selectAll().executeTakeFirstOrThrow();
    assert.ok(note.sealed && !note.sealed.includes('Vårdnadshavaren'), 'the reason is stored sealed');
  });

  it('tells the reporter that a joint meeting is offered', async () => {
    const reference = await reported(true, true);
    await press(bot, as.intake, reference, 'intake.meeting');
    await bot.deliver();
    const [message] = toTeacher(bot);
    assert.match(message!, /erbjuder ett anmälningsmöte/);
    assert.match(message!, /19 kap\. 5 §/);
  });

  it('refuses every action to someone outside the intake team: nothing changes, each refusal audited', async () => {
    const reference = await reported(true);
    const before = await bot.services.reports.byReference(reference);
    const actions: Array<[string, Record<string, unknown>]> = [
      ['intake.take', { phone: '0123-456 77' }],
      ['intake.protection', { immediate: 'yes' }],
      ['intake.decision', { outcome: 'opened', date: '2026-03-02' }],
      ['intake.inappropriate', { reason: 'x' }],
      ['intake.meeting', {}],
    ];
    for (const [verb, data] of actions) {
      const res = await press(bot, as.stranger, reference, verb, data);
      assert.equal(res.card, undefined, `${verb} replaced the card`);
      assert.match(res.message!, /inte behörighet/);
      assert.ok(!res.calls.some((c) => c.method === 'PUT'), `${verb} updated the card`);
    }
    const after = await bot.services.reports.byReference(reference);
    assert.deepEqual(after, before);
    await bot.deliver();
    assert.deepEqual(toTeacher(bot), []);
    const refused = (await bot.services.store.audit.forSubject(reference)).filter((a) => a.outcome === 'refused');
    assert.deepEqual(
      refused.map((a) => a.action),
      actions.map(([verb]) => verb),
    );
    assert.ok(refused.every((a) => a.actor === as.stranger.aadObjectId));
  });

  it('lets one of two members pressing "Ta ärendet" at once win, and tells the other who has it', async () => {
    const reference = await reported(true);
    const [a, b] = await Promise.all([
      press(bot, as.intake, reference, 'intake.take', { phone: '0123-456 01' }),
      press(bot, as.intake2, reference, 'intake.take', { phone: '0123-456 02' }),
    ]);
    const winner = a.card ? a : b;
    const loser = a.card ? b : a;
    assert.ok(winner.card && !loser.card);
    const report = await bot.services.reports.byReference(reference);
    assert.match(loser.message!, new RegExp(`${report!.handlerName} har redan tagit ärendet`));
    await bot.deliver();
    assert.equal(toTeacher(bot).length, 1, 'the reporter hears of one handler');
  });

  it('never takes a case without the phone the handler gives: an earlier one is prefilled in the take form, not used unseen (issue 22 §4)', async () => {
    const first = await reported(true);
    await press(bot, as.intake, first, 'intake.take', { phone: '0123-456 01' });
    const second = await reported(true);
    const noPhone = await press(bot, as.intake, second, 'intake.take', {});
    assert.match(noPhone.message!, /Fyll i ditt telefonnummer/);
    assert.equal((await bot.services.reports.byReference(second))!.handlerAad, undefined, 'not taken');
  });

  it('keeps an audit chain that verifies, and fails after one row is altered in the database', async () => {
    const reference = await reported(true);
    await press(bot, as.intake, reference, 'intake.take', { phone: '0123-456 01' });
    await press(bot, as.stranger, reference, 'intake.meeting');
    await bot.taskFetch(
      as.intake,
      { verb: 'report.open', reference },
      {
        conversation: { conversationType: 'channel', id: `${REPORTS_CHANNEL};messageid=x` },
        channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
      },
    );
    const ok = await bot.services.store.audit.verify();
    assert.deepEqual(ok, { ok: true, entries: 4 });
    await bot.services.store.db.updateTable('audit').set({ actor: as.intake2.aadObjectId }).where('seq', '=', 2).execute();
    assert.deepEqual(await bot.services.store.audit.verify(), { ok: false, brokenAt: 2 });
  });

  it('alerts the thread when a report is not acknowledged within two working hours, and when the decision is overdue', async () => {
    bot.clock.set('2026-03-06T15:00:00+01:00'); // Friday afternoon: office closes 16:30
    const reference = await reported(true);
    const report = await bot.services.reports.byReference(reference);
    const thread = report!.channelConversationId!;
    const alerts = () =>
      bot.connector.calls.filter((c) => c.method === 'POST' && c.conversationId === thread).map((c) => textOf(activityOf(c)));
    bot.clock.set('2026-03-06T16:29:00+01:00');
    await bot.services.intake.checkClocks();
    await bot.deliver();
    assert.deepEqual(alerts(), [], 'not yet: 1.5 working hours have passed');
    bot.clock.set('2026-03-09T08:31:00+01:00'); // Monday: two working hours reached at 08:30
    await bot.services.intake.checkClocks();
    await bot.deliver();
    await bot.services.intake.checkClocks();
    await bot.deliver();
    assert.equal(alerts().length, 1);
    assert.match(alerts()[0]!, new RegExp(`${reference} är inte bekräftad som mottagen`));
    await press(bot, as.intake, reference, 'intake.take', { phone: '0123-456 01' });
    bot.clock.set('2026-03-20T23:50:00+01:00'); // the 14th day after arrival, not yet over
    await bot.services.intake.checkClocks();
    await bot.deliver();
    assert.equal(alerts().length, 1, '14 calendar days: the whole of 20 March is still on time');
    bot.clock.set('2026-03-21T00:01:00+01:00');
    await bot.services.intake.checkClocks();
    await bot.deliver();
    assert.equal(alerts().length, 2);
    assert.match(alerts()[1]!, /Beslut om utredning för .* skulle ha fattats senast/);
    const card = await bot.execute(
      as.intake,
      'intake.protection',
      { reference, immediate: 'no' },
      {
        conversation: { conversationType: 'channel', id: thread },
        channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
        replyToId: report!.channelActivityId!,
      },
    );
    assert.match(textOf(card.card), /⚠ Beslut inom 14 dagar \(20 kap\. 2 §\): FÖRSENAD/);
  });

  it('lists the reporter\'s own reports in "Mina anmälningar", and feedback asked for later is sent at once', async () => {
    const reference = await reported(false);
    await press(bot, as.intake, reference, 'intake.take', { phone: '0123-456 01' });
    await press(bot, as.intake, reference, 'intake.decision', { outcome: 'opened', date: '2026-03-02' });
    await bot.deliver();
    bot.connector.take();
    const list = await bot.execute(as.teacher, 'reports.mine', { page: 0 });
    assert.match(textOf(list.card), new RegExp(`${reference}`));
    assert.match(textOf(list.card), /Mottagen av Ingrid Mottagning/);
    assert.doesNotMatch(textOf(list.card), /Utredning inleds|inleda en utredning/, 'no decision shown that was not given');
    const ask = actionsOf(list.card).find((a) => a.verb === 'reports.requestFeedback');
    assert.ok(ask);
    const after = await bot.execute(as.teacher, 'reports.requestFeedback', ask.data);
    assert.match(textOf(after.card), /beslutat att inleda en utredning/);
    await bot.deliver();
    const messages = toTeacher(bot);
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /inleda en utredning/);
    const other = await bot.execute(as.otherTeacher, 'reports.mine', { page: 0 });
    assert.match(textOf(other.card), /inte gjort några anmälningar/);
  });

  it('pages "Mina anmälningar", newest first', async () => {
    for (let i = 0; i < 7; i++) {
      await submitReport(bot, as.teacher);
      bot.clock.advance(60_000);
    }
    const first = await bot.execute(as.teacher, 'reports.mine', { page: 0 });
    assert.match(textOf(first.card), /VÄ-2026-00007/);
    assert.doesNotMatch(textOf(first.card), /VÄ-2026-00001/);
    const more = actionsOf(first.card).find((a) => a.verb === 'reports.mine' && a.data?.page === 1);
    const second = await bot.execute(as.teacher, 'reports.mine', more!.data);
    assert.match(textOf(second.card), /VÄ-2026-00001/);
  });
});
