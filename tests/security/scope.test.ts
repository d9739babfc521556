import assert from 'node:assert/strict';
import { strings } from '../../src/cards/i18n';
import { verbs } from '../../src/cards/verbs';
import { commands, type CommandName } from '../../src/bot/commands';
import { startBot, type TestBot } from '../support/bot';
import { actionsOf, cardsOf, checkCard, inputsOf, textOf } from '../support/cards';
import { ManualClock } from '../support/clock';
import { activityOf, type ConnectorCall } from '../support/connector';
import { TEST_CHILD, TEST_PNR, draftIdOf, submitReport } from '../support/report';
import { backgroundTables, tableNames } from '../support/scan';
import { foldRollup } from '../../src/services/stat-rollup';
import { TestIdentity } from '../support/identity';
import { assertInert, textRuns } from '../support/inert';
import { forbid } from '../support/logs';
import { REPORTS_CHANNEL, TEAM, intakeReady } from '../support/intake';
import { TENANT, as, type TestUser } from '../support/users';

/**
 * Issue 20 §1: the report, its list and its feedback live in the 1:1 chat only. Every verb and
 * every text command, in every kind of conversation Teams sends them from: where it may run it
 * runs; anywhere else it gets a short pointer (or where it is done) and nothing else, is audited
 * when it was a card action, and changes nothing.
 */

const sv = strings('sv');
const CONSULT_CHANNEL = '19:exempel-ifo-konsultation@thread.tacv2';
/** The staff room: a team a teacher added Värna to, not an intake unit's. */
const STAFF_TEAM = '19:personalrummet-team@thread.tacv2';
const STAFF_CHANNEL = '19:personalrummet-allmant@thread.tacv2';
const QUESTION = 'En elev i åk 4 har återkommande blåmärken och vill inte gå hem. Räcker det för en anmälan?';

type Place = 'personal' | 'intakeChannel' | 'consultationChannel' | 'otherTeamChannel' | 'groupChat';
const PLACES: Place[] = ['intakeChannel', 'consultationChannel', 'otherTeamChannel', 'groupChat', 'personal'];

interface Fixture {
  reference: string;
  draftId: string;
  spareDraftId: string;
  consultationId: string;
  /** A consultation text held for review (it names a child). */
  reviewId: string;
  reminderId: string;
  /** Thread ids as Teams sends them in the channels. */
  reportThread: string;
  consultThread: string;
}

/** The conversation and channelData of an activity in each place, exactly as Teams sends them. */
function where(
  place: Place,
  user: TestUser,
  f: Fixture,
  bot: TestBot,
): { conversation: Record<string, unknown>; channelData?: Record<string, unknown> } {
  switch (place) {
    case 'personal':
      return { conversation: { conversationType: 'personal', tenantId: TENANT, id: bot.personalConversation(user) } };
    case 'intakeChannel':
      return {
        conversation: { conversationType: 'channel', tenantId: TENANT, id: f.reportThread, isGroup: true },
        channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
      };
    case 'consultationChannel':
      return {
        conversation: { conversationType: 'channel', tenantId: TENANT, id: f.consultThread, isGroup: true },
        channelData: { team: { id: TEAM }, channel: { id: CONSULT_CHANNEL } },
      };
    case 'otherTeamChannel':
      return {
        conversation: { conversationType: 'channel', tenantId: TENANT, id: `${STAFF_CHANNEL};messageid=1700000000001`, isGroup: true },
        channelData: { team: { id: STAFF_TEAM }, channel: { id: STAFF_CHANNEL } },
      };
    case 'groupChat':
      return { conversation: { conversationType: 'groupChat', tenantId: TENANT, id: '19:gruppchatt-kollegor@thread.v2', isGroup: true } };
  }
}

interface VerbRow {
  /** Where the verb may run; everywhere else it is refused. */
  runs: Place[];
  user: TestUser;
  data: (f: Fixture) => Record<string, unknown>;
}

