import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type TestBot } from '../support/bot';
import { cardsOf, checkCard, inputsOf, textOf } from '../support/cards';
import { activityOf, type ConnectorCall } from '../support/connector';
import { ManualClock } from '../support/clock';
import { cardBelow, draftIdOf, reportInput, submitReport } from '../support/report';
import { as, type TestUser } from '../support/users';
import { REPORTS_CHANNEL, TEAM, intakeReady } from '../support/intake';

const DAY = 24 * 60 * 60 * 1000;
const DECIDED = new Date('2026-03-02T09:00:00+01:00');
const PURGED_SV = 'Anmälan gallrad enligt kommunens gallringsbeslut (SN 2026-01-15 § 12).';

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

const texts = (calls: ConnectorCall[]) => calls.flatMap((c) => cardsOf(activityOf(c)).map(checkCard)).map(textOf);

/**
 * Retention (gallring) a data protection officer would sign (issue 21 §15-17): the report is an
 * allmän handling at the social services from the moment it arrives, so Värna's copy is purged
 * only once intake has registered it in the case system; the purge leaves nothing but the
 * statistics, and Värna's own messages about it in Teams are replaced.
 */
describe("retention over the protocol: registration, purge, and Värna's own messages", () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock(DECIDED) });
    await intakeReady(bot);
  });
  afterEach(async () => bot.destroy());

  /** A report taken and decided ("opened") the day it came in; the teacher asked for feedback. */
  async function decided(): Promise<string> {
    const { reference } = await submitReport(bot, as.teacher, reportInput({ wishes: { feedbackWanted: true, jointMeeting: false } }));
    await bot.deliver();
    await press(bot, as.intake, reference, 'intake.take', { phone: '0123-456 01' });
    await press(bot, as.intake, reference, 'intake.protection', { immediate: 'no' });
    await press(bot, as.intake, reference, 'intake.decision', { outcome: 'opened', date: '2026-03-02' });
    await bot.deliver();
    bot.connector.take();
    return reference;
  }

  async function stats() {
    const { db } = bot.services.store;
    return {
      counts: await db.selectFrom('stat_counts').selectAll().orderBy('month').orderBy('school_id').orderBy('category').execute(),
      durations: await db
        .selectFrom('stat_durations')
        .selectAll()
        .orderBy('month')
        .orderBy('school_id')
        .orderBy('category')
        .orderBy('measure')
        .orderBy('bucket')
        .execute(),
    };
  }

  it('keeps an unregistered report past its purge date, and says so once in the thread and once in the daily summary', async () => {
    const reference = await decided();
    bot.clock.set('2026-05-18T08:00:00+02:00'); // 77 days after the decision: 13 days to the purge date
    assert.equal((await bot.services.retention.purge()).unregisteredAlerts, 1);
    await bot.deliver();
    const report = (await bot.services.reports.byReference(reference))!;
    const [alert, ...more] = bot.connector.take().filter((c) => c.method === 'POST');
    assert.equal(more.length, 0);
    assert.equal(alert!.conversationId, report.channelConversationId, "in the report's own thread");
    assert.match(
      texts([alert!])[0]!,
      new RegExp(
        `${reference} är inte markerad som registrerad i verksamhetssystemet\\. Enligt kommunens gallringsbeslut \\(SN 2026-01-15 § 12\\) ska Värnas kopia gallras 31 maj 2026`,
      ),
    );
    assert.equal((await bot.services.retention.purge()).unregisteredAlerts, 0, 'once, not every night');

    await bot.services.reminders.enqueueIntakeSummaries(new Date('2026-05-18T07:30:00+02:00'));
    await bot.deliver();
    const summary = texts(bot.connector.take().filter((c) => c.method === 'POST'));
    assert.equal(summary.length, 1);
    assert.match(summary[0]!, /inte markerade som registrerade i verksamhetssystemet/);
    assert.ok(summary[0]!.includes(reference));
    bot.clock.set('2026-05-19T08:00:00+02:00');
    await bot.services.reminders.enqueueIntakeSummaries(new Date('2026-05-19T07:30:00+02:00'));
    await bot.deliver();
    assert.deepEqual(texts(bot.connector.take()), [], 'the next summary does not list it again (nothing else is due: none is sent)');

    bot.clock.set(new Date(DECIDED.getTime() + 200 * DAY));
    assert.equal((await bot.services.retention.purge()).reports, 0, 'not purged: the original is not known to be in the case system');
    const kept = await bot.services.reports.byReference(reference);
    assert.ok(kept?.sealed, 'the content is still there for intake');
  });

  it('purges a report registered on the card: the receipt, feedback and channel card are replaced, the list forgets it, the figures stay', async () => {
    const reference = await decided();
    const registered = await press(bot, as.intake, reference, 'intake.register');
    assert.ok(registered.card, registered.message);
    const card = textOf(registered.card);
    assert.match(card, /Verksamhetssystemet:\s+registrerad 2 mars 2026 09:00 av Ingrid Mottagning/);
    assert.match(card, /Ingrid Mottagning: registrerad i verksamhetssystemet/);
    const again = await press(bot, as.intake, reference, 'intake.register');
    assert.match(again.message ?? '', /redan markerad som registrerad/);
    const audit = (await bot.services.store.audit.forSubject(reference)).filter((a) => a.action === 'intake.register');
    assert.deepEqual(
      audit.map((a) => [a.actor, a.outcome]),
      [[as.intake.aadObjectId, 'allowed']],
    );

    const report = (await bot.services.reports.byReference(reference))!;
    const recorded = await bot.services.store.db.selectFrom('report_messages').selectAll().where('report_id', '=', report.id).execute();
    // The receipt (it replaced the review card) and the two feedback messages, all in the teacher's chat.
    assert.equal(recorded.length, 3);
    assert.ok(recorded.every((m) => m.conversation_id === bot.personalConversation(as.teacher)));
    const before = await stats();

    bot.clock.set(new Date(DECIDED.getTime() + 89 * DAY));
    assert.equal((await bot.services.retention.purge()).reports, 0, 'day 89: kept');
    bot.clock.set(new Date(DECIDED.getTime() + 91 * DAY));
    const result = await bot.services.retention.purge();
    assert.equal(result.reports, 1);
    assert.equal(result.teamsMessages, 4);
    assert.deepEqual(await stats(), before, 'the statistics figures are unchanged by the purge');
    assert.equal(await bot.services.reports.byReference(reference), undefined, 'the report, its reference and its times are gone');

    await bot.deliver();
    const updates = bot.connector.take().filter((c) => c.method === 'PUT');
    const want = [
      ...recorded.map((m) => `${m.conversation_id} ${m.activity_id}`),
      `${report.channelConversationId} ${report.channelActivityId}`,
    ].sort();
    assert.deepEqual(
      updates.map((c) => `${c.conversationId} ${c.activityId}`).sort(),
      want,
      'each recorded message is replaced where it is',
    );
    for (const text of texts(updates)) {
      assert.equal(text, PURGED_SV);
      assert.ok(!text.includes(reference));
    }

    const mine = await bot.execute(as.teacher, 'reports.mine', { page: 0 });
    assert.ok(mine.card, mine.message);
    assert.ok(!textOf(mine.card).includes(reference), "no reference left in the teacher's list");
  });

  it("replaces a sibling's form below the receipt with the first report (it shows its facts), unless it became the sibling's own receipt", async () => {
    const reference = await decided();
    await press(bot, as.intake, reference, 'intake.register');
    const first = (await bot.services.reports.byReference(reference))!;
    const rows = async (id: string) =>
      bot.services.store.db.selectFrom('report_messages').select(['conversation_id', 'activity_id']).where('report_id', '=', id).execute();
    assert.equal((await rows(first.id)).length, 3, 'the receipt and the two feedback messages');
    cardBelow(await bot.execute(as.teacher, 'report.sibling', { reference }));
    assert.equal((await rows(first.id)).length, 4, "the sibling's form left below the receipt, with the first report's facts");
    const abandoned = (await rows(first.id)).map((m) => m.activity_id);
    const form = cardBelow(await bot.execute(as.teacher, 'report.sibling', { reference }));
    // Pressed on that new message, as Teams does.
    const replyToId = (await rows(first.id)).find((m) => !abandoned.includes(m.activity_id))!.activity_id;
    const draftId = draftIdOf(form);
    const values = Object.fromEntries(inputsOf(form).map((i) => [i.id, i.value]));
    const next = await bot.execute(
      as.teacher,
      'report.step',
      { draftId, step: 'childPage', ...values, childName: 'Olle Testbarn', pnr: '', birthDate: '2017-01-01' },
      { replyToId },
    );
    const reviewed = await bot.execute(
      as.teacher,
      'report.step',
      { draftId, step: 'concernPage', ...Object.fromEntries(inputsOf(next.card).map((i) => [i.id, i.value])) },
      { replyToId },
    );
    const sent = await bot.execute(
      as.teacher,
      'report.submit',
      { draftId, ...Object.fromEntries(inputsOf(reviewed.card).map((i) => [i.id, i.value ?? ''])) },
      { replyToId },
    );
    assert.ok(sent.card, sent.message);
    const sibling = (await bot.services.reports.byReference('VÄ-2026-00002'))!;
    const siblings = await rows(sibling.id);
    assert.deepEqual(
      siblings.map((m) => m.activity_id),
      [replyToId],
      "the sibling's receipt, where its form was",
    );
    const firsts = await rows(first.id);
    assert.equal(firsts.length, 4, "that message is the sibling's now; the abandoned form stays the first report's");
    assert.ok(!firsts.some((m) => m.activity_id === siblings[0]!.activity_id));

    bot.connector.take();
    bot.clock.set(new Date(DECIDED.getTime() + 91 * DAY));
    const result = await bot.services.retention.purge();
    assert.equal(result.reports, 1, 'the first report; the sibling is not registered');
    assert.equal(result.teamsMessages, 5);
    await bot.deliver();
    const updates = bot.connector.take().filter((c) => c.method === 'PUT');
    assert.deepEqual(
      updates.map((c) => `${c.conversationId} ${c.activityId}`).sort(),
      [...firsts.map((m) => `${m.conversation_id} ${m.activity_id}`), `${first.channelConversationId} ${first.channelActivityId}`].sort(),
    );
  });

  it('counts an audited export as registration, and then purges', async () => {
    const reference = await decided();
    const url = `${bot.url}/exports/${encodeURIComponent(reference)}.pdf?${bot.services.links.query(reference, 'pdf', as.intake.aadObjectId)}`;
    assert.equal((await fetch(url)).status, 200);
    const report = (await bot.services.reports.byReference(reference))!;
    assert.ok(report.registeredAt, 'registered by the export');
    const audit = (await bot.services.store.audit.forSubject(reference)).filter((a) => a.action === 'intake.register');
    assert.deepEqual(
      audit.map((a) => [a.actor, JSON.parse(a.detail)]),
      [[as.intake.aadObjectId, { via: 'export', format: 'pdf' }]],
    );
    const refreshed = bot.connector.take().filter((c) => c.method === 'PUT');
    assert.match(texts(refreshed).at(-1) ?? '', /Exporterad – räknas som registrerad i verksamhetssystemet/);

    bot.clock.set(new Date(DECIDED.getTime() + 91 * DAY));
    assert.equal((await bot.services.retention.purge()).reports, 1);
    assert.equal(await bot.services.reports.byReference(reference), undefined);
  });

  it("delivers the replacements after a restart between the purge and the delivery, in the teacher's language", async () => {
    const reference = await decided();
    await press(bot, as.intake, reference, 'intake.register');
    await bot.services.store.db.updateTable('reports').set({ reporter_locale: 'en' }).where('reference', '=', reference).execute();
    bot.clock.set(new Date(DECIDED.getTime() + 91 * DAY));
    assert.equal((await bot.services.retention.purge()).teamsMessages, 4);
    await bot.restart();
    bot.connector.take();
    // The first replacement's answer is lost on the way back: it is made again, not marked as a repeat.
    bot.connector.failNext(1, { status: 500, arrive: true }, (c) => c.method === 'PUT');
    await bot.deliver();
    bot.clock.advance(10 * 60_000);
    await bot.deliver();
    const updates = bot.connector.take().filter((c) => c.method === 'PUT');
    const toTeacher = texts(updates.filter((c) => c.conversationId === bot.personalConversation(as.teacher)));
    const inChannel = texts(updates.filter((c) => c.conversationId !== bot.personalConversation(as.teacher)));
    assert.equal(new Set(updates.map((c) => c.activityId)).size, 4, 'all four messages');
    assert.ok(toTeacher.length >= 3);
    for (const text of toTeacher) assert.equal(text, "Report purged under the municipality's retention decision (SN 2026-01-15 § 12).");
    for (const text of inChannel) assert.equal(text, PURGED_SV);
    const left = await bot.services.store.db.selectFrom('outbox').select('status').where('dedupe_key', 'like', 'purged:%').execute();
    assert.deepEqual(
      left.map((r) => r.status),
      ['sent', 'sent', 'sent', 'sent'],
    );
  });

  it("deletes Värna's messages instead where the municipality chose `teamsMessages: delete`, and replaces none", async () => {
    await bot.destroy();
    const example = readFileSync('config/example.yaml', 'utf8');
    assert.ok(example.includes('  teamsMessages: replace\n'));
    const file = join(mkdtempSync(join(tmpdir(), 'varna-retention-')), 'municipality.yaml');
    writeFileSync(file, example.replace('  teamsMessages: replace\n', '  teamsMessages: delete\n'));
    bot = await startBot({ clock: new ManualClock(DECIDED), env: { VARNA_CONFIG: file } });
    await intakeReady(bot);
    const reference = await decided();
    await press(bot, as.intake, reference, 'intake.register');
    const report = (await bot.services.reports.byReference(reference))!;
    const recorded = await bot.services.store.db.selectFrom('report_messages').selectAll().where('report_id', '=', report.id).execute();
    const want = [
      ...recorded.map((m) => `${m.conversation_id} ${m.activity_id}`),
      `${report.channelConversationId} ${report.channelActivityId}`,
    ].sort();
    bot.connector.take();
    bot.clock.set(new Date(DECIDED.getTime() + 91 * DAY));
    assert.equal((await bot.services.retention.purge()).teamsMessages, 4);
    await bot.deliver();
    const calls = bot.connector.take();
    assert.deepEqual(
      calls.filter((c) => c.method === 'PUT'),
      [],
      'nothing replaced',
    );
    assert.deepEqual(
      calls.filter((c) => c.method === 'POST'),
      [],
      'nothing new posted',
    );
    assert.deepEqual(
      calls
        .filter((c) => c.method === 'DELETE')
        .map((c) => `${c.conversationId} ${c.activityId}`)
        .sort(),
      want,
      'each recorded message deleted where it is',
    );
    const left = await bot.services.store.db.selectFrom('outbox').select('status').where('dedupe_key', 'like', 'purged:%').execute();
    assert.deepEqual(
      left.map((r) => r.status),
      ['sent', 'sent', 'sent', 'sent'],
    );
  });
});
