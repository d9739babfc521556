import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '../../src/bot/adapter';
import { createServer } from '../../src/bot/server';
import { startBot, type TestBot } from '../support/bot';
import { activityOf } from '../support/connector';
import { as } from '../support/users';

const POLITE = /Du skickar väldigt många förfrågningar i rad.*Vänta en halv minut.*ring 112/;

describe('limits: body size, slow turns, and a per-user rate limit', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ env: { VARNA_RATE_BURST: '5', VARNA_RATE_PER_MINUTE: '10', VARNA_MAX_BODY_BYTES: '65536' } });
  });
  afterEach(async () => bot.destroy());

  const messageTexts = (calls: ReturnType<typeof bot.connector.take>) => calls.map((c) => String(activityOf(c)?.text ?? ''));

  it('tells a user who floods the bot, once and politely in Swedish, to wait; others are served', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await bot.send(as.teacher, 'hej')).length, 1, `request ${i + 1} is served`);
    const refused = await bot.send(as.teacher, 'hej');
    assert.equal(refused.length, 1);
    assert.match(messageTexts(refused)[0]!, POLITE);
    assert.equal((await bot.send(as.teacher, 'hej')).length, 0, 'a flood is not echoed back');
    assert.equal((await bot.send(as.otherTeacher, 'hej')).length, 1, 'a colleague is not affected');
    assert.equal(bot.logs.events().filter((e) => e.event === 'rate.limited').length, 1);
  });

  it('answers a button press over the limit with a valid invoke response carrying the message', async () => {
    for (let i = 0; i < 5; i++) await bot.send(as.teacher, 'hej');
    const res = await bot.execute(as.teacher, 'duty.show', {});
    assert.equal(res.status, 200);
    assert.equal(res.card, undefined, 'the card the user pressed stays as it was');
    assert.match(res.message ?? '', POLITE);
    assert.equal(res.calls.length, 0);
    const dialog = await bot.taskFetch(as.teacher, { verb: 'duty.show' });
    assert.equal(dialog.status, 200);
    assert.match(String(dialog.body?.task?.value ?? ''), POLITE);
  });

  it('speaks English to an English user over the limit', async () => {
    for (let i = 0; i < 5; i++) await bot.send(as.teacherEn, 'hello');
    assert.match(messageTexts(await bot.send(as.teacherEn, 'hello'))[0]!, /wait half a minute/);
  });

  it('lets the user in again as time passes (a steady pace is never limited)', async () => {
    for (let i = 0; i < 6; i++) await bot.send(as.teacher, 'hej');
    bot.clock.advance(30_000); // five tokens back at ten a minute
    for (let i = 0; i < 5; i++) assert.equal((await bot.send(as.teacher, 'hej')).length, 1);
    for (let i = 0; i < 30; i++) {
      bot.clock.advance(6_000);
      const calls = await bot.send(as.teacher, 'hej');
      assert.ok(!messageTexts(calls).some((t) => POLITE.test(t)), `request ${i} at a steady pace`);
    }
  });

  it("never limits Teams' own events (installs), so a busy user is still remembered", async () => {
    for (let i = 0; i < 6; i++) await bot.send(as.teacher, 'hej');
    await bot.installPersonal(as.teacher);
    assert.ok(await bot.services.installations.forUser(as.teacher.aadObjectId));
  });

  it('refuses a body over the configured limit with 413, before any parsing, and keeps serving', async () => {
    const big = await bot.post(bot.baseActivity(as.teacher, { type: 'message', text: 'å'.repeat(40_000) }));
    assert.equal(big.status, 413);
    assert.doesNotMatch(JSON.stringify(big.body ?? ''), /at \w+ \(|node_modules|\.ts:/);
    assert.equal((await bot.send(as.teacher, 'hej')).length, 1);
  });
});

describe('limits: a turn that hangs', () => {
  it('answers 503 without internals when a turn takes too long, and keeps serving', async () => {
    const bot = await startBot();
    let release: () => void = () => undefined;
    const hung = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const server = createServer({
      adapter: createAdapter(bot.config),
      run: async () => {
        if (++calls === 1) await hung; // the first turn hangs (a stuck database, a deadlock)
        return true;
      },
      s: bot.services,
      log: bot.services.log,
      maxBodyBytes: 65536,
      requestTimeoutMs: 150,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
    const post = () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(bot.baseActivity(as.teacher, { type: 'message', text: 'hej' })),
      });
    try {
      const slow = await post();
      assert.equal(slow.status, 503);
      assert.deepEqual(await slow.json(), { error: 'timeout' });
      const next = await post();
      assert.equal(next.status, 200, 'the next request is served');
      assert.ok(bot.logs.events().some((e) => e.event === 'http.timeout'));
    } finally {
      release();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bot.destroy();
    }
  });
});
