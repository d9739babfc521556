import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBot, type TestBot } from '../support/bot';
import { actionsOf, inputsOf, textOf } from '../support/cards';
import { ManualClock } from '../support/clock';
import { TEST_CHILD, TEST_OBSERVED, TEST_PNR, draftIdOf, fillReport, reportInput } from '../support/report';
import { limits } from '../../src/services/reports/model';
import { as, type TestUser } from '../support/users';

async function intakeReady(bot: TestBot): Promise<void> {
  await bot.installTeam('19:exempel-ifo-team@thread.tacv2', as.intake);
  await bot.installPersonal(as.teacher);
}

/** What a person does on a card: reads what is there, fills some fields, presses one button. Counted. */
class Teacher {
  presses = 0;
  filled = 0;
  cards: any[] = [];
  constructor(
    private bot: TestBot,
    private user: TestUser,
  ) {}

  async start(): Promise<any> {
    this.presses++;
    const res = await this.bot.execute(this.user, 'report.start', {});
    assert.ok(res.card, res.message);
    this.cards.push(res.card);
    return res.card;
  }

  /**
   * Fills `typed` and presses the button titled `title`: Teams sends every input of the card (a
   * prefilled one with its value) with the button's data. A field counts as filled when the teacher
   * had to change what the card showed.
   */
  async press(card: any, title: string, typed: Record<string, string>): Promise<{ card?: any; message?: string }> {
    const button = actionsOf(card).find((a) => a.title === title && a.type === 'Action.Execute');
    assert.ok(button, `no "${title}" on the card`);
    const shown = Object.fromEntries(inputsOf(card).map((i) => [i.id as string, (i.value as string | undefined) ?? '']));
    for (const [field, value] of Object.entries(typed)) {
      assert.ok(field in shown, `no field ${field} on the card`);
      if (value !== shown[field]) this.filled++;
    }
    this.presses++;
    const res = await this.bot.execute(this.user, button.verb!, { ...button.data, ...shown, ...typed });
    if (res.card && !/är skickad/.test(textOf(res.card))) this.cards.push(res.card);
    return res;
  }
}

/** Every rich text line of a card as the reader sees it: "Vårdnadshavarna vet om anmälan: Nej". */
function lines(card: any): string[] {
  const out: string[] = [];
  const walk = (n: any): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      if (n.type === 'RichTextBlock') out.push(n.inlines.map((i: any) => i.text).join(''));
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return out;
}

/** Inputs side by side (a ColumnSet of inputs) are unusable on a phone. */
function inputsInColumns(card: any): string[] {
  const found: string[] = [];
  const walk = (n: any, inColumns: boolean): void => {
    if (Array.isArray(n)) n.forEach((x) => walk(x, inColumns));
    else if (n && typeof n === 'object') {
      if (inColumns && typeof n.type === 'string' && n.type.startsWith('Input.')) found.push(n.id);
      Object.values(n).forEach((v) => walk(v, inColumns || n.type === 'ColumnSet'));
    }
  };
  walk(card, false);
  return found;
}

const input = reportInput();
const required = {
  card1: { immediateDanger: 'no', childName: TEST_CHILD, pnr: TEST_PNR, schoolId: 'ekbacken' },
  card2: {
    category: 'violence',
    observed: TEST_OBSERVED,
    when: 'i dag kl. 08.15',
    guardians: 'Gustav Vårdnadshavare',
    informed: 'noSensitive',
  },
  card3: { principalKnows: 'yes', reporterRole: 'Lärare', reporterPhone: '070-111 22 33' },
};

