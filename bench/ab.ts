/**
 * Two builds of Värna side by side on PostgreSQL, their work turns interleaved round by round with
 * the echo bot: `npx tsx bench/ab.ts <checkout A> <checkout B>` (each built: `npm run build` in it).
 * For a change whose effect a shared machine's load would hide between two `npm run bench` runs:
 * here both builds meet the same load in every round. Each build prepares its drafts and untaken
 * reports with its own code, in a schema of its own (dropped afterwards), and runs its own
 * migrations. Prints each round, the medians, and what each build's transactions waited for in
 * PostgreSQL (sampled lock waits); not part of `npm run bench`.
 *
 * Options (environment): BENCH_ROUNDS (4), BENCH_SECONDS (5), BENCH_PREPARE (1500 drafts and as many
 * reports per build), VARNA_TEST_PG_URL.
 */
import os from 'node:os';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { activity, submitActivity, takeActivity, teamInstallActivity, TENANT } from './activities';
import { launch, median, type Proc } from './lib';
import type { Prepared } from './prepare';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PREPARE = Number(process.env.BENCH_PREPARE ?? 1500);
const PG_URL = process.env.VARNA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const KEY = Buffer.alloc(32, 7).toString('base64');
const INDEX_KEY = Buffer.alloc(32, 9).toString('base64');

async function pg(text: string): Promise<void> {
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function rps(p: Proc, seconds: number, body: () => string): Promise<{ rps: number; p99: number; bad: number }> {
  const r = await autocannon({
    url: `${p.url}/api/messages`,
    method: 'POST',
    connections: 16,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req: any) => ({ ...req, body: body() }) }],
  });
  return { rps: r.requests.average, p99: r.latency.p99, bad: r.non2xx + r.errors };
}

/**
 * What the build's transactions wait for while `during` runs: pg_stat_activity every 50 ms, the
 * lock waits by the statement waiting (a row lock held by another transaction until its commit
 * shows as Lock:transactionid; an advisory lock as Lock:advisory).
 */
