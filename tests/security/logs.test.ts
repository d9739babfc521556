import assert from 'node:assert/strict';
import { startBot } from '../support/bot';
import { forbid } from '../support/logs';
import { as } from '../support/users';

const secret = 'Stina Läckesson 201212121212 blir slagen';
forbid(secret, 'Läckesson', '201212121212');

/**
 * Every field of an activity is the sender's to choose. Log lines carry ids and event names only,
 * and a field that does not have the shape of one is logged as "other", never as typed.
 */
describe('logs: nothing an activity carries reaches a log line unless it is an id', () => {
  it('does not log free text smuggled into the activity type, name, id or user id', async () => {
    const bot = await startBot();
    try {
      await bot.post(bot.baseActivity(as.teacher, { type: secret, text: secret }));
      await bot.post(bot.baseActivity(as.teacher, { type: 'invoke', name: secret, id: secret, value: { secret } }));
      await bot.post({ ...bot.baseActivity(as.teacher, { type: 'message', text: secret }), from: { id: secret, aadObjectId: secret, name: secret } });
      await bot.post(bot.baseActivity(as.teacher, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'duty.show', data: { verb: 'duty.show', topic: secret, [secret]: secret } } } }));
      const hits = bot.logs.lines.filter((l) => l.includes('Läckesson') || l.includes('201212121212'));
      assert.deepEqual(hits, []);
      assert.ok(bot.logs.events().some((e) => e.event === 'action.invalid'), 'the refused card data was logged, by field name only');
    } finally {
      await bot.destroy();
    }
  });
});