/** One row per verb in src/cards/verbs.ts (a test below fails when a verb has no row). */
const table: Record<string, VerbRow> = {
  [verbs.welcome]: { runs: ['personal'], user: as.teacher, data: () => ({}) },
  [verbs.duty]: { runs: ['personal', 'intakeChannel'], user: as.teacher, data: () => ({}) },
  [verbs.reportStart]: { runs: ['personal'], user: as.teacher, data: () => ({}) },
  [verbs.reportResume]: { runs: ['personal'], user: as.teacher, data: (f) => ({ draftId: f.draftId }) },
  [verbs.reportStep]: { runs: ['personal'], user: as.teacher, data: (f) => ({ draftId: f.draftId, step: 'acute', immediateDanger: 'no' }) },
  [verbs.reportGoTo]: { runs: ['personal'], user: as.teacher, data: (f) => ({ draftId: f.draftId, step: 'child' }) },
  [verbs.reportLater]: { runs: ['personal'], user: as.teacher, data: (f) => ({ draftId: f.draftId }) },
  [verbs.reportDiscard]: { runs: ['personal'], user: as.teacher, data: (f) => ({ draftId: f.draftId }) },
  [verbs.reportSubmit]: { runs: ['personal'], user: as.teacher, data: (f) => ({ draftId: f.draftId }) },
  [verbs.reportSibling]: { runs: ['personal'], user: as.teacher, data: (f) => ({ reference: f.reference }) },
  [verbs.reportDiscardConfirm]: { runs: ['personal'], user: as.teacher, data: (f) => ({ draftId: f.spareDraftId }) },
  [verbs.reportOpen]: { runs: ['intakeChannel'], user: as.intake, data: (f) => ({ reference: f.reference }) },
  [verbs.intakeTake]: { runs: ['intakeChannel'], user: as.intake, data: (f) => ({ reference: f.reference, phone: '0123-456 01' }) },
  [verbs.intakeTakeForm]: { runs: ['intakeChannel'], user: as.intake, data: (f) => ({ reference: f.reference }) },
  [verbs.intakeProtection]: { runs: ['intakeChannel'], user: as.intake, data: (f) => ({ reference: f.reference, immediate: 'no' }) },
  [verbs.intakeDecision]: {
    runs: ['intakeChannel'],
    user: as.intake,
    data: (f) => ({ reference: f.reference, outcome: 'notOpened', date: '2026-03-02' }),
  },
  [verbs.intakeInappropriate]: {
    runs: ['intakeChannel'],
    user: as.intake,
    data: (f) => ({ reference: f.reference, reason: 'Olämpligt just nu.' }),
  },
  [verbs.intakeMeeting]: { runs: ['intakeChannel'], user: as.intake, data: (f) => ({ reference: f.reference }) },
  [verbs.intakeRegister]: { runs: ['intakeChannel'], user: as.intake, data: (f) => ({ reference: f.reference }) },
  [verbs.myReports]: { runs: ['personal'], user: as.teacher, data: () => ({ page: 0 }) },
  [verbs.requestFeedback]: { runs: ['personal'], user: as.teacher, data: (f) => ({ reference: f.reference, page: 0 }) },
  [verbs.consultStart]: { runs: ['personal'], user: as.teacher, data: () => ({}) },
  [verbs.consultSend]: {
    runs: ['personal'],
    user: as.teacher,
    data: () => ({ nonce: 'scope-test-nonce', text: QUESTION, schoolId: 'ekbacken', showSchool: 'false' }),
  },
  [verbs.consultMine]: { runs: ['personal'], user: as.teacher, data: () => ({}) },
  [verbs.consultShow]: { runs: ['personal'], user: as.teacher, data: (f) => ({ id: f.consultationId }) },
  [verbs.consultReply]: {
    runs: ['personal'],
    user: as.teacher,
    data: (f) => ({ id: f.consultationId, reply: 'Eleven berättade mer i dag.' }),
  },
  [verbs.consultRestore]: { runs: ['personal'], user: as.teacher, data: (f) => ({ review: f.reviewId, v: '1', hit: '0' }) },
  [verbs.consultReplace]: { runs: ['personal'], user: as.teacher, data: (f) => ({ review: f.reviewId, v: '2', hit: '0' }) },
  [verbs.consultConfirm]: { runs: ['personal'], user: as.teacher, data: (f) => ({ review: f.reviewId, v: '1' }) },
  [verbs.consultEdit]: { runs: ['personal'], user: as.teacher, data: (f) => ({ review: f.reviewId }) },
  [verbs.consultCancel]: { runs: ['personal'], user: as.teacher, data: (f) => ({ review: f.reviewId }) },
  [verbs.consultAnswer]: {
    runs: ['consultationChannel'],
    user: as.intake,
    data: (f) => ({ id: f.consultationId, answer: 'Råd från mottagningen: anmäl.' }),
  },
  [verbs.consultClose]: { runs: ['consultationChannel'], user: as.intake, data: (f) => ({ id: f.consultationId, outcome: 'report' }) },
  [verbs.reminderSnooze]: { runs: ['personal', 'intakeChannel'], user: as.principal, data: (f) => ({ reminderId: f.reminderId }) },
  [verbs.reminderDone]: { runs: ['personal', 'intakeChannel'], user: as.principal, data: (f) => ({ reminderId: f.reminderId }) },
  [verbs.reminderShow]: { runs: ['personal', 'intakeChannel'], user: as.principal, data: (f) => ({ reminderId: f.reminderId }) },
  [verbs.remindersUnreachable]: { runs: ['personal'], user: as.statistician, data: () => ({}) },
  [verbs.statistics]: { runs: ['personal'], user: as.statistician, data: () => ({}) },
};

