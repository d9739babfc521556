import { trackReport } from '../../src/services/stat-rollup';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startBot, type TestBot } from '../support/bot';
import { actionsOf, cardsOf, checkCard, textOf } from '../support/cards';
import { ManualClock } from '../support/clock';
import { activityOf, type ConnectorCall } from '../support/connector';
import { forbid } from '../support/logs';
import { durationMs } from '../../src/services/municipality';
import { isWorkingTime, nextWorkingTime } from '../../src/services/reminders';
import { testStoreKind } from '../support/store';
import { draftIdOf, reportInput, submitReport } from '../support/report';
import { channelConversation, intakeReady } from '../support/intake';
import { as, type TestUser } from '../support/users';

const SOLSTRALEN_PRINCIPAL = '6f1c2a10-0000-4000-8000-000000000102';
forbid('Förskolechef Solstrålen');

/** Cards the bot posted into a user's 1:1 chat since the last take, checked. */
function cardsTo(bot: TestBot, calls: ConnectorCall[], user: TestUser): any[] {
  return calls
    .filter((c) => c.method === 'POST' && c.conversationId === bot.personalConversation(user))
    .flatMap((c) => cardsOf(activityOf(c)))
    .map((c) => checkCard(c));
}

const termStart = (cards: any[]) => cards.filter((c) => /Terminsstart/.test(textOf(c)));

async function runAndDeliver(bot: TestBot): Promise<ConnectorCall[]> {
  await bot.services.jobs.runDue();
  await bot.deliver();
  return bot.connector.take();
}

function insertDraft(bot: TestBot, id: string, owner: TestUser): Promise<unknown> {
  const now = bot.clock.now().toISOString();
  // The report flow is not on main yet: a draft row as it will store one (content sealed, not read here).
  return bot.services.store.db
    .insertInto('drafts')
    .values({ id, owner_aad: owner.aadObjectId, step: 'child', sealed: 'sealed-test', created_at: now, updated_at: now, nudged_at: null })
    .execute();
}

interface ReportSeed {
  reference: string;
  school?: string;
  receivedAt: string;
  receiptAt?: string;
  protectionAt?: string;
  decisionAt?: string;
}

function insertReport(bot: TestBot, r: ReportSeed): Promise<unknown> {
  const received = new Date(r.receivedAt);
  const day = 24 * 3_600_000;
  // Written as the report service would: the statistics roll-up in the same transaction.
  const store = bot.services.store;
  return store.transaction((trx) =>
    trackReport(trx, `rep-${r.reference}`, () =>
      trx
        .insertInto('reports')
        .values({
          id: `rep-${r.reference}`,
          reference: r.reference,
          submission_key: `sub-${r.reference}`,
          reporter_aad: as.teacher.aadObjectId,
          reporter_locale: 'sv',
          school_id: r.school ?? 'ekbacken',
          district_id: 'norra',
          school_type: 'municipal',
          intake_unit_id: 'ifo-mottagningen',
          category: 'violence',
          acute: 0,
          feedback_requested: 1,
          joint_meeting_wanted: 0,
          child_key: null,
          sealed: 'sealed-test',
          received_at: received.toISOString(),
          received_month: received.toISOString().slice(0, 7),
          protection_due_at: new Date(received.getTime() + day).toISOString(),
          decision_due_at: new Date(received.getTime() + 14 * day).toISOString(),
          channel_conversation_id: null,
          channel_activity_id: null,
          handler_aad: null,
          handler_name: null,
          handler_phone: null,
          receipt_at: r.receiptAt ?? null,
          protection_at: r.protectionAt ?? null,
          protection_immediate: null,
          decision: r.decisionAt ? 'opened' : null,
          decision_date: r.decisionAt ? r.decisionAt.slice(0, 10) : null,
          decision_at: r.decisionAt ?? null,
          feedback_inappropriate_at: null,
          feedback_requested_later_at: null,
          feedback_given_at: null,
          joint_meeting_offered_at: null,
          version: 1,
          purged_at: null,
          updated_at: received.toISOString(),
        })
        .execute(),
    ),
  );
}

/** A teacher asks the intake unit without naming the child (the consultation flow's cards). */
async function consult(bot: TestBot, user: TestUser, schoolId: string): Promise<void> {
  forbid('ofta kommer hungrig');
  const compose = await bot.execute(user, 'consult.start', {});
  assert.ok(compose.card, compose.message);
  const send = actionsOf(compose.card).find((a) => a.verb === 'consult.send')!;
  let res = await bot.execute(user, 'consult.send', {
    ...send.data,
    text: 'Hur ska vi tänka kring en elev som ofta kommer hungrig till skolan?',
    schoolId,
    showSchool: 'false',
  });
  if (res.card && /Kontrollera innan du skickar/.test(textOf(res.card))) {
    const again = actionsOf(res.card).find((a) => a.verb === 'consult.send')!;
    res = await bot.execute(user, 'consult.send', {
      ...again.data,
      text: 'Hur ska vi tänka kring en elev som ofta kommer hungrig till skolan?',
    });
  }
  assert.match(textOf(res.card), /Skickad: konsultation K-\d{4}/);
}

/** The example municipality with changes, written to a temp file (startBot's VARNA_CONFIG). */
function configWith(change: (m: any) => void): string {
  const m = parse(readFileSync('config/example.yaml', 'utf8'));
  change(m);
  const file = join(mkdtempSync(join(tmpdir(), 'varna-config-')), 'municipality.yaml');
  writeFileSync(file, stringify(m));
  return file;
}

