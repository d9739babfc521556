/**
 * `npm run bench`: Värna measured side by side with its anchors in one run, reported as ratios.
 * Absolute times on a shared machine are noise; a ratio to an anchor measured in the same run,
 * interleaved round by round, is not. Results: bench/results/<time>.json and docs/benchmarks.md.
 *
 *   B1 turn throughput (autocannon) and paced latency: raw restify, echo bot, Värna
 *   B2 a year's statistics over 1,000,000 reports, SQLite and PostgreSQL
 *   B3 2,000 proactive messages through a throttling Connector stand-in
 *   B4 peak RSS under B1 and cold start to ready
 *
 * Options (environment): BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_STATS_ROWS (1000000),
 * BENCH_ONLY (e.g. "B1,B4"), BENCH_STATS_STORES ("sqlite,postgres"), VARNA_TEST_PG_URL.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { openStore } from '../src/services/store';
import { launch, median, paced, peakRssMb, percentile, sleep, type Candidate, type Proc } from './lib';
import { benchStats, benchStatsSqlite, type StatsResult } from './stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ONLY = (process.env.BENCH_ONLY ?? 'B1,B2,B3,B4').split(',');
const PG_URL = process.env.VARNA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TENANT = 'e0e0e0e0-1111-4222-8333-444455556666';
const KEY = Buffer.alloc(32, 7).toString('base64');
const INDEX_KEY = Buffer.alloc(32, 9).toString('base64');
const NODE_FLAGS = ['--disable-warning=DEP0111'];
/** The heap flag `npm start` uses (see docs/benchmarks.md for why). */
const START_FLAGS = ['--max-semi-space-size=32'];

const log = (...a: unknown[]) => console.log(...a);
const results: Record<string, unknown> = {};

function machine() {
  const cpus = os.cpus();
  let pg = 'not reachable';
  try {
    pg = execSync(`psql "${PG_URL}" -Atc "show server_version"`, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    /* no psql or no server */
  }
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: pg,
    loadAverageAtStart: os.loadavg().map((l) => l.toFixed(1)).join(' '),
  };
}

