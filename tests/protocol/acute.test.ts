import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackReport } from '../../src/services/stat-rollup';
import { startBot, type TestBot } from '../support/bot';
import { cardsOf, checkCard, inputsOf, textOf } from '../support/cards';
import { activityOf, type ConnectorCall } from '../support/connector';
import { ManualClock } from '../support/clock';
import { TEST_CHILD, TEST_PNR, reportInput, submitReport } from '../support/report';
import { as, TENANT, type TestUser } from '../support/users';
import { REPORTS_CHANNEL, TEAM, channelCards, intakeReady } from '../support/intake';

/** The intake unit's tag and on-call channel (issue 22 §3), on top of the example configuration. */
const TAG = { id: 'NTI4ZGJlM2YtMTVlMC00ZTM3LTg0YTEtMDBjYzMwNTg0N2RkIyN0YWc=', name: 'Mottagningen' };
const ON_CALL_CHANNEL = '19:exempel-ifo-jour@thread.tacv2';
function configWithOnCall(): string {
  const example = readFileSync('config/example.yaml', 'utf8');
  const marker = '    onCallPhone: "0123-456 99"\n';
  assert.ok(example.includes(marker));
  const extra = `    alertTag: { id: "${TAG.id}", name: "${TAG.name}" }\n    onCall: { channelId: "${ON_CALL_CHANNEL}" }\n`;
  const file = join(mkdtempSync(join(tmpdir(), 'varna-acute-')), 'config.yaml');
  writeFileSync(file, example.replace(marker, marker + extra));
  return file;
}

const onCard = (report: { channelConversationId: string | undefined; channelActivityId: string | undefined }) => ({
  conversation: { conversationType: 'channel', tenantId: TENANT, id: report.channelConversationId, isGroup: true },
  channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
  replyToId: report.channelActivityId!,
});

/** Press a button on the report's channel card. */
async function press(bot: TestBot, user: TestUser, reference: string, verb: string, data: Record<string, unknown> = {}) {
  const report = await bot.services.reports.byReference(reference);
  assert.ok(report?.channelActivityId, 'the card is in the channel');
  return bot.execute(user, verb, { reference, ...data }, onCard(report));
}

/** "Ta ärendet": opens the handler's own form in a dialog, as Teams does (task/fetch). */
async function openTakeForm(bot: TestBot, user: TestUser, reference: string): Promise<any> {
  const report = (await bot.services.reports.byReference(reference))!;
  const res = await bot.taskFetch(user, { verb: 'intake.takeForm', reference }, onCard(report));
  assert.equal(res.status, 200);
  assert.equal(res.body?.task?.type, 'continue', JSON.stringify(res.body));
  return checkCard(res.body.task.value.card.content);
}

/** The form's button, with what the handler typed (task/submit). */
async function submitTakeForm(bot: TestBot, user: TestUser, reference: string, phone: string): Promise<any> {
  const report = (await bot.services.reports.byReference(reference))!;
  const res = await bot.taskSubmit(user, { verb: 'intake.take', reference, phone }, onCard(report));
  assert.equal(res.status, 200);
  return res.body?.task;
}

/** Posts in the report's thread (replies to its card). */
function threadPosts(calls: ConnectorCall[], thread: string): any[] {
  return calls.filter((c) => c.method === 'POST' && c.conversationId === thread).flatMap((c) => cardsOf(activityOf(c)).map(checkCard));
}

