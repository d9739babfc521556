import assert from 'node:assert/strict';
import { startBot, type TestBot } from '../support/bot';
import { actionsOf, textOf } from '../support/cards';
import { ManualClock } from '../support/clock';
import { REPORTS_CHANNEL, TEAM, channelConversation } from '../support/intake';
import { TEST_CHILD, draftIdOf, submitReport } from '../support/report';
import { TENANT, as, type TestUser } from '../support/users';

const OTHER_TEAM = '19:annan-ifo-team@thread.tacv2';
const CONSULT_CHANNEL = '19:exempel-ifo-konsultation@thread.tacv2';
const CONSULT_QUESTION = 'En elev i åk 4 har återkommande blåmärken och vill inte gå hem. Räcker det för en anmälan?';
const inConsultChannel = (f: Fixture) => ({
  conversation: { conversationType: 'channel', tenantId: TENANT, id: f.consultationThread, isGroup: true },
  channelData: { team: { id: TEAM }, channel: { id: CONSULT_CHANNEL } },
});
const inChannel = channelConversation();

/**
 * Every role the law and the product know (DOMAIN.md): the teacher who reported, a colleague,
 * the principal of the child's school (a party only if the routine says so: it does not here),
 * a principal of another school, a member of the receiving intake team, a member of another
 * intake team, the statistics role, and someone with no role at all.
 */
const roles = {
  staff: as.teacher,
  colleague: as.otherTeacher,
  principal: as.principal,
  otherPrincipal: as.otherPrincipal,
  intake: as.intake,
  otherIntake: as.intake2,
  statistics: as.statistician,
  nobody: as.stranger,
} satisfies Record<string, TestUser>;
type Role = keyof typeof roles;
const ALL = Object.keys(roles) as Role[];

interface Fixture {
  reference: string;
  draftId: string;
  exportUrl: string;
  /** An open consultation of the teacher's, posted in the consultations channel. */
  consultationId: string;
  consultationThread: string;
}

interface Row {
  action: string;
  /** Why the rule is what it is. */
  rule: string;
  allowed: Role[];
  /** Refusals leave an audit entry with outcome "refused" (false: the answer is "not found", which reveals nothing). */
  auditedAs?: string;
  /** The audit subject of the refusal, when not the report's reference. */
  subject?: (f: Fixture) => string;
  /** Roles tried, when not all (an allowed attempt would use up the fixture). */
  tried?: Role[];
  /** Tries the action as `user`; true when it was allowed (the protected thing was shown or done). */
  attempt(bot: TestBot, user: TestUser, f: Fixture): Promise<boolean>;
}

