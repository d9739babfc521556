import assert from 'node:assert/strict';
import { TENANT, as } from '../support/users';
import { startBot, type TestBot } from '../support/bot';
import { actionsOf, cardsOf, checkCard, textOf } from '../support/cards';
import { activityOf, type ConnectorCall } from '../support/connector';
import { forbid } from '../support/logs';
import { ManualClock } from '../support/clock';

const onlyCard = (calls: ConnectorCall[]) => {
  const cards = calls.flatMap((c) => cardsOf(activityOf(c)));
  assert.equal(cards.length, 1, `expected one card, got ${cards.length}`);
  return checkCard(cards[0]);
};

describe('foundation over the Bot Framework protocol', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
  });
  afterEach(async () => bot.destroy());

  it('answers /healthz and /readyz', async () => {
    assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
    const ready = await fetch(`${bot.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
  });

  it('greets "hej" with the welcome card and its menu', async () => {
    const card = onlyCard(await bot.send(as.teacher, 'hej'));
    assert.match(textOf(card), /Värna/);
    assert.match(textOf(card), /akut fara\? Ring 112/);
    const titles = actionsOf(card).map((a) => a.title);
    assert.ok(titles.includes('Om anmälningsplikten'), titles.join());
  });

  it('answers unknown text with the menu and never logs what was typed', async () => {
    const secret = 'Min elev Kalle Hemligsson berättade något';
    forbid(secret, 'Hemligsson');
    const card = onlyCard(await bot.send(as.teacher, secret));
    assert.match(textOf(card), /Jag förstod inte/);
    assert.ok(!bot.logs.lines.some((l) => l.includes('Hemligsson')));
  });

  it('does not treat a keyword inside a sentence as a command', async () => {
    const card = onlyCard(await bot.send(as.teacher, 'jag vill ha hjälp med en elev'));
    assert.match(textOf(card), /Jag förstod inte/);
  });

  it('speaks English to a user whose Teams locale is English', async () => {
    const card = onlyCard(await bot.send(as.teacherEn, 'hello'));
    assert.match(textOf(card), /worried about a child/);
    assert.match(textOf(card), /About the duty to report/);
  });

  it('shows "Om anmälningsplikten" as short cards citing the act in force', async () => {
    const overview = await bot.execute(as.teacher, 'duty.show', {});
    assert.ok(overview.card, overview.message);
    const topics = actionsOf(overview.card).filter((a) => a.verb === 'duty.show' && a.data?.topic);
    assert.equal(topics.length, 7);
    const all: string[] = [];
    for (const topic of topics) {
      const res = await bot.execute(as.teacher, 'duty.show', { topic: topic.data.topic });
      assert.ok(res.card, `topic ${topic.data.topic}`);
      all.push(textOf(res.card));
    }
    const joined = all.join('\n');
    assert.match(joined, /Socialtjänstlagen \(2025:400\) 19 kap\. 1 §/);
    assert.match(joined, /19 kap\. 5–6 §§/);
    assert.match(joined, /40 kap\. 7 g §/);
    assert.match(joined, /personligen/);
    assert.match(joined, /misstanke räcker/i);
    assert.match(joined, /inte när oron gäller våld, hot, övergrepp eller hedersrelaterat/);
    assert.match(joined, /Vägledning: Skolverket/, 'the guardians rule rests on guidance, and says so');
    assert.match(joined, /ersätter inte en anmälan/);
    assert.doesNotMatch(joined, /2001:453|14 kap/);
  });

  it('gives the intake phone in office hours and socialjouren at night', async () => {
    const day = await bot.execute(as.teacher, 'duty.show', { topic: 'acute' });
    assert.match(textOf(day.card), /under kontorstid: ring IFO-mottagningen barn och unga, 0123-456 00/);
    bot.clock.set('2026-03-02T22:00:00+01:00');
    const night = await bot.execute(as.teacher, 'duty.show', { topic: 'acute' });
    assert.match(textOf(night.card), /utanför kontorstid: ring socialjouren, 0123-456 99/);
    bot.clock.set('2026-12-25T10:00:00+01:00'); // juldagen: a public holiday
    const holiday = await bot.execute(as.teacher, 'duty.show', { topic: 'acute' });
    assert.match(textOf(holiday.card), /utanför kontorstid/);
  });

  it('replaces the pressed card for everyone (Universal Actions update in place)', async () => {
    await bot.send(as.teacher, 'hej');
    const res = await bot.execute(as.teacher, 'duty.show', {});
    const updates = res.calls.filter((c) => c.method === 'PUT');
    assert.equal(updates.length, 1);
    assert.equal(updates[0]!.activityId, bot.lastCardId.get(bot.personalConversation(as.teacher)));
  });

  it('welcomes on personal install and remembers the conversation; uninstall forgets it', async () => {
    const calls = await bot.installPersonal(as.teacher);
    const card = onlyCard(calls);
    assert.match(textOf(card), /Värna/);
    const inst = await bot.services.installations.forUser(as.teacher.aadObjectId);
    assert.equal(inst?.serviceUrl, bot.connector.url);
    assert.equal(inst?.tenantId, TENANT);
    await bot.uninstallPersonal(as.teacher);
    assert.equal(await bot.services.installations.forUser(as.teacher.aadObjectId), undefined);
  });

  it('remembers a team install (the intake team) for posts to its channels', async () => {
    await bot.installTeam('19:exempel-ifo-team@thread.tacv2', as.intake);
    const inst = await bot.services.installations.forTeam('19:exempel-ifo-team@thread.tacv2');
    assert.equal(inst?.kind, 'team');
    assert.equal(inst?.conversationId, '19:exempel-ifo-team@thread.tacv2');
  });

  it('drops activities from another tenant, says nothing, and logs the refusal', async () => {
    const calls = await bot.send({ ...as.stranger, tenantId: '99999999-9999-4999-8999-999999999999' }, 'hej');
    assert.equal(calls.length, 0);
    assert.ok(bot.logs.events().some((e) => e.event === 'tenant.refused'));
  });

  it('answers a malformed body with 400 and keeps serving', async () => {
    const bad = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type": "message", oops',
    });
    assert.equal(bad.status, 400);
    const notActivity = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[1,2]',
    });
    assert.equal(notActivity.status, 400);
    const noType = await bot.post({ text: 'x' });
    assert.equal(noType.status, 400);
    onlyCard(await bot.send(as.teacher, 'hej'));
  });

  it('refuses a body over the size limit with 413 and keeps serving', async () => {
    const big = await bot.post(bot.baseActivity(as.teacher, { type: 'message', text: 'x'.repeat(400_000) }));
    assert.equal(big.status, 413);
    onlyCard(await bot.send(as.teacher, 'hej'));
  });

  it('keeps installations and turn state across a restart', async () => {
    await bot.installPersonal(as.teacher);
    await bot.send(as.teacher, 'hej');
    // The welcome turn changes no turn state, so it writes none (one store write less per "hej").
    assert.equal((await bot.services.store.db.selectFrom('kv').select('key').execute()).length, 0, 'the welcome turn writes no turn state');
    // Turn state as the bot's storage writes it (src/bot/storage.ts).
    await bot.services.store.kv.write('msteams/conversations/a/conversation', JSON.stringify({ x: 1 }), undefined, new Date());
    const before = await bot.services.store.db.selectFrom('kv').select('key').execute();
    assert.ok(before.length > 0, 'turn state is stored');
    await bot.restart();
    assert.ok(await bot.services.installations.forUser(as.teacher.aadObjectId));
    const after = await bot.services.store.db.selectFrom('kv').select('key').execute();
    assert.deepEqual(after.map((r) => r.key).sort(), before.map((r) => r.key).sort());
    onlyCard(await bot.send(as.teacher, 'hej'));
  });
});