/** One row per text command in src/bot/commands.ts: what a user types, and who. */
const commandTable: Record<CommandName, { text: string; user: TestUser }> = {
  welcome: { text: 'hej', user: as.teacher },
  duty: { text: 'om anmälningsplikten', user: as.teacher },
  report: { text: 'anmäl oro', user: as.teacher },
  myReports: { text: 'mina anmälningar', user: as.teacher },
  unreachable: { text: 'vem når inte Värna?', user: as.statistician },
  statistics: { text: 'statistik', user: as.statistician },
  status: { text: 'värna status', user: as.intake },
};

const pointerText = `${sv.scope.personalOnly} ${sv.scope.personalOnlyHint}`;
const scopeRefusals = [pointerText, sv.scope.intakeOnly, sv.scope.consultationOnly];
const expectedRefusal = (runs: Place[]) =>
  runs.includes('personal') ? pointerText : runs.includes('intakeChannel') ? sv.scope.intakeOnly : sv.scope.consultationOnly;

/** Everything stored except the audit log (a refusal's one trace). */
async function snapshot(bot: TestBot): Promise<string> {
  const db = bot.services.store.db;
  // The figures' deltas are folded into the roll-up in the background (a minute's job, and before
  // any statistics read): fold first, so a fold that happens to run between two snapshots is not
  // taken for a change. The figures themselves are compared as they are.
  await foldRollup(db);
  // The audit log (its entries and its chains' heads) is the one thing a refusal writes; the
  // statistics' kept pattern is written in the background after a start (backgroundTables).
  const tables = (await tableNames(db)).filter((n) => n !== 'audit' && n !== 'audit_head' && !backgroundTables.has(n));
  const out: Record<string, string[]> = {};
  for (const name of tables)
    out[name] = (
      (await db
        .selectFrom(name as never)
        .selectAll()
        .execute()) as unknown[]
    )
      .map((r) => JSON.stringify(r))
      .sort();
  return JSON.stringify(out);
}

const refusalsFor = async (bot: TestBot, verb: string) =>
  (await bot.services.store.audit.forSubject(`verb:${verb}`)).filter((a) => a.action === 'scope.refused' && a.outcome === 'refused');