/** The table. Add a row for every action that lands (intake decisions, consultation answers, statistics, admin). */
const table: Row[] = [
  {
    action: 'start a report',
    rule: 'anyone may report concern (SoL (2025:400) 19 kap. 1 och 4 §§)',
    allowed: ALL,
    async attempt(bot, user) {
      const res = await bot.execute(user, 'report.start', {});
      return !!res.card && actionsOf(res.card).some((a) => a.data?.draftId);
    },
  },
  {
    action: 'open the full report (child, guardians, concern)',
    rule: 'only the receiving intake team (OSL 26 kap. 1 §); a principal or another team sees nothing (OSL 40 kap. 7 g §)',
    allowed: ['intake'],
    auditedAs: 'report.view',
    async attempt(bot, user, f) {
      const res = await bot.taskFetch(user, { verb: 'report.open', reference: f.reference }, inChannel);
      const shown = JSON.stringify(res.body ?? '');
      return res.body?.task?.type === 'continue' && shown.includes(TEST_CHILD);
    },
  },
  {
    action: "download the report export (JSON) with a validly signed link in one's own name",
    rule: "the team's membership is asked of Teams again at the download: a link does not outlive its holder's place in the intake team",
    allowed: ['intake'],
    auditedAs: 'report.export',
    async attempt(bot, user, f) {
      const url = `${f.exportUrl.split('?')[0]}?${bot.services.links.query(f.reference, 'json', user.aadObjectId)}`;
      const res = await fetch(url);
      return res.status === 200;
    },
  },
  {
    action: 'start a report for a sibling from a sent report (reads its content)',
    rule: 'only the reporter, for their own report',
    allowed: ['staff'],
    auditedAs: 'report.sibling',
    async attempt(bot, user, f) {
      // The sibling's report comes as a new card below the receipt.
      const res = await bot.execute(user, 'report.sibling', { reference: f.reference });
      const below = res.calls.filter((c) => c.method === 'POST').flatMap((c) => (c.body?.attachments ?? []).map((a: any) => a.content));
      return [res.card, ...below].some((card) => !!card && actionsOf(card).some((a) => a.data?.draftId));
    },
  },
  {
    action: 'ask for decision feedback on a sent report, from "Mina anmälningar"',
    rule: 'only the reporter: feedback goes to the one who reported (SoL (2025:400) 19 kap.)',
    allowed: ['staff'],
    auditedAs: 'report.requestFeedback',
    async attempt(bot, user, f) {
      // Allowed: the answer is the asker's own list, with the report on it; refused: "not found".
      const res = await bot.execute(user, 'reports.requestFeedback', { reference: f.reference });
      return !!res.card && textOf(res.card).includes(f.reference);
    },
  },
  {
    action: "resume someone's draft",
    rule: "a draft is its author's alone",
    allowed: ['staff'],
    auditedAs: 'draft.access',
    subject: (f) => `draft:${f.draftId}`,
    async attempt(bot, user, f) {
      const res = await bot.execute(user, 'report.resume', { draftId: f.draftId });
      return !!res.card && actionsOf(res.card).some((a) => a.data?.draftId === f.draftId);
    },
  },
  {
    action: "write into someone's draft",
    rule: "a draft is its author's alone",
    allowed: ['staff'],
    auditedAs: 'draft.access',
    subject: (f) => `draft:${f.draftId}`,
    async attempt(bot, user, f) {
      const res = await bot.execute(user, 'report.step', {
        draftId: f.draftId,
        step: 'concern',
        category: 'neglect',
        observed: 'ändrat av någon annan',
        when: 'i dag',
        childWords: '',
        schoolActions: '',
      });
      return !!res.card && actionsOf(res.card).some((a) => a.data?.draftId === f.draftId);
    },
  },
  {
    action: "send someone's draft",
    rule: 'only the author sends their report (the duty is personal, SoL 19 kap. 1 §)',
    allowed: [],
    auditedAs: 'draft.access',
    subject: (f) => `draft:${f.draftId}`,
    tried: ALL.filter((r) => r !== 'staff'),
    async attempt(bot, user, f) {
      // The author's own sending is covered by the report tests.
      const res = await bot.execute(user, 'report.submit', { draftId: f.draftId });
      return !!res.card && /skickad|sent/i.test(textOf(res.card));
    },
  },
  {
    action: "discard someone's draft",
    rule: "a draft is its author's alone",
    allowed: [],
    auditedAs: 'draft.access',
    subject: (f) => `draft:${f.draftId}`,
    tried: ALL.filter((r) => r !== 'staff'),
    async attempt(bot, user, f) {
      await bot.execute(user, 'report.discardConfirm', { draftId: f.draftId });
      return (await bot.services.store.db.selectFrom('drafts').select('id').where('id', '=', f.draftId).executeTakeFirst()) === undefined;
    },
  },
  {
    action: 'read a consultation (question and answers) in the 1:1 chat',
    rule: 'only the teacher who asked; the teacher is anonymous to everyone else, intake included',
    allowed: ['staff'],
    auditedAs: 'consultation.view',
    subject: (f) => `consultation:${f.consultationId}`,
    async attempt(bot, user, f) {
      const res = await bot.execute(user, 'consult.show', { id: f.consultationId });
      return !!res.card && textOf(res.card).includes(CONSULT_QUESTION);
    },
  },
  {
    action: 'reply in a consultation',
    rule: 'only the teacher who asked',
    allowed: ['staff'],
    auditedAs: 'consultation.reply',
    subject: (f) => `consultation:${f.consultationId}`,
    async attempt(bot, user, f) {
      const res = await bot.execute(user, 'consult.reply', { id: f.consultationId, reply: 'Ett svar till mottagningen i tråden.' });
      return !!res.card && /Ditt svar är skickat/.test(textOf(res.card));
    },
  },
  {
    action: 'answer a consultation on the channel card',
    rule: "only members of the receiving intake unit's team (Teams membership, asked of Teams)",
    allowed: ['intake'],
    auditedAs: 'consultation.answer',
    subject: (f) => `consultation:${f.consultationId}`,
    async attempt(bot, user, f) {
      const res = await bot.execute(
        user,
        'consult.answer',
        { id: f.consultationId, answer: 'Råd från mottagningen: anmäl.' },
        { ...inConsultChannel(f), replyToId: 'thread-root' },
      );
      return !!res.card && textOf(res.card).includes('Råd från mottagningen');
    },
  },
  {
    action: 'close a consultation with an outcome',
    rule: "only members of the receiving intake unit's team",
    allowed: [],
    tried: ALL.filter((r) => r !== 'intake'),
    auditedAs: 'consultation.close',
    subject: (f) => `consultation:${f.consultationId}`,
    async attempt(bot, user, f) {
      // Intake's own closing is covered by the consultation tests.
      const res = await bot.execute(
        user,
        'consult.close',
        { id: f.consultationId, outcome: 'noReportNow' },
        { ...inConsultChannel(f), replyToId: 'thread-root' },
      );
      return !!res.card && /Utfall/.test(textOf(res.card));
    },
  },
  {
    action: 'list the principals Värna cannot reach (names from the municipality file)',
    rule: 'an admin view of the whole municipality: the statistics role only',
    allowed: ['statistics'],
    async attempt(bot, user) {
      const [reply] = await bot.send(user, 'vem når inte Värna?');
      return /Rektorer som Värna inte når/.test(textOf(reply?.body ?? ''));
    },
  },
  {
    action: "mark a school's annual-cycle reminder done",
    rule: "a principal of that school (it counts in the school's statistics); no one else",
    allowed: ['principal'],
    async attempt(bot, user) {
      const id = `rem-${user.aadObjectId}`;
      const now = bot.clock.now().toISOString();
      await bot.services.store.db
        .insertInto('reminders')
        .values({
          id,
          key: `authz:${id}`,
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
      await bot.execute(user, 'reminder.done', { reminderId: id });
      const row = await bot.services.store.db.selectFrom('reminders').select('status').where('id', '=', id).executeTakeFirstOrThrow();
      return row.status === 'done';
    },
  },
];

/** Presses a button on the report's card in the intake channel, as `user`. */
async function pressOnChannelCard(bot: TestBot, user: TestUser, reference: string, verb: string, data: Record<string, unknown>) {
  const report = await bot.services.reports.byReference(reference);
  assert.ok(report?.channelActivityId, 'the card is in the channel');
  return bot.execute(
    user,
    verb,
    { reference, ...data },
    {
      conversation: { conversationType: 'channel', tenantId: TENANT, id: report.channelConversationId, isGroup: true },
      channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
      replyToId: report.channelActivityId,
    },
  );
}

const intakeRow = (action: string, verb: string, auditedAs: string, data: Record<string, unknown>, rule: string): Row => ({
  action,
  rule,
  allowed: ['intake'],
  auditedAs,
  async attempt(bot, user, f) {
    const res = await pressOnChannelCard(bot, user, f.reference, verb, data);
    return !!res.card && !res.message;
  },
});

table.push(
  intakeRow(
    "take the case (the reporter gets the handler's name and phone)",
    'intake.take',
    'intake.take',
    { phone: '0123-456 01' },
    'only the receiving intake team acts on a report',
  ),
  intakeRow(
    'record the protection assessment',
    'intake.protection',
    'intake.protection',
    { immediate: 'no' },
    'SoL (2025:400) 20 kap. 1 §: the receiving intake team',
  ),
  intakeRow(
    'record the decision whether to investigate',
    'intake.decision',
    'intake.decision',
    { outcome: 'opened', date: '2026-03-02' },
    'SoL 20 kap. 2 §: the receiving intake team; the reporter learns only the outcome (19 kap. 6 §)',
  ),
);

describe('authorization: every action against every role', () => {
  let bot: TestBot;
  let fixture: Fixture;

  async function setUp(): Promise<void> {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await bot.installTeam(TEAM, as.intake);
    bot.connector.rosters.set(TEAM, new Set([as.intake.aadObjectId]));
    bot.connector.rosters.set(OTHER_TEAM, new Set([as.intake2.aadObjectId]));
    for (const user of Object.values(roles)) await bot.installPersonal(user);
    const { reference } = await submitReport(bot, as.teacher);
    await bot.deliver();
    // A draft of the teacher's, filled as far as the child.
    const start = await bot.execute(as.teacher, 'report.start', {});
    const draftId = draftIdOf(start.card);
    await bot.execute(as.teacher, 'report.step', { draftId, step: 'acute', immediateDanger: 'no' });
    await bot.execute(as.teacher, 'report.step', {
      draftId,
      step: 'child',
      childName: TEST_CHILD,
      pnr: '20121212-1212',
      schoolId: 'ekbacken',
      className: '5B',
      address: '',
      language: '',
      interpreter: false,
    });
    const opened = await bot.taskFetch(as.intake, { verb: 'report.open', reference }, inChannel);
    const exportUrl = (opened.body.task.value.card.content.actions as Array<{ title: string; url?: string }>).find((a) =>
      /JSON/.test(a.title),
    )?.url;
    assert.ok(exportUrl, 'the intake member got an export link');
    // A consultation of the teacher's, in the consultations channel.
    const compose = await bot.execute(as.teacher, 'consult.start', {});
    const send = actionsOf(compose.card).find((a) => a.verb === 'consult.send')!;
    await bot.execute(as.teacher, 'consult.send', { ...send.data, text: CONSULT_QUESTION, schoolId: 'ekbacken', showSchool: 'false' });
    await bot.deliver();
    const consultation = await bot.services.store.db
      .selectFrom('consultations')
      .select(['id', 'channel_conversation_id'])
      .executeTakeFirstOrThrow();
    fixture = {
      reference,
      draftId,
      exportUrl,
      consultationId: consultation.id,
      consultationThread: consultation.channel_conversation_id ?? '',
    };
  }

  for (const row of table) {
    describe(row.action, () => {
      before(setUp);
      after(async () => bot.destroy());
      for (const role of row.tried ?? ALL) {
        const expected = row.allowed.includes(role);
        it(`${expected ? 'allows' : 'refuses'} ${role}${expected ? '' : row.auditedAs ? ', and audits the refusal' : ''} (${row.rule})`, async () => {
          const refusedBefore = row.auditedAs
            ? (await bot.services.store.audit.forSubject(row.subject?.(fixture) ?? fixture.reference)).filter(
                (a) => a.action === row.auditedAs && a.outcome === 'refused',
              ).length
            : 0;
          const allowed = await row.attempt(bot, roles[role], fixture);
          assert.equal(allowed, expected, `${role}: expected ${expected ? 'allowed' : 'refused'}`);
          if (!expected && row.auditedAs) {
            const refused = (await bot.services.store.audit.forSubject(row.subject?.(fixture) ?? fixture.reference)).filter(
              (a) => a.action === row.auditedAs && a.outcome === 'refused',
            );
            assert.equal(refused.length, refusedBefore + 1, 'the refusal is in the audit log');
          }
        });
      }
    });
  }
});