describe('reminders: the annual cycle and the nudges, over the protocol', () => {
  let bot: TestBot;
  afterEach(async () => bot?.destroy());

  it('brings the term-start reminder to every principal once; "Klart" is recorded, a snooze brings it back a week later', async () => {
    bot = await startBot({ clock: new ManualClock('2026-08-03T09:00:00+02:00') });
    await bot.installPersonal(as.principal);
    await bot.installPersonal(as.otherPrincipal);
    await bot.services.jobs.runDue(); // the jobs start counting now
    bot.connector.take();

    bot.clock.set('2026-08-10T07:00:30+02:00'); // second Monday of August: term start (HT)
    let calls = await runAndDeliver(bot);
    const ekbacken = termStart(cardsTo(bot, calls, as.principal));
    const lyran = termStart(cardsTo(bot, calls, as.otherPrincipal));
    assert.equal(ekbacken.length, 1);
    assert.equal(lyran.length, 1);
    assert.match(textOf(ekbacken[0]), /Ekbackens skola/);
    assert.match(textOf(ekbacken[0]), /19 kap\. 1 §/);
    assert.match(textOf(lyran[0]), /Friskolan Lyran/, 'independent schools are first-class');
    const buttons = actionsOf(ekbacken[0]);
    assert.deepEqual(
      buttons.map((b) => b.title),
      ['Klart', 'Påminn mig om en vecka', 'Om anmälningsplikten – att gå igenom med personalen'],
    );
    assert.equal(buttons[2]!.verb, 'duty.show');

    // The principal without the app is not reached, and the log names the id, never the name.
    const unreachable = bot.logs.events().filter((e) => e.event === 'reminders.unreachable' && e.entry === 'terminsstart-ht');
    assert.equal(unreachable.length, 1);
    assert.deepEqual(unreachable[0]!.users, [SOLSTRALEN_PRINCIPAL]);

    // Running again (a retried tick, a second instance) sends nothing more.
    calls = await runAndDeliver(bot);
    assert.equal(termStart(cardsTo(bot, calls, as.principal)).length, 0);

    // "Klart": when and by whom, and no more buttons.
    const reminderId = buttons[0]!.data.reminderId as string;
    const stranger = await bot.execute(as.stranger, 'reminder.done', { reminderId });
    assert.match(String(stranger.message), /inte behörighet/);
    const done = await bot.execute(as.principal, 'reminder.done', { reminderId });
    assert.ok(done.card, done.message);
    assert.match(textOf(done.card), /Markerat klart 10 aug\. 2026/);
    assert.match(textOf(done.card), /Markerat av: \nRektor Ekbacken/);
    assert.deepEqual(
      actionsOf(done.card).map((a) => a.verb),
      ['duty.show'],
    );
    const stats = await bot.services.reminders.doneBySchoolAndTerm();
    assert.deepEqual(stats, [{ schoolId: 'ekbacken', entryId: 'terminsstart-ht', term: '2026-HT', done: 1 }]);
    assert.deepEqual(await bot.services.reminders.schoolsDone(['terminsstart-ht', 'terminsstart-vt'], '2026-HT'), { done: 1, of: 3 });

    // "Påminn mig om en vecka": nothing for six days, then the same reminder once more.
    const lyranId = actionsOf(lyran[0])[0]!.data.reminderId as string;
    const snoozed = await bot.execute(as.otherPrincipal, 'reminder.snooze', { reminderId: lyranId });
    assert.match(textOf(snoozed.card), /Jag påminner dig igen 17 aug\. 2026/);
    bot.clock.set('2026-08-16T12:00:00+02:00');
    calls = await runAndDeliver(bot);
    assert.equal(termStart(cardsTo(bot, calls, as.otherPrincipal)).length, 0);
    bot.clock.set('2026-08-17T07:10:00+02:00');
    calls = await runAndDeliver(bot);
    const back = termStart(cardsTo(bot, calls, as.otherPrincipal));
    assert.equal(back.length, 1);
    assert.equal(actionsOf(back[0])[0]!.data.reminderId, lyranId, 'the same reminder, so "Klart" still counts for it');
    assert.equal(termStart(cardsTo(bot, calls, as.principal)).length, 0, 'done is done');
    calls = await runAndDeliver(bot);
    assert.equal(termStart(cardsTo(bot, calls, as.otherPrincipal)).length, 0);
  });

  it('brings a missed reminder to a principal who installs the app later, once', async () => {
    const solstralen: TestUser = { aadObjectId: SOLSTRALEN_PRINCIPAL, name: 'Förskolechef Solstrålen', locale: 'sv-SE' };
    bot = await startBot({ clock: new ManualClock('2026-08-03T09:00:00+02:00') });
    await bot.services.jobs.runDue();
    bot.clock.set('2026-08-10T07:00:30+02:00');
    await runAndDeliver(bot);
    bot.clock.set('2026-08-12T13:00:00+02:00');
    await bot.installPersonal(solstralen); // the admin's setup policy reached her
    bot.clock.advanceMinutes(6);
    const late = termStart(cardsTo(bot, await runAndDeliver(bot), solstralen));
    assert.equal(late.length, 1);
    assert.match(textOf(late[0]), /Förskolan Solstrålen/);
    bot.clock.advanceMinutes(60);
    assert.equal(termStart(cardsTo(bot, await runAndDeliver(bot), solstralen)).length, 0);
  });

  it('nudges an untouched draft once after an hour, and not a draft that was sent', async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-03T10:00:00+01:00') });
    await bot.installPersonal(as.teacher);
    await bot.services.jobs.runDue();
    await insertDraft(bot, 'draft-left', as.teacher);
    await insertDraft(bot, 'draft-sent', as.teacher);
    bot.connector.take();

    bot.clock.advanceMinutes(30);
    assert.equal(cardsTo(bot, await runAndDeliver(bot), as.teacher).length, 0);
    // The report is sent: the report flow deletes its draft (as src/services/reports.ts does).
    await bot.services.store.db.deleteFrom('drafts').where('id', '=', 'draft-sent').execute();

    bot.clock.advanceMinutes(31);
    const nudges = cardsTo(bot, await runAndDeliver(bot), as.teacher);
    assert.equal(nudges.length, 1);
    assert.match(textOf(nudges[0]), /inte skickad/);
    assert.match(textOf(nudges[0]), /genast/);
    assert.match(textOf(nudges[0]), /Ring 112/);
    assert.deepEqual(
      actionsOf(nudges[0]).map((a) => [a.verb, a.data?.draftId]),
      [['report.resume', 'draft-left']],
    );

    bot.clock.advanceMinutes(180);
    assert.equal(cardsTo(bot, await runAndDeliver(bot), as.teacher).length, 0, 'once, not repeatedly');

    // A draft sent between the nudge being queued and delivered: nothing reaches the teacher.
    await insertDraft(bot, 'draft-late', as.teacher);
    bot.clock.advanceMinutes(61);
    await bot.services.jobs.runDue();
    await bot.services.store.db.deleteFrom('drafts').where('id', '=', 'draft-late').execute();
    await bot.deliver();
    assert.equal(cardsTo(bot, bot.connector.take(), as.teacher).length, 0);
  });

  it("nudges a teacher's unsent report once after an hour, back into the draft; a sent report is not nudged", async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-03T10:00:00+01:00') });
    await bot.installTeam('19:exempel-ifo-team@thread.tacv2', as.intake);
    await bot.installPersonal(as.teacher);
    await bot.installPersonal(as.otherTeacher);
    await bot.services.jobs.runDue();
    const start = await bot.execute(as.teacher, 'report.start', {});
    const draftId = draftIdOf(start.card);
    await bot.execute(as.teacher, 'report.step', { draftId, step: 'acute', immediateDanger: 'no' });
    await submitReport(bot, as.otherTeacher); // sent at once: nothing to nudge
    bot.connector.take();

    bot.clock.advanceMinutes(59);
    assert.equal(cardsTo(bot, await runAndDeliver(bot), as.teacher).length, 0, 'not before the hour');
    bot.clock.advanceMinutes(6);
    let calls = await runAndDeliver(bot);
    const nudges = cardsTo(bot, calls, as.teacher).filter((c) => /inte skickad/.test(textOf(c)));
    assert.equal(nudges.length, 1);
    assert.equal(cardsTo(bot, calls, as.otherTeacher).length, 0);
    const resume = actionsOf(nudges[0]).find((a) => a.verb === 'report.resume');
    assert.equal(resume?.data.draftId, draftId);
    const resumed = await bot.execute(as.teacher, 'report.resume', resume!.data);
    assert.ok(resumed.card, resumed.message);
    assert.equal(draftIdOf(resumed.card), draftId, 'back in the same draft');

    bot.clock.advanceMinutes(180);
    calls = await runAndDeliver(bot);
    assert.equal(cardsTo(bot, calls, as.teacher).length + cardsTo(bot, calls, as.otherTeacher).length, 0, 'once, not repeatedly');

    // Worked on again and left again: one more nudge, for that time.
    await bot.execute(as.teacher, 'report.step', { draftId, step: 'acute', immediateDanger: 'no' });
    bot.clock.advanceMinutes(65);
    assert.equal(cardsTo(bot, await runAndDeliver(bot), as.teacher).filter((c) => /inte skickad/.test(textOf(c))).length, 1);
    bot.clock.advanceMinutes(600);
    assert.equal(cardsTo(bot, await runAndDeliver(bot), as.teacher).length, 0);
  });

  it('nudges in English a teacher whose Teams speaks English', async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-03T10:00:00+01:00') });
    await bot.installPersonal(as.teacherEn);
    await bot.services.jobs.runDue();
    await insertDraft(bot, 'draft-en', as.teacherEn);
    bot.connector.take();
    bot.clock.advanceMinutes(65);
    const [nudge] = cardsTo(bot, await runAndDeliver(bot), as.teacherEn);
    assert.match(textOf(nudge), /Your report has not been sent/);
    assert.match(textOf(nudge), /at once/);
    assert.deepEqual(
      actionsOf(nudge).map((a) => a.title),
      ['Continue the report'],
    );
  });

  it("remembers a user's Teams language at once when it changes, without asking the store on every message", async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-03T10:00:00+01:00') });
    const aad = as.teacher.aadObjectId;
    const stored = async () => (await bot.services.users.profile(aad))?.locale;
    await bot.send(as.teacher, 'hej');
    assert.equal(await stored(), 'sv');
    await bot.send({ ...as.teacher, locale: 'en-US' }, 'hello');
    assert.equal(await stored(), 'en', 'a changed language is stored with that message');
    // A row removed elsewhere (another instance, retention) is not looked for on every message…
    await bot.services.store.db.deleteFrom('users').where('aad_object_id', '=', aad).execute();
    bot.clock.advanceMinutes(2);
    await bot.send({ ...as.teacher, locale: 'en-US' }, 'hello');
    assert.equal(await stored(), undefined);
    // …but within minutes: proactive cards then speak the user's language again.
    bot.clock.advanceMinutes(4);
    await bot.send({ ...as.teacher, locale: 'en-US' }, 'hello');
    assert.equal(await stored(), 'en');
  });

  it('retries a nudge the connector refused (502, then 429 with Retry-After) instead of taking it for delivered', async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-03T10:00:00+01:00') });
    await bot.installPersonal(as.teacher);
    await bot.services.jobs.runDue();
    await insertDraft(bot, 'draft-retry', as.teacher);
    bot.clock.advanceMinutes(61);
    let fails = 0;
    bot.connector.failWith = (c) =>
      c.method === 'POST' && fails < 2 ? (fails++ === 0 ? { status: 502 } : { status: 429, retryAfterSeconds: 30 }) : undefined;
    bot.connector.take();
    assert.equal(cardsTo(bot, await runAndDeliver(bot), as.teacher).length, 0);
    bot.clock.advance(2_000);
    assert.equal(cardsTo(bot, await runAndDeliver(bot), as.teacher).length, 0, '429: wait as asked');
    bot.clock.advance(20_000);
    assert.equal(cardsTo(bot, await runAndDeliver(bot), as.teacher).length, 0, 'not before Retry-After');
    bot.clock.advance(15_000);
    assert.equal(cardsTo(bot, await runAndDeliver(bot), as.teacher).length, 1);
    assert.equal(fails, 2);
    assert.ok(!bot.logs.events().some((e) => e.event === 'turn.error'), 'a failed send is not an unhandled turn error');
  });

  it('lists the principals Värna cannot reach to the statistics role only', async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-03T10:00:00+01:00') });
    await bot.installPersonal(as.principal);
    const refused = await bot.send(as.principal, 'vem når inte Värna?');
    assert.match(textOf(activityOf(refused[0]!)), /inte behörighet/);
    const teacher = await bot.send(as.teacher, 'Vem når inte Värna');
    assert.match(textOf(activityOf(teacher[0]!)), /inte behörighet/);
    const inSentence = await bot.send(as.statistician, 'jag undrar vem når inte värna idag');
    assert.doesNotMatch(textOf(activityOf(inSentence[0]!)), /Rektorer som Värna inte når/);

    const answer = cardsOf(activityOf((await bot.send(as.statistician, 'vem når inte Värna?'))[0]!)).map((c) => checkCard(c));
    const shown = textOf(answer[0]);
    assert.match(shown, /2 rektorer har inte Värna installerat/);
    assert.match(shown, /Förskolechef Solstrålen: \nFörskolan Solstrålen/);
    assert.match(shown, /Rektor Lyran: \nFriskolan Lyran/);
    assert.doesNotMatch(shown, /Rektor Ekbacken/);
    assert.match(shown, /Teams administrationscenter/);

    // The same from the statistics role's menu; the menu entry is not offered to others.
    const menu = cardsOf(activityOf((await bot.send(as.statistician, 'hej'))[0]!));
    const entry = actionsOf(menu[0]).find((a) => a.title === 'Vem når inte Värna?');
    assert.ok(entry);
    const viaMenu = await bot.execute(as.statistician, entry.verb!, {});
    assert.match(textOf(viaMenu.card), /2 rektorer har inte Värna installerat/);
    assert.ok(!actionsOf(cardsOf(activityOf((await bot.send(as.principal, 'hej'))[0]!))[0]).some((a) => a.title === 'Vem når inte Värna?'));
    assert.match(String((await bot.execute(as.principal, entry.verb!, {})).message), /inte behörighet/);
  });

  it("gives the principal the week's counts only, and references without content when the routine makes the principal a party", async () => {
    const day = '2026-03-09T07:00:30+01:00'; // a Monday
    for (const party of [false, true]) {
      bot = await startBot({
        clock: new ManualClock('2026-03-02T09:00:00+01:00'),
        env: party ? { VARNA_CONFIG: configWith((m) => (m.principalIsParty = true)) } : {},
      });
      await bot.installPersonal(as.principal);
      await bot.services.jobs.runDue();
      await insertReport(bot, {
        reference: 'EX-2026-0001',
        receivedAt: '2026-03-03T10:00:00+01:00',
        receiptAt: '2026-03-03T11:00:00+01:00',
      });
      await insertReport(bot, { reference: 'EX-2026-0002', receivedAt: '2026-03-05T10:00:00+01:00' });
      await insertReport(bot, { reference: 'EX-2026-0003', school: 'friskolan-lyran', receivedAt: '2026-03-05T10:00:00+01:00' });
      await consult(bot, as.teacher, 'ekbacken');
      bot.connector.take();
      bot.clock.set(day);
      const digests = cardsTo(bot, await runAndDeliver(bot), as.principal).filter((c) => /Veckans sammanfattning/.test(textOf(c)));
      assert.equal(digests.length, 1);
      const shown = textOf(digests[0]);
      assert.match(shown, /Veckans sammanfattning: Ekbackens skola/);
      // Small numbers as the statistics show them (2, 1 and 1 here).
      assert.match(shown, /Anmälningar skickade <5/);
      assert.match(shown, /Väntar på mottagningskvittens <5/);
      assert.match(shown, /Konsultationer utan namn <5/);
      assert.match(shown, /Färre än 5 visas som <5/);
      assert.doesNotMatch(shown, /skickade [0-4]\b|kvittens [0-4]\b|utan namn [0-4]\b/);
      assert.doesNotMatch(shown, /violence|våld/i);
      if (party) {
        assert.match(shown, /EX-2026-0001 Mottagen/);
        assert.match(shown, /EX-2026-0002 Väntar på kvittens/);
      } else {
        assert.doesNotMatch(shown, /EX-2026/);
        assert.match(shown, /40 kap\. 7 g §/);
      }
      assert.doesNotMatch(shown, /EX-2026-0003/, "another school's report");
      await bot.destroy();
    }
  });

  it('shows a principal who is party to the reports no decision on reports others made, only "received"; their own feedback they see; counts under 5 as <5', async () => {
    bot = await startBot({
      clock: new ManualClock('2026-03-02T09:00:00+01:00'),
      env: { VARNA_CONFIG: configWith((m) => (m.principalIsParty = true)) },
    });
    await intakeReady(bot);
    await bot.installPersonal(as.principal);
    await bot.services.jobs.runDue();
    const press = async (reference: string, verb: string, data: Record<string, unknown> = {}) => {
      const report = (await bot.services.reports.byReference(reference))!;
      const res = await bot.execute(
        as.intake,
        verb,
        { reference, ...data },
        { ...channelConversation(), replyToId: report.channelActivityId! },
      );
      assert.ok(res.card, res.message);
    };
    const report = async (by: TestUser, feedbackWanted: boolean) => {
      const { reference } = await submitReport(bot, by, reportInput({ wishes: { feedbackWanted, jointMeeting: false } }));
      await bot.deliver();
      await press(reference, 'intake.take', { phone: '0123-456 01' });
      return reference;
    };
    const askedDecided = await report(as.teacher, true); // the teacher gets the feedback: the principal does not
    const notAsked = await report(as.teacher, false);
    const inappropriate = await report(as.teacher, true);
    const ownGiven = await report(as.principal, true); // the principal reported and was given the feedback
    const ownNotAsked = await report(as.principal, false);
    const undecided = await report(as.teacher, true);
    const { reference: waiting } = await submitReport(bot, as.teacher, reportInput());
    await press(inappropriate, 'intake.inappropriate', { reason: 'Olämpligt med hänsyn till barnet.' });
    for (const ref of [askedDecided, notAsked, inappropriate, ownGiven, ownNotAsked])
      await press(ref, 'intake.decision', { outcome: 'opened', date: '2026-03-02' });
    await bot.deliver();
    bot.connector.take();

    bot.clock.set('2026-03-09T07:00:30+01:00');
    const digests = cardsTo(bot, await runAndDeliver(bot), as.principal).filter((c) => /Veckans sammanfattning/.test(textOf(c)));
    assert.equal(digests.length, 1);
    const shown = textOf(digests[0]);
    for (const ref of [askedDecided, notAsked, inappropriate, ownNotAsked, undecided])
      assert.match(shown, new RegExp(`${ref} Mottagen`), ref);
    assert.match(shown, new RegExp(`${ownGiven} Förhandsbedömning klar`), 'what the principal was told as the reporter');
    assert.match(shown, new RegExp(`${waiting} Väntar på kvittens`));
    assert.equal(shown.match(/VÄ-\d{4}-\d{5} Förhandsbedömning klar/g)?.length, 1, shown);
    // Seven reports sent: shown; one awaiting receipt, two feedbacks given, no consultation: <5.
    assert.match(shown, /Anmälningar skickade 7/);
    assert.match(shown, /Väntar på mottagningskvittens <5/);
    assert.match(shown, /Återkoppling lämnad till anmälare <5/);
    assert.match(shown, /Förhandsbedömning mer än 14 dagar <5/);
    assert.match(shown, /Konsultationer utan namn <5/);

    // A week on, the decided reports and the undecided one drop off the list alike: which reports
    // are listed does not tell a decision either.
    bot.clock.set('2026-03-16T07:00:30+01:00');
    const next = textOf(cardsTo(bot, await runAndDeliver(bot), as.principal).find((c) => /Veckans sammanfattning/.test(textOf(c))));
    assert.doesNotMatch(next, new RegExp(`${askedDecided}|${notAsked}|${inappropriate}|${ownGiven}|${ownNotAsked}|${undecided}`));
    assert.match(next, new RegExp(`${waiting} Väntar på kvittens`), 'still awaiting receipt');
  });

  it("brings the yearly report to the committees to the statistics role with last year's figures one press away, fresh whenever the card is shown", async () => {
    bot = await startBot({ clock: new ManualClock('2027-01-25T10:00:00+01:00') });
    await bot.installPersonal(as.statistician);
    await bot.installPersonal(as.principal);
    await bot.services.jobs.runDue();
    for (let i = 1; i <= 6; i++)
      await insertReport(bot, {
        reference: `EX-2026-00${10 + i}`,
        receivedAt: `2026-0${i}-10T10:00:00+01:00`,
        receiptAt: `2026-0${i}-10T11:00:00+01:00`,
      });
    bot.connector.take();

    bot.clock.set('2027-02-01T08:00:30+01:00'); // the first Monday in February
    const calls = await runAndDeliver(bot);
    const yearly = cardsTo(bot, calls, as.statistician).filter((c) => /Årsrapport till nämnderna och kommunstyrelsen/.test(textOf(c)));
    assert.equal(yearly.length, 1);
    assert.equal(
      cardsTo(bot, calls, as.principal).filter((c) => /Årsrapport/.test(textOf(c))).length,
      0,
      'for the statistics role, not the principals',
    );
    const card = yearly[0];
    assert.match(textOf(card), /kommunstyrelsen/);
    assert.doesNotMatch(textOf(card), /räknas det i uppföljningen för skolan/, 'not a school task');
    const pdfUrl = (c: any) =>
      (c.actions as Array<{ title: string; url?: string }>).find((a) => a.title === 'Värnas siffror för 2026 (PDF)')?.url as string;
    assert.ok(pdfUrl(card), 'the PDF is one press away');
    assert.equal(card.refresh?.action?.verb, 'reminder.show', 'Teams fetches the card again when it is shown');
    assert.deepEqual(card.refresh?.userIds, [`8:orgid:${as.statistician.aadObjectId}`]);

    const pdf = await fetch(pdfUrl(card));
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.match(String(pdf.headers.get('content-disposition')), /statistik-2026-01-01-2026-12-31-school\.pdf/, 'the calendar year before');
    assert.ok(
      Buffer.from(await pdf.arrayBuffer())
        .toString('latin1')
        .startsWith('%PDF-'),
    );

    // Days later the link in the message has expired; the card Teams fetches when it is shown has a fresh one.
    bot.clock.set('2027-02-04T13:00:00+01:00');
    assert.equal((await fetch(pdfUrl(card))).status, 403);
    const reminderId = card.refresh.action.data.reminderId as string;
    const shown = await bot.execute(as.statistician, 'reminder.show', { reminderId });
    assert.ok(shown.card, shown.message);
    checkCard(shown.card);
    assert.equal((await fetch(pdfUrl(shown.card))).status, 200);
    // Nobody else's: a principal asking for that card is refused.
    assert.match(String((await bot.execute(as.principal, 'reminder.show', { reminderId })).message), /inte behörighet/);

    // "Klart": done for the municipality; the figures stay one press away.
    const done = await bot.execute(as.statistician, 'reminder.done', { reminderId });
    assert.match(textOf(done.card), /Markerat klart 4 feb\. 2027/);
    assert.ok(pdfUrl(done.card));
  });

  it('moves a reminder due on a Sunday to Monday, and lets only members of the intake team mark a channel reminder done', async () => {
    const team = '19:exempel-ifo-team@thread.tacv2';
    const channelId = '19:exempel-ifo-anmalningar@thread.tacv2';
    // The meeting with the principals, on 1 March (a Sunday in 2026).
    const config = configWith((m) => (m.annualCycle.find((e: { id: string }) => e.id === 'samverkansmote-ifo').schedule = '0 8 1 3 *'));
    bot = await startBot({ clock: new ManualClock('2026-02-25T09:00:00+01:00'), env: { VARNA_CONFIG: config } });
    await bot.installTeam(team, as.intake);
    bot.connector.rosters.set(team, new Set([as.intake.aadObjectId]));
    await bot.services.jobs.runDue();
    bot.connector.take();
    const meeting = (calls: ConnectorCall[]) =>
      calls
        .filter((c) => c.body?.channelData?.channel?.id === channelId)
        .flatMap((c) => cardsOf(activityOf(c)))
        .filter((c) => /terminens samverkansmöte/.test(textOf(c)));

    bot.clock.set('2026-03-01T08:00:30+01:00'); // a Sunday
    assert.equal(meeting(await runAndDeliver(bot)).length, 0, 'not on a Sunday');
    bot.clock.set('2026-03-02T08:05:00+01:00');
    const [card] = meeting(await runAndDeliver(bot)).map((c) => checkCard(c));
    assert.ok(card, 'on Monday morning');
    assert.match(textOf(card), /Bjud in rektorerna till terminens samverkansmöte/);
    const reminderId = actionsOf(card)[0]!.data.reminderId as string;

    const inChannel = {
      conversation: { conversationType: 'channel', tenantId: bot.config.allowedTenants[0], id: `${channelId};messageid=thread-1` },
      channelData: { team: { id: team }, channel: { id: channelId } },
    };
    const outsider = await bot.execute(as.principal, 'reminder.done', { reminderId }, inChannel);
    assert.match(String(outsider.message), /inte behörighet/);
    const done = await bot.execute(as.intake, 'reminder.done', { reminderId }, inChannel);
    assert.match(textOf(done.card), /Markerat klart 2 mars 2026/);
  });

  it("posts the intake unit's daily list of what is due and overdue, and not on a public holiday", async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-30T09:00:00+02:00') });
    await bot.installTeam('19:exempel-ifo-team@thread.tacv2', as.intake);
    await bot.services.jobs.runDue();
    await insertReport(bot, { reference: 'EX-2026-0010', receivedAt: '2026-03-30T10:00:00+02:00' }); // protection due tomorrow
    await insertReport(bot, {
      reference: 'EX-2026-0011',
      receivedAt: '2026-03-17T10:00:00+01:00',
      receiptAt: '2026-03-17T11:00:00+01:00',
      protectionAt: '2026-03-17T12:00:00+01:00',
    }); // decision due 31 Mar
    await insertReport(bot, {
      reference: 'EX-2026-0012',
      receivedAt: '2026-03-10T10:00:00+01:00',
      receiptAt: '2026-03-10T11:00:00+01:00',
      protectionAt: '2026-03-10T12:00:00+01:00',
    }); // decision overdue
    bot.connector.take();
    bot.clock.set('2026-03-31T07:30:30+02:00');
    const calls = await runAndDeliver(bot);
    const channel = calls
      .filter((c) => c.body?.channelData?.channel?.id === '19:exempel-ifo-anmalningar@thread.tacv2')
      .flatMap((c) => cardsOf(activityOf(c)))
      .map((c) => checkCard(c));
    assert.equal(channel.length, 1);
    const shown = textOf(channel[0]);
    assert.match(shown, /Att göra i dag/);
    assert.match(shown, /Skyddsbedömning \(20 kap\. 1 §\)\nFörfaller i dag EX-2026-0010/);
    assert.match(shown, /Beslut om utredning inom 14 dagar \(20 kap\. 2 §\)\nFörsenade EX-2026-0012\nFörfaller i dag EX-2026-0011/);
    assert.match(shown, /Utan mottagningskvittens\nFörsenade EX-2026-0010/);
    assert.doesNotMatch(shown, /violence|våld/i);

    bot.clock.set('2026-04-06T07:30:30+02:00'); // Easter Monday (annandag påsk)
    const summaries = (calls: ConnectorCall[]) =>
      calls.flatMap((c) => cardsOf(activityOf(c))).filter((c) => /Att göra i dag/.test(textOf(c)));
    assert.equal(summaries(await runAndDeliver(bot)).length, 0);
    bot.clock.set('2026-04-07T07:30:30+02:00');
    assert.equal(summaries(await runAndDeliver(bot)).length, 1);
  });
});

