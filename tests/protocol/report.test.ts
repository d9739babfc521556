import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBot, type TestBot } from '../support/bot';
import { actionsOf, cardsOf, checkCard, inputsOf, textOf } from '../support/cards';
import { activityOf } from '../support/connector';
import { ManualClock } from '../support/clock';
import { forbid } from '../support/logs';
import {
  TEST_CHILD,
  TEST_OBSERVED,
  TEST_PNR,
  TEST_WORDS,
  cardBelow,
  draftIdOf,
  fillReport,
  reportInput,
  sendValues,
  submitReport,
} from '../support/report';
import { as } from '../support/users';
import { ReportExport } from '../../src/services/reports/export';
import { findInTables } from '../support/scan';
import { REPORTS_CHANNEL, TEAM, channelCards, channelConversation, intakeReady } from '../support/intake';

describe('the report (orosanmälan) over the protocol', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await intakeReady(bot);
  });
  afterEach(async () => bot.destroy());

  it('goes from "Anmäl oro" to the channel card, with the receipt in the teacher\'s chat at once', async () => {
    const menu = cardsOf(activityOf((await bot.send(as.teacher, 'hej'))[0]!))[0];
    assert.ok(actionsOf(menu).some((a) => a.title === 'Anmäl oro' && a.verb === 'report.start'));

    const { draftId, review } = await fillReport(bot, as.teacher);
    assert.match(textOf(review), /Granska och skicka/);
    assert.match(textOf(review), new RegExp(TEST_CHILD));

    const sent = await bot.execute(as.teacher, 'report.submit', { draftId, ...sendValues(reportInput()) });
    const receipt = sent.card;
    assert.match(textOf(receipt), /Anmälan VÄ-2026-00001 är skickad/);
    assert.match(textOf(receipt), /IFO-mottagningen barn och unga/);
    assert.match(textOf(receipt), /genast bedöma om barnet behöver skydd: samma dag som anmälan kommer in/);
    assert.doesNotMatch(textOf(receipt), /läses nästa arbetsdag/, 'sent in office hours');
    assert.match(textOf(receipt), /Inom 14 dagar/);
    assert.match(textOf(receipt), /Du har bett om återkoppling/);
    assert.match(textOf(receipt), /OSL 40 kap\. 7 g §/);

    // The report is stored before anything is sent; the outbox then delivers the channel card.
    assert.equal(channelCards(bot).length, 0);
    await bot.deliver();
    const [channel] = channelCards(bot);
    assert.ok(channel, 'the channel card arrived');
    const shown = textOf(channel);
    assert.match(shown, /Ny orosanmälan VÄ-2026-00001/);
    assert.match(shown, /Ekbackens skola \(kommunal\)/);
    assert.match(shown, /Våld eller hot mot barnet/);
    assert.match(shown, /Skyddsbedömning \(20 kap\. 1 §\): senast/);
    assert.match(shown, /Beslut inom 14 dagar \(20 kap\. 2 §\): senast/);
    assert.match(shown, /vill ha återkoppling/);
    const raw = JSON.stringify(channel);
    for (const secret of [
      TEST_CHILD,
      'Elin',
      TEST_PNR,
      '201212121212',
      '1212',
      TEST_OBSERVED.slice(0, 20),
      TEST_WORDS,
      'Storgatan',
      'Gustav',
      'Tina',
    ])
      assert.ok(!raw.includes(secret), `channel card shows "${secret}"`);

    const report = await bot.services.reports.byReference('VÄ-2026-00001');
    assert.ok(report?.channelActivityId, 'the card id is kept for updates');
  });

  it('asks about immediate danger first, with 112 and the number to call, and shows 112 on every card once the answer is yes', async () => {
    const start = await bot.execute(as.teacher, 'report.start', {});
    const first = textOf(start.card);
    assert.ok(first.indexOf('ring 112') < first.indexOf('Barnets namn'), 'the acute question comes before the child');
    assert.match(first, /Vid akut fara: ring 112 först\. Ring sedan IFO-mottagningen barn och unga, 0123-456 00\./);
    assert.equal(inputsOf(start.card)[0]?.id, 'immediateDanger');
    const draftId = draftIdOf(start.card);
    const next = await bot.execute(as.teacher, 'report.step', {
      draftId,
      step: 'childPage',
      immediateDanger: 'yes',
      ...reportInput().child,
    });
    assert.match(textOf(next.card), /Steg 2 av 3/);
    assert.match(textOf(next.card), /Ring 112 nu/);
    assert.match(textOf(next.card), /0123-456 00/);
    assert.match(textOf(next.card), /skriftlig/);
    bot.clock.set('2026-03-02T20:00:00+01:00');
    const evening = await bot.execute(as.teacher, 'report.resume', { draftId });
    assert.match(textOf(evening.card), /socialjouren, 0123-456 99/);
    const fresh = await bot.execute(as.teacher, 'report.start', {});
    assert.match(textOf(fresh.card), /Det är utanför kontorstid: ring sedan socialjouren, 0123-456 99\./);
  });

  it("keeps the acute answer when the child's details are wrong, and shows 112 at once", async () => {
    const start = await bot.execute(as.teacher, 'report.start', {});
    const draftId = draftIdOf(start.card);
    const res = await bot.execute(as.teacher, 'report.step', {
      draftId,
      step: 'childPage',
      immediateDanger: 'yes',
      childName: '',
      pnr: '',
      schoolId: 'ekbacken',
    });
    assert.match(textOf(res.card), /Steg 1 av 3/);
    assert.match(textOf(res.card), /Ring 112 nu/);
    assert.equal(inputsOf(res.card).find((i) => i.id === 'immediateDanger')?.value, 'yes');
  });

  it('refuses an invalid personnummer next to the field and keeps everything typed', async () => {
    const start = await bot.execute(as.teacher, 'report.start', {});
    const draftId = draftIdOf(start.card);
    const child = { ...reportInput().child, pnr: '20121212-1213' };
    const res = await bot.execute(as.teacher, 'report.step', { draftId, step: 'childPage', immediateDanger: 'no', ...child });
    assert.match(textOf(res.card), /inte ett giltigt personnummer/);
    const body = JSON.stringify(res.card.body);
    const at = body.indexOf('inte ett giltigt personnummer');
    assert.ok(at > body.indexOf('"id":"pnr"') && at < body.indexOf('"id":"birthDate"'), 'the error is next to its field');
    const values = Object.fromEntries(inputsOf(res.card).map((i) => [i.id, i.value]));
    assert.equal(values.immediateDanger, 'no');
    assert.equal(values.childName, TEST_CHILD);
    assert.equal(values.pnr, '20121212-1213');
    assert.equal(values.className, '5B');
    assert.equal(values.address, 'Storgatan 12');
    // A restart loses nothing either: the rejected values are in the stored draft.
    await bot.restart();
    const resumed = await bot.execute(as.teacher, 'report.resume', { draftId });
    assert.equal(inputsOf(resumed.card).find((i) => i.id === 'childName')?.value, TEST_CHILD);
    assert.equal(inputsOf(resumed.card).find((i) => i.id === 'address')?.value, 'Storgatan 12');
  });

  it('accepts a personnummer typed with a space, like the other forms', async () => {
    for (const pnr of ['20150714 9803', '20150714-9803', '201507149803', '150714-9803', '150714 9803']) {
      const start = await bot.execute(as.teacher, 'report.start', {});
      const draftId = draftIdOf(start.card);
      const res = await bot.execute(as.teacher, 'report.step', {
        draftId,
        step: 'childPage',
        immediateDanger: 'no',
        ...reportInput().child,
        pnr,
      });
      assert.match(textOf(res.card), /Steg 2 av 3/, `${pnr}: ${textOf(res.card).slice(0, 400)}`);
    }
  });

  it('accepts a date of birth instead of a personnummer, and refuses an adult', async () => {
    const start = await bot.execute(as.teacher, 'report.start', {});
    const draftId = draftIdOf(start.card);
    const adult = await bot.execute(as.teacher, 'report.step', {
      draftId,
      step: 'childPage',
      immediateDanger: 'no',
      childName: TEST_CHILD,
      pnr: '',
      birthDate: '2001-05-04',
      schoolId: 'ekbacken',
    });
    assert.match(textOf(adult.card), /18 år eller äldre/);
    const ok = await bot.execute(as.teacher, 'report.step', {
      draftId,
      step: 'childPage',
      immediateDanger: 'no',
      childName: TEST_CHILD,
      pnr: '',
      birthDate: '2015-05-04',
      schoolId: 'ekbacken',
    });
    assert.match(textOf(ok.card), /Steg 2 av 3: Oron och vårdnadshavarna/);
  });

  it('names every missing required fact on the same card', async () => {
    const start = await bot.execute(as.teacher, 'report.start', {});
    const draftId = draftIdOf(start.card);
    await bot.execute(as.teacher, 'report.step', { draftId, step: 'childPage', immediateDanger: 'no', ...reportInput().child });
    const res = await bot.execute(as.teacher, 'report.step', {
      draftId,
      step: 'concernPage',
      category: 'neglect',
      observed: '  ',
      when: '',
      childWords: TEST_WORDS,
      guardians: '',
      informed: 'notYet',
    });
    const text = textOf(res.card);
    assert.match(text, /Steg 2 av 3/);
    const errors = res.card.body.filter((e: any) => e.type === 'TextBlock' && e.text === 'Obligatoriskt – fyll i det här.');
    assert.equal(errors.length, 3, text);
    assert.equal(inputsOf(res.card).find((i) => i.id === 'informed')?.value, 'notYet');
    assert.equal(inputsOf(res.card).find((i) => i.id === 'childWords')?.value, TEST_WORDS);
    assert.equal(inputsOf(res.card).find((i) => i.id === 'category')?.value, 'neglect');
  });

  it('answers 20 kB pasted into a field with a clear message and leaves the card as it was', async () => {
    const { draftId } = await fillReport(bot, as.teacher);
    const huge = 'Lång text. '.repeat(2000);
    forbid(huge.slice(0, 60));
    const res = await bot.execute(as.teacher, 'report.step', {
      draftId,
      step: 'concernPage',
      ...reportInput().concern,
      ...reportInput().guardians,
      observed: huge,
    });
    assert.equal(res.card, undefined, 'the card is not replaced');
    assert.match(res.message!, /Vad har du sett eller hört\?: Texten är 2\d{4} tecken; högst 8000 ryms/);
    const review = await bot.execute(as.teacher, 'report.goto', { draftId, step: 'review' });
    assert.match(textOf(review.card), new RegExp(TEST_OBSERVED.slice(0, 30)), 'the earlier text is still there');
  });

  it('keeps emoji and right-to-left text, and renders markup and links as plain text', async () => {
    const hostile = '**fet** [klicka](https://evil.example) <b>html</b> ${template} 😢 مرحبا שלום';
    forbid('evil.example');
    const input = reportInput();
    input.concern = { ...input.concern, childWords: hostile };
    const { review } = await fillReport(bot, as.teacher, input);
    const json = JSON.stringify(review);
    assert.ok(json.includes('😢 مرحبا שלום'));
    // The hostile text appears only inside TextRuns, which Teams never renders as markdown or links.
    const holders: string[] = [];
    const walk = (n: any): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') {
        if (typeof n.text === 'string' && n.text.includes('evil.example')) holders.push(n.type);
        Object.values(n).forEach(walk);
      }
    };
    walk(review);
    assert.deepEqual([...new Set(holders)], ['TextRun']);
  });

  it('creates one report for a double press of "Skicka" and answers the second with the same receipt', async () => {
    const { draftId } = await fillReport(bot, as.teacher);
    const [first, second] = await Promise.all([
      bot.execute(as.teacher, 'report.submit', { draftId }),
      bot.execute(as.teacher, 'report.submit', { draftId }),
    ]);
    const third = await bot.execute(as.teacher, 'report.submit', { draftId });
    for (const r of [first, second, third]) assert.match(textOf(r.card), /VÄ-2026-00001/);
    const count = await bot.services.store.db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
    await bot.deliver();
    assert.equal(channelCards(bot).length, 1);
  });

  it('resumes a draft after a restart, from the menu', async () => {
    const start = await bot.execute(as.teacher, 'report.start', {});
    const draftId = draftIdOf(start.card);
    await bot.execute(as.teacher, 'report.step', { draftId, step: 'childPage', immediateDanger: 'no', ...reportInput().child });
    await bot.restart();
    const menu = cardsOf(activityOf((await bot.send(as.teacher, 'hej'))[0]!))[0];
    assert.match(textOf(menu), /påbörjat utkast/);
    const resume = actionsOf(menu).find((a) => a.title === 'Fortsätt utkast');
    assert.equal(resume?.data?.draftId, draftId);
    const card = await bot.execute(as.teacher, 'report.resume', { draftId });
    assert.match(textOf(card.card), /Steg 2 av 3: Oron och vårdnadshavarna/);
  });

  it('deletes a discarded draft for real (row and data key gone)', async () => {
    const start = await bot.execute(as.teacher, 'report.start', {});
    const draftId = draftIdOf(start.card);
    const confirm = await bot.execute(as.teacher, 'report.discard', { draftId });
    assert.match(textOf(confirm.card), /raderas helt/);
    const done = await bot.execute(as.teacher, 'report.discardConfirm', { draftId });
    assert.match(textOf(done.card), /borttaget/);
    const db = bot.services.store.db;
    assert.equal(await db.selectFrom('drafts').select('id').where('id', '=', draftId).executeTakeFirst(), undefined);
    assert.equal(await db.selectFrom('data_keys').select('record_id').where('record_id', '=', draftId).executeTakeFirst(), undefined);
  });

  it("lets the teacher report a sibling below the receipt: the facts prefilled for review, the first child's own words left out", async () => {
    const { receipt } = await submitReport(bot, as.teacher);
    const sibling = actionsOf(receipt).find((a) => a.verb === 'report.sibling');
    assert.ok(sibling);
    const res = await bot.execute(as.teacher, 'report.sibling', sibling.data);
    assert.match(res.message!, /nytt meddelande här nedanför/);
    const first = cardBelow(res);
    assert.match(textOf(first), /Steg 1 av 3: Akut fara och barnet/);
    const values = Object.fromEntries(inputsOf(first).map((i) => [i.id, i.value]));
    assert.equal(values.childName, undefined);
    assert.equal(values.schoolId, 'ekbacken');
    assert.equal(values.immediateDanger, 'no', 'the acute answer comes from the first report, and can be changed');
    const draftId = draftIdOf(first);
    const next = await bot.execute(as.teacher, 'report.step', {
      draftId,
      step: 'childPage',
      ...values,
      childName: 'Olle Testbarn',
      pnr: '',
      birthDate: '2017-01-01',
    });
    assert.match(textOf(next.card), /Steg 2 av 3: Oron/, 'the concern is not marked complete: the teacher reviews it');
    const concern = Object.fromEntries(inputsOf(next.card).map((i) => [i.id, i.value]));
    assert.equal(concern.observed, TEST_OBSERVED, 'the facts are prefilled');
    assert.equal(concern.category, 'violence');
    assert.equal(concern.when, '2026-03-02 kl. 08.15');
    assert.equal(concern.guardians, 'Gustav Vårdnadshavare, 070-000 00 00');
    assert.equal(concern.childWords, undefined, "the first child's own words are not the sibling's");
    assert.doesNotMatch(JSON.stringify(next.card), new RegExp(TEST_WORDS));
    const reviewed = await bot.execute(as.teacher, 'report.step', { draftId, step: 'concernPage', ...concern });
    assert.match(textOf(reviewed.card), /Steg 3 av 3: Granska och skicka/, 'the reporter and the wishes are already filled');
    assert.doesNotMatch(textOf(reviewed.card), new RegExp(TEST_WORDS));
    const sent = await bot.execute(as.teacher, 'report.submit', {
      draftId,
      ...Object.fromEntries(inputsOf(reviewed.card).map((i) => [i.id, i.value ?? ''])),
    });
    assert.match(textOf(sent.card), /VÄ-2026-00002 är skickad/);
  });

  it('never replaces the receipt: the menu comes below it too', async () => {
    const { receipt } = await submitReport(bot, as.teacher);
    const menu = actionsOf(receipt).find((a) => a.verb === 'welcome.show')!;
    const res = await bot.execute(as.teacher, menu.verb!, menu.data);
    assert.match(textOf(cardBelow(res)), /Anmäl oro/);
  });

  it('routes a report from an independent school exactly like a municipal one', async () => {
    const input = reportInput();
    input.child = { ...input.child, schoolId: 'friskolan-lyran' };
    await submitReport(bot, as.teacher, input);
    await bot.deliver();
    const [card] = channelCards(bot);
    assert.match(textOf(card), /Friskolan Lyran \(fristående\)/);
  });

  it('opens the full report only for intake members; a refusal is audited, and so is every opening', async () => {
    const { reference } = await submitReport(bot, as.teacher);
    await bot.deliver();
    const refused = await bot.taskFetch(as.stranger, { verb: 'report.open', reference }, channelConversation());
    assert.equal(refused.status, 200);
    assert.doesNotMatch(JSON.stringify(refused.body), /Elin/);
    assert.match(JSON.stringify(refused.body), /behörighet/);
    const opened = await bot.taskFetch(as.intake, { verb: 'report.open', reference }, channelConversation());
    const dialog = opened.body?.task?.value;
    assert.equal(opened.body?.task?.type, 'continue');
    const full = checkCard(dialog.card.content);
    assert.match(textOf(full), new RegExp(TEST_CHILD));
    assert.match(textOf(full), /20121212-1212/);
    assert.match(textOf(full), new RegExp(TEST_WORDS));
    const audit = await bot.services.store.audit.forSubject(reference);
    assert.deepEqual(
      audit.map((a) => [a.action, a.outcome, a.actor]),
      [
        ['report.submitted', 'allowed', as.teacher.aadObjectId],
        ['report.view', 'refused', as.stranger.aadObjectId],
        ['report.view', 'allowed', as.intake.aadObjectId],
      ],
    );
  });

  it('tells intake about earlier reports on the same child that Värna still holds, and says which period that is', async () => {
    await submitReport(bot, as.teacher);
    bot.clock.advance(30 * 86_400_000);
    const { reference } = await submitReport(bot, as.teacher);
    const opened = await bot.taskFetch(as.intake, { verb: 'report.open', reference }, channelConversation());
    const full = opened.body.task.value.card.content;
    assert.match(
      textOf(full),
      /Tidigare anmälningar om samma barn som Värna har kvar: 1\. Värna visar högst 12 månader bakåt och gallrar en anmälan 90 dagar efter beslutet om utredning/,
    );
    assert.doesNotMatch(textOf(full), /de senaste 12 månaderna/);
    assert.match(textOf(full), /VÄ-2026-00001/);
  });

  it('delivers the channel card once after the connector fails with 429 and 500 for a while', async () => {
    bot.connector.failNext(3, { status: 429, retryAfterSeconds: 2 }, (c) => c.method === 'POST' && !c.conversationId);
    await submitReport(bot, as.teacher);
    await bot.deliver();
    assert.equal(channelCards(bot).length, 0);
    bot.clock.advance(3_000);
    await bot.deliver();
    bot.clock.advance(10_000);
    await bot.deliver();
    bot.connector.failNext(2, { status: 500 }, (c) => c.method === 'POST' && !c.conversationId);
    for (let i = 0; i < 6; i++) {
      bot.clock.advance(60_000);
      await bot.deliver();
    }
    assert.equal(channelCards(bot).length, 1);
    bot.clock.advance(3_600_000);
    await bot.deliver();
    assert.equal(channelCards(bot).length, 1, 'delivered once, not again');
  });

  it('tells the teacher to phone the intake unit when the card has not arrived within 15 minutes', async () => {
    bot.connector.failWith = (c) => (c.method === 'POST' && !c.conversationId ? { status: 503 } : undefined);
    const { reference } = await submitReport(bot, as.teacher);
    for (let i = 0; i < 20; i++) {
      bot.clock.advance(60_000);
      await bot.deliver();
    }
    const toTeacher = bot.connector.posted(bot.personalConversation(as.teacher)).flatMap((c) => cardsOf(activityOf(c)));
    const warning = toTeacher.map(textOf).find((t) => t.includes('har ännu inte kommit fram'));
    assert.ok(warning, 'the teacher is told');
    assert.match(warning, new RegExp(`${reference}.*Ring IFO-mottagningen barn och unga, 0123-456 00`));
    assert.ok(bot.logs.events().some((e) => e.event === 'outbox.deadline' && e.alert === 'operational'));
    bot.connector.failWith = undefined;
    bot.clock.advance(10 * 60_000);
    await bot.deliver();
    assert.equal(channelCards(bot).length, 1, 'it still arrives, once');
  });

  it("keeps the child's identity and the concern encrypted at rest", async () => {
    await submitReport(bot, as.teacher);
    const secrets = [TEST_CHILD, '201212121212', TEST_PNR, 'blåmärken', 'Jag vill inte', 'Gustav'];
    assert.deepEqual(await findInTables(bot.services.store.db, secrets), [], 'no table holds it in clear');
    await bot.stop();
    const files = readdirSync(bot.dataDir).filter((f) => f.startsWith('varna.db'));
    const bytes = files.map((f) => readFileSync(join(bot.dataDir, f)).toString('latin1')).join('');
    for (const secret of secrets)
      assert.ok(!bytes.includes(Buffer.from(secret, 'utf8').toString('latin1')), `"${secret}" is readable in the database file`);
    await bot.start();
  });
});

