import assert from 'node:assert/strict';
import { NotAllowedError, NotFoundError } from '../../src/services/errors';
import type { Actor } from '../../src/services/actor';
import { ManualClock } from '../support/clock';
import { startBot, type TestBot } from '../support/bot';
import { actionsOf, cardsOf, checkCard, inputsOf, textOf } from '../support/cards';
import { activityOf, type ConnectorCall } from '../support/connector';
import { forbid } from '../support/logs';
import { TEAM } from '../support/intake';
import { cardBelow, draftIdOf, reportInput, sendValues } from '../support/report';
import { TENANT, as, type TestUser } from '../support/users';

const CHANNEL = '19:exempel-ifo-konsultation@thread.tacv2';

// Test data: Skatteverket's test personnummer, a phone number from PTS's range for fiction.
const PNR = '20121212-1212';
const PHONE = '070-174 06 50';
const CHILD = 'Kalle';
const QUESTION =
  'En elev i åk 4 har haft blåmärken på armarna tre gånger sedan 2026-02-02 och säger att hen ramlat. Hen vill inte gå hem efter skolan. Räcker det för en anmälan?';
forbid(QUESTION, PNR, PHONE, 'blåmärken på armarna', 'vill inte gå hem');

const actorOf = (u: TestUser): Actor => ({
  aadObjectId: u.aadObjectId,
  userId: `29:${u.aadObjectId}`,
  name: u.name,
  tenantId: TENANT,
  locale: 'sv',
  conversation: { kind: 'personal', id: `a:personal-${u.aadObjectId}` },
});

const cardsIn = (calls: ConnectorCall[]) => calls.flatMap((c) => cardsOf(activityOf(c))).map(checkCard);
const isChannelCall = (c: ConnectorCall) => c.conversationId.startsWith(CHANNEL) || c.body?.channelData?.channel?.id === CHANNEL;