describe('an acute report is treated as acute (issue 22 §3)', () => {
  let bot: TestBot;
  afterEach(async () => bot?.destroy());

  it('on a Sunday evening: "Genast" on the card, an alert in the thread that @mentions the intake tag, again every 15 minutes (also after a restart) until someone takes it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'varna-acute-data-'));
    bot = await startBot({ clock: new ManualClock('2026-03-08T19:40:00+01:00'), env: { VARNA_CONFIG: configWithOnCall() }, dataDir });
    await intakeReady(bot);
    await bot.services.jobs.runDue();
    const { reference, receipt } = await submitReport(bot, as.teacher, reportInput({ immediateDanger: 'yes' }));
    assert.match(
      textOf(receipt),
      /Ingen på mottagningen läser anmälan just nu: den kom in utanför kontorstid\. Barnet är i akut fara – ring socialjouren nu, 0123-456 99\./,
    );
    await bot.deliver();
    await bot.deliver();
    const card = textOf(channelCards(bot)[0]);
    assert.match(card, /⚠ Skyddsbedömning \(20 kap\. 1 §\): GENAST – akut anmälan/);
    assert.doesNotMatch(card, /Skyddsbedömning[^\n]*senast/, 'no computed deadline for an acute report');
    assert.match(card, /Inkom\n8 mars 2026 19:40 \(utanför kontorstid\)/);
    assert.equal(card.match(/22 mars 2026/g)?.length, 1, 'the decision deadline appears once');

    const report = (await bot.services.reports.byReference(reference))!;
    const thread = report.channelConversationId!;
    const first = threadPosts(bot.connector.calls, thread);
    assert.equal(first.length, 1, 'one alert in the thread');
    assert.match(textOf(first[0]), /<at>Mottagningen<\/at> AKUT: anmälan VÄ-2026-\d{5} gäller ett barn/);
    assert.deepEqual(first[0].msteams.entities, [
      { type: 'mention', text: '<at>Mottagningen</at>', mentioned: { id: TAG.id, name: TAG.name, type: 'tag' } },
    ]);
    // Outside office hours the on-call channel hears of it: triage facts only.
    const onCall = bot.connector.calls
      .filter((c) => c.method === 'POST' && c.body?.channelData?.channel?.id === ON_CALL_CHANNEL)
      .flatMap((c) => cardsOf(activityOf(c)).map(checkCard));
    assert.equal(onCall.length, 1);
    assert.match(textOf(onCall[0]), new RegExp(`AKUT orosanmälan ${reference} utanför kontorstid`));
    for (const secret of [TEST_CHILD, TEST_PNR, 'Testbarn']) assert.ok(!JSON.stringify(onCall[0]).includes(secret));

    const alertsAfter = async (minutes: number) => {
      bot.clock.advanceMinutes(minutes);
      bot.connector.take();
      await bot.services.jobs.runDue();
      await bot.deliver();
      return threadPosts(bot.connector.take(), thread);
    };
    assert.equal((await alertsAfter(14)).length, 0, 'not before 15 minutes');
    const second = await alertsAfter(1);
    assert.equal(second.length, 1, 'again after 15 minutes');
    assert.match(textOf(second[0]), /Påminnelse 1 – 15 minuter sedan anmälan kom in/);
    assert.equal(second[0].msteams.entities[0].mentioned.type, 'tag');

    await bot.restart();
    const third = await alertsAfter(15);
    assert.equal(third.length, 1, 'the repeat survives a restart');
    assert.match(textOf(third[0]), /Påminnelse 2/);

    const done = await submitTakeForm(bot, as.intake, reference, '0123-456 01');
    assert.equal(done.type, 'message');
    assert.match(String(done.value), /Du har tagit ärendet/);
    assert.equal((await alertsAfter(15)).length, 0, 'no alert once someone took it');
    assert.equal((await alertsAfter(60)).length, 0);
    assert.equal((await bot.services.reports.byReference(reference))!.acuteAlerts, 3);
  });

  it('stops after 24 hours, at most one alert per 15 minutes', async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-08T19:40:00+01:00'), env: { VARNA_CONFIG: configWithOnCall() } });
    await intakeReady(bot);
    await bot.services.jobs.runDue();
    const { reference } = await submitReport(bot, as.teacher, reportInput({ immediateDanger: 'yes' }));
    // The card, then the alert its sending queued in the same transaction.
    await bot.deliver();
    await bot.deliver();
    const count = async () => (await bot.services.reports.byReference(reference))!.acuteAlerts;
    // The job looks every minute; an alert goes at most every 15 minutes.
    for (let i = 0; i < 60; i++) {
      bot.clock.advanceMinutes(1);
      await bot.services.intake.checkAcute();
    }
    assert.equal(await count(), 5, 'the first and one each 15 minutes in the first hour');
    for (let i = 0; i < 26 * 4; i++) {
      bot.clock.advanceMinutes(15);
      await bot.services.intake.checkAcute();
    }
    assert.equal(await count(), 24 * 4, 'one every 15 minutes for 24 hours, then none');
  });

  it('in office hours: the ordinary receipt, no on-call alert, the thread alert all the same', async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-09T10:00:00+01:00'), env: { VARNA_CONFIG: configWithOnCall() } });
    await intakeReady(bot);
    const { reference, receipt } = await submitReport(bot, as.teacher, reportInput({ immediateDanger: 'yes' }));
    assert.doesNotMatch(textOf(receipt), /socialjouren/);
    await bot.deliver();
    await bot.deliver();
    assert.doesNotMatch(textOf(channelCards(bot)[0]), /utanför kontorstid/);
    const report = (await bot.services.reports.byReference(reference))!;
    assert.equal(threadPosts(bot.connector.calls, report.channelConversationId!).length, 1);
    assert.equal(bot.connector.calls.filter((c) => c.body?.channelData?.channel?.id === ON_CALL_CHANNEL).length, 0);
  });

  it("on purge the acute alerts in the thread and the on-call post are replaced too, with the rest of Värna's messages about the report (issue 21 §17)", async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-08T19:40:00+01:00'), env: { VARNA_CONFIG: configWithOnCall() } });
    await intakeReady(bot);
    const { reference } = await submitReport(bot, as.teacher, reportInput({ immediateDanger: 'yes' }));
    await bot.deliver();
    await bot.deliver();
    bot.clock.advanceMinutes(15);
    await bot.services.intake.checkAcute();
    await bot.deliver();
    const report = (await bot.services.reports.byReference(reference))!;
    const thread = report.channelConversationId!;
    const alerts = bot.connector.calls.filter((c) => c.method === 'POST' && c.conversationId === thread);
    assert.equal(alerts.length, 2, 'the first alert and one repeat');
    const onCallPosts = bot.connector.calls.filter((c) => c.method === 'POST' && c.body?.channelData?.channel?.id === ON_CALL_CHANNEL);
    assert.equal(onCallPosts.length, 1);

    await submitTakeForm(bot, as.intake, reference, '0123-456 01');
    await press(bot, as.intake, reference, 'intake.protection', { immediate: 'yes' });
    await press(bot, as.intake, reference, 'intake.decision', { outcome: 'opened', date: '2026-03-08' });
    await press(bot, as.intake, reference, 'intake.register');
    await bot.deliver();
    const recorded = await bot.services.store.db.selectFrom('report_messages').selectAll().where('report_id', '=', report.id).execute();
    const inThread = recorded.filter((m) => m.conversation_id === thread);
    assert.ok(inThread.length >= 2, 'the acute alerts in the thread are recorded');
    const onCall = recorded.filter((m) => m.conversation_id.startsWith(`${ON_CALL_CHANNEL};messageid=`));
    assert.equal(onCall.length, 1, 'the on-call post is recorded, in its own thread');
    assert.deepEqual(JSON.parse(onCall[0]!.target), {
      kind: 'thread',
      unitId: report.intakeUnitId,
      conversationId: onCall[0]!.conversation_id,
    });

    bot.connector.take();
    bot.clock.set(new Date(new Date('2026-03-08T19:40:00+01:00').getTime() + 91 * 24 * 60 * 60 * 1000));
    const result = await bot.services.retention.purge();
    assert.equal(result.reports, 1);
    await bot.deliver();
    const updates = bot.connector.take().filter((c) => c.method === 'PUT');
    const want = [...recorded.map((m) => `${m.conversation_id} ${m.activity_id}`), `${thread} ${report.channelActivityId}`].sort();
    assert.deepEqual(
      updates.map((c) => `${c.conversationId} ${c.activityId}`).sort(),
      want,
      'each recorded message is replaced where it is',
    );
    const replaced = updates.flatMap((c) => cardsOf(activityOf(c)).map(checkCard)).map(textOf);
    assert.ok(replaced.every((t) => /^Anmälan gallrad enligt kommunens gallringsbeslut/.test(t) && !t.includes(reference)));
    // The on-call post's replacement in Swedish, though the teacher's language may differ.
    assert.ok(updates.some((c) => c.conversationId === onCall[0]!.conversation_id));
  });

  it('without a configured tag the alert is posted without a mention', async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-08T19:40:00+01:00') });
    await intakeReady(bot);
    const { reference } = await submitReport(bot, as.teacher, reportInput({ immediateDanger: 'yes' }));
    // The card, then the alert its sending queued in the same transaction.
    await bot.deliver();
    await bot.deliver();
    const report = (await bot.services.reports.byReference(reference))!;
    const [alert] = threadPosts(bot.connector.calls, report.channelConversationId!);
    assert.match(textOf(alert), /^AKUT: anmälan/m);
    assert.equal(alert.msteams.entities, undefined);
  });
});