describe('report exports for the case system', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await intakeReady(bot);
  });
  afterEach(async () => bot.destroy());

  async function exportLinks(reference: string) {
    const opened = await bot.taskFetch(as.intake, { verb: 'report.open', reference }, channelConversation());
    const actions = actionsOf(opened.body.task.value.card.content);
    const json = actions.find((a: any) => /JSON/.test(a.title)) as any;
    const pdf = actions.find((a: any) => /PDF/.test(a.title)) as any;
    const urlOf = (a: any) => (opened.body.task.value.card.content.actions as any[]).find((x) => x.title === a.title).url as string;
    return { json: urlOf(json), pdf: urlOf(pdf) };
  }

  it('gives intake the report as JSON (matching the published schema) and as a PDF, each download audited', async () => {
    const { reference } = await submitReport(bot, as.teacher);
    const links = await exportLinks(reference);
    const json = await fetch(links.json);
    assert.equal(json.status, 200);
    const data = (await json.json()) as any;
    ReportExport.parse(data);
    assert.equal(data.reference, reference);
    assert.equal(data.child.personalIdentityNumber, '201212121212');
    assert.equal(data.concern.category, 'violence');
    const pdf = await fetch(links.pdf);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
    const exports = (await bot.services.store.audit.forSubject(reference)).filter((a) => a.action === 'report.export');
    assert.equal(exports.length, 2);
    assert.ok(exports.every((a) => a.outcome === 'allowed' && a.actor === as.intake.aadObjectId));
  });

  it('refuses a tampered or expired export link, and counts the refusal in the audit log', async () => {
    const { reference } = await submitReport(bot, as.teacher);
    const links = await exportLinks(reference);
    const tampered = links.json.replace(/u=[^&]+/, `u=${as.stranger.aadObjectId}`);
    assert.equal((await fetch(tampered)).status, 403);
    bot.clock.advance(11 * 60_000);
    const expired = await fetch(links.json);
    assert.equal(expired.status, 403);
    assert.match(((await expired.json()) as any).error, /gått ut/);
    const refused = (await bot.services.store.audit.forSubject(reference)).filter(
      (a) => a.action === 'report.export' && a.outcome === 'refused',
    );
    assert.equal(refused.length, 0, 'a bad link costs no audit row of its own');
    await bot.restart(); // refused downloads are written as one entry a minute (or at a stop)
    const counted = (await bot.services.store.audit.forSubject('exports')).map((a) => JSON.parse(a.detail));
    assert.deepEqual([counted.reduce((n, d) => n + d.invalid, 0), counted.reduce((n, d) => n + d.expired, 0)], [1, 1]);
  });
});