describe('scope: the report, its list and its feedback live in the 1:1 chat only (issue 20 §1)', () => {
  let bot: TestBot;
  let f: Fixture;
  /** What must never appear outside the 1:1 chat: the child, the reference, the outcome. */
  let secrets: string[];

  before(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await bot.installTeam(TEAM, as.intake);
    bot.connector.rosters.set(TEAM, new Set([as.intake.aadObjectId]));
    for (const user of [as.teacher, as.intake, as.principal, as.statistician]) await bot.installPersonal(user);
    const { reference } = await submitReport(bot, as.teacher);
    await bot.deliver();
    const report = await bot.services.reports.byReference(reference);
    // Intake takes it and decides; the teacher asked for feedback, so "Mina anmälningar" shows the outcome.
    const onCard = {
      conversation: { conversationType: 'channel', tenantId: TENANT, id: report!.channelConversationId, isGroup: true },
      channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
      replyToId: report!.channelActivityId!,
    };
    assert.ok((await bot.execute(as.intake, 'intake.take', { reference, phone: '0123-456 01' }, onCard)).card);
    assert.ok((await bot.execute(as.intake, 'intake.decision', { reference, outcome: 'opened', date: '2026-03-02' }, onCard)).card);
    await bot.deliver();
    const draft = async () => {
      const start = await bot.execute(as.teacher, 'report.start', {});
      const draftId = draftIdOf(start.card);
      await bot.execute(as.teacher, 'report.step', { draftId, step: 'acute', immediateDanger: 'no' });
      await bot.execute(as.teacher, 'report.step', {
        draftId,
        step: 'child',
        childName: TEST_CHILD,
        pnr: TEST_PNR,
        schoolId: 'ekbacken',
        className: '5B',
        address: '',
        language: '',
        interpreter: false,
      });
      return draftId;
    };
    const draftId = await draft();
    const spareDraftId = await draft();
    const compose = await bot.execute(as.teacher, 'consult.start', {});
    const send = actionsOf(compose.card).find((a) => a.verb === 'consult.send')!;
    await bot.execute(as.teacher, 'consult.send', { ...send.data, text: QUESTION, schoolId: 'ekbacken', showSchool: 'false' });
    await bot.deliver();
    const again = await bot.execute(as.teacher, 'consult.start', {});
    const named = await bot.execute(as.teacher, 'consult.send', {
      ...actionsOf(again.card).find((a) => a.verb === 'consult.send')!.data,
      text: `${TEST_CHILD} har sagt samma sak i dag.`,
      schoolId: 'ekbacken',
      showSchool: 'false',
    });
    const reviewId = String(actionsOf(named.card).find((a) => a.verb === 'consult.confirm')!.data.review);
    const consultation = await bot.services.store.db
      .selectFrom('consultations')
      .select(['id', 'channel_conversation_id'])
      .executeTakeFirstOrThrow();
    const now = bot.clock.now().toISOString();
    const reminderId = 'rem-scope-test';
    await bot.services.store.db
      .insertInto('reminders')
      .values({
        id: reminderId,
        key: `scope:${reminderId}`,
        entry_id: 'terminsstart-vt',
        due_at: now,
        recipient_aad: as.principal.aadObjectId,
        unit_id: null,
        school_id: 'ekbacken',
        status: 'open',
        send_at: null,
        sent_count: 1,
        done_at: null,
        done_by: null,
        snoozed_until: null,
        created_at: now,
      })
      .execute();
    f = {
      reference,
      draftId,
      spareDraftId,
      consultationId: consultation.id,
      reviewId,
      reminderId,
      reportThread: report!.channelConversationId!,
      consultThread: consultation.channel_conversation_id!,
    };
    secrets = [
      TEST_CHILD,
      TEST_PNR,
      reference,
      sv.intake.outcomes.opened,
      sv.intake.feedback.investigation.opened,
      QUESTION,
      as.teacher.name,
    ];
  });
  after(async () => bot.destroy());

  const assertNoSecrets = (seen: unknown, what: string) => {
    const text = typeof seen === 'string' ? seen : JSON.stringify(seen);
    for (const secret of secrets) assert.ok(!text.includes(secret), `${what} shows "${secret}"`);
  };

  it('has a row for every verb and every text command', () => {
    assert.deepEqual(Object.keys(table).sort(), Object.values(verbs).sort());
    assert.deepEqual(Object.keys(commandTable).sort(), Object.keys(commands).sort());
  });

  for (const [verb, row] of Object.entries(table)) {
    for (const place of PLACES) {
      const runs = row.runs.includes(place);
      const dialog = verb === verbs.reportOpen || verb === verbs.intakeTakeForm;
      it(`${verb} ${dialog ? '(dialog)' : '(Action.Execute)'} in ${place}: ${runs ? 'runs' : 'refused, audited, nothing changed'}`, async () => {
        const at = where(place, row.user, f, bot);
        const before = runs ? '' : await snapshot(bot);
        const audited = (await refusalsFor(bot, verb)).length;
        bot.connector.take();
        let answer: string | undefined;
        let shown: unknown;
        if (dialog) {
          const res = await bot.taskFetch(row.user, { verb, ...row.data(f) }, at);
          assert.equal(res.status, 200);
          answer = res.body?.task?.type === 'message' ? String(res.body.task.value) : undefined;
          shown = res.body;
          // The fixture's report is taken already: the take form says so instead of opening.
          if (runs && verb === verbs.reportOpen)
            assert.equal(res.body?.task?.type, 'continue', 'the full report opens for intake in its channel');
        } else {
          const res = await bot.execute(row.user, verb, row.data(f), at);
          assert.equal(res.status, 200);
          answer = res.message;
          shown = res.card ?? res.message;
          if (!runs) assert.equal(res.card, undefined, 'no card replaces the one pressed');
        }
        const calls = bot.connector.take();
        if (runs) {
          assert.ok(!scopeRefusals.includes(answer ?? ''), `refused where it may run: ${answer}`);
          assert.equal((await refusalsFor(bot, verb)).length, audited);
          return;
        }
        assert.equal(answer, expectedRefusal(row.runs));
        assertNoSecrets(shown, `${verb} in ${place}`);
        assert.deepEqual(
          calls.map((c) => `${c.method} ${c.path}`),
          [],
          'nothing sent or updated',
        );
        assert.equal(await snapshot(bot), before, 'nothing stored changed');
        const refusals = await refusalsFor(bot, verb);
        assert.equal(refusals.length, audited + 1, 'the refusal is audited');
        assert.equal(refusals.at(-1)!.actor, row.user.aadObjectId);
        assert.doesNotMatch(JSON.stringify(refusals.at(-1)), /Testbarn|VÄ-\d|Tina/, 'the audit entry holds no personal data');
      });
    }
  }

  for (const [verb, row] of Object.entries(table)) {
    if (verb === verbs.reportOpen || verb === verbs.intakeTakeForm) continue;
    for (const place of PLACES.filter((p) => p !== 'personal' && !row.runs.includes(p))) {
      it(`${verb} as Action.Submit (the fallback) in ${place}: refused the same way`, async () => {
        const at = where(place, row.user, f, bot);
        const before = await snapshot(bot);
        const audited = (await refusalsFor(bot, verb)).length;
        bot.connector.take();
        const res = await bot.post(
          bot.baseActivity(row.user, {
            type: 'message',
            value: { ...row.data(f), verb },
            ...at,
            ...(at.channelData ? { channelData: { tenant: { id: TENANT }, ...at.channelData } } : {}),
          }),
        );
        assert.equal(res.status, 200);
        const calls = bot.connector.take();
        assert.equal(calls.length, 1, 'one answer');
        const reply = activityOf(calls[0]!);
        assertNoSecrets(textOf(reply), `${verb} submitted in ${place}`);
        if (row.runs.includes('personal')) assertPointer(reply);
        else assert.equal(reply.text, expectedRefusal(row.runs));
        assert.equal(await snapshot(bot), before, 'nothing stored changed');
        assert.equal((await refusalsFor(bot, verb)).length, audited + 1, 'the refusal is audited');
      });
    }
  }

  /** The pointer: one short text and one button that opens the 1:1 chat; no input, nothing else. */
  function assertPointer(reply: any): void {
    const [card, ...more] = cardsOf(reply);
    assert.ok(card, 'a card with a button');
    assert.equal(more.length, 0);
    checkCard(card);
    assert.deepEqual(inputsOf(card), [], 'no inputs');
    const buttons = actionsOf(card);
    assert.deepEqual(
      buttons.map((b) => b.type),
      ['Action.OpenUrl'],
    );
    assert.equal((buttons[0] as any).title, sv.scope.openChat);
    assert.equal(card.actions[0].url, `https://teams.microsoft.com/l/chat/0/0?users=28:${bot.config.botAppId}`);
    assert.match(textOf(card), /Det här gör du i din chatt med Värna/);
  }

  /** A message as Teams sends it: in a channel or group chat it @mentions the bot. */
  async function say(place: Place, user: TestUser, text: string): Promise<ConnectorCall[]> {
    const at = where(place, user, f, bot);
    const mention = '<at>Värna</at>';
    const mentioned = place !== 'personal';
    bot.connector.take();
    const res = await bot.post(
      bot.baseActivity(user, {
        type: 'message',
        text: mentioned ? `${mention} ${text}` : text,
        ...(mentioned
          ? { entities: [{ type: 'mention', text: mention, mentioned: { id: `28:${bot.config.botAppId}`, name: 'Värna' } }] }
          : {}),
        ...at,
        ...(at.channelData ? { channelData: { tenant: { id: TENANT }, ...at.channelData } } : {}),
      }),
    );
    assert.equal(res.status, 200);
    return bot.connector.take();
  }

  for (const [name, c] of Object.entries(commandTable) as Array<[CommandName, { text: string; user: TestUser }]>) {
    for (const place of PLACES) {
      it(`"${c.text}" in ${place}`, async () => {
        bot.connector.channels.set(TEAM, [
          { id: TEAM },
          { id: REPORTS_CHANNEL, name: 'Anmälningar' },
          { id: CONSULT_CHANNEL, name: 'Konsultationer' },
        ]);
        bot.connector.channels.set(STAFF_TEAM, [{ id: STAFF_TEAM }, { id: STAFF_CHANNEL, name: 'Personalrummet' }]);
        const before = place === 'personal' ? '' : await snapshot(bot);
        const calls = await say(place, c.user, c.text);
        assert.equal(calls.length, 1, 'one answer');
        const reply = activityOf(calls[0]!);
        if (name === 'status') {
          if (place === 'personal') assert.match(textOf(reply), /Jag förstod inte/, 'no command in the 1:1 chat: the menu answers');
          else if (place === 'groupChat') assert.equal(reply.text, sv.admin.onlyInTeams);
          else assert.match(textOf(reply), /Värna i den här kanalen/);
          return;
        }
        if (place === 'personal') {
          assert.ok(cardsOf(reply).length === 1 || typeof reply.text === 'string', 'an answer');
          assert.doesNotMatch(textOf(reply), /Det här gör du i din chatt med Värna/);
          return;
        }
        assertPointer(reply);
        assertNoSecrets(textOf(reply), `"${c.text}" in ${place}`);
        assert.equal(await snapshot(bot), before, 'nothing stored changed (no draft started)');
      });
    }
  }

  it('shows "Mina anmälningar" with the reference and the outcome in the 1:1 chat (what the rows above keep from the channel)', async () => {
    const calls = await say('personal', as.teacher, 'mina anmälningar');
    const shown = textOf(activityOf(calls[0]!));
    assert.ok(shown.includes(f.reference), 'the reference');
    assert.ok(shown.includes(sv.intake.feedback.investigation.opened), 'the outcome');
  });
});