describe("intake's card (issue 22 §4)", () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await intakeReady(bot);
    await bot.installPersonal(as.intake2);
  });
  afterEach(async () => bot.destroy());

  async function reported(by: TestUser = as.teacher, phone = '070-111 22 33'): Promise<string> {
    const input = reportInput();
    const { reference } = await submitReport(bot, by, {
      ...input,
      reporter: { ...input.reporter, reporterName: by.name, reporterPhone: phone },
    });
    await bot.deliver();
    bot.connector.take();
    return reference;
  }

  it("the handler's phone is the handler's: never a phone from a report they made, prefilled from their own last take, required", async () => {
    // The second handler once reported as a teacher, with her own mobile number.
    await reported(as.intake2, '070-999 88 77');
    const reference = await reported();
    const form = await openTakeForm(bot, as.intake2, reference);
    const phone = inputsOf(form).find((i: any) => i.id === 'phone');
    assert.ok(phone?.isRequired, 'the phone is required');
    assert.equal(phone.value, undefined, 'not the phone from her report');
    assert.doesNotMatch(JSON.stringify(form), /070-999 88 77/);
    // An empty field: the form again, the error next to the field, nothing taken, nothing sent.
    const empty = await submitTakeForm(bot, as.intake2, reference, '  ');
    assert.equal(empty.type, 'continue');
    assert.match(textOf(empty.value.card.content), /Fyll i ditt telefonnummer – anmälaren ska få en kontaktperson med telefon\./);
    assert.equal((await bot.services.reports.byReference(reference))!.handlerAad, undefined);
    // The old button on a card posted before this change says the same and takes nothing.
    const pressed = await press(bot, as.intake2, reference, 'intake.take', {});
    assert.match(pressed.message!, /Fyll i ditt telefonnummer/);
    bot.connector.take();
    await bot.deliver();
    assert.equal(bot.connector.take().length, 0, 'the reporter got no phone');
    // A bad number: kept in the field with its error.
    const bad = await submitTakeForm(bot, as.intake2, reference, 'ring mig');
    assert.equal(inputsOf(bad.value.card.content).find((i: any) => i.id === 'phone')?.value, 'ring mig');
    assert.match(textOf(bad.value.card.content), /Det här ser inte ut som ett telefonnummer/);
    // Her own work phone, given once, is hers the next time: prefilled, visibly.
    assert.equal((await submitTakeForm(bot, as.intake2, reference, '0123-456 02')).type, 'message');
    bot.connector.take();
    await bot.deliver();
    const toTeacher = bot.connector
      .take()
      .filter((c) => c.conversationId.startsWith(bot.personalConversation(as.teacher)))
      .flatMap((c) => cardsOf(activityOf(c)))
      .map(textOf)
      .join('\n');
    assert.match(toTeacher, /telefon 0123-456 02/);
    assert.doesNotMatch(toTeacher, /070-999 88 77/);
    const next = await reported();
    const again = await openTakeForm(bot, as.intake2, next);
    assert.equal(inputsOf(again).find((i: any) => i.id === 'phone')?.value, '0123-456 02');
    assert.match(textOf(again), /Ifyllt från när du senast tog ett ärende/);
    // Her reporter's phone is still her own report's: the two never mix.
    assert.equal((await bot.services.users.profile(as.intake2.aadObjectId))!.phone, '070-999 88 77');
  });

  it('a decision recorded before the protection assessment: the form warns, the order is kept in the history and the audit, and the card shows it', async () => {
    const reference = await reported();
    await submitTakeForm(bot, as.intake, reference, '0123-456 01');
    const card = textOf((await press(bot, as.intake, reference, 'intake.meeting')).card);
    assert.match(card, /Skyddsbedömningen är inte registrerad än\. Den görs först, genast \(20 kap\. 1 §\)/);
    const decided = textOf((await press(bot, as.intake, reference, 'intake.decision', { outcome: 'notOpened', date: '2026-03-02' })).card);
    assert.match(decided, /⚠ Beslutet registrerades före skyddsbedömningen\./);
    assert.match(decided, /utredning inleds inte; återkoppling skickad; före skyddsbedömningen/);
    const audit = (await bot.services.store.audit.forSubject(reference)).find((a) => a.action === 'intake.decision');
    assert.equal(JSON.parse(audit!.detail).beforeProtection, true);
    const assessed = textOf((await press(bot, as.intake, reference, 'intake.protection', { immediate: 'no' })).card);
    assert.match(assessed, /⚠ Beslutet registrerades före skyddsbedömningen\./, 'still shown once the assessment is recorded');
  });

  it('in the usual order there is no warning', async () => {
    const reference = await reported();
    await press(bot, as.intake, reference, 'intake.protection', { immediate: 'no' });
    const decided = textOf((await press(bot, as.intake, reference, 'intake.decision', { outcome: 'opened', date: '2026-03-02' })).card);
    assert.doesNotMatch(decided, /före skyddsbedömningen/);
  });
});

