/**
 * B1's work turns need fresh material per request: a complete draft for every "Skicka" (a second
 * submit of the same draft is answered from the existing report, which is not the work to measure),
 * and an untaken report on the intake channel for every "Ta ärendet". They are made here, through
 * the services (the same code the turns run), before Värna opens the SQLite file.
 */
import { loadConfig } from '../src/config';
import { loadKeyring } from '../src/keys';
import { createLogger } from '../src/log';
import type { Actor } from '../src/services/actor';
import { systemClock } from '../src/services/clock';
import { makeCipher } from '../src/services/crypto';
import { makeServices } from '../src/services';
import { openStore } from '../src/services/store';

export const TEAM = '19:exempel-ifo-team@thread.tacv2';
export const REPORTS_CHANNEL = '19:exempel-ifo-anmalningar@thread.tacv2';

export interface Prepared {
  /** Complete drafts, each submitted once by its owner. */
  drafts: Array<{ aad: string; draftId: string }>;
  /** Untaken reports whose card is in the intake channel (thread id = activity id). */
  reports: Array<{ reference: string; thread: string }>;
}

const teacher = (i: number) => `d0d0d0d0-0000-4000-8000-${String(i).padStart(12, '0')}`;

export async function prepare(env: Record<string, string>, drafts: number, reports: number, teachers = 100): Promise<Prepared> {
  const config = loadConfig({ ...process.env, ...env, PORT: '0' });
  const log = createLogger('silent');
  const store = await openStore(config.env.VARNA_STORE_URL);
  const s = makeServices({ config, store, clock: systemClock, log, cipher: makeCipher(loadKeyring(config, log)) });
  const actor = (aad: string): Actor => ({
    aadObjectId: aad,
    userId: `29:${aad}`,
    name: 'Bench Lärare',
    tenantId: config.env.BOT_TENANT_ID!.toLowerCase(),
    locale: 'sv',
    conversation: { kind: 'personal', id: `a:personal-${aad}` },
  });
  const complete = async (a: Actor) => {
    const draft = await s.reports.start(a, { name: 'Bench Lärare', email: 'bench@skola.exempel.se' });
    const step = (name: Parameters<typeof s.reports.saveStep>[2], values: Record<string, unknown>) =>
      s.reports.saveStep(a, draft.id, name, values);
    await step('acute', { immediateDanger: 'no' });
    await step('child', {
      childName: 'Bänk Testbarn',
      pnr: '20121212-1212',
      schoolId: 'ekbacken',
      className: '5B',
      address: 'Bänkgatan 1',
      language: '',
      interpreter: false,
    });
    await step('guardians', { guardians: 'Bänk Vårdnadshavare', informed: 'yes', notInformedReason: '' });
    await step('concern', {
      category: 'neglect',
      observed: 'Observerat i benchmarken, en rad text om vad som hänt.',
      when: 'i morse',
      childWords: '',
      schoolActions: 'Samtal med kurator.',
    });
    await step('reporter', {
      reporterName: 'Bench Lärare',
      reporterRole: 'Lärare',
      reporterPhone: '070-111 22 33',
      reporterEmail: 'bench@skola.exempel.se',
      informantName: '',
      informantRole: '',
      informantContact: '',
      principalKnows: 'yes',
    });
    const { draft: done, errors } = await step('wishes', { feedbackWanted: 'true', jointMeeting: 'false' });
    if (errors || done.step !== 'review') throw new Error(`bench draft incomplete: ${JSON.stringify(errors)}`);
    return done.id;
  };
  const out: Prepared = { drafts: [], reports: [] };
  try {
    for (let i = 0; i < drafts; i++) {
      const aad = teacher(i % teachers);
      out.drafts.push({ aad, draftId: await complete(actor(aad)) });
    }
    for (let i = 0; i < reports; i++) {
      const a = actor(teacher(i % teachers));
      const { report } = await s.reports.submit(a, await complete(a), 'sv');
      const thread = `bench-thread-${i}`;
      // As if the outbox had posted the channel card.
      await store.transaction((trx) => s.reports.channelCardSent(report.id, `${REPORTS_CHANNEL};messageid=${thread}`, thread, trx));
      out.reports.push({ reference: report.reference, thread });
    }
    // The channel cards count as delivered: nothing is left for Värna's outbox at start.
    await store.db.deleteFrom('outbox').execute();
  } finally {
    await store.close();
  }
  return out;
}
