/**
 * What B1's work turns cost before any HTTP: `npx tsx bench/service-cost.ts [calls]` times the
 * service calls the submit and take turns make (`reports.submit`, `intake.take`), one after the
 * other, in this process, on a fresh SQLite store (or VARNA_STORE_URL), and prints milliseconds
 * per call. Not part of `npm run bench`: it explains B1's ratios. The echo bot's whole turn (HTTP
 * in, the teams-ai pipeline, one reply out) is about 1 ms here; a service call alone that costs
 * more than that caps the turn's ratio to echo below 0.5× whatever the bot layer does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { loadKeyring } from '../src/keys';
import { createLogger } from '../src/log';
import type { Actor } from '../src/services/actor';
import { systemClock } from '../src/services/clock';
import { makeCipher } from '../src/services/crypto';
import { makeServices } from '../src/services';
import { openStore } from '../src/services/store';
import { TENANT } from './activities';
import { prepare } from './prepare';

const N = Number(process.argv[2] ?? 1000);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'varna-service-cost-'));
  const env = {
    NODE_ENV: 'development',
    VARNA_STORE_URL: process.env.VARNA_STORE_URL ?? `sqlite:${join(dir, 'cost.db')}`,
    VARNA_CONFIG: 'config/example.yaml',
    VARNA_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
    VARNA_INDEX_KEY: Buffer.alloc(32, 9).toString('base64'),
    BOT_TENANT_ID: TENANT,
  };
  try {
    const prepared = await prepare(env, N, N);
    const config = loadConfig({ ...process.env, ...env, PORT: '0' });
    const log = createLogger('silent');
    const store = await openStore(config.env.VARNA_STORE_URL);
    const s = makeServices({ config, store, clock: systemClock, log, cipher: makeCipher(loadKeyring(config, log)) });
    const actor = (aad: string, name = 'Bench Lärare'): Actor => ({
      aadObjectId: aad,
      userId: `29:${aad}`,
      name,
      tenantId: TENANT.toLowerCase(),
      locale: 'sv',
      conversation: { kind: 'personal', id: `a:personal-${aad}` },
    });
    const handler = actor('e0e0e0e0-0000-4000-8000-000000000001', 'Bench Handläggare');
    const time = async (what: string, call: (i: number) => Promise<unknown>) => {
      const t0 = performance.now();
      for (let i = 0; i < N; i++) await call(i);
      const ms = (performance.now() - t0) / N;
      console.log(`${what}: ${ms.toFixed(3)} ms per call (${(1000 / ms).toFixed(0)} a second, one at a time)`);
    };
    await time('reports.submit (validation, encryption, report + outbox + audit + roll-up in one transaction)', (i) =>
      s.reports.submit(actor(prepared.drafts[i]!.aad), prepared.drafts[i]!.draftId, 'sv'),
    );
    await time('intake.take (membership given, optimistic update, feedback to the outbox, audit)', (i) =>
      s.intake.take(handler, prepared.reports[i]!.reference, '08-123 456 78', async () => true),
    );
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