let seq = 0;
function activity(connectorUrl: string, text: string) {
  const aad = `b0b0b0b0-0000-4000-8000-${String(seq++ % 100).padStart(12, '0')}`;
  return JSON.stringify({
    type: 'message',
    text,
    id: `bench-${seq}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: connectorUrl,
    from: { id: `29:${aad}`, aadObjectId: aad, name: 'Bench' },
    recipient: { id: '28:00000000-0000-0000-0000-000000000000', name: 'Värna' },
    conversation: { conversationType: 'personal', tenantId: TENANT, id: `a:personal-${aad}` },
    channelData: { tenant: { id: TENANT } },
    locale: 'sv-SE',
  });
}

function candidates(connectorUrl: string, dataDir: string): Record<string, Candidate> {
  const varnaEnv = (name: string) => ({
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    VARNA_STORE_URL: `sqlite:${join(dataDir, `${name}.db`)}`,
    VARNA_CONFIG: 'config/example.yaml',
    VARNA_DATA_KEY: KEY,
    VARNA_INDEX_KEY: INDEX_KEY,
    BOT_TENANT_ID: TENANT,
  });
  void connectorUrl;
  return {
    raw: { name: 'raw restify', args: [...NODE_FLAGS, 'bench/raw.js'], readyPath: '/healthz' },
    echo: { name: 'echo bot', args: [...NODE_FLAGS, 'bench/echo.js'], readyPath: '/healthz' },
    varna: { name: 'Värna', args: [...NODE_FLAGS, ...START_FLAGS, 'dist/src/index.js'], env: varnaEnv('varna'), readyPath: '/readyz' },
    varnaDefaultHeap: { name: 'Värna, default heap flags', args: [...NODE_FLAGS, 'dist/src/index.js'], env: varnaEnv('varna-default'), readyPath: '/readyz' },
    varnaSemi64: { name: 'Värna, --max-semi-space-size=64', args: [...NODE_FLAGS, '--max-semi-space-size=64', 'dist/src/index.js'], env: varnaEnv('varna-64'), readyPath: '/readyz' },
    echoSemi32: { name: 'echo bot, --max-semi-space-size=32', args: [...NODE_FLAGS, ...START_FLAGS, 'bench/echo.js'], readyPath: '/healthz' },
  };
}

async function throughput(p: Proc, connectorUrl: string, seconds: number): Promise<{ rps: number; p99: number; non2xx: number; errors: number }> {
  const r = await autocannon({
    url: `${p.url}/api/messages`,
    method: 'POST',
    connections: 16,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req: any) => ({ ...req, body: activity(connectorUrl, 'hej') }) }],
  });
  return { rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

async function b1b4(connectorUrl: string): Promise<void> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'varna-bench-'));
  const c = candidates(connectorUrl, dataDir);
  try {
    // B4 cold start: spawn to ready, interleaved, five times each.
    const cold: Record<string, number[]> = { raw: [], echo: [], varna: [] };
    for (let i = 0; i < 5; i++)
      for (const k of Object.keys(cold)) {
        const p = await launch(c[k]!);
        cold[k]!.push(p.coldMs);
        await p.stop();
      }
    const coldMedian = Object.fromEntries(Object.entries(cold).map(([k, v]) => [k, median(v)]));
    results.B4_coldStartMs = coldMedian;
    log(`B4 cold start (median of 5): raw ${coldMedian.raw!.toFixed(0)} ms, echo ${coldMedian.echo!.toFixed(0)} ms, Värna ${coldMedian.varna!.toFixed(0)} ms`);

    // B1 throughput: interleaved rounds (raw, echo, Värna …), each with a warm-up.
    const procs: Record<string, Proc> = {};
    for (const k of ['raw', 'echo', 'varna']) procs[k] = await launch(c[k]!);
    const rps: Record<string, number[]> = { raw: [], echo: [], varna: [] };
    const bad: Record<string, number> = { raw: 0, echo: 0, varna: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const k of Object.keys(rps)) {
        await throughput(procs[k]!, connectorUrl, 2);
        const r = await throughput(procs[k]!, connectorUrl, SECONDS);
        rps[k]!.push(r.rps);
        bad[k]! += r.non2xx + r.errors;
        log(`B1 round ${round} ${procs[k]!.name}: ${r.rps.toFixed(0)} req/s (p99 ${r.p99} ms, ${r.non2xx} non-2xx, ${r.errors} errors)`);
      }
    }
    const rss = Object.fromEntries(Object.entries(procs).map(([k, p]) => [k, peakRssMb(p.child.pid!)]));
    for (const p of Object.values(procs)) await p.stop();
    const med = Object.fromEntries(Object.entries(rps).map(([k, v]) => [k, median(v)]));
    results.B1_throughput = { medianRps: med, failedRequests: bad, welcomeVsEcho: med.varna! / med.echo!, echoVsRaw: med.echo! / med.raw! };
    results.B4_peakRssMb = { ...rss, varnaMinusEcho: rss.varna! - rss.echo! };
    log(`B1 welcome turn: Värna ${med.varna!.toFixed(0)} req/s = ${(med.varna! / med.echo!).toFixed(2)}× echo (${med.echo!.toFixed(0)}); echo = ${(med.echo! / med.raw!).toFixed(2)}× raw restify (${med.raw!.toFixed(0)})`);
    log(`B4 peak RSS under B1: raw ${rss.raw!.toFixed(0)} MB, echo ${rss.echo!.toFixed(0)} MB, Värna ${rss.varna!.toFixed(0)} MB (+${(rss.varna! - rss.echo!).toFixed(0)} MB)`);

    // B1 latency: evenly paced at half the echo bot's maximum rate; heap flag variants compared.
    const rate = Math.max(10, Math.round(med.echo! / 2));
    const names = ['echo', 'varna', 'varnaDefaultHeap', 'varnaSemi64', 'echoSemi32'];
    const p99s: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
    const p50s: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
    const latencyRounds = Math.max(2, ROUNDS - 1);
    for (let round = 1; round <= latencyRounds; round++) {
      for (const k of names) {
        const p = await launch(c[k]!);
        await paced(`${p.url}/api/messages`, rate, 2, () => activity(connectorUrl, 'hej'));
        const { latencies, errors } = await paced(`${p.url}/api/messages`, rate, SECONDS * 2, () => activity(connectorUrl, 'hej'));
        await p.stop();
        p99s[k]!.push(percentile(latencies, 99));
        p50s[k]!.push(percentile(latencies, 50));
        log(`B1 latency round ${round} ${c[k]!.name} at ${rate}/s: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms${errors ? `, ${errors} errors` : ''}`);
      }
    }
    const lat = Object.fromEntries(names.map((k) => [k, { p50: median(p50s[k]!), p99: median(p99s[k]!) }]));
    results.B1_latency = { ratePerSecond: rate, seconds: SECONDS * 2, ...lat, varnaP99VsEcho: lat.varna!.p99 / lat.echo!.p99 };
    log(`B1 latency at ${rate}/s: Värna p99 ${lat.varna!.p99.toFixed(1)} ms vs echo ${lat.echo!.p99.toFixed(1)} ms (${(lat.varna!.p99 / lat.echo!.p99).toFixed(2)}×)`);
    results.B1_todo =
      'report submit turn and intake card action (≥ 0.8× echo): not yet measured; they need prepared drafts and an installed intake team per request (bench/run.ts, TODO)';
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** B3: 2,000 proactive sends to 200 users through a stand-in that throttles like Teams. */
async function b3(): Promise<void> {
  const { launch: start } = await import('./lib');
  const dataDir = mkdtempSync(join(os.tmpdir(), 'varna-bench-'));
  const conn = await start({ name: 'throttling connector', args: ['bench/connector.js'], env: { THROTTLE: '1' }, readyPath: '/stats' });
  try {
    const url = `sqlite:${join(dataDir, 'b3.db')}`;
    const store = await openStore(url);
    const now = new Date();
    const N = 2000;
    const USERS = 200;
    const aad = (u: number) => `c0c0c0c0-0000-4000-8000-${String(u).padStart(12, '0')}`;
    for (let u = 0; u < USERS; u++) {
      const conversation = { id: `a:personal-${aad(u)}`, conversationType: 'personal', tenantId: TENANT };
      const reference = { user: { id: `29:${aad(u)}`, aadObjectId: aad(u) }, bot: { id: '28:local' }, conversation, channelId: 'msteams', serviceUrl: `${conn.url}/` };
      await store.installations.upsert({ key: `user:${aad(u)}`, kind: 'personal', aad_object_id: aad(u), team_id: null, tenant_id: TENANT, service_url: `${conn.url}/`, conversation_id: conversation.id, reference: JSON.stringify(reference) }, now);
    }
    await store.transaction(async (trx) => {
      for (let i = 0; i < N; i++) await store.outbox.enqueue(trx, { dedupeKey: `b3:${i}`, target: { kind: 'user', aadObjectId: aad(i % USERS) }, message: { kind: 'test.ping', key: `b3:${i}` } }, now);
    });
    await store.close();
    const t0 = Date.now();
    const varna = await start({
      name: 'Värna (B3)',
      args: [...NODE_FLAGS, ...START_FLAGS, '-r', 'tsx/cjs', 'tests/support/instance.ts'],
      env: { NODE_ENV: 'development', LOG_LEVEL: 'warn', VARNA_STORE_URL: url, VARNA_CONFIG: 'config/example.yaml', BOT_TENANT_ID: TENANT },
      readyPath: '/readyz',
    });
    let stats = { accepted: 0, refused: 0, first: 0, last: 0 };
    while (stats.accepted < N) {
      if (Date.now() - t0 > 10 * 60_000) throw new Error(`B3: only ${stats.accepted} of ${N} delivered in 10 minutes`);
      await sleep(250);
      stats = (await (await fetch(`${conn.url}/stats`)).json()) as typeof stats;
    }
    await varna.stop();
    // The throttle admits 50 a second in all (and 7 a second per chat): N sends need (N - 1) / 50 s at best.
    const allowedSeconds = Math.floor((N - 1) / 50);
    const tookSeconds = (stats.last - stats.first) / 1000;
    results.B3_throttled = { messages: N, users: USERS, tookSeconds, allowedSeconds, ratio: tookSeconds / allowedSeconds, refused429: stats.refused };
    log(`B3 ${N} proactive sends: ${tookSeconds.toFixed(1)} s, the throttle allows ${allowedSeconds} s (${(tookSeconds / allowedSeconds).toFixed(3)}×), ${stats.refused} answered 429`);
  } finally {
    await conn.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const STATS_STORES = (process.env.BENCH_STATS_STORES ?? 'sqlite,postgres').split(',');

async function b2(): Promise<void> {
  const out: StatsResult[] = STATS_STORES.includes('sqlite') ? [await benchStatsSqlite()] : [];
  if (STATS_STORES.includes('postgres')) await b2Postgres(out);
  results.B2_statistics = out;
  for (const r of out)
    log(
      `B2 ${r.store}: a year's statistics over ${r.rows.toLocaleString('en')} reports, the service call: ${r.rollupMs.toFixed(1)} ms warm, ${r.coldMs.toFixed(0)} ms cold (first after the load), ${r.afterChangeMs.toFixed(1)} ms a second after a change; naive aggregate ${r.naiveMs.toFixed(0)} ms (ratio ${r.ratio.toFixed(4)}); ${r.groups} rows; load ${r.loadSeconds.toFixed(0)} s, roll-up backfill ${r.backfillSeconds.toFixed(0)} s`,
    );
}

async function b2Postgres(out: StatsResult[]): Promise<void> {
  const schema = `bench_${Date.now().toString(36)}`;
  const admin = async (q: string) => {
    const c = new Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  try {
    await admin(`create schema ${schema}`);
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    out.push(await benchStats(url.toString(), 'PostgreSQL', () => admin(`drop schema ${schema} cascade`)));
  } catch (error) {
    log(`B2 on PostgreSQL skipped: ${(error as Error).message}`);
  }
}

function markdown(m: ReturnType<typeof machine>, at: string): string {
  const r = results as any;
  const f = (x: number | undefined, d = 0) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
  const lines = [
    '# Benchmarks',
    '',
    'Produced by `npm run bench` (bench/run.ts); the full numbers are in `bench/results/`. Absolute',
    'times on a shared machine are noise: read the ratios, measured side by side in the same run',
    '(interleaved rounds, each with a warm-up, medians).',
    '',
    `Last run: ${at}`,
    '',
    `Machine: ${m.cpu}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}, PostgreSQL ${m.postgres}; load average at start ${m.loadAverageAtStart} (other work was running).`,
    '',
    '| | measured | target | |',
    '| --- | --- | --- | --- |',
  ];
  if (r.B1_throughput) {
    const t = r.B1_throughput;
    lines.push(`| B1 welcome turn ("hej" → card), req/s | Värna ${f(t.medianRps.varna)}, echo ${f(t.medianRps.echo)}, raw restify ${f(t.medianRps.raw)} | ≥ 1.0× echo | **${f(t.welcomeVsEcho, 2)}×** |`);
    lines.push('| B1 report submit turn, intake card action | not measured yet (TODO in bench/run.ts) | ≥ 0.8× echo | – |');
  }
  if (r.B1_latency) {
    const l = r.B1_latency;
    lines.push(`| B1 p99 at ${l.ratePerSecond}/s, evenly paced (half the echo maximum) | Värna ${f(l.varna.p99, 1)} ms, echo ${f(l.echo.p99, 1)} ms | ≤ echo's p99 | **${f(l.varnaP99VsEcho, 2)}×** |`);
  }
  if (r.B2_statistics)
    for (const s of r.B2_statistics as StatsResult[])
      lines.push(
        `| B2 a year's statistics, ${s.rows.toLocaleString('en')} reports, ${s.store} (the service call) | ${f(s.rollupMs, 1)} ms warm, ${f(s.coldMs)} ms cold, ${f(s.afterChangeMs, 1)} ms a second after a change (naive aggregate ${f(s.naiveMs)} ms) | ≤ 100 ms | ratio to naive **${f(s.ratio, 4)}** |`,
      );
  if (r.B3_throttled) {
    const b = r.B3_throttled;
    lines.push(`| B3 ${b.messages} proactive sends through a throttling stand-in | ${f(b.tookSeconds, 1)} s (${b.refused429} × 429) | ≤ 1.1× the ${b.allowedSeconds} s the throttle allows | **${f(b.ratio, 3)}×** |`);
  }
  if (r.B4_peakRssMb) {
    const p = r.B4_peakRssMb;
    lines.push(`| B4 peak RSS under B1 | Värna ${f(p.varna)} MB, echo ${f(p.echo)} MB | ≤ echo + 50 MB | **+${f(p.varnaMinusEcho)} MB** |`);
  }
  if (r.B4_coldStartMs) {
    const c = r.B4_coldStartMs;
    lines.push(`| B4 cold start to ready (compiled, median of 5) | Värna ${f(c.varna)} ms, echo ${f(c.echo)} ms, raw ${f(c.raw)} ms | ≤ echo + 0.3 s | **+${f(c.varna - c.echo)} ms** |`);
  }
  if (r.B1_latency) {
    const l = r.B1_latency;
    lines.push('', `Heap flags and p99 (same run, ${l.ratePerSecond}/s paced, medians of the rounds):`, '', '| process | p50 | p99 |', '| --- | --- | --- |');
    const label: Record<string, string> = {
      echo: 'echo bot, default flags',
      echoSemi32: 'echo bot, --max-semi-space-size=32',
      varnaDefaultHeap: 'Värna, default flags',
      varna: 'Värna, --max-semi-space-size=32 (npm start)',
      varnaSemi64: 'Värna, --max-semi-space-size=64',
    };
    for (const k of Object.keys(label)) if (l[k]) lines.push(`| ${label[k]} | ${f(l[k].p50, 1)} ms | ${f(l[k].p99, 1)} ms |`);
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const m = machine();
  const at = new Date().toISOString();
  log(`Värna benchmarks, ${at}\n${JSON.stringify(m)}`);
  execSync('npm run build --silent', { stdio: 'inherit' });
  const conn = await launch({ name: 'connector', args: ['bench/connector.js'], readyPath: '/stats' });
  try {
    if (ONLY.includes('B1') || ONLY.includes('B4')) await b1b4(`${conn.url}/`);
  } finally {
    await conn.stop();
  }
  if (ONLY.includes('B2')) await b2();
  if (ONLY.includes('B3')) await b3();
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify({ at, machine: m, results }, null, 2));
  const doc = markdown(m, at);
  writeFileSync('bench/results/latest.md', doc);
  log(`\nwritten: ${file}, bench/results/latest.md (copy into docs/benchmarks.md to keep)\n\n${doc}`);
}

void main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