/** From "Anmäl oro" to the receipt as a teacher does it: only the fields that must be filled. */
async function walk(bot: TestBot, user: TestUser): Promise<{ teacher: Teacher; receipt: any }> {
  const teacher = new Teacher(bot, user);
  const first = await teacher.start();
  const second = (await teacher.press(first, 'Nästa', required.card1)).card;
  assert.match(textOf(second), /Steg 2 av 3/);
  const third = (await teacher.press(second, 'Nästa', required.card2)).card;
  assert.match(textOf(third), /Steg 3 av 3: Granska och skicka/);
  const shown = Object.fromEntries(inputsOf(third).map((i) => [i.id as string, (i.value as string | undefined) ?? '']));
  // A field the card already holds (remembered from the last report) is not typed again.
  const typed = Object.fromEntries(Object.entries(required.card3).filter(([k]) => !shown[k] || k === 'principalKnows'));
  const sent = await teacher.press(third, 'Skicka anmälan', typed);
  assert.match(textOf(sent.card), /VÄ-\d{4}-\d{5} är skickad/, sent.message);
  return { teacher, receipt: sent.card };
}

describe('the report form in three cards (issue 22 §1)', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await intakeReady(bot);
  });
  afterEach(async () => bot.destroy());

  it('takes a teacher from "Anmäl oro" to the receipt in three cards and four presses, and the README says so', async () => {
    const firstTime = await walk(bot, as.teacher);
    const next = await walk(bot, as.teacher);
    const measured = {
      cards: firstTime.teacher.cards.length,
      presses: firstTime.teacher.presses,
      first: firstTime.teacher.filled,
      next: next.teacher.filled,
    };
    assert.deepEqual(measured, { cards: 3, presses: 4, first: 12, next: 9 });
    assert.equal(next.teacher.cards.length, 3);
    assert.equal(next.teacher.presses, 4);
    for (const card of [...firstTime.teacher.cards, ...next.teacher.cards])
      assert.deepEqual(inputsInColumns(card), [], 'no inputs side by side');
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const m = /\*\*(\d+) cards, (\d+) presses\*\*.*?\*\*(\d+) fields\*\* on a first report and \*\*(\d+)\*\* on the next/s.exec(readme);
    assert.ok(m, 'the README prints the measure next to the screenshot');
    assert.deepEqual(m.slice(1).map(Number), [measured.cards, measured.presses, measured.first, measured.next]);
  });

  it('shows the reporter and the wishes collapsed on the third card, remembered from the last report, each with "Ändra"', async () => {
    const first = await walk(bot, as.teacher);
    assert.ok(first.receipt);
    const { review } = await fillReport(bot, as.teacher, { ...input, reporter: { ...input.reporter } });
    const reporter = review.body
      .flatMap((e: any) => (e.type === 'Container' ? [e] : []))
      .find((c: any) => JSON.stringify(c).includes('"id":"reporterFields"'));
    assert.ok(reporter);
    const fields = JSON.stringify(reporter);
    assert.match(
      fields,
      /"id":"reporterFields","isVisible":false|"isVisible":false,"id":"reporterFields"|"id":"reporterFields"[^}]*"isVisible":false/,
    );
    assert.ok(
      lines(review).some((l) => /Tina Testlärare · Lärare · 070-111 22 33/.test(l)),
      lines(review).join('\n'),
    );
    assert.ok(actionsOf(review).some((a) => a.type === 'Action.ToggleVisibility' && a.title === 'Ändra'));
    assert.match(textOf(review), /Återkoppling: ja · Anmälningsmöte: nej/);
    // A fresh report for the same teacher: the role and phone come back without typing.
    const start = await bot.execute(as.teacher, 'report.start', {});
    assert.equal(inputsOf(start.card).find((i) => i.id === 'schoolId')?.value, 'ekbacken', 'the school is remembered');
  });

  it('opens the reporter by itself on a first report (no phone yet), with the wishes pre-set', async () => {
    const start = await bot.execute(as.teacher, 'report.start', {});
    const draftId = draftIdOf(start.card);
    await bot.execute(as.teacher, 'report.step', { draftId, step: 'childPage', ...required.card1 });
    const third = (await bot.execute(as.teacher, 'report.step', { draftId, step: 'concernPage', ...required.card2 })).card;
    const json = JSON.stringify(third);
    assert.doesNotMatch(json, /"id":"reporterFields"[^}]*"isVisible":false/);
    assert.equal(inputsOf(third).find((i) => i.id === 'reporterName')?.value, 'Tina Testlärare', 'from Teams');
    assert.equal(inputsOf(third).find((i) => i.id === 'feedbackWanted')?.value, 'true');
    assert.equal(inputsOf(third).find((i) => i.id === 'jointMeeting')?.value, 'false');
  });

  it('checks the third card on *Skicka*: a wrong phone comes back next to its field, nothing sent, nothing lost', async () => {
    const start = await bot.execute(as.teacher, 'report.start', {});
    const draftId = draftIdOf(start.card);
    await bot.execute(as.teacher, 'report.step', { draftId, step: 'childPage', ...required.card1 });
    await bot.execute(as.teacher, 'report.step', { draftId, step: 'concernPage', ...required.card2 });
    const res = await bot.execute(as.teacher, 'report.submit', {
      draftId,
      reporterName: 'Tina Testlärare',
      reporterRole: 'Lärare',
      reporterPhone: 'ring mig',
      principalKnows: 'no',
      informantName: 'Kim Kurator',
      feedbackWanted: 'false',
      jointMeeting: 'true',
    });
    assert.ok(res.card, res.message);
    assert.match(textOf(res.card), /Steg 3 av 3/);
    assert.match(textOf(res.card), /Skriv ett telefonnummer/);
    const values = Object.fromEntries(inputsOf(res.card).map((i) => [i.id, i.value]));
    assert.deepEqual(
      [values.reporterPhone, values.principalKnows, values.informantName, values.feedbackWanted, values.jointMeeting],
      ['ring mig', 'no', 'Kim Kurator', 'false', 'true'],
    );
    assert.doesNotMatch(JSON.stringify(res.card), /"id":"reporterFields"[^}]*"isVisible":false/, 'the part with the error is open');
    const count = await bot.services.store.db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 0);
    await bot.restart();
    const resumed = await bot.execute(as.teacher, 'report.resume', { draftId });
    assert.equal(inputsOf(resumed.card).find((i) => i.id === 'informantName')?.value, 'Kim Kurator', 'kept across a restart');
    const sent = await bot.execute(as.teacher, 'report.submit', {
      draftId,
      ...Object.fromEntries(inputsOf(resumed.card).map((i) => [i.id, i.value ?? ''])),
      reporterPhone: '070-111 22 33',
    });
    assert.match(textOf(sent.card), /VÄ-2026-00001 är skickad/);
    assert.match(textOf(sent.card), /Du har inte bett om återkoppling/, 'the wishes as changed');
  });

  it('reads the review as Swedish statements, with "Akut fara" on its own line, not under "Barnet"', async () => {
    const { review } = await fillReport(bot, as.teacher);
    const all = lines(review);
    assert.ok(all.includes('Vårdnadshavarna vet om anmälan: Nej – oron gäller våld, hot, övergrepp eller heder'), all.join('\n'));
    assert.ok(all.includes('Akut fara just nu: Nej'));
    assert.ok(all.includes('Oron gäller: Våld eller hot mot barnet'));
    assert.ok(
      all.every((l) => !l.includes('?:')),
      'no question with a colon after it',
    );
    const containers = review.body.filter((e: any) => e.type === 'Container');
    const acute = containers.find((c: any) => lines(c).some((l) => l.startsWith('Akut fara')));
    assert.ok(acute);
    assert.doesNotMatch(textOf({ type: 'AdaptiveCard', body: [acute] }), /Barnet/);
  });

  it('keeps the optional details behind "Fler uppgifter", never blocking, and opens them when they hold a value', async () => {
    const start = await bot.execute(as.teacher, 'report.start', {});
    const more = actionsOf(start.card).find((a) => a.type === 'Action.ToggleVisibility' && a.title === 'Fler uppgifter (frivilligt)');
    assert.ok(more);
    assert.match(JSON.stringify(start.card), /"id":"moreChild","isVisible":false/);
    const draftId = draftIdOf(start.card);
    const res = await bot.execute(as.teacher, 'report.step', {
      draftId,
      step: 'childPage',
      ...required.card1,
      pnr: 'fel',
      address: 'Storgatan 12',
    });
    assert.doesNotMatch(JSON.stringify(res.card), /"id":"moreChild","isVisible":false/, 'open: it holds the address');
    assert.ok(
      actionsOf(start.card).some((a) => a.type === 'Action.ShowCard' && a.title === 'Om anmälningsplikten'),
      'the duty texts one press away',
    );
  });

  it('keeps every card of the form under 28 KB with every field at its limit; text that would not fit together is answered with a message', async () => {
    const fill = (n: number) => 'a'.repeat(n);
    const start = await bot.execute(as.teacher, 'report.start', {});
    const draftId = draftIdOf(start.card);
    // Every value comes back on the card with an error (pnr 'x'): the largest each card gets.
    const card1 = await bot.execute(as.teacher, 'report.step', {
      draftId,
      step: 'childPage',
      ...required.card1,
      pnr: 'x'.repeat(limits.pnr),
      childName: fill(limits.short),
      className: fill(limits.className),
      address: fill(limits.address),
      language: fill(limits.short),
    });
    assert.match(textOf(card1.card), /Steg 1 av 3/, 'checked by checkCard: < 28 KB');
    await bot.execute(as.teacher, 'report.step', {
      draftId,
      step: 'childPage',
      ...required.card1,
      childName: fill(limits.short),
      className: fill(limits.className),
      address: fill(limits.address),
      language: fill(limits.short),
    });
    const big = {
      category: 'violence',
      observed: fill(limits.observed),
      when: fill(limits.when),
      childWords: fill(limits.childWords),
      schoolActions: fill(limits.schoolActions),
      guardians: fill(limits.guardians),
      informed: 'noOther',
      notInformedReason: fill(limits.reason),
    };
    const card2 = await bot.execute(as.teacher, 'report.step', { draftId, step: 'concernPage', ...big, informed: '' });
    assert.match(textOf(card2.card), /Steg 2 av 3/, 'checked by checkCard: < 28 KB');
    // The same in letters of two bytes would not fit on one card: a message, and the card stays as it was.
    const wide = Object.fromEntries(
      Object.entries(big).map(([k, v]) => [k, k === 'category' || k === 'informed' ? v : 'å'.repeat(v.length)]),
    );
    for (const verb of ['report.step', 'report.later']) {
      const refused = await bot.execute(as.teacher, verb, { draftId, step: 'concernPage', from: 'concernPage', ...wide });
      assert.equal(refused.card, undefined);
      assert.match(refused.message!, /tillsammans för långa för Teams/);
    }
    const card3 = await bot.execute(as.teacher, 'report.step', { draftId, step: 'concernPage', ...big });
    const long = {
      reporterName: fill(limits.short),
      reporterRole: fill(limits.short),
      reporterPhone: '070-111 22 33',
      reporterEmail: `${'a'.repeat(limits.email - 10)}@skola.se`,
      informantName: fill(limits.short),
      informantRole: fill(limits.short),
      informantContact: fill(limits.short),
      principalKnows: '',
    };
    const again = await bot.execute(as.teacher, 'report.submit', { draftId, ...long });
    for (const c of [card3.card, again.card]) assert.match(textOf(c), /Steg 3 av 3/);
    const back = await bot.execute(as.teacher, 'report.goto', { draftId, from: 'sendPage', step: 'concernPage', ...long });
    assert.match(textOf(back.card), /Steg 2 av 3/, 'the full card 2 again, < 28 KB');
  });
});
