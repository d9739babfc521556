/**
 * Audited transactions a second on PostgreSQL, nothing else in them: `npx tsx bench/audit-append.ts
 * <checkout A> <checkout B>`. Each checkout's own store (and migrations) in a schema of its own;
 * 16 transactions at a time, each appending one entry for a report of its own, then committing;
 * the two interleaved round by round. Shows what the audit log alone lets through, apart from the
 * other rows a submit or an intake action shares. Not part of `npm run bench`.
 *
 * Options (environment): BENCH_ROUNDS (3), BENCH_APPENDS (2000 a round), VARNA_TEST_PG_URL.
 */
import { resolve } from 'node:path';
import { Client } from 'pg';
import { median } from './lib';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const APPENDS = Number(process.env.BENCH_APPENDS ?? 2000);
const CONCURRENCY = 16;
const PG_URL = process.env.VARNA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function pg(text: string): Promise<void> {
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const roots = process.argv.slice(2, 4).map((r) => resolve(r));
  if (roots.length !== 2) throw new Error('usage: npx tsx bench/audit-append.ts <checkout A> <checkout B>');
  process.env.VARNA_PG_POOL_MAX = String(CONCURRENCY);
  const stamp = Date.now().toString(36);
  const stores: Array<{ label: string; schema: string; store: any }> = [];
  try {
    for (const [i, root] of roots.entries()) {
      const schema = `bench_audit_${i}_${stamp}`;
      await pg(`create schema ${schema}`);
      const url = new URL(PG_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const { openStore } = (await import(resolve(root, 'src/services/store'))) as { openStore: (url: string) => Promise<any> };
      const store = await openStore(url.toString());
      // A build with a keyed audit log needs its key (the services install it at start).
      if (typeof store.audit.useKeys === 'function') store.audit.useKeys({ currentId: 'a1', keys: new Map([['a1', Buffer.alloc(32, 5)]]) });
      stores.push({ label: String.fromCharCode(65 + i), schema, store });
    }
    const seen: Record<string, number[]> = Object.fromEntries(stores.map((s) => [s.label, []]));
    let subject = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const s of round % 2 ? stores : [...stores].reverse()) {
        let left = APPENDS;
        const at = new Date();
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (left-- > 0) {
              const entry = {
                actor: 'bench',
                action: 'report.opened',
                subject: `VÄ-2026-${String(++subject).padStart(6, '0')}`,
                outcome: 'allowed',
              };
              await s.store.transaction((trx: unknown) => s.store.audit.append(trx, entry, at));
            }
          }),
        );
        const perSecond = APPENDS / ((performance.now() - t0) / 1000);
        seen[s.label]!.push(perSecond);
        console.log(`round ${round} ${s.label}: ${perSecond.toFixed(0)} audited transactions a second`);
      }
    }
    const [a, b] = stores.map((s) => median(seen[s.label]!));
    console.log(
      `medians: A ${a!.toFixed(0)}, B ${b!.toFixed(0)} a second (B/A ${(b! / a!).toFixed(2)}×); ${roots.map((r, i) => `${String.fromCharCode(65 + i)} = ${r}`).join(', ')}`,
    );
    for (const s of stores) {
      const ok = await s.store.audit.verify();
      if (!ok.ok) throw new Error(`${s.label}: the audit log does not verify after the run`);
    }
  } finally {
    for (const s of stores) {
      await s.store.close();
      await pg(`drop schema if exists ${s.schema} cascade`);
    }
  }
}

void main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