/** A card the bot delivered, with the bot's clock at the moment it went out. */
interface Delivered {
  at: Date;
  conversation: string;
  card: any;
}

/**
 * Moves the clock from `from` to `to` an hour at a time (at half a minute past), running the jobs
 * and delivering at each step as the running bot would, and keeps every card it sent with the time.
 */
async function observe(bot: TestBot, from: string, to: string): Promise<Delivered[]> {
  const out: Delivered[] = [];
  for (let t = new Date(from).getTime(); t <= new Date(to).getTime(); t += 3_600_000) {
    bot.clock.set(new Date(t));
    for (const call of await runAndDeliver(bot)) {
      if (call.method !== 'POST') continue;
      const conversation = call.body?.channelData?.channel?.id ?? call.conversationId;
      for (const card of cardsOf(activityOf(call))) out.push({ at: new Date(t), conversation, card: checkCard(card) });
    }
  }
  return out;
}

interface CycleDelivery extends Delivered {
  entryId: string;
  dueAt: string;
  recipient: string;
  school: string;
}

/** The annual-cycle cards among them, each with its reminder row (entry, due time, school). */
async function cycleCards(bot: TestBot, delivered: Delivered[]): Promise<CycleDelivery[]> {
  const out: CycleDelivery[] = [];
  for (const d of delivered) {
    const id = actionsOf(d.card).find((a) => a.verb === 'reminder.done')?.data.reminderId as string | undefined;
    if (!id) continue;
    const row = await bot.services.store.db.selectFrom('reminders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    out.push({ ...d, entryId: row.entry_id, dueAt: row.due_at, recipient: d.conversation, school: row.school_id ?? '' });
  }
  return out;
}

/** What a person expects after an outage: one card per routine, still relevant, in working hours. */
function assertRelevantOnce(bot: TestBot, delivered: Delivered[], cycle: CycleDelivery[]): void {
  for (const d of delivered)
    assert.ok(isWorkingTime(d.at), `a card went out outside working hours: ${d.at.toISOString()} ${textOf(d.card).slice(0, 60)}`);
  const seen = new Map<string, string[]>();
  for (const c of cycle) {
    const key = `${c.entryId} to ${c.recipient} ${c.school}`;
    seen.set(key, [...(seen.get(key) ?? []), c.dueAt]);
    const window = durationMs(bot.config.municipality.annualCycle.find((e) => e.id === c.entryId)!.catchUpWithin);
    assert.ok(
      c.at.getTime() - nextWorkingTime(new Date(c.dueAt)).getTime() <= window,
      `${key}: the run of ${c.dueAt} is older than its window at ${c.at.toISOString()}`,
    );
  }
  for (const [key, runs] of seen) assert.equal(runs.length, 1, `${key} came ${runs.length} times: ${runs.join(', ')}`);
}

describe('reminders after downtime: each routine once, while relevant, in working hours', () => {
  let bot: TestBot;
  afterEach(async () => bot?.destroy());

  async function upWithEveryone(at: string): Promise<void> {
    bot = await startBot({ clock: new ManualClock(at) });
    await bot.installTeam('19:exempel-ifo-team@thread.tacv2', as.intake);
    await bot.installPersonal(as.principal);
    await bot.installPersonal(as.otherPrincipal);
    await bot.installPersonal(as.statistician);
    await bot.services.jobs.runDue(); // the jobs start counting now
    await bot.deliver();
    bot.connector.take();
  }

  it('down for a week: the missed term start arrives once on Monday morning, not on the Saturday night Värna came back; an interrupted send is not repeated', async function () {
    // An hour at a time over days of the clock: every step runs the jobs and the outbox.
    this.timeout(testStoreKind === 'postgres' ? 180_000 : 60_000);
    await upWithEveryone('2026-08-03T09:00:00+02:00');
    bot.clock.set('2026-08-07T12:00:00+02:00');
    await runAndDeliver(bot);
    await bot.stop();
    bot.clock.set('2026-08-15T22:00:30+02:00'); // back on a Saturday night, past the term start of 10 August
    await bot.start();
    bot.connector.take();
    // Teams takes the principal's term-start card, but its answer never reaches Värna.
    bot.connector.failNext(
      1,
      { status: 200, arrive: true },
      (c) =>
        c.method === 'POST' && c.conversationId === bot.personalConversation(as.principal) && /Terminsstart/.test(JSON.stringify(c.body)),
    );

    const delivered = await observe(bot, '2026-08-15T22:00:30+02:00', '2026-08-18T12:00:30+02:00');
    const cycle = await cycleCards(bot, delivered);
    assertRelevantOnce(bot, delivered, cycle);

    assert.ok(!delivered.some((d) => d.at < new Date('2026-08-17T07:00:00+02:00')), 'nothing on Saturday night or Sunday');
    for (const user of [as.principal, as.otherPrincipal]) {
      const start = cycle.filter((c) => c.entryId === 'terminsstart-ht' && c.recipient === bot.personalConversation(user));
      assert.equal(start.length, 1, user.name);
      assert.equal(start[0]!.at.toISOString(), new Date('2026-08-17T07:00:30+02:00').toISOString(), 'the first working morning');
      assert.match(textOf(start[0]!.card), /Påminnelse från 10 aug\. 2026/);
    }
    // The interrupted send could not be checked (a 1:1 chat): recorded, not sent a second time.
    assert.ok(bot.logs.events().some((e) => e.event === 'outbox.not-resent' && e.kind === 'reminder.cycle'));
    assert.ok(!delivered.some((d) => /Kan upprepa ett tidigare meddelande/.test(textOf(d.card))));
    // The weekly digest of 10 August is not caught up; that of 17 August comes at 07:00.
    const digests = delivered.filter(
      (d) => d.conversation === bot.personalConversation(as.principal) && /Veckans sammanfattning/.test(textOf(d.card)),
    );
    assert.deepEqual(
      digests.map((d) => d.at.toISOString()),
      [new Date('2026-08-17T07:00:30+02:00').toISOString()],
    );
    // The routines due on 17 August itself come at their time (independent schools' principals too).
    const lyran = cycle
      .filter((c) => c.recipient === bot.personalConversation(as.otherPrincipal))
      .map((c) => c.entryId)
      .sort();
    assert.deepEqual(lyran, ['fristaende-skolor', 'kontaktpersoner', 'terminsstart-ht']);
    assert.ok(
      !cycle.some((c) => c.recipient === bot.personalConversation(as.principal) && c.entryId === 'fristaende-skolor'),
      'a municipal school is not an independent one',
    );
  });

  it('down for a month: the monthly routine comes once (its latest run), older runs are logged', async function () {
    // An hour at a time over days of the clock: every step runs the jobs and the outbox.
    this.timeout(testStoreKind === 'postgres' ? 180_000 : 60_000);
    await upWithEveryone('2026-08-24T09:00:00+02:00');
    await bot.stop();
    bot.clock.set('2026-10-04T23:00:30+02:00'); // back on a Sunday night; missed 1 Sep, 1 Oct, 14 Sep, 21 Sep…
    await bot.start();
    bot.connector.take();
    const delivered = await observe(bot, '2026-10-04T23:00:30+02:00', '2026-10-06T12:00:30+02:00');
    const cycle = await cycleCards(bot, delivered);
    assertRelevantOnce(bot, delivered, cycle);

    const newStaff = cycle.filter((c) => c.entryId === 'nyanstallda' && c.recipient === bot.personalConversation(as.principal));
    assert.equal(newStaff.length, 1);
    assert.match(textOf(newStaff[0]!.card), /Påminnelse från 1 okt\. 2026/, 'the latest run, not the one of 1 September');
    const skipped = bot.logs.events().find((e) => e.event === 'job.skipped' && e.job === 'cycle:nyanstallda');
    assert.equal(skipped?.runs, 1);
    assert.equal(String(skipped?.from).slice(0, 10), '2026-09-01');
    // The term's meeting (14 Sep, window 3 weeks) and the internal control (21 Sep, 4 weeks) still make sense.
    assert.equal(cycle.filter((c) => c.entryId === 'samverkansmote' && c.recipient === bot.personalConversation(as.principal)).length, 1);
    const control = cycle.filter((c) => c.entryId === 'internkontroll');
    assert.equal(control.length, 1);
    assert.equal(control[0]!.recipient, bot.personalConversation(as.statistician));
    assert.ok(
      actionsOf(control[0]!.card).some((a) => a.title === 'Värnas siffror för VT 2026 (PDF)'),
      "last term's figures with the internal-control check",
    );
    assert.ok(
      cycle.every((c) => c.at >= new Date('2026-10-05T07:00:00+02:00')),
      'Monday morning, not Sunday night',
    );
  });

  it('down for three years: 36 missed runs of a monthly routine give at most one card, and nothing older than its window', async function () {
    // An hour at a time over days of the clock: every step runs the jobs and the outbox.
    this.timeout(testStoreKind === 'postgres' ? 180_000 : 60_000);
    await upWithEveryone('2026-09-15T10:00:00+02:00');
    // The run of 1 October is in the outbox when Värna goes down, not yet delivered.
    bot.clock.set('2026-10-01T07:00:30+02:00');
    await bot.services.jobs.runDue();
    await bot.stop();
    bot.clock.set('2029-09-15T10:00:30+02:00'); // a Saturday three years later
    await bot.start();
    bot.connector.take();
    const delivered = await observe(bot, '2029-09-15T10:00:30+02:00', '2029-09-18T12:00:30+02:00');
    const cycle = await cycleCards(bot, delivered);
    assertRelevantOnce(bot, delivered, cycle);

    assert.ok(cycle.filter((c) => c.entryId === 'nyanstallda').length <= 2, 'at most once for each of the two principals');
    assert.ok(
      !delivered.some((d) => /2026|2027|2028/.test(textOf(d.card))),
      'nothing from before the outage, not even the card waiting in the outbox',
    );
    assert.ok(
      bot.logs.events().some((e) => e.event === 'reminders.cycle.stale' && e.reminder),
      'the waiting card is logged, not sent',
    );
    // The term start of 13 August 2029 is five weeks old: logged, not sent.
    assert.ok(
      bot.logs
        .events()
        .some((e) => e.event === 'reminders.cycle.stale' && e.entry === 'terminsstart-ht' && String(e.dueAt).startsWith('2029-08-13')),
    );
    assert.ok(!cycle.some((c) => c.entryId === 'terminsstart-ht'));
    // Still relevant: this term's meeting of 10 September (window three weeks).
    assert.equal(cycle.filter((c) => c.entryId === 'samverkansmote' && c.recipient === bot.personalConversation(as.principal)).length, 1);
    await bot.restart();
    bot.connector.take();
    assert.equal(
      (await observe(bot, '2029-09-18T13:00:30+02:00', '2029-09-18T14:00:30+02:00')).length,
      0,
      'nothing twice after another restart',
    );
  });

  it('holds a draft nudge due in the evening until the next working morning', async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-06T17:30:00+01:00') }); // a Friday
    await bot.installPersonal(as.teacher);
    await bot.services.jobs.runDue();
    await insertDraft(bot, 'draft-evening', as.teacher);
    bot.connector.take();
    const delivered = await observe(bot, '2026-03-06T18:30:30+01:00', '2026-03-09T08:00:30+01:00');
    assert.deepEqual(
      delivered.map((d) => [d.at.toISOString(), /inte skickad/.test(textOf(d.card))]),
      [[new Date('2026-03-09T07:30:30+01:00').toISOString(), true]],
    );
  });
});

