import assert from 'node:assert/strict';
import type { TestBot } from './bot';
import { actionsOf, checkCard, textOf } from './cards';
import { forbid } from './logs';
import type { TestUser } from './users';

/** Skatteverket's published test personnummer: valid checksums, never a real child. */
export const TEST_PNR = '20121212-1212';
export const TEST_CHILD = 'Elin Testbarn';
export const TEST_OBSERVED = 'Elin hade blåmärken på båda armarna och sa att pappa blir arg när han dricker.';
export const TEST_WORDS = 'Jag vill inte gå hem idag';
forbid(TEST_PNR, '201212121212', '201212-1212', TEST_CHILD, 'Testbarn', TEST_OBSERVED, TEST_WORDS, 'Gustav Vårdnadshavare', 'Storgatan 12');

export interface ReportInput {
  immediateDanger: 'yes' | 'no';
  child: Record<string, string | boolean>;
  guardians: Record<string, string>;
  concern: Record<string, string>;
  reporter: Record<string, string>;
  wishes: { feedbackWanted: boolean; jointMeeting: boolean };
}

export function reportInput(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    immediateDanger: 'no',
    child: {
      childName: TEST_CHILD,
      pnr: TEST_PNR,
      schoolId: 'ekbacken',
      className: '5B',
      address: 'Storgatan 12',
      language: '',
      interpreter: false,
    },
    guardians: { guardians: 'Gustav Vårdnadshavare, 070-000 00 00', informed: 'noSensitive', notInformedReason: '' },
    concern: {
      category: 'violence',
      observed: TEST_OBSERVED,
      when: '2026-03-02 kl. 08.15',
      childWords: TEST_WORDS,
      schoolActions: 'Pratat med kurator.',
    },
    reporter: {
      reporterName: 'Tina Testlärare',
      reporterRole: 'Lärare',
      reporterPhone: '070-111 22 33',
      reporterEmail: 'tina@skola.exempel.se',
      informantName: '',
      informantRole: '',
      informantContact: '',
      principalKnows: 'yes',
    },
    wishes: { feedbackWanted: true, jointMeeting: false },
    ...overrides,
  };
}

/** The draft id on a report card (every card's Next or Skicka button carries it). */
export function draftIdOf(card: any): string {
  const withDraft = actionsOf(card).find((a) => a.data?.draftId);
  assert.ok(withDraft, 'no draft id on the card');
  return withDraft.data.draftId as string;
}

/** The third card's inputs as *Skicka* sends them: the reporter and the wishes. */
export function sendValues(input: ReportInput): Record<string, string> {
  return { ...input.reporter, feedbackWanted: String(input.wishes.feedbackWanted), jointMeeting: String(input.wishes.jointMeeting) };
}

/**
 * A card that a button sent as a new message below the pressed one (the pressed card stays): the
 * receipt's "Anmäl ett syskon", a consultation's "Gör anmälan nu".
 */
export function cardBelow(res: { card?: any; message?: string; calls: Array<{ method: string; body?: any }> }): any {
  assert.equal(res.card, undefined, 'the pressed card is not replaced');
  const posted = res.calls.filter((c) => c.method === 'POST').flatMap((c) => (c.body?.attachments ?? []).map((a: any) => a.content));
  assert.equal(posted.length, 1, 'one new card below');
  return checkCard(posted[0]);
}

/**
 * Walks the report form as a teacher does, pressing each card's buttons (Action.Execute invokes
 * with the inputs in the data): card 1 (acute danger, the child), card 2 (the concern, the
 * guardians), and the third card's reporter and wishes saved as *Skicka* would save them, without
 * sending. Returns the third card (the review) and the draft id.
 */
export async function fillReport(
  bot: TestBot,
  user: TestUser,
  input: ReportInput = reportInput(),
): Promise<{ draftId: string; review: any }> {
  const start = await bot.execute(user, 'report.start', {});
  assert.ok(start.card, start.message);
  assert.match(textOf(start.card), /akut fara|immediate danger/i);
  const draftId = draftIdOf(start.card);
  const page = async (name: string, values: Record<string, unknown>) => {
    const res = await bot.execute(user, 'report.step', { draftId, step: name, ...values });
    assert.ok(res.card, res.message ?? `no card after ${name}`);
    return res.card;
  };
  await page('childPage', { immediateDanger: input.immediateDanger, ...input.child });
  await page('concernPage', { ...input.concern, ...input.guardians });
  const review = await page('sendPage', sendValues(input));
  return { draftId, review };
}

/** Fills and sends a report; returns its reference and the receipt card. */
export async function submitReport(
  bot: TestBot,
  user: TestUser,
  input: ReportInput = reportInput(),
): Promise<{ reference: string; receipt: any; draftId: string }> {
  const { draftId } = await fillReport(bot, user, input);
  const res = await bot.execute(user, 'report.submit', { draftId, ...sendValues(input) });
  assert.ok(res.card, res.message);
  const m = /VÄ-\d{4}-\d{5}/.exec(textOf(res.card));
  assert.ok(m, 'receipt has a reference');
  return { reference: m[0], receipt: res.card, draftId };
}