describe("the intake unit's daily summary counts the feedback week from the decision date (SoL (2025:400) 19 kap. 6 §)", () => {
  let bot: TestBot;
  afterEach(async () => bot?.destroy());

  it('a decision dated 2 March and entered on 10 March: its feedback was due on 9 March, overdue in the summary of 10 March', async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await intakeReady(bot);
    const { reference } = await submitReport(bot, as.teacher);
    await bot.deliver();
    // The feedback could not go out with the decision (as when intake entered it outside Värna's
    // flow): what the summary must show is its deadline, a week from the date of the decision.
    const { id } = (await bot.services.reports.byReference(reference))!;
    await bot.services.store.transaction((trx) =>
      trackReport(trx, id, () =>
        trx
          .updateTable('reports')
          .set({ decision: 'opened', decision_date: '2026-03-02', decision_at: '2026-03-10T06:00:00.000Z' })
          .where('id', '=', id)
          .execute(),
      ),
    );
    bot.clock.set('2026-03-10T07:30:00+01:00');
    const summary = await bot.services.reminders.intakeSummary('ifo-mottagningen', bot.clock.now());
    assert.deepEqual(summary!.feedback.overdue, [reference], 'due 9 March: overdue, not due on 17 March');
    bot.clock.set('2026-03-06T07:30:00+01:00');
    const earlier = await bot.services.reminders.intakeSummary('ifo-mottagningen', bot.clock.now());
    assert.deepEqual(earlier!.feedback, { overdue: [], dueToday: [], more: 0 }, 'not yet due on 6 March');
    bot.clock.set('2026-03-09T07:30:00+01:00');
    const dueDay = await bot.services.reminders.intakeSummary('ifo-mottagningen', bot.clock.now());
    assert.deepEqual(dueDay!.feedback.dueToday, [reference], 'due today on 9 March');
  });
});