async function waits<T>(app: string, during: () => Promise<T>, into: Map<string, number>): Promise<T> {
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  let done = false;
  const sampling = (async () => {
    while (!done) {
      const { rows } = await client.query<{ w: string }>(
        "select wait_event_type || ':' || wait_event || ' ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 40) as w from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'",
        [app],
      );
      for (const { w } of rows) into.set(w, (into.get(w) ?? 0) + 1);
      into.set('(samples)', (into.get('(samples)') ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    return await during();
  } finally {
    done = true;
    await sampling;
    await client.end();
  }
}

interface Build {
  label: string;
  root: string;
  schema: string;
  env: Record<string, string>;
  prepared: Prepared;
  proc?: Proc;
  next: { draft: number; report: number };
}

async function main(): Promise<void> {
  const roots = process.argv.slice(2, 4).map((r) => resolve(r));
  if (roots.length !== 2) throw new Error('usage: npx tsx bench/ab.ts <checkout A> <checkout B>');
  const stamp = Date.now().toString(36);
  const conn = await launch({ name: 'connector', args: ['bench/connector.js'], readyPath: '/stats' });
  const connectorUrl = `${conn.url}/`;
  const echo = await launch({ name: 'echo bot', args: ['--disable-warning=DEP0111', 'bench/echo.js'], readyPath: '/healthz' });
  const builds: Build[] = [];
  try {
    for (const [i, root] of roots.entries()) {
      const schema = `bench_ab_${i}_${stamp}`;
      await pg(`create schema ${schema}`);
      const url = new URL(PG_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      // Names the build's connections, so that what they wait for can be told apart (below).
      url.searchParams.set('application_name', `bench_ab_${String.fromCharCode(65 + i)}`);
      const env = {
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        VARNA_STORE_URL: url.toString(),
        VARNA_QUEUE_SCHEMA: `${schema}_boss`,
        VARNA_CONFIG: resolve(root, 'config/example.yaml'),
        VARNA_DATA_KEY: KEY,
        VARNA_INDEX_KEY: INDEX_KEY,
        BOT_TENANT_ID: TENANT,
        VARNA_RATE_BURST: '1000000',
        VARNA_RATE_PER_MINUTE: '1000000',
      };
      // The build's own code makes its material (and migrates its schema).
      const { prepare } = (await import(resolve(root, 'bench/prepare'))) as typeof import('./prepare');
      const t0 = performance.now();
      const prepared = await prepare(env, PREPARE, PREPARE);
      console.log(
        `${String.fromCharCode(65 + i)} = ${root}: prepared ${PREPARE} drafts and reports in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
      builds.push({ label: String.fromCharCode(65 + i), root, schema, env, prepared, next: { draft: 0, report: 0 } });
    }
    for (const b of builds) {
      b.proc = await launch({
        name: `Värna ${b.label}`,
        args: ['--disable-warning=DEP0111', resolve(b.root, 'dist/src/index.js')],
        env: b.env,
        readyPath: '/readyz',
      });
      await fetch(`${b.proc.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: teamInstallActivity(connectorUrl),
      });
    }
    const seen: Record<string, number[]> = { echo: [] };
    for (const b of builds) for (const k of ['submit', 'take']) seen[`${b.label} ${k}`] = [];
    let reused = 0;
    const lockWaits = new Map<string, Map<string, number>>();
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 ? builds : [...builds].reverse();
      const runs: Array<[string, Proc, () => string]> = [['echo', echo, () => activity(connectorUrl, 'hej')]];
      for (const k of ['submit', 'take'] as const)
        for (const b of order)
          runs.push([
            `${b.label} ${k}`,
            b.proc!,
            k === 'submit'
              ? () => {
                  if (b.next.draft >= b.prepared.drafts.length) reused++;
                  return submitActivity(connectorUrl, b.prepared.drafts[b.next.draft++ % b.prepared.drafts.length]!);
                }
              : () => {
                  if (b.next.report >= b.prepared.reports.length) reused++;
                  return takeActivity(connectorUrl, b.prepared.reports[b.next.report++ % b.prepared.reports.length]!);
                },
          ]);
      for (const [name, p, body] of runs) {
        await rps(p, 2, body);
        const app = `bench_ab_${name.split(' ')[0]}`;
        const r =
          name === 'echo'
            ? await rps(p, SECONDS, body)
            : await waits(app, () => rps(p, SECONDS, body), lockWaits.get(name) ?? lockWaits.set(name, new Map()).get(name)!);
        seen[name]!.push(r.rps);
        console.log(
          `round ${round} ${name}: ${r.rps.toFixed(0)} req/s (p99 ${r.p99} ms${r.bad ? `, ${r.bad} failed` : ''}) load ${os.loadavg()[0]!.toFixed(1)}`,
        );
      }
    }
    const med = Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, median(v)]));
    console.log(
      `\nmedians of ${ROUNDS} rounds (req/s): ${Object.entries(med)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ')}`,
    );
    for (const k of ['submit', 'take'])
      console.log(
        `${k}: B/A ${(med[`B ${k}`]! / med[`A ${k}`]!).toFixed(2)}×; vs echo A ${(med[`A ${k}`]! / med.echo!).toFixed(2)}×, B ${(med[`B ${k}`]! / med.echo!).toFixed(2)}×`,
      );
    console.log('\nlock waits (connections waiting, summed over samples every 50 ms during the timed runs):');
    for (const [name, counts] of lockWaits) {
      const samples = counts.get('(samples)') ?? 0;
      counts.delete('(samples)');
      const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4);
      console.log(`  ${name} (${samples} samples): ${top.length ? top.map(([w, n]) => `${n} × ${w}`).join('; ') : 'none'}`);
    }
    if (reused) console.log(`${reused} requests reused a draft or report (answered without the work): raise BENCH_PREPARE`);
  } finally {
    for (const b of builds) await b.proc?.stop();
    await echo.stop();
    await conn.stop();
    for (const b of builds) await pg(`drop schema if exists ${b.schema} cascade; drop schema if exists ${b.schema}_boss cascade`);
  }
}

void main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
