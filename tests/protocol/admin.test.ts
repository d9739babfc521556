import assert from 'node:assert/strict';
import { startBot, type TestBot } from '../support/bot';
import { cardsOf, checkCard, textOf } from '../support/cards';
import { activityOf, type ConnectorCall } from '../support/connector';
import { ManualClock } from '../support/clock';
import { TENANT, as, type TestUser } from '../support/users';

// config/example.yaml: Exempelkommun's intake unit.
const IFO_TEAM = '19:exempel-ifo-team@thread.tacv2';
const REPORTS = '19:exempel-ifo-anmalningar@thread.tacv2';
const CONSULT = '19:exempel-ifo-konsultation@thread.tacv2';

/** A message in a team channel, @mentioning the bot as Teams sends it. */
async function inChannel(bot: TestBot, user: TestUser, teamId: string, channelId: string, text: string): Promise<ConnectorCall[]> {
  bot.connector.take();
  const mention = `<at>Värna</at>`;
  const res = await bot.post(
    bot.baseActivity(user, {
      type: 'message',
      text: `${mention} ${text}`,
      entities: [{ type: 'mention', text: mention, mentioned: { id: `28:${bot.config.botAppId}`, name: 'Värna' } }],
      conversation: { conversationType: 'channel', tenantId: TENANT, id: `${channelId};messageid=1700000000000`, isGroup: true },
      channelData: { tenant: { id: TENANT }, team: { id: teamId, name: 'IFO' }, channel: { id: channelId, name: 'Anmälningar' } },
    }),
  );
  assert.equal(res.status, 200);
  return bot.connector.take();
}

