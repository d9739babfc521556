import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';
import { startBot, type TestBot } from '../support/bot';
import { cardsOf, checkCard, textOf } from '../support/cards';
import { activityOf } from '../support/connector';
import { APP_ID, TestIdentity } from '../support/identity';
import { rowCounts } from '../support/scan';
import { TENANT, as } from '../support/users';

/**
 * Bot Framework authentication for real: the bot runs WITH credentials and checks every token
 * against a local OpenID metadata + JWKS server, with botbuilder's own validation code. Only the
 * metadata URL differs from production (issuer, audience, algorithms, endorsements do not).
 */
describe('authentication: every activity must carry a valid Bot Framework token', () => {
  let identity: TestIdentity;
  let bot: TestBot;
  before(async () => {
    identity = await new TestIdentity().start();
  });
  after(async () => identity.stop());
  beforeEach(async () => {
    bot = await startBot({ identity });
  });
  afterEach(async () => bot.destroy());

  const hello = () => bot.baseActivity(as.teacher, { type: 'message', text: 'hej' });

  /** Posts with the given Authorization header; asserts 401, no connector call, nothing stored. */
  async function assertRefused(authorization: string, activity: Record<string, any> = hello()): Promise<void> {
    const before = await rowCounts(bot.services.store.db);
    bot.connector.take();
    // botbuilder prints refused tokens' details (public keys, expiry) to stderr; keep the run readable.
    const consoleError = console.error;
    console.error = () => undefined;
    const res = await bot.post(activity, { authorization }).finally(() => (console.error = consoleError));
    assert.equal(res.status, 401, `expected 401, got ${res.status}`);
    assert.deepEqual(res.body, { error: 'unauthorized' }, 'no internals in the answer');
    bot.connector.assertNothingElseSent();
    assert.deepEqual(await rowCounts(bot.services.store.db), before, 'nothing stored');
    assert.ok(
      bot.logs.events().some((e) => e.event === 'auth.refused'),
      'the refusal is logged',
    );
  }

  it('accepts a valid channel token, answers, and replies to the Connector with its own Entra token', async () => {
    const res = await bot.post(hello());
    assert.equal(res.status, 200);
    const calls = bot.connector.take();
    const cards = calls.flatMap((c) => cardsOf(activityOf(c)));
    assert.equal(cards.length, 1);
    assert.match(textOf(checkCard(cards[0])), /Värna/);
    const claims = await identity.verifyOutbound(calls[0]!.authorization);
    assert.equal(claims.azp, APP_ID);
    assert.ok(identity.fetches >= 2, 'the keys came from the metadata server');
  });

  it('accepts a valid token on a button press (invoke) and answers it', async () => {
    const res = await bot.execute(as.teacher, 'duty.show', {});
    assert.equal(res.status, 200);
    assert.ok(res.card, res.message);
  });

  it('refuses a request without a token', async () => {
    await assertRefused('');
  });

  it('refuses a token that is not a Bearer token', async () => {
    await assertRefused(`Basic ${Buffer.from('a:b').toString('base64')}`);
  });

  it('refuses a token signed with another key (forged signature)', async () => {
    await assertRefused(`Bearer ${await identity.channelToken(bot.connector.url, {}, { key: 'forger' })}`);
  });

  it('refuses a token whose signature was cut from another token', async () => {
    const good = await identity.channelToken(bot.connector.url);
    const other = await identity.channelToken(bot.connector.url, { aud: '00000000-0000-4000-8000-000000000000' });
    const [h, , sig] = good.split('.');
    const [, body] = other.split('.');
    await assertRefused(`Bearer ${h}.${body}.${sig}`);
  });

  it('refuses an unsigned token (alg: none)', async () => {
    await assertRefused(`Bearer ${identity.unsignedToken(bot.connector.url)}`);
  });

  it('refuses a token signed with a key id the issuer does not publish', async () => {
    await assertRefused(`Bearer ${await identity.channelToken(bot.connector.url, {}, { kid: 'unknown-key' })}`);
  });

  it('refuses an expired token (beyond the five minutes of clock skew botbuilder allows)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await assertRefused(`Bearer ${await identity.channelToken(bot.connector.url, { iat: now - 7200, nbf: now - 7200, exp: now - 600 })}`);
  });

  it('refuses a token that is not yet valid', async () => {
    const now = Math.floor(Date.now() / 1000);
    await assertRefused(`Bearer ${await identity.channelToken(bot.connector.url, { iat: now, nbf: now + 1200, exp: now + 4800 })}`);
  });

  it('refuses a token for another bot (wrong audience)', async () => {
    await assertRefused(`Bearer ${await identity.channelToken(bot.connector.url, { aud: 'e5e5e5e5-0000-4000-8000-000000000000' })}`);
  });

  it('refuses a token without an audience', async () => {
    await assertRefused(`Bearer ${await identity.channelToken(bot.connector.url, { aud: undefined })}`);
  });

  it('refuses a token from another issuer, even signed with the trusted key', async () => {
    await assertRefused(`Bearer ${await identity.channelToken(bot.connector.url, { iss: 'https://evil.example.com' })}`);
  });

  it('refuses a token issued for another service URL (a replayed token cannot redirect replies)', async () => {
    await assertRefused(`Bearer ${await identity.channelToken('https://smba.trafficmanager.net/evil/')}`);
  });

  it('refuses a valid token when the activity names another service URL than the token', async () => {
    const token = await identity.channelToken(bot.connector.url);
    await assertRefused(`Bearer ${token}`, { ...hello(), serviceUrl: 'http://127.0.0.1:9/attacker/' });
  });

  it('refuses a forged token on a button press (invoke) as well, and does not run the action', async () => {
    const activity = bot.baseActivity(as.teacher, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb: 'duty.show', data: { verb: 'duty.show' } }, trigger: 'manual' },
    });
    await assertRefused(`Bearer ${await identity.channelToken(bot.connector.url, {}, { key: 'forger' })}`, activity);
  });

  it('refuses a forged installation, so no conversation is remembered for proactive messages', async () => {
    const activity = bot.baseActivity(as.teacher, { type: 'installationUpdate', action: 'add' });
    await assertRefused(`Bearer ${await identity.channelToken(bot.connector.url, {}, { key: 'forger' })}`, activity);
    assert.equal(await bot.services.installations.forUser(as.teacher.aadObjectId), undefined);
  });

  it('keeps serving valid requests after refusing forged ones', async () => {
    await assertRefused(`Bearer ${await identity.channelToken(bot.connector.url, {}, { key: 'forger' })}`);
    const res = await bot.post(hello());
    assert.equal(res.status, 200);
  });
});

describe('authentication settings', () => {
  it('refuses to start in production with an overridden token issuer (it decides whose tokens are trusted)', () => {
    assert.throws(
      () =>
        loadConfig({
          NODE_ENV: 'production',
          BOT_APP_ID: APP_ID,
          BOT_APP_PASSWORD: 'x',
          BOT_TENANT_ID: TENANT,
          BOT_OPENID_METADATA: 'https://example.com/.well-known/openidconfiguration',
          VARNA_DATA_KEY: Buffer.alloc(32, 1).toString('base64'),
          VARNA_INDEX_KEY: Buffer.alloc(32, 2).toString('base64'),
          VARNA_PUBLIC_URL: 'https://varna.exempel.se',
          VARNA_AUDIT_KEY: Buffer.alloc(32, 3).toString('base64'),
        }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.some((p) => /BOT_OPENID_METADATA: not allowed in production/.test(p)) &&
        e.problems.length === 1,
    );
  });
});
