import assert from 'node:assert/strict';
import type { TestBot } from './bot';
import { actionsOf, textOf } from './cards';
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
    child: { childName: TEST_CHILD, pnr: TEST_PNR, schoolId: 'ekbacken', className: '5B', address: 'Storgatan 12', language: '', interpreter: false },
    guardians: { guardians: 'Gustav Vårdnadshavare, 070-000 00 00', informed: 'noSensitive', notInformedReason: '' },
    concern: { category: 'violence', observed: TEST_OBSERVED, when: '2026-03-02 kl. 08.15', childWords: TEST_WORDS, schoolActions: 'Pratat med kurator.' },
    reporter: { reporterName: 'Tina Testlärare', reporterRole: 'Lärare', reporterPhone: '070-111 22 33', reporterEmail: 'tina@skola.exempel.se', informantName: '', informantRole: '', informantContact: '', principalKnows: 'yes' },
    wishes: { feedbackWanted: true, jointMeeting: false },
    ...overrides,
  };
}

/** The draft id on a report step card (every step's Next button carries it). */
export function draftIdOf(card: any): string {
  const withDraft = actionsOf(card).find((a) => a.data?.draftId);
  assert.ok(withDraft, 'no draft id on the card');
  return withDraft.data.draftId as string;
}

/**
 * Walks the whole report flow as a teacher does, pressing each card's buttons (Action.Execute
 * invokes with the inputs in the data), and returns the review card and the draft id.
 */
export async function fillReport(bot: TestBot, user: TestUser, input: ReportInput = reportInput()): Promise<{ draftId: string; review: any }> {
  const start = await bot.execute(user, 'report.start', {});
  assert.ok(start.card, start.message);
  assert.match(textOf(start.card), /akut fara|immediate danger/i);
  const draftId = draftIdOf(start.card);
  const step = async (name: string, values: Record<string, unknown>) => {
    const res = await bot.execute(user, 'report.step', { draftId, step: name, ...values });
    assert.ok(res.card, res.message ?? `no card after ${name}`);
    return res.card;
  };
  await step('acute', { immediateDanger: input.immediateDanger });
  await step('child', input.child);
  await step('guardians', input.guardians);
  await step('concern', input.concern);
  await step('reporter', input.reporter);
  const review = await step('wishes', { feedbackWanted: String(input.wishes.feedbackWanted), jointMeeting: String(input.wishes.jointMeeting) });
  return { draftId, review };
}

/** Fills and sends a report; returns its reference and the receipt card. */
export async function submitReport(bot: TestBot, user: TestUser, input?: ReportInput): Promise<{ reference: string; receipt: any; draftId: string }> {
  const { draftId } = await fillReport(bot, user, input);
  const res = await bot.execute(user, 'report.submit', { draftId });
  assert.ok(res.card, res.message);
  const m = /VÄ-\d{4}-\d{5}/.exec(textOf(res.card));
  assert.ok(m, 'receipt has a reference');
  return { reference: m[0], receipt: res.card, draftId };
}