/** The card's text on one line per block (textOf puts each TextRun on its own line). */
const flat = (card: unknown) => textOf(card).replace(/[ ]*\n(?=[ 0-9(])[ ]*/g, ' ');

const onlyCard = (calls: ConnectorCall[]) => {
  const cards = calls.flatMap((c) => cardsOf(activityOf(c)));
  assert.equal(cards.length, 1, `expected one card, got ${cards.length}`);
  return checkCard(cards[0]);
};

describe('"värna status" in a team channel, for the admin filling the config', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
  });
  afterEach(async () => bot.destroy());

  it('replies in the channel with the team id, this channel and the other channels, and confirms the configured unit', async () => {
    bot.connector.channels.set(IFO_TEAM, [{ id: IFO_TEAM }, { id: REPORTS, name: 'Anmälningar' }, { id: CONSULT, name: 'Konsultationer' }]);
    await bot.installTeam(IFO_TEAM, as.intake);
    const calls = await inChannel(bot, as.intake, IFO_TEAM, REPORTS, 'värna status');
    const text = flat(onlyCard(calls));
    // The reply is posted into the channel's thread: posting works.
    assert.ok(
      calls.every((c) => c.conversationId.startsWith(REPORTS)),
      calls.map((c) => c.conversationId).join(),
    );
    assert.match(text, /Värna kan skriva i den här kanalen/);
    assert.match(text, new RegExp(`Teamets id \\(teamId\\): ${IFO_TEAM}`));
    assert.match(text, new RegExp(`Den här kanalens id: ${REPORTS}`));
    assert.match(text, new RegExp(`Allmänt: ${IFO_TEAM}`));
    assert.match(text, new RegExp(`Konsultationer: ${CONSULT}`));
    assert.match(text, /mottagningsenheten \*\*IFO-mottagningen barn och unga\*\*/);
    assert.match(text, new RegExp(`Anmälningar \\(reportsChannelId\\): ${REPORTS} \\(den här kanalen\\)`));
    assert.match(text, new RegExp(`Konsultationer \\(consultationsChannelId\\): ${CONSULT} \\(finns i teamet\\)`));
    assert.doesNotMatch(text, /finns INTE|inte sparat installationen/);
    assert.ok(bot.logs.events().some((e) => e.event === 'admin.status' && e.unit === 'ifo-mottagningen'));
  });

  it('works as "@Värna status" too, since Teams strips the mention', async () => {
    bot.connector.channels.set(IFO_TEAM, [{ id: IFO_TEAM }, { id: REPORTS, name: 'Anmälningar' }, { id: CONSULT, name: 'Konsultationer' }]);
    await bot.installTeam(IFO_TEAM, as.intake);
    assert.match(flat(onlyCard(await inChannel(bot, as.intake, IFO_TEAM, REPORTS, 'status'))), /Värna i den här kanalen/);
  });

  it('tells the admin that a team is not configured yet and gives the lines to paste', async () => {
    const team = '19:nytt-team@thread.tacv2';
    bot.connector.channels.set(team, [{ id: team }, { id: '19:kanal-a@thread.tacv2', name: 'Kanal A' }]);
    await bot.installTeam(team, as.intake);
    const text = flat(onlyCard(await inChannel(bot, as.intake, team, team, 'värna status')));
    assert.match(text, /Teamet finns inte i konfigurationen/);
    assert.match(text, new RegExp(`teamId: "${team}"`));
    assert.match(text, /Kanal A: 19:kanal-a@thread\.tacv2/);
    assert.doesNotMatch(text, /mottagningsenheten/);
  });

  it('warns when a configured channel is not in the team, and when the installation is not stored', async () => {
    bot.connector.channels.set(IFO_TEAM, [{ id: IFO_TEAM }, { id: REPORTS, name: 'Anmälningar' }]);
    const text = flat(onlyCard(await inChannel(bot, as.intake, IFO_TEAM, IFO_TEAM, 'värna status')));
    assert.match(text, new RegExp(`${CONSULT} \\(finns INTE i teamet`));
    assert.match(text, /har inte sparat installationen/);
  });

  it('still gives the ids when Teams cannot list the channels', async () => {
    await bot.installTeam(IFO_TEAM, as.intake);
    bot.connector.failNext(1, { status: 500 }, (c) => c.path.startsWith('/v3/teams/'));
    const text = flat(onlyCard(await inChannel(bot, as.intake, IFO_TEAM, REPORTS, 'värna status')));
    assert.match(text, new RegExp(`Teamets id \\(teamId\\): ${IFO_TEAM}`));
    assert.match(text, /kunde inte hämta teamets kanaler/);
  });

  it('answers in English to an English Teams client', async () => {
    bot.connector.channels.set(IFO_TEAM, [{ id: IFO_TEAM }, { id: REPORTS, name: 'Anmälningar' }, { id: CONSULT, name: 'Konsultationer' }]);
    await bot.installTeam(IFO_TEAM, as.intake);
    const text = flat(onlyCard(await inChannel(bot, { ...as.intake, locale: 'en-GB' }, IFO_TEAM, REPORTS, 'värna status')));
    assert.match(text, /Värna can post in this channel/);
    assert.match(text, /intake unit \*\*IFO-mottagningen barn och unga\*\*/);
  });

  it('in a group chat, explains that it works in a team channel', async () => {
    bot.connector.take();
    const mention = '<at>Värna</at>';
    await bot.post(
      bot.baseActivity(as.intake, {
        type: 'message',
        text: `${mention} värna status`,
        entities: [{ type: 'mention', text: mention, mentioned: { id: `28:${bot.config.botAppId}`, name: 'Värna' } }],
        conversation: { conversationType: 'groupChat', tenantId: TENANT, id: '19:gruppchatt@thread.v2', isGroup: true },
      }),
    );
    const [reply, ...rest] = bot.connector.take();
    assert.equal(rest.length, 0);
    assert.match(String(activityOf(reply!).text), /fungerar i en kanal i ett team där Värna är installerat/);
  });

  it('is not a command in the 1:1 chat, and not inside a sentence', async () => {
    assert.match(textOf(onlyCard(await bot.send(as.teacher, 'värna status'))), /Jag förstod inte/);
    bot.connector.channels.set(IFO_TEAM, [{ id: IFO_TEAM }]);
    const calls = await inChannel(bot, as.intake, IFO_TEAM, REPORTS, 'vad är värna status för något');
    assert.equal(calls.length, 0);
  });
});
