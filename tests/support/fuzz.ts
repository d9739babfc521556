import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { strings } from '../../src/cards/i18n';
import { verbs } from '../../src/cards/verbs';
import { startBot, type TestBot } from './bot';
import { cardsOf, checkCard } from './cards';
import { activityOf } from './connector';
import { assertInert } from './inert';
import { forbid } from './logs';
import { TENANT, as } from './users';

/** Planted in fuzzed text: it must never reach a log line (the suite's log scan checks). */
export const FUZZ_SECRET = 'Fuzzhemlis 191212121212';
forbid(FUZZ_SECRET, '191212121212');

const hostile = fc.constantFrom(
  '**fet** [länk](https://evil.example.com) <script>x</script>',
  '${reporter.name} {{DATE(2017-02-14T06:08:39Z, SHORT)}}',
  'عزيزي \u202Eexe.gpj\u202C 👨‍👩‍👧‍👦',
  'hej',
  'hjälp',
  'Om anmälningsplikten',
  '',
  ' ',
  `${FUZZ_SECRET} berättade att pappa slår`,
  '\u0000\u0007\u001b[31m',
  'x'.repeat(5000),
);
const text = fc.oneof(hostile, fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 50 }));
const verb = fc.oneof(fc.constantFrom(...Object.values(verbs)), fc.string({ maxLength: 20 }), fc.constant(undefined));
/** JSON-ish values, with the shapes card data has (strings, booleans, nested objects). */
const json = fc.jsonValue({ maxDepth: 3 });
const data = fc.oneof(
  fc.dictionary(
    fc.constantFrom(
      'topic',
      'reference',
      'step',
      'childName',
      'personnummer',
      'text',
      'outcome',
      'id',
      'draftId',
      'value',
      '__proto__',
      'constructor',
    ),
    fc.oneof(text, json),
    { maxKeys: 6 },
  ),
  json,
);

interface Case {
  kind: 'message' | 'submit' | 'execute' | 'taskFetch' | 'taskSubmit' | 'otherInvoke' | 'event' | 'garbage';
  user: 'teacher' | 'teacherEn' | 'intake' | 'stranger';
  text: string;
  verb: string | undefined;
  data: unknown;
  name: string;
  eventType: string;
  mangle: Array<'noFrom' | 'noConversation' | 'fromNotObject' | 'weirdLocale' | 'channel' | 'noId' | 'valueString' | 'hugeId'>;
  raw: unknown;
}

export const caseArb: fc.Arbitrary<Case> = fc.record({
  kind: fc.constantFrom('message', 'submit', 'execute', 'execute', 'taskFetch', 'taskSubmit', 'otherInvoke', 'event', 'garbage'),
  user: fc.constantFrom('teacher', 'teacherEn', 'intake', 'stranger'),
  text,
  verb,
  data,
  name: fc.oneof(
    fc.constantFrom('adaptiveCard/action', 'task/fetch', 'task/submit', 'composeExtension/query', 'signin/verifyState', 'config/fetch'),
    fc.string({ maxLength: 30 }),
  ),
  eventType: fc.constantFrom(
    'conversationUpdate',
    'installationUpdate',
    'messageReaction',
    'event',
    'typing',
    'messageUpdate',
    'messageDelete',
  ),
  mangle: fc.subarray(['noFrom', 'noConversation', 'fromNotObject', 'weirdLocale', 'channel', 'noId', 'valueString', 'hugeId'] as const, {
    maxLength: 2,
  }),
  raw: fc.anything({ maxDepth: 3 }),
}) as fc.Arbitrary<Case>;

function activityFor(bot: TestBot, c: Case): Record<string, any> {
  const user = as[c.user];
  const d = {
    ...(c.data && typeof c.data === 'object' && !Array.isArray(c.data) ? c.data : { value: c.data }),
    ...(c.verb !== undefined ? { verb: c.verb } : {}),
  };
  let a: Record<string, any>;
  switch (c.kind) {
    case 'message':
      a = bot.baseActivity(user, { type: 'message', text: c.text });
      break;
    case 'submit':
      a = bot.baseActivity(user, { type: 'message', value: d });
      break;
    case 'execute':
      a = bot.baseActivity(user, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb: c.verb, data: d }, trigger: 'manual' },
      });
      break;
    case 'taskFetch':
      a = bot.baseActivity(user, { type: 'invoke', name: 'task/fetch', value: { data: d } });
      break;
    case 'taskSubmit':
      a = bot.baseActivity(user, { type: 'invoke', name: 'task/submit', value: { data: d } });
      break;
    case 'otherInvoke':
      a = bot.baseActivity(user, { type: 'invoke', name: c.name, value: c.raw });
      break;
    case 'event':
      a = bot.baseActivity(user, { type: c.eventType, value: c.raw, action: c.text });
      break;
    default:
      a = bot.baseActivity(user, { type: c.text || 'x', text: c.text, value: c.raw });
  }
  for (const m of c.mangle) {
    if (m === 'noFrom') delete a.from;
    if (m === 'noConversation') delete a.conversation;
    if (m === 'fromNotObject') a.from = c.text;
    if (m === 'weirdLocale') a.locale = c.text;
    if (m === 'channel') a.conversation = { conversationType: 'channel', tenantId: TENANT, id: '19:exempel-ifo-rapporter@thread.tacv2' };
    if (m === 'noId') delete a.id;
    if (m === 'valueString') a.value = c.text;
    if (m === 'hugeId') a.id = 'i'.repeat(10_000);
  }
  return a;
}