/** Issue 25 §1: with ChannelMessage.Read.Group Teams delivers every post in the intake team's channels. */
describe('scope: a channel message that does not @mention Värna is not for Värna', () => {
  let bot: TestBot;
  before(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await bot.installTeam(TEAM, as.intake);
    bot.connector.channels.set(TEAM, [{ id: TEAM }, { id: REPORTS_CHANNEL, name: 'Anmälningar' }]);
  });
  after(async () => bot.destroy());

  const post = (text: string, conversation: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    bot.post(
      bot.baseActivity(as.intake, { type: 'message', text, conversation: { tenantId: TENANT, isGroup: true, ...conversation }, ...extra }),
    );
  const inReports = { conversationType: 'channel', id: `${REPORTS_CHANNEL};messageid=1700000000002` };
  const reportsData = { channelData: { tenant: { id: TENANT }, team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } } };
  const mention = (text: string) => ({
    text: `<at>Värna</at> ${text}`,
    entities: [{ type: 'mention', text: '<at>Värna</at>', mentioned: { id: `28:${bot.config.botAppId}`, name: 'Värna' } }],
  });

  it('drops "Hej!", "status" and any other un-mentioned post in a channel or group chat: no answer, nothing stored', async () => {
    const before = await snapshot(bot);
    bot.connector.take();
    for (const text of ['Hej!', 'status', 'värna status', 'anmäl oro', 'mina anmälningar', 'Vem tar VÄ-2026-00001?']) {
      assert.equal((await post(text, inReports, reportsData)).status, 200);
      assert.equal((await post(text, { conversationType: 'groupChat', id: '19:gruppchatt-kollegor@thread.v2' })).status, 200);
      // A mention of someone else is not a mention of Värna.
      const other = {
        entities: [{ type: 'mention', text: '<at>Ingrid</at>', mentioned: { id: `29:${as.intake.aadObjectId}`, name: 'Ingrid' } }],
      };
      assert.equal((await post(`<at>Ingrid</at> ${text}`, inReports, { ...reportsData, ...other })).status, 200);
    }
    bot.connector.assertNothingElseSent();
    assert.equal(await snapshot(bot), before);
  });

  it('answers the same post when it @mentions Värna', async () => {
    bot.connector.take();
    await bot.post(
      bot.baseActivity(as.intake, {
        type: 'message',
        conversation: { tenantId: TENANT, isGroup: true, ...inReports },
        ...reportsData,
        ...mention('status'),
      }),
    );
    const [reply, ...rest] = bot.connector.take();
    assert.equal(rest.length, 0);
    assert.match(textOf(activityOf(reply!)), /Värna i den här kanalen/);
    await bot.post(
      bot.baseActivity(as.intake, {
        type: 'message',
        conversation: { tenantId: TENANT, isGroup: true, ...inReports },
        ...reportsData,
        ...mention('Hej!'),
      }),
    );
    const [pointer] = bot.connector.take();
    assert.match(textOf(activityOf(pointer!)), /Det här gör du i din chatt med Värna/);
  });
});

