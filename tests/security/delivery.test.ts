import assert from 'node:assert/strict';
import { markerOf } from '../../src/services/outbox';
import { TEAM_GROUP_ID, startBot, type TestBot } from '../support/bot';
import { cardsOf, checkCard, textOf } from '../support/cards';
import { ManualClock } from '../support/clock';
import { activityOf, type ConnectorCall } from '../support/connector';
import { reportInput, submitReport } from '../support/report';
import { as } from '../support/users';
import { REPORTS_CHANNEL, TEAM, intakeReady } from '../support/intake';

const REPEAT = /Kan upprepa ett tidigare meddelande.*this may repeat an earlier message/is;
const channelPost = (c: ConnectorCall) => c.method === 'POST' && c.body?.channelData?.channel?.id === REPORTS_CHANNEL;

/**
 * "Exactly once" where Teams lets us check it. The outbox records an attempt before each send and
 * the send's result in one transaction with its effects; a send whose answer never came (the
 * process died, the connection dropped) is "in doubt", and is settled by reading the channel back
 * over Microsoft Graph before anything is sent again. Where Graph cannot tell (1:1 chats, Graph
 * not permitted), the message is resent with a visible line that it may repeat an earlier one.
 */
describe('delivery after an interrupted send', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await intakeReady(bot);
  });
  afterEach(async () => bot.destroy());

  /** A report whose channel card reached Teams, but whose answer the bot never got. */
  async function interruptedChannelPost(): Promise<string> {
    bot.connector.failNext(1, { status: 201, arrive: true }, channelPost);
    const { reference } = await submitReport(bot, as.teacher, reportInput());
    await bot.deliver();
    const row = (await bot.services.store.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', 'like', 'report:%:channel')
      .executeTakeFirst())!;
    assert.equal(row.status, 'pending', 'the send is not taken as done');
    assert.ok(row.attempt_at, 'the row is in doubt');
    assert.equal(bot.connector.calls.filter(channelPost).length, 1, 'Teams has the card once');
    return reference;
  }

  it("stores the team's group id from the install event (Graph names a team by it)", async () => {
    const inst = await bot.services.installations.forTeam(TEAM);
    assert.equal(inst?.aadGroupId, TEAM_GROUP_ID);
  });

  it('finds an interrupted channel post over Graph and does not post it again; intake can act on it', async () => {
    const reference = await interruptedChannelPost();
    bot.clock.advanceMinutes(2); // past the retry backoff
    await bot.deliver();
    assert.equal(bot.connector.calls.filter(channelPost).length, 1, 'still once in the channel');
    const graph = bot.connector.graphCalls.map((c) => c.path);
    assert.ok(
      graph.some((p) =>
        p.startsWith(
          `/graph/v1.0/teams/${TEAM_GROUP_ID}/channels/${encodeURIComponent(REPORTS_CHANNEL)}/messages/delta?$filter=lastModifiedDateTime`,
        ),
      ),
      graph.join(', '),
    );
    const report = await bot.services.reports.byReference(reference);
    const posted = bot.connector.graphMessages[0]!;
    assert.equal(
      report?.channelActivityId,
      posted.id,
      "the card found is the report's channel card (its id recorded for updates and replies)",
    );
    assert.equal(report?.channelConversationId, `${REPORTS_CHANNEL};messageid=${posted.id}`);
    const row = (await bot.services.store.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', '=', `report:${report!.id}:channel`)
      .executeTakeFirst())!;
    assert.equal(row.status, 'sent');
    assert.equal(row.attempt_at, null);
    assert.ok(bot.logs.events().some((l) => l.event === 'outbox.reconciled'));
    // The card carries the marker (and nothing that says "repeat").
    const [card] = cardsOf(activityOf(bot.connector.calls.find(channelPost)!)).map(checkCard);
    assert.equal(card.id, markerOf(`report:${report!.id}:channel`));
    assert.doesNotMatch(textOf(card), REPEAT);
  });

  it('asks Teams once for the group id of a team installed before it was stored, and remembers it', async () => {
    await bot.services.store.db.updateTable('installations').set({ aad_group_id: null }).where('key', '=', `team:${TEAM}`).execute();
    bot.connector.channels.set(TEAM, [{ id: TEAM }, { id: REPORTS_CHANNEL, name: 'Anmälningar' }]);
    bot.connector.groupIds.set(TEAM, TEAM_GROUP_ID);
    await interruptedChannelPost();
    bot.clock.advanceMinutes(2);
    await bot.deliver();
    assert.equal(bot.connector.calls.filter(channelPost).length, 1, 'found over Graph, not posted again');
    assert.equal((await bot.services.installations.forTeam(TEAM))?.aadGroupId, TEAM_GROUP_ID);
  });

  it("finds an interrupted reply in the report's thread (an intake alert) over Graph and does not post it again", async () => {
    const { reference } = await submitReport(bot, as.teacher, reportInput());
    await bot.deliver();
    const report = (await bot.services.reports.byReference(reference))!;
    const inThread = (c: ConnectorCall) => c.method === 'POST' && c.conversationId === report.channelConversationId;
    bot.connector.failNext(1, { status: 200, arrive: true }, inThread);
    bot.clock.set('2026-03-02T13:00:00+01:00'); // past two working hours: the acknowledgement alert
    await bot.services.intake.checkClocks();
    await bot.deliver();
    assert.equal(bot.connector.calls.filter(inThread).length, 1);
    bot.clock.advanceMinutes(2);
    await bot.deliver();
    assert.equal(bot.connector.calls.filter(inThread).length, 1, 'the alert once in the thread');
    assert.ok(bot.connector.graphCalls.some((c) => c.path.includes(`/messages/${report.channelActivityId}/replies`)));
    const row = (await bot.services.store.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', '=', `report:${report.id}:ack`)
      .executeTakeFirst())!;
    assert.equal(row.status, 'sent');
  });

  it('posts a channel card whose interrupted send did not arrive, once and unmarked', async () => {
    bot.connector.failNext(1, { status: 0 }, channelPost); // hangs: never arrives
    const { reference } = await submitReport(bot, as.teacher, reportInput());
    const deliver = bot.deliver();
    await new Promise((r) => setTimeout(r, 200));
    bot.connector.releaseHung(); // the connection drops without an answer: in doubt
    await deliver;
    assert.equal(bot.connector.calls.filter(channelPost).length, 0);
    bot.clock.advanceMinutes(2);
    await bot.deliver();
    const posts = bot.connector.calls.filter(channelPost);
    assert.equal(posts.length, 1);
    const card = checkCard(cardsOf(activityOf(posts[0]!))[0]);
    assert.match(textOf(card), new RegExp(reference));
    assert.doesNotMatch(textOf(card), REPEAT);
    assert.ok(bot.logs.events().some((l) => l.event === 'outbox.not-arrived'));
  });

  it('resends visibly marked, logs and audits when Graph may not be read (no consent)', async () => {
    const reference = await interruptedChannelPost();
    bot.connector.graphStatus = 403;
    bot.clock.advanceMinutes(2);
    await bot.deliver();
    const posts = bot.connector.calls.filter(channelPost);
    assert.equal(posts.length, 2, 'at least once: sent again');
    const again = checkCard(cardsOf(activityOf(posts[1]!))[0]);
    assert.match(textOf(again), REPEAT);
    assert.match(textOf(again), new RegExp(reference));
    const line = bot.logs.events().find((l) => l.event === 'outbox.possible-repeat');
    assert.equal(line?.reason, 'graph-forbidden');
    const audit = await bot.services.store.db.selectFrom('audit').selectAll().where('action', '=', 'outbox.possibleRepeat').execute();
    assert.equal(audit.length, 1);
    assert.deepEqual(JSON.parse(audit[0]!.detail), { kind: 'report.channelCard', reason: 'graph-forbidden' });
  });

  it('resends a 1:1 message whose send was interrupted with the repeat line (Graph cannot read 1:1 chats here)', async () => {
    const { reference } = await submitReport(bot, as.teacher, reportInput({ wishes: { feedbackWanted: true, jointMeeting: false } }));
    await bot.deliver();
    const report = (await bot.services.reports.byReference(reference))!;
    const toTeacher = (c: ConnectorCall) => c.method === 'POST' && c.conversationId.startsWith(bot.personalConversation(as.teacher));
    bot.connector.take();
    bot.connector.failNext(1, { status: 200, arrive: true }, toTeacher);
    const taken = await bot.execute(
      as.intake,
      'intake.take',
      { reference, phone: '0123-456 01' },
      {
        conversation: {
          conversationType: 'channel',
          tenantId: 'e0e0e0e0-1111-4222-8333-444455556666',
          id: report.channelConversationId,
          isGroup: true,
        },
        channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
        replyToId: report.channelActivityId!,
      },
    );
    assert.ok(taken.card, taken.message);
    await bot.deliver();
    bot.clock.advanceMinutes(2);
    await bot.deliver();
    const feedback = bot.connector
      .take()
      .filter(toTeacher)
      .flatMap((c) => cardsOf(activityOf(c)).map(checkCard))
      .map(textOf);
    assert.equal(feedback.length, 2, 'the first arrived unseen by the bot, the second is the resend');
    assert.doesNotMatch(feedback[0]!, REPEAT);
    assert.match(feedback[1]!, REPEAT);
    assert.equal(bot.logs.events().find((l) => l.event === 'outbox.possible-repeat')?.reason, 'one-to-one');
  });
});