describe('anonymous consultation over the Bot Framework protocol', () => {
  let bot: TestBot;
  /** Every card intake could see: channel posts and updates, and the answers to their presses. */
  let intakeSaw: unknown[];

  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    bot.connector.rosters.set(TEAM, new Set([as.intake.aadObjectId, as.intake2.aadObjectId]));
    await bot.installPersonal(as.teacher);
    await bot.installTeam(TEAM, as.intake);
    intakeSaw = [];
  });
  afterEach(async () => bot.destroy());

  async function deliver(): Promise<ConnectorCall[]> {
    bot.connector.take();
    await bot.deliver();
    const calls = bot.connector.take();
    for (const c of calls.filter(isChannelCall)) intakeSaw.push(c.body);
    return calls;
  }

  async function row() {
    return bot.services.store.db.selectFrom('consultations').selectAll().executeTakeFirstOrThrow();
  }

  /** The intake member presses a button on the consultation card in the channel thread. */
  async function asIntake(user: TestUser, verb: string, data: Record<string, unknown>) {
    const r = await row();
    const res = await bot.execute(user, verb, data, {
      conversation: { conversationType: 'channel', tenantId: TENANT, id: r.channel_conversation_id, isGroup: true },
      channelData: { team: { id: TEAM }, channel: { id: CHANNEL } },
      replyToId: r.channel_activity_id ?? undefined,
    });
    intakeSaw.push(res.card ?? res.message, ...res.calls.map((c) => c.body));
    return res;
  }

  /** The teacher asks: menu -> compose card -> send (confirming any names shown). */
  async function ask(text = QUESTION, opts: { showSchool?: boolean } = {}) {
    const compose = await bot.execute(as.teacher, 'consult.start', {});
    assert.ok(compose.card, compose.message);
    const send = actionsOf(compose.card).find((a) => a.verb === 'consult.send')!;
    let res = await bot.execute(as.teacher, 'consult.send', {
      ...send.data,
      text,
      schoolId: 'ekbacken',
      showSchool: String(opts.showSchool ?? false),
    });
    if (res.card && /Kontrollera innan du skickar/.test(textOf(res.card))) {
      const confirm = actionsOf(res.card).find((a) => a.verb === 'consult.confirm')!;
      res = await bot.execute(as.teacher, 'consult.confirm', confirm.data);
    }
    assert.ok(res.card, res.message);
    assert.match(textOf(res.card), /Skickad: konsultation K-\d{4}/);
    return { sent: res.card, posted: await deliver() };
  }

  it('a consultation from question to answers, both ways, to the outcome "Gör en anmälan" and a report button', async () => {
    const menu = cardsIn(await bot.send(as.teacher, 'hej'))[0];
    assert.ok(actionsOf(menu).some((a) => a.title === 'Konsultera anonymt' && a.verb === 'consult.start'));

    const compose = await bot.execute(as.teacher, 'consult.start', {});
    const shown = textOf(compose.card);
    assert.match(shown, /Skriv inte barnets eller familjens namn/);
    assert.match(shown, /ersätter inte en anmälan/);
    assert.match(shown, /socialtjänstlagen \(2025:400\) 19 kap\. 1 §/);
    assert.deepEqual(
      inputsOf(compose.card).map((i) => i.id),
      ['text', 'schoolId', 'showSchool'],
    );

    const { sent, posted } = await ask();
    assert.match(textOf(sent), /från en grundskola i Norra distriktet, inte ditt namn/);

    // The question appears in the consultation channel under a pseudonym, as a new thread.
    const [root] = cardsIn(posted.filter(isChannelCall));
    assert.ok(root);
    assert.match(textOf(root), /Konsultation K-0001, från en grundskola i Norra distriktet/);
    assert.ok(textOf(root).includes(QUESTION));
    assert.ok(actionsOf(root).some((a) => a.verb === 'consult.answer'));
    const r = await row();
    assert.ok(r.channel_conversation_id?.startsWith(CHANNEL), 'thread remembered from the onSent hook');
    assert.ok(r.channel_activity_id);

    // Intake answers; the card updates in place and the answer reaches the teacher's chat.
    bot.clock.advanceMinutes(40);
    const answered = await asIntake(as.intake, 'consult.answer', {
      id: r.id,
      answer: 'Blåmärken som återkommer och att hen inte vill gå hem är skäl att anmäla.',
    });
    assert.ok(answered.card, answered.message);
    assert.match(textOf(answered.card), /skäl att anmäla/);
    assert.equal(answered.calls.filter((c) => c.method === 'PUT').length, 1);
    assert.equal((await row()).first_answer_at, bot.clock.now().toISOString());
    const toTeacher = cardsIn((await deliver()).filter((c) => c.conversationId === bot.personalConversation(as.teacher)));
    assert.equal(toTeacher.length, 1);
    assert.match(textOf(toTeacher[0]), /Svar på din konsultation K-0001/);
    assert.match(textOf(toTeacher[0]), /skäl att anmäla/);

    // The teacher replies from that card; the reply goes into the thread.
    const replied = await bot.execute(as.teacher, 'consult.reply', { id: r.id, reply: 'Tack. Ska jag prata med vårdnadshavarna först?' });
    assert.ok(replied.card, replied.message);
    assert.match(textOf(replied.card), /Ditt svar är skickat/);
    const refreshed = replied.calls.filter((c) => c.method === 'PUT' && c.conversationId === r.channel_conversation_id);
    assert.equal(refreshed.length, 1, 'the root card in the channel shows the reply too');
    assert.equal(refreshed[0]!.activityId, r.channel_activity_id);
    assert.match(textOf(activityOf(refreshed[0]!)), /vårdnadshavarna först/);
    intakeSaw.push(...replied.calls.filter(isChannelCall).map((c) => c.body));
    const thread = (await deliver()).filter((c) => c.conversationId === r.channel_conversation_id && c.method === 'POST');
    assert.equal(thread.length, 1);
    assert.match(textOf(activityOf(thread[0]!)), /Frågeställaren i K-0001 svarar[\s\S]*vårdnadshavarna först/);

    // Intake answers again, then closes with "Gör en anmälan".
    await asIntake(as.intake2, 'consult.answer', {
      id: r.id,
      answer: 'Nej, gör anmälan först och berätta inte för vårdnadshavarna när oron gäller våld.',
    });
    await deliver();
    const closed = await asIntake(as.intake, 'consult.close', { id: r.id, outcome: 'report' });
    assert.match(textOf(closed.card), /Utfall: Gör en anmälan/);
    assert.ok(!actionsOf(closed.card).length, 'a closed card has no buttons');
    const outcome = cardsIn((await deliver()).filter((c) => c.conversationId === bot.personalConversation(as.teacher)));
    assert.equal(outcome.length, 1);
    assert.match(textOf(outcome[0]), /Konsultation K-0001 är avslutad/);
    assert.match(textOf(outcome[0]), /Rådet är att göra en anmälan/);
    const start = actionsOf(outcome[0]).find((a) => a.title === 'Gör anmälan nu');
    assert.ok(start, 'a button that starts a report');
    assert.equal(start.data.fromConsultation, r.id);

    // The report flow gets the text, for this teacher only.
    assert.equal(await bot.services.consultations.textForReport(actorOf(as.teacher), r.id), QUESTION);
    await assert.rejects(bot.services.consultations.textForReport(actorOf(as.otherTeacher), r.id), NotAllowedError);
    const stats = await row();
    assert.equal(stats.outcome, 'report');
    assert.equal(stats.led_to_report, 0, 'reading the text to start a report is not yet a report');
    assert.equal(stats.messages, 3);
  });

  /** The text as the review card shows it (the highlighted RichTextBlock, joined). */
  const willSend = (card: any): string => {
    const block = card.body.find((e: any) => e.type === 'Container' && e.style === 'emphasis' && e.items?.[0]?.type === 'RichTextBlock');
    return block.items[0].inlines.map((r: any) => r.text).join('');
  };
  const highlighted = (card: any): string[] => {
    const block = card.body.find((e: any) => e.type === 'Container' && e.style === 'emphasis' && e.items?.[0]?.type === 'RichTextBlock');
    return block.items[0].inlines.filter((r: any) => r.highlight).map((r: any) => r.text);
  };
  async function compose(text: string) {
    const start = await bot.execute(as.teacher, 'consult.start', {});
    const send = actionsOf(start.card).find((a) => a.verb === 'consult.send')!;
    return bot.execute(as.teacher, 'consult.send', { ...send.data, text, schoolId: 'ekbacken', showSchool: 'false' });
  }

  it('replaces names, addresses and postal codes in what is sent, and the primary button sends only the cleaned text', async () => {
    const text = `Ahmed Hassan i 4B (${PNR}) säger att pappan slår. Mamma Fatima ringer från ${PHONE} och bor på Storgatan 12, 123 45 Exemplinge. Ska jag anmäla?`;
    forbid(text, 'Ahmed', 'Hassan', 'Fatima', 'Storgatan 12', 'Ahmed Hassan');
    const review = await compose(text);
    assert.ok(review.card, review.message);
    const shown = textOf(review.card);
    assert.match(shown, /Kontrollera innan du skickar/);
    assert.match(shown, /2 uppgifter .* har tagits bort/);
    assert.ok(!shown.includes(PNR) && !shown.includes(PHONE), 'strong hits are gone from the review card too');
    const cleaned =
      '[namn] [namn] i 4B ([borttaget]) säger att pappan slår. Mamma [namn] ringer från [borttaget] och bor på [adress], [postnummer] Exemplinge. Ska jag anmäla?';
    assert.equal(willSend(review.card), cleaned, 'the text that will be sent, in place on the card');
    assert.deepEqual(highlighted(review.card), ['[namn]', '[namn]', '[borttaget]', '[namn]', '[borttaget]', '[adress]', '[postnummer]']);
    assert.deepEqual(inputsOf(review.card), [], "no free text on the review card: what is sent is the server's");
    const restores = actionsOf(review.card).filter((a) => a.verb === 'consult.restore');
    assert.deepEqual(
      restores.map((a) => a.title),
      ['Det är inget namn', 'Det är inget namn', 'Det är inget namn', 'Det är ingen adress', 'Det är inget postnummer'],
    );
    assert.equal(
      await bot.services.store.db.selectFrom('consultations').select('id').executeTakeFirst(),
      undefined,
      'nothing sent before the teacher presses Skicka',
    );
    // The review is kept on the server, sealed: not a name in clear in any table.
    const stored = JSON.stringify(await bot.services.store.db.selectFrom('consultation_reviews').selectAll().execute());
    for (const secret of ['Ahmed', 'Hassan', 'Fatima', 'Storgatan', 'ringer från']) assert.ok(!stored.includes(secret), secret);

    // The hurried teacher presses the primary button: the channel gets the cleaned text only.
    const primary = actionsOf(review.card).find((a) => a.verb === 'consult.confirm')!;
    assert.equal(primary.title, 'Skicka');
    assert.deepEqual(Object.keys(primary.data).sort(), ['review', 'v', 'verb'], 'the button carries no text');
    const sent = await bot.execute(as.teacher, 'consult.confirm', { ...primary.data, text: text, reply: text });
    assert.match(textOf(sent.card), /Skickad: konsultation K-0001/);
    const channel = (await deliver()).filter(isChannelCall);
    const all = JSON.stringify(channel.map((c) => c.body));
    for (const secret of ['Ahmed', 'Hassan', 'Fatima', 'Storgatan', '123 45', PNR, '201212121212', PHONE])
      assert.ok(!all.includes(secret), `the channel got "${secret}"`);
    assert.ok(textOf(cardsIn(channel)[0]).includes(cleaned));
    assert.equal(await bot.services.consultations.textForReport(actorOf(as.teacher), (await row()).id), cleaned);
    // Pressed again (a double tap): the same consultation, nothing more in the channel.
    const again = await bot.execute(as.teacher, 'consult.confirm', primary.data);
    assert.match(textOf(again.card), /Skickad: konsultation K-0001/);
    assert.equal((await deliver()).filter(isChannelCall).length, 0);
    assert.equal((await bot.services.store.db.selectFrom('consultations').select('id').execute()).length, 1);
    const left = await bot.services.store.db.selectFrom('consultation_reviews').selectAll().execute();
    assert.deepEqual(
      left.map((r) => r.status),
      ['sent'],
    );
  });

  it('"Det är inget namn" restores that one word, re-renders the card from the server, and only what the card showed can be restored', async () => {
    forbid('Ahmeds', 'Ahmed');
    const review = await compose('Jag pratade med Mon om Ahmeds mamma. Mon tror att Ahmed far illa hemma.');
    assert.ok(review.card, review.message);
    assert.equal(willSend(review.card), 'Jag pratade med [namn] om [namn] mamma. [namn] tror att [namn] far illa hemma.');
    const rows = actionsOf(review.card).filter((a) => a.verb === 'consult.restore');
    assert.equal(rows.length, 4);
    const mon = rows[0]!;
    assert.match(textOf(review.card), /"Mon"\s*→ \[namn\]/);
    const restored = await bot.execute(as.teacher, 'consult.restore', mon.data);
    assert.ok(restored.card, restored.message);
    assert.equal(
      willSend(restored.card),
      'Jag pratade med Mon om [namn] mamma. [namn] tror att [namn] far illa hemma.',
      'that one word, in its place',
    );
    assert.match(textOf(restored.card), /"Mon"\s*står kvar/);
    assert.ok(actionsOf(restored.card).some((a) => a.verb === 'consult.replace' && a.title === 'Byt ut igen'));

    // The client's data is checked against the server's list: another index, a made-up one, a value
    // instead of an index, or a press on the card as it was before the restore all restore nothing.
    const v2 = actionsOf(restored.card).find((a) => a.verb === 'consult.confirm')!.data.v as string;
    for (const forged of [
      { ...mon.data, v: v2, hit: '9' },
      { ...mon.data, v: v2, hit: '-1' },
      { ...mon.data, v: v2, hit: 'Ahmed' },
      { ...mon.data, v: v2, hit: '1e0' },
      { ...mon.data, hit: '1' }, // the old version of the card
    ]) {
      const res = await bot.execute(as.teacher, 'consult.restore', forged);
      assert.ok(res.card, res.message);
      assert.match(textOf(res.card), /Kortet hade ändrats/);
      assert.equal(
        willSend(res.card),
        'Jag pratade med Mon om [namn] mamma. [namn] tror att [namn] far illa hemma.',
        JSON.stringify(forged),
      );
    }
    // Another teacher cannot restore (or send) this teacher's review.
    const other = await bot.execute(as.otherTeacher, 'consult.restore', { ...mon.data, v: v2, hit: '1' });
    assert.match(other.message ?? '', /inte behörighet/);
    const otherSend = await bot.execute(as.otherTeacher, 'consult.confirm', { ...mon.data, v: v2 });
    assert.match(otherSend.message ?? '', /inte behörighet/);
    // Skicka on the card as it was before the restore sends nothing and shows the current card.
    const stale = await bot.execute(as.teacher, 'consult.confirm', { review: mon.data.review, v: mon.data.v });
    assert.match(textOf(stale.card), /Kortet hade ändrats sedan du såg det, så inget skickades/);
    assert.equal(await bot.services.store.db.selectFrom('consultations').select('id').executeTakeFirst(), undefined);

    // "Ändra texten": the compose card with the text as it would be sent (nothing typed lost); the
    // restored "Mon" stays restored when it is checked again, the names stay replaced.
    const edit = await bot.execute(as.teacher, 'consult.edit', { review: mon.data.review });
    const input = inputsOf(edit.card).find((i) => i.id === 'text')!;
    assert.equal(input.value, 'Jag pratade med Mon om [namn] mamma. [namn] tror att [namn] far illa hemma.');
    assert.equal(inputsOf(edit.card).find((i) => i.id === 'schoolId')!.value, 'ekbacken');
    const send = actionsOf(edit.card).find((a) => a.verb === 'consult.send')!;
    const done = await bot.execute(as.teacher, 'consult.send', {
      ...send.data,
      text: `${input.value as string} Hen heter egentligen Ahmed.`,
      schoolId: 'ekbacken',
      showSchool: 'false',
    });
    assert.equal(
      willSend(done.card),
      'Jag pratade med Mon om [namn] mamma. [namn] tror att [namn] far illa hemma. Hen heter egentligen [namn].',
    );
    const final = await bot.execute(as.teacher, 'consult.confirm', actionsOf(done.card).find((a) => a.verb === 'consult.confirm')!.data);
    assert.match(textOf(final.card), /Skickad: konsultation K-0001/);
    const channel = JSON.stringify((await deliver()).filter(isChannelCall).map((c) => c.body));
    assert.ok(!channel.includes('Ahmed'));
    assert.ok(channel.includes('Jag pratade med Mon om [namn] mamma.'));
  });

  it('replies in the thread pass the same review: replaced, restorable, and only the cleaned reply reaches the channel', async () => {
    await ask();
    const r = await row();
    await asIntake(as.intake, 'consult.answer', { id: r.id, answer: 'Har hen sagt något mer om hoten?' });
    await deliver();
    forbid('Fatimas', 'Storgatan 7');
    const reply = await bot.execute(as.teacher, 'consult.reply', {
      id: r.id,
      reply: `Ja, fatimas pappa ringde från ${PHONE} och sa att de flyttat till storgatan 7.`,
    });
    assert.ok(reply.card, reply.message);
    assert.match(textOf(reply.card), /Kontrollera innan du skickar \(K-0001\)/);
    assert.equal(willSend(reply.card), 'Ja, [namn] pappa ringde från [borttaget] och sa att de flyttat till [adress].');
    assert.ok(!textOf(reply.card).includes(PHONE));
    // Restore the address, change one's mind, and edit: the reply box comes back with the text.
    const restoreAddress = actionsOf(reply.card).find((a) => a.verb === 'consult.restore' && a.title === 'Det är ingen adress')!;
    const restored = await bot.execute(as.teacher, 'consult.restore', restoreAddress.data);
    assert.equal(willSend(restored.card), 'Ja, [namn] pappa ringde från [borttaget] och sa att de flyttat till storgatan 7.');
    const replaced = await bot.execute(
      as.teacher,
      'consult.replace',
      actionsOf(restored.card).find((a) => a.verb === 'consult.replace')!.data,
    );
    assert.equal(willSend(replaced.card), 'Ja, [namn] pappa ringde från [borttaget] och sa att de flyttat till [adress].');
    const edit = await bot.execute(as.teacher, 'consult.edit', { review: restoreAddress.data.review });
    assert.equal(
      inputsOf(edit.card).find((i) => i.id === 'reply')!.value,
      'Ja, [namn] pappa ringde från [borttaget] och sa att de flyttat till [adress].',
    );
    assert.match(textOf(edit.card), /Svar på din konsultation K-0001/);

    const confirm = actionsOf(replaced.card).find((a) => a.verb === 'consult.confirm')!;
    const confirmed = await bot.execute(as.teacher, 'consult.confirm', confirm.data);
    assert.ok(confirmed.card, confirmed.message);
    assert.match(textOf(confirmed.card), /Ditt svar är skickat/);
    const refreshed = JSON.stringify(confirmed.calls.filter(isChannelCall).map((c) => c.body));
    const thread = JSON.stringify((await deliver()).filter(isChannelCall).map((c) => c.body));
    for (const seen of [refreshed, thread]) {
      assert.ok(!/fatima|storgatan/i.test(seen) && !seen.includes(PHONE));
    }
    assert.match(thread, /Ja, \[namn\] pappa ringde från \[borttaget\] och sa att de flyttat till \[adress\]\./);
    // A double tap does not post the reply twice.
    const twice = await bot.execute(as.teacher, 'consult.confirm', confirm.data);
    assert.match(textOf(twice.card), /Ditt svar är skickat/);
    assert.equal((await deliver()).filter(isChannelCall).length, 0);
    assert.equal((await row()).messages, 2);
  });

  it('keeps the review card small with a text full of names, and still sends none of them', async () => {
    const names = ['Ahmed', 'Fatima', 'Hassan', 'Kalle', 'Emma', 'Oscar', 'Maja', 'Noah'];
    let text = '';
    for (let i = 0; text.length < 3900; i++)
      text += `${names[i % names.length]} och ${names[(i + 3) % names.length]} på Storgatan ${i + 1}. `;
    const review = await compose(text.trim()); // checkCard: under 28 KB
    assert.ok(review.card, review.message);
    assert.ok(actionsOf(review.card).filter((a) => a.verb === 'consult.restore').length <= 20);
    assert.match(textOf(review.card), /ord till är utbytta/);
    const sent = willSend(review.card);
    for (const name of names) assert.ok(!sent.includes(name), name);
    await bot.execute(as.teacher, 'consult.confirm', actionsOf(review.card).find((a) => a.verb === 'consult.confirm')!.data);
    const channel = JSON.stringify((await deliver()).filter(isChannelCall).map((c) => c.body));
    for (const name of [...names, 'Storgatan']) assert.ok(!channel.includes(name), name);
  });

  it('deletes a review nobody sent or cancelled, with its data key, after draftDays', async () => {
    const review = await compose('Jag är orolig för Kalle Hemligsson i 3A, han är ofta hungrig.');
    const id = String(actionsOf(review.card).find((a) => a.verb === 'consult.confirm')!.data.review);
    bot.clock.advance(29 * 86_400_000);
    await bot.services.consultations.purgeExpired(bot.clock.now());
    assert.ok(await bot.services.store.dataKeys.get(id), 'kept for 30 days');
    bot.clock.advance(2 * 86_400_000);
    await bot.services.consultations.purgeExpired(bot.clock.now());
    assert.deepEqual(await bot.services.store.db.selectFrom('consultation_reviews').selectAll().execute(), []);
    assert.equal(await bot.services.store.dataKeys.get(id), undefined);
    const late = await bot.execute(as.teacher, 'consult.confirm', actionsOf(review.card).find((a) => a.verb === 'consult.confirm')!.data);
    assert.match(late.message ?? '', /gäller inte längre/);
  });

  it('"Avbryt" on a review sends nothing and removes the text from Värna', async () => {
    const review = await compose('Jag är orolig för Kalle Hemligsson i 3A, han är ofta hungrig.');
    const cancel = actionsOf(review.card).find((a) => a.verb === 'consult.cancel')!;
    const res = await bot.execute(as.teacher, 'consult.cancel', cancel.data);
    assert.match(textOf(res.card), /Inget skickades, och texten är borttagen ur Värna/);
    assert.deepEqual(await bot.services.store.db.selectFrom('consultation_reviews').selectAll().execute(), []);
    assert.equal(await bot.services.store.dataKeys.get(cancel.data.review), undefined, 'its data key is destroyed');
    const late = await bot.execute(as.teacher, 'consult.confirm', actionsOf(review.card).find((a) => a.verb === 'consult.confirm')!.data);
    assert.match(late.message ?? '', /gäller inte längre/);
    assert.equal((await deliver()).length, 0);
  });

  it("shows the school only when the teacher chooses to, and remembers the teacher's school", async () => {
    const { posted } = await ask(QUESTION, { showSchool: true });
    assert.match(textOf(cardsIn(posted.filter(isChannelCall))[0]), /Konsultation K-0001, från Ekbackens skola/);
    const next = await bot.execute(as.teacher, 'consult.start', {});
    assert.equal(inputsOf(next.card).find((i) => i.id === 'schoolId')!.value, 'ekbacken');
    assert.match(textOf(next.card), /"från Ekbackens skola"/);
    assert.match(textOf(next.card), /"från en grundskola i Norra distriktet"/);
  });

  it("intake never sees the teacher's name, Teams id or e-mail, in the channel or in answers to its presses", async () => {
    const { posted } = await ask();
    const r = await row();
    await asIntake(as.intake, 'consult.answer', { id: r.id, answer: 'Vi rekommenderar att du anmäler.' });
    await deliver();
    await bot.execute(as.teacher, 'consult.reply', { id: r.id, reply: 'Tack, jag gör det i dag.' });
    await deliver();
    await asIntake(as.intake, 'consult.close', { id: r.id, outcome: 'report' });
    await deliver();
    await asIntake(as.stranger, 'consult.answer', { id: r.id, answer: 'x'.repeat(20) });

    const channelCalls = bot.connector.calls.filter(isChannelCall);
    assert.ok(channelCalls.length >= 4, `channel calls: ${channelCalls.length}`);
    assert.ok(posted.some(isChannelCall));
    const seen = JSON.stringify([...channelCalls.map((c) => c.body), ...intakeSaw]).toLowerCase();
    for (const secret of [as.teacher.name, 'Tina', 'Testlärare', as.teacher.aadObjectId, `29:${as.teacher.aadObjectId}`, 'a1a1a1a1']) {
      assert.ok(!seen.includes(secret.toLowerCase()), `intake saw "${secret}"`);
    }
    // Stored: the teacher's id only sealed (and as a keyed hash), never in clear.
    const stored = JSON.stringify([
      await bot.services.store.db.selectFrom('consultations').selectAll().execute(),
      await bot.services.store.db.selectFrom('consultation_messages').selectAll().execute(),
      await bot.services.store.db.selectFrom('audit').selectAll().execute(),
    ]);
    assert.ok(!stored.includes(as.teacher.aadObjectId) && !stored.includes(QUESTION));
  });

  it('refuses answers and closing from someone outside the intake team, and audits the attempt', async () => {
    await ask();
    const r = await row();
    const answer = await asIntake(as.stranger, 'consult.answer', { id: r.id, answer: 'Jag svarar fast jag inte får.' });
    assert.match(answer.message ?? '', /Bara medlemmar i mottagningens team/);
    assert.equal(answer.calls.filter((c) => c.method === 'PUT').length, 0, 'the card stays as it was');
    const close = await asIntake(as.stranger, 'consult.close', { id: r.id, outcome: 'noReportNow' });
    assert.match(close.message ?? '', /Bara medlemmar/);
    const blank = await asIntake(as.stranger, 'consult.close', { id: r.id });
    assert.match(blank.message ?? '', /Bara medlemmar/, 'a refusal, not a hint about the form');
    assert.equal((await row()).status, 'open');
    assert.equal((await row()).messages, 0);
    const audit = await bot.services.store.audit.forSubject(`consultation:${r.id}`);
    assert.deepEqual(
      audit.map((a) => [a.actor, a.action, a.outcome]),
      [
        [as.stranger.aadObjectId, 'consultation.answer', 'refused'],
        [as.stranger.aadObjectId, 'consultation.close', 'refused'],
        [as.stranger.aadObjectId, 'consultation.intake', 'refused'],
      ],
    );
    assert.deepEqual(await bot.services.store.audit.verify(), { ok: true, entries: 3 });
    assert.equal((await deliver()).length, 0, 'nothing relayed to the teacher');
    // Another teacher cannot reply in someone else's consultation either.
    const other = await bot.execute(as.otherTeacher, 'consult.reply', { id: r.id, reply: 'Jag låtsas vara frågeställaren.' });
    assert.match(other.message ?? '', /inte behörighet/);
  });

  it('refuses answers to a closed consultation politely, on both sides, and sends nothing', async () => {
    await ask();
    const r = await row();
    await asIntake(as.intake, 'consult.answer', { id: r.id, answer: 'Ingen anmälan nu, men håll uppsikt.' });
    await deliver();
    await asIntake(as.intake, 'consult.close', { id: r.id, outcome: 'noReportNow', answer: 'Hör av dig igen om något nytt händer.' });
    const closing = cardsIn((await deliver()).filter((c) => c.conversationId === bot.personalConversation(as.teacher)));
    assert.equal(closing.length, 1, 'one card: the outcome, with the last answer typed when closing');
    assert.match(textOf(closing[0]), /Utfall: Ingen anmälan nu — fortsätt vara uppmärksam/);
    assert.match(textOf(closing[0]), /Hör av dig igen om något nytt händer/);
    assert.ok(!actionsOf(closing[0]).some((a) => a.verb === 'report.start'), 'no report button unless the advice is to report');

    const late = await bot.execute(as.teacher, 'consult.reply', { id: r.id, reply: 'En sak till: hen kom inte i dag heller.' });
    assert.match(late.message ?? '', /Konsultation K-0001 är avslutad, så svaret skickades inte/);
    assert.match(late.message ?? '', /starta en ny konsultation/);
    const intakeLate = await asIntake(as.intake, 'consult.answer', { id: r.id, answer: 'Ett svar till, efter avslut.' });
    assert.match(intakeLate.message ?? '', /redan avslutad/);
    const closeAgain = await asIntake(as.intake2, 'consult.close', { id: r.id, outcome: 'report' });
    assert.match(closeAgain.message ?? '', /redan avslutad/);
    assert.equal((await row()).outcome, 'noReportNow');
    assert.equal((await deliver()).length, 0);
  });

  it('purges the text after the retention period and keeps the statistics', async () => {
    await ask();
    const r = await row();
    bot.clock.advanceMinutes(90);
    await asIntake(as.intake, 'consult.answer', { id: r.id, answer: 'Prata med elevhälsan.' });
    await asIntake(as.intake, 'consult.close', { id: r.id, outcome: 'otherSupport' });
    await deliver();
    const c = bot.services.consultations;

    bot.clock.advance(29 * 86_400_000);
    assert.equal(await c.purgeExpired(bot.clock.now()), 0, 'kept for 30 days after closing');
    bot.clock.advance(2 * 86_400_000);
    assert.equal(await c.purgeExpired(bot.clock.now()), 1);
    assert.equal(await c.purgeExpired(bot.clock.now()), 0, 'once');

    const purged = await row();
    assert.equal(purged.sealed, null);
    assert.ok(purged.purged_at);
    assert.equal(await bot.services.store.dataKeys.get(r.id), undefined, 'the data key is destroyed');
    const outbox = JSON.stringify(await bot.services.store.db.selectFrom('outbox').selectAll().execute());
    assert.ok(!outbox.includes(as.teacher.aadObjectId), 'no sent message still links the teacher to the consultation');
    const messages = await bot.services.store.db.selectFrom('consultation_messages').select('sealed').execute();
    assert.ok(messages.length === 1 && messages.every((m) => m.sealed === null));
    // Statistics stay: unit, school, district, type, times, outcome.
    assert.deepEqual(
      [purged.unit_id, purged.school_id, purged.district_id, purged.school_type, purged.outcome, purged.led_to_report],
      ['ifo-mottagningen', 'ekbacken', 'norra', 'municipal', 'otherSupport', 0],
    );
    assert.equal(new Date(purged.first_answer_at!).getTime() - new Date(purged.created_at).getTime(), 90 * 60_000);
    const view = await c.channelView(r.id);
    assert.equal(view.question, undefined);
    assert.equal(view.messages[0]!.text, undefined);
    await assert.rejects(c.textForReport(actorOf(as.teacher), r.id), NotFoundError);
  });

  it('is purged by the nightly job, without anyone calling it', async () => {
    await bot.services.jobs.runDue();
    await ask();
    const r = await row();
    await asIntake(as.intake, 'consult.close', { id: r.id, outcome: 'noReportNow' });
    bot.clock.advance(29 * 86_400_000);
    await bot.services.jobs.runDue();
    assert.ok((await row()).sealed, 'kept for 30 days');
    bot.clock.advance(2 * 86_400_000);
    await bot.services.jobs.runDue();
    assert.equal((await row()).sealed, null);
    assert.equal(await bot.services.store.dataKeys.get(r.id), undefined);
  });

  it('sends the same consultation once when the button is pressed twice', async () => {
    const compose = await bot.execute(as.teacher, 'consult.start', {});
    const send = actionsOf(compose.card).find((a) => a.verb === 'consult.send')!;
    const data = { ...send.data, text: QUESTION, schoolId: 'ekbacken', showSchool: 'false' };
    const first = await bot.execute(as.teacher, 'consult.send', data);
    const second = await bot.execute(as.teacher, 'consult.send', data);
    assert.match(textOf(first.card), /K-0001/);
    assert.match(textOf(second.card), /K-0001/);
    assert.equal((await bot.services.store.db.selectFrom('consultations').select('id').execute()).length, 1);
    assert.equal(cardsIn((await deliver()).filter(isChannelCall)).length, 1);
  });

  it('keeps what the teacher wrote when the text is too short, and speaks English to an English user', async () => {
    const compose = await bot.execute(as.teacher, 'consult.start', {});
    const send = actionsOf(compose.card).find((a) => a.verb === 'consult.send')!;
    const short = await bot.execute(as.teacher, 'consult.send', { ...send.data, text: 'Hjälp', schoolId: '', showSchool: 'false' });
    // Each error says what is wrong, next to its field, and nothing typed is lost.
    const errors = short.card.body.filter((e: any) => e.type === 'TextBlock' && e.color === 'Attention').map((e: any) => e.text);
    assert.deepEqual(errors, ['Skriv din fråga, några meningar räcker.', 'Välj din skola.']);
    assert.equal(inputsOf(short.card).find((i) => i.id === 'text')!.value, 'Hjälp');
    // What Teams shows when a required field is left empty: the problem, not the label again.
    const required = Object.fromEntries(
      inputsOf(compose.card)
        .filter((i) => i.isRequired)
        .map((i) => [i.id, i.errorMessage]),
    );
    assert.deepEqual(required, { text: 'Skriv din fråga, några meningar räcker.', schoolId: 'Välj din skola.' });
    const en = await bot.execute(as.teacherEn, 'consult.start', {});
    assert.match(textOf(en.card), /Do not write the name of the child or the family/);
    assert.match(textOf(en.card), /Social Services Act \(2025:400\) ch\. 19 s\. 1/);
  });

  it("lists the teacher's own consultations, and only theirs, so a lost card can be found again", async () => {
    const before = cardsIn(await bot.send(as.teacher, 'hej'))[0];
    assert.ok(!actionsOf(before).some((a) => a.verb === 'consult.mine'), 'no list before the first consultation');
    await ask();
    const r = await row();
    const menu = cardsIn(await bot.send(as.teacher, 'hej'))[0];
    assert.ok(actionsOf(menu).some((a) => a.title === 'Mina konsultationer'));
    const mine = await bot.execute(as.teacher, 'consult.mine', {});
    assert.match(textOf(mine.card), /K-0001 · .* · Öppen/);
    const show = await bot.execute(as.teacher, 'consult.show', { id: r.id });
    assert.ok(show.card, show.message);
    assert.ok(textOf(show.card).includes(QUESTION));
    assert.ok(inputsOf(show.card).some((i) => i.id === 'reply'));
    const others = await bot.execute(as.otherTeacher, 'consult.mine', {});
    assert.doesNotMatch(textOf(others.card), /K-0001/);
    const peek = await bot.execute(as.otherTeacher, 'consult.show', { id: r.id });
    assert.match(peek.message ?? '', /inte behörighet/);
  });

  it('keeps every card small with the longest question and a long thread', async () => {
    const long = `${'Eleven har berättat om oro hemma och om att hen sover dåligt. '.repeat(64)}`.slice(0, 4000);
    forbid(long.slice(0, 60));
    await ask(long);
    const r = await row();
    for (let i = 0; i < 6; i++) {
      const res = await asIntake(as.intake, 'consult.answer', {
        id: r.id,
        answer: `${i}: ${'Mottagningen svarar utförligt på frågan om oro. '.repeat(40)}`.slice(0, 2000),
      });
      assert.ok(res.card, res.message);
      assert.ok(textOf(res.card).includes(long.slice(0, 100)), 'the question stays on the card'); // checkCard: under 28 KB
    }
    const last = await asIntake(as.intake, 'consult.answer', { id: r.id, answer: 'x'.repeat(2001) });
    assert.match(last.message ?? '', /för lång/);
    const toTeacher = cardsIn((await deliver()).filter((c) => c.conversationId === bot.personalConversation(as.teacher)));
    assert.equal(toTeacher.length, 6);
    assert.match(textOf(toTeacher[5]), /2 tidigare meddelanden visas inte här/);
  });

  it('a consultation from question to outcome to a prefilled report', async () => {
    await ask();
    const r = await row();
    await asIntake(as.intake, 'consult.answer', { id: r.id, answer: 'Det du beskriver ska anmälas, i dag.' });
    await asIntake(as.intake, 'consult.close', { id: r.id, outcome: 'report' });
    const outcome = cardsIn((await deliver()).filter((c) => c.conversationId === bot.personalConversation(as.teacher)))[0];
    const button = actionsOf(outcome).find((a) => a.title === 'Gör anmälan nu')!;
    assert.equal(button.verb, 'report.start');

    // The teacher presses it: the report starts with the acute check, as every report does.
    // The form comes as a new card below: the answer and its advice stay in the chat.
    const start = cardBelow(await bot.execute(as.teacher, button.verb, button.data));
    assert.match(textOf(start), /akut fara/i);
    const draftId = draftIdOf(start);
    const input = reportInput();
    const step = async (name: string, values: Record<string, unknown>) => {
      const res = await bot.execute(as.teacher, 'report.step', { draftId, step: name, ...values });
      assert.ok(res.card, res.message ?? name);
      return res.card;
    };
    const concern = await step('childPage', { immediateDanger: 'no', ...input.child });
    // The concern card carries the consultation's text; the teacher adds the child's identity.
    assert.equal(inputsOf(concern).find((i) => i.id === 'observed')?.value, QUESTION);
    assert.equal((await row()).led_to_report, 0, 'a started report is not a report yet');
    await step('concernPage', { ...input.concern, ...input.guardians });
    const sent = await bot.execute(as.teacher, 'report.submit', { draftId, ...sendValues(input) });
    assert.match(textOf(sent.card), /VÄ-\d{4}-\d{5}/);
    assert.equal((await row()).led_to_report, 1, 'the consultation led to a report once the report was sent');

    // Someone else pressing the same button gets an empty report, and the attempt is audited.
    const other = cardBelow(await bot.execute(as.otherTeacher, 'report.start', { fromConsultation: r.id }));
    assert.ok(!JSON.stringify(other).includes(QUESTION.slice(0, 40)));
    const audit = await bot.services.store.audit.forSubject(`consultation:${r.id}`);
    assert.ok(audit.some((a) => a.actor === as.otherTeacher.aadObjectId && a.outcome === 'refused'));
  });

  it('tells the teacher, with the intake phone number, when the question is not in the channel within 15 minutes', async () => {
    bot.connector.failNext(100, { status: 503 }, (c) => c.method === 'POST' && !c.conversationId);
    const compose = await bot.execute(as.teacher, 'consult.start', {});
    const send = actionsOf(compose.card).find((a) => a.verb === 'consult.send')!;
    await bot.execute(as.teacher, 'consult.send', { ...send.data, text: QUESTION, schoolId: 'ekbacken', showSchool: 'false' });
    assert.equal((await deliver()).filter((c) => c.conversationId === bot.personalConversation(as.teacher)).length, 0);
    bot.clock.advanceMinutes(16);
    const told = cardsIn(
      [...(await deliver()), ...(await deliver())].filter((c) => c.conversationId === bot.personalConversation(as.teacher)),
    );
    assert.equal(told.length, 1);
    assert.match(textOf(told[0]), /K-0001 har inte kommit fram till mottagningen än/);
    assert.match(textOf(told[0]), /ring IFO-mottagningen barn och unga, 0123-456 00/);
    // Once Teams answers again, the question is posted after all.
    bot.connector.failWith = undefined;
    bot.clock.advanceMinutes(10);
    assert.equal(cardsIn((await deliver()).filter(isChannelCall)).length, 1);
  });
});