describe('reminders at scale: 2,000 principals', () => {
  let bot: TestBot;
  afterEach(async () => bot?.destroy());

  it('delivers the term-start reminder to 2,000 principals exactly once, paced, with the connector answering 429 half the time', async function () {
    // About 15-30 s on SQLite: 4,000 real HTTP requests through the Bot Framework client; PostgreSQL
    // adds a network round trip to each of the outbox's statements.
    this.timeout(testStoreKind === 'postgres' ? 300_000 : 90_000);
    const N = 2_000;
    const aad = (i: number) => `6f1c2a10-0000-4000-8000-${(100_000 + i).toString().padStart(12, '0')}`;
    const example = parse(readFileSync('config/example.yaml', 'utf8'));
    const municipality = {
      ...example,
      schools: Array.from({ length: N }, (_, i) => ({
        id: `skola-${i}`,
        name: `Skola ${i}`,
        type: i % 4 ? 'municipal' : 'independent',
        district: i % 2 ? 'norra' : 'sodra',
        principals: [{ aadObjectId: aad(i), name: `Rektor Nummer${i}` }],
      })),
      annualCycle: example.annualCycle.filter((e: { id: string }) => e.id === 'terminsstart-ht'),
      reminders: { ...example.reminders, principalDigest: '0 7 1 1 *' }, // the weekly digest is not due in this test
    };
    const file = join(mkdtempSync(join(tmpdir(), 'varna-config-')), 'stor-kommun.json');
    writeFileSync(file, JSON.stringify(municipality));
    forbid('Rektor Nummer1');

    bot = await startBot({ clock: new ManualClock('2026-08-03T09:00:00+02:00'), env: { VARNA_CONFIG: file } });
    const { jobs, outbox, store } = bot.services;
    // 2,000 personal installations, as the admin's setup policy makes them (written in bulk).
    const now = bot.clock.now().toISOString();
    const installs = Array.from({ length: N }, (_, i) => {
      const conversation = { id: `a:p-${i}`, conversationType: 'personal', tenantId: bot.config.allowedTenants[0]! };
      const reference = {
        serviceUrl: bot.connector.url,
        channelId: 'msteams',
        conversation,
        bot: { id: `28:${bot.config.botAppId}` },
        user: { id: `29:${aad(i)}`, aadObjectId: aad(i) },
      };
      return {
        key: `user:${aad(i)}`,
        kind: 'personal' as const,
        aad_object_id: aad(i),
        team_id: null,
        tenant_id: conversation.tenantId,
        service_url: bot.connector.url,
        conversation_id: conversation.id,
        reference: JSON.stringify(reference),
        installed_at: now,
        updated_at: now,
      };
    });
    for (let i = 0; i < N; i += 500)
      await store.db
        .insertInto('installations')
        .values(installs.slice(i, i + 500))
        .execute();
    await jobs.runDue();

    // Every send attempt, at the bot's clock time; half of them answered 429 with Retry-After: 1 s.
    const attempts: Array<{ conversation: string; at: number; throttled: boolean }> = [];
    let seed = 42;
    const coin = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 < 0.5;
    bot.connector.failWith = (call) => {
      if (call.method !== 'POST' || !call.conversationId.startsWith('a:p-')) return undefined;
      const throttled = coin();
      attempts.push({ conversation: call.conversationId, at: bot.clock.now().getTime(), throttled });
      return throttled ? { status: 429, retryAfterSeconds: 1 } : undefined;
    };

    const started = Date.now();
    bot.clock.set('2026-08-10T07:00:30+02:00');
    await jobs.runDue();
    const first = bot.clock.now().getTime();
    for (let step = 0; step < 5_000; step++) {
      await outbox.drain();
      const next = await outbox.nextAttemptAt();
      if (!next) break;
      bot.clock.set(new Date(Math.max(next.getTime(), bot.clock.now().getTime() + 1)));
    }
    const elapsed = Date.now() - started;

    // All delivered, each once.
    const delivered = new Map<string, number>();
    for (const c of bot.connector.calls)
      if (c.method === 'POST' && c.conversationId.startsWith('a:p-'))
        delivered.set(c.conversationId, (delivered.get(c.conversationId) ?? 0) + 1);
    assert.equal(delivered.size, N);
    assert.ok(
      [...delivered.values()].every((n) => n === 1),
      'each principal got the reminder exactly once',
    );
    assert.deepEqual(
      (await store.outbox.counts()).map((r) => [r.status, Number(r.n)]),
      [['sent', N]],
    );
    const throttled = attempts.filter((a) => a.throttled).length;
    assert.ok(throttled > N * 0.8, `the connector throttled ${throttled} of ${attempts.length} attempts`);

    // Paced: never more than Teams' limits within any window of the bot's clock.
    const maxIn = (times: number[], ms: number) => {
      const sorted = [...times].sort((a, b) => a - b);
      let max = 0;
      for (let i = 0, j = 0; i < sorted.length; i++) {
        while (sorted[j]! <= sorted[i]! - ms) j++;
        max = Math.max(max, i - j + 1);
      }
      return max;
    };
    assert.ok(
      maxIn(
        attempts.map((a) => a.at),
        1_000,
      ) <= 50,
      'at most 50 requests a second for the tenant',
    );
    const byConversation = new Map<string, Array<{ at: number; throttled: boolean }>>();
    for (const a of attempts) byConversation.set(a.conversation, [...(byConversation.get(a.conversation) ?? []), a]);
    for (const [conversation, list] of byConversation) {
      const times = list.map((a) => a.at);
      assert.ok(maxIn(times, 1_000) <= 7 && maxIn(times, 30_000) <= 60 && maxIn(times, 3_600_000) <= 1_800, conversation);
      // Retry-After honoured: no attempt sooner than the second the connector asked for.
      for (let i = 1; i < list.length; i++)
        if (list[i - 1]!.throttled) assert.ok(list[i]!.at - list[i - 1]!.at >= 1_000, `${conversation} retried too soon`);
    }
    const span = Math.max(...attempts.map((a) => a.at)) - first;
    assert.ok(span >= ((attempts.length - 50) / 50) * 1_000, `spread over ${span} ms of the clock for ${attempts.length} requests`);
    console.log(
      `      ${N} principals, ${attempts.length} requests (${throttled} throttled) over ${Math.round(span / 1000)} s of clock time, in ${elapsed} ms`,
    );
  });
});