/** Issue 20 §5: another channel of the Azure Bot (Web Chat is on by default) must not act as a teacher. */
describe('scope: only Teams, and only the Entra object id, say who acts', () => {
  let identity: TestIdentity;
  let bot: TestBot;
  let reference: string;
  before(async () => {
    // Endorsed like Microsoft's keys: for Teams and for the Azure Bot's other channels alike.
    identity = await new TestIdentity(['msteams', 'webchat', 'directline', 'emulator']).start();
    bot = await startBot({ identity, clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await bot.installPersonal(as.teacher);
    ({ reference } = await submitReport(bot, as.teacher));
    await bot.deliver();
  });
  after(async () => {
    await bot.destroy();
    await identity.stop();
  });

  const minePress = {
    type: 'invoke',
    name: 'adaptiveCard/action',
    value: { action: { type: 'Action.Execute', verb: verbs.myReports, data: { verb: verbs.myReports, page: 0 } }, trigger: 'manual' },
  };

  it('drops, with a valid Bot Framework token, every activity from a channel other than msteams', async () => {
    for (const channelId of ['webchat', 'directline', 'emulator']) {
      const before = await snapshot(bot);
      const logged = bot.logs.events().filter((e) => e.event === 'channel.refused').length;
      bot.connector.take();
      const message = await bot.post(bot.baseActivity(as.teacher, { type: 'message', text: 'mina anmälningar', channelId }));
      assert.ok(message.status < 500, `answered ${message.status}`);
      const press = await bot.post(bot.baseActivity(as.teacher, { ...minePress, channelId }));
      assert.equal(press.status, 403);
      assert.doesNotMatch(JSON.stringify(press.body ?? ''), new RegExp(reference));
      bot.connector.assertNothingElseSent();
      assert.equal(await snapshot(bot), before, 'nothing stored');
      assert.equal(bot.logs.events().filter((e) => e.event === 'channel.refused').length, logged + 2);
    }
  });

  it('takes the user from aadObjectId only: naming the teacher in from.id shows nothing of theirs and starts nothing', async () => {
    // What Web Chat or a forged client could send: the teacher's id where Teams puts its own user id.
    const impostor = { from: { id: as.teacher.aadObjectId, name: as.teacher.name } };
    const before = await snapshot(bot);
    bot.connector.take();
    for (const text of ['mina anmälningar', 'anmäl oro', 'hej']) {
      await bot.post(bot.baseActivity(as.teacher, { type: 'message', text, ...impostor }));
      const [reply, ...rest] = bot.connector.take();
      assert.equal(rest.length, 0);
      assert.equal(activityOf(reply!).text, sv.scope.noIdentity);
    }
    const press = await bot.post(bot.baseActivity(as.teacher, { ...minePress, ...impostor }));
    assert.equal(press.body?.value, sv.scope.noIdentity);
    assert.doesNotMatch(JSON.stringify(press.body), new RegExp(reference));
    bot.connector.assertNothingElseSent();
    assert.equal(await snapshot(bot), before, 'no draft, no installation, no user row');
    // The teacher from Teams still gets the list.
    const mine = await bot.execute(as.teacher, verbs.myReports, { page: 0 });
    assert.ok(textOf(mine.card).includes(reference), "the teacher's own list");
  });
});

describe('scope: in local mode (no credentials) the Bot Framework Emulator still works', () => {
  let bot: TestBot;
  before(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
  });
  after(async () => bot.destroy());

  it('answers an Emulator message, which has no aadObjectId, with the menu', async () => {
    bot.connector.take();
    await bot.post(
      bot.baseActivity(as.teacher, { type: 'message', text: 'hej', channelId: 'emulator', from: { id: 'emulator-user-1', name: 'User' } }),
    );
    const [reply] = bot.connector.take();
    assert.match(textOf(activityOf(reply!)), /Anmäl oro/);
  });
});

/** Issue 20 §5: every string Teams supplies is plain text on every card, the intake card included. */
describe('scope: a display name is plain text on the intake card and in "X har redan tagit ärendet"', () => {
  const LINK = '[klicka här](https://evil.example.com/phish)';
  const HOSTILE = `**Eve** ${LINK} \u202Eexe.txt <at>Rektor</at> ${'Långt namn '.repeat(30)}`;
  forbid(LINK, 'klicka här');
  const handler: TestUser = { ...as.intake, name: HOSTILE };
  let bot: TestBot;
  let reference: string;
  let onCard: Record<string, any>;
  before(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await intakeReady(bot);
    ({ reference } = await submitReport(bot, as.teacher));
    await bot.deliver();
    const report = await bot.services.reports.byReference(reference);
    onCard = {
      conversation: { conversationType: 'channel', tenantId: TENANT, id: report!.channelConversationId, isGroup: true },
      channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
      replyToId: report!.channelActivityId!,
    };
  });
  after(async () => bot.destroy());

  it("shows the handler in plain text runs, one line, capped, without bidi controls; the reporter's card too", async () => {
    const taken = await bot.execute(handler, 'intake.take', { reference, phone: '0123-456 01' }, onCard);
    const card = checkCard(taken.card);
    assertInert(card, ['**Eve**', LINK, 'https://evil.example.com/phish', '<at>Rektor</at>', 'Långt namn Långt namn']);
    const run = textRuns(card).find((r) => r.includes('Eve'));
    assert.ok(run, 'the handler is shown');
    assert.ok([...run].length <= 80 + ', 0123-456 01'.length, `capped: ${[...run].length}`);
    assert.doesNotMatch(run, /[\u202A-\u202E\u2066-\u2069\n]/);
    // The history line names the same person, the same way.
    for (const line of textRuns(card).filter((r) => r.includes('Eve'))) {
      assert.doesNotMatch(line, /[\u202A-\u202E\u2066-\u2069\n]/);
      assert.ok([...line].length < 160, `capped: ${line}`);
    }
    await bot.deliver();
    const [feedback] = bot.connector
      .posted(bot.personalConversation(as.teacher))
      .slice(-1)
      .map((c) => cardsOf(activityOf(c))[0]);
    assert.match(textOf(feedback), /Din kontaktperson är/);
    assertInert(feedback, ['**Eve**', LINK, '<at>Rektor</at>']);
  });

  it('escapes the name in the refusal to the colleague who pressed second', async () => {
    const second = await bot.execute(as.intake2, 'intake.take', { reference, phone: '0123-456 02' }, onCard);
    const message = second.message!;
    assert.match(message, /har redan tagit ärendet/);
    assert.ok(!message.includes('**Eve**') && !message.includes(LINK) && !message.includes('https://'), message);
    assert.ok(message.includes('\\*\\*Eve\\*\\*') && message.includes('\\[klicka här\\]'), 'markdown shown as typed, not rendered');
    assert.doesNotMatch(message, /[\u202A-\u202E\u2066-\u2069]/);
    assert.ok(message.length < 250, `capped: ${message.length}`);
  });
});

/** Issue 22 §5: a refusal says what happened and what to do. */
describe('scope: refusals that help', () => {
  let bot: TestBot;
  before(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await bot.installPersonal(as.teacher);
  });
  after(async () => bot.destroy());

  it('tells a teacher who types "statistik" what Statistik is, who may use it and whom to ask; the attempt is audited, not announced', async () => {
    const [reply] = await bot.send(as.teacher, 'statistik');
    const text = String(activityOf(reply!).text);
    assert.match(text, /Statistik visar hur många orosanmälningar/);
    assert.match(text, /statistikrollen/);
    assert.match(text, /rektorer, som ser sin egen skola/);
    assert.match(text, /be den som sköter Värna i kommunen/);
    assert.doesNotMatch(text, /loggats/);
    const audit = await bot.services.store.audit.forSubject('statistics');
    assert.deepEqual(
      audit.map((a) => [a.actor, a.outcome]),
      [[as.teacher.aadObjectId, 'refused']],
    );
  });

  it('never tells a user that an attempt was logged, in either language', () => {
    const all = JSON.stringify([strings('sv'), strings('en')], (_k, v) => (typeof v === 'function' ? String(v) : v));
    assert.doesNotMatch(all, /loggats|has been logged/);
  });
});