/** Our own words: typed text equal to a part of them (a command, say) may of course show up. */
const OWN_TEXT = JSON.stringify([strings('sv'), strings('en')]);

const INTERNALS = /at \S+ \(|node_modules|\/src\/|\.ts:\d|TypeError|ReferenceError|SQLITE|stack/i;

/** One case: the invariants that hold for any input. */
async function check(bot: TestBot, c: Case): Promise<void> {
  bot.connector.take();
  const activity = activityFor(bot, c);
  const started = Date.now();
  const res = await bot.post(activity);
  if (process.env.VARNA_FUZZ_SLOW && Date.now() - started > 100)
    console.log(
      `slow case: ${Date.now() - started} ms`,
      JSON.stringify({ kind: c.kind, mangle: c.mangle, verb: c.verb, status: res.status }),
    );
  const body = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '');
  assert.ok(res.status !== 500 && res.status !== 503, `server error ${res.status} for a ${c.kind}: ${body.slice(0, 200)}`);
  assert.doesNotMatch(body, INTERNALS, 'internals in the answer');
  const calls = bot.connector.take();
  const needles = [
    c.text,
    ...Object.values((c.data as Record<string, unknown>) ?? {}).filter((v): v is string => typeof v === 'string'),
  ].filter((n) => !OWN_TEXT.includes(n) && !OWN_TEXT.includes(JSON.stringify(n).slice(1, -1)));
  const cards = [...calls.flatMap((call) => cardsOf(activityOf(call)))];
  if (res.body?.type === 'application/vnd.microsoft.card.adaptive') cards.push(res.body.value);
  if (res.body?.task?.type === 'continue' && res.body.task.value?.card?.content) cards.push(res.body.task.value.card.content);
  for (const card of cards) {
    checkCard(card);
    assertInert(card, needles);
  }
  // A person in their 1:1 chat who typed or pressed something always hears back.
  const personal =
    activity.from?.aadObjectId && activity.conversation?.conversationType === 'personal' && activity.serviceUrl === bot.connector.url;
  if (personal && c.kind === 'message' && res.status === 200) assert.ok(calls.length > 0, 'a message got no answer');
  if (personal && c.kind === 'execute' && res.status === 200 && activity.value?.action?.verb) {
    assert.ok(
      res.body?.type === 'application/vnd.microsoft.card.adaptive' || res.body?.type === 'application/vnd.microsoft.activity.message',
      `an Action.Execute got no card or message: ${body.slice(0, 120)}`,
    );
  }
}

/** The store after the run: SQLite intact, audit chain intact, every JSON column parses. */
export async function assertStoreConsistent(bot: TestBot): Promise<void> {
  const db = bot.services.store.db;
  if (bot.services.store.dialect === 'sqlite') {
    const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
    assert.equal(integrity.rows[0]?.integrity_check, 'ok');
    const fk = await sql`pragma foreign_key_check`.execute(db);
    assert.equal(fk.rows.length, 0, 'foreign keys');
  }
  const audit = await bot.services.store.audit.verify();
  assert.ok(audit.ok, 'audit chain intact');
  for (const row of await db.selectFrom('kv').select(['key', 'value']).execute()) JSON.parse(row.value);
  for (const row of await db.selectFrom('outbox').select(['target', 'message']).execute()) {
    JSON.parse(row.target);
    JSON.parse(row.message);
  }
}

/** Runs `numRuns` fuzzed activities against one bot; returns the number of cases. */
export async function fuzzBot(numRuns: number, seed?: number): Promise<{ cases: number; seed: number | undefined }> {
  const bot = await startBot();
  try {
    await bot.installPersonal(as.teacher);
    await bot.installTeam('19:exempel-ifo-team@thread.tacv2', as.intake);
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        cases++;
        await check(bot, c);
      }),
      { numRuns, ...(seed !== undefined ? { seed } : {}), endOnFailure: true },
    );
    assert.equal((await fetch(`${bot.url}/healthz`)).status, 200, 'still up');
    assert.equal((await bot.send(as.teacher, 'hej')).length, 1, 'still answering');
    await assertStoreConsistent(bot);
    return { cases, seed };
  } finally {
    await bot.destroy();
  }
}
