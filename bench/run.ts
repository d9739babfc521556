/**
 * `npm run bench`: Värna measured side by side with its anchors in one run, reported as ratios.
 * Absolute times on a shared machine are noise; a ratio to an anchor measured in the same run,
 * interleaved round by round, is not. Results: bench/results/<time>.json and docs/benchmarks.md.
 *
 *   B1 turn throughput (autocannon) and paced latency: raw restify, echo bot, Värna
 *   B2 a year's statistics over 1,000,000 reports, SQLite and PostgreSQL
 *   B3 2,000 proactive messages through a throttling Connector stand-in
 *   B4 peak RSS under B1, the live heap after it (all garbage collected), and cold start to ready
 *
 * Options (environment): BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_STATS_ROWS (1000000),
 * BENCH_ONLY (e.g. "B1,B4"), BENCH_STATS_STORES ("sqlite,postgres"), VARNA_TEST_PG_URL,
 * BENCH_STORE ("sqlite", or "postgres": B1/B4 with Värna on PostgreSQL, a schema per candidate).
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { openStore } from '../src/services/store';
import { launch, liveHeapMb, median, paced, peakRssMb, percentile, sleep, type Candidate, type Proc } from './lib';
import { activity, submitActivity, takeActivity, teamInstallActivity } from './activities';
import { prepare } from './prepare';
import { benchPattern, benchStats, benchStatsSqlite, type PatternResult, type StatsResult } from './stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ONLY = (process.env.BENCH_ONLY ?? 'B1,B2,B3,B4').split(',');
const PG_URL = process.env.VARNA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
import { TENANT } from './activities';
const KEY = Buffer.alloc(32, 7).toString('base64');
const INDEX_KEY = Buffer.alloc(32, 9).toString('base64');
/** Every candidate: the same warnings off, and the probe that reports live memory (bench/heap-probe.js). */
const NODE_FLAGS = ['--disable-warning=DEP0111', '--expose-gc', '-r', './bench/heap-probe.js'];
/**
 * The heap flags `npm start` uses: none since 2026-12-03 (a larger young generation cost 30-40 MB
 * of peak RSS and bought no p99; docs/benchmarks.md). The variants below keep measuring that.
 */
const START_FLAGS: string[] = [];

const STORE = process.env.BENCH_STORE === 'postgres' ? 'postgres' : 'sqlite';
/** PostgreSQL schemas made for this run (dropped at the end). */
const schemas: string[] = [];

/** Where a candidate keeps its data: a SQLite file, or a fresh schema of its own (and one for its job queue). */
function storeFor(dataDir: string, name: string): { VARNA_STORE_URL: string; VARNA_QUEUE_SCHEMA?: string } {
  if (STORE === 'sqlite') return { VARNA_STORE_URL: `sqlite:${join(dataDir, `${name}.db`)}` };
  const schema = `bench_${name.replace(/[^a-z0-9]/g, '_')}_${Date.now().toString(36)}`;
  schemas.push(schema, `${schema}_boss`);
  return { VARNA_STORE_URL: schemaUrl(schema), VARNA_QUEUE_SCHEMA: `${schema}_boss` };
}

/** Creates the schemas `storeFor` named (Värna migrates inside its schema but does not make it). */
async function ensureSchemas(): Promise<void> {
  for (const schema of schemas) await pgQuery(`create schema if not exists ${schema}`);
}

async function dropSchemas(): Promise<void> {
  for (const schema of schemas.splice(0)) await pgQuery(`drop schema if exists ${schema} cascade`);
}

/** PG_URL limited to one schema. */
function schemaUrl(schema: string): string {
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** One statement on a connection of its own (schemas are made and dropped outside any store). */
async function pgQuery(text: string): Promise<void> {
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const log = (...a: unknown[]) => console.log(...a);
const results: Record<string, unknown> = {};

function machine() {
  const cpus = os.cpus();
  let pg = 'not reachable';
  try {
    pg = execSync(`psql "${PG_URL}" -Atc "show server_version"`, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    /* no psql or no server */
  }
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: pg,
    loadAverageAtStart: os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' '),
  };
}

function candidates(connectorUrl: string, dataDir: string): Record<string, Candidate> {
  const probe = { BENCH_HEAP_DIR: dataDir };
  const varnaEnv = (name: string) => ({
    ...probe,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    ...storeFor(dataDir, name),
    VARNA_CONFIG: 'config/example.yaml',
    VARNA_DATA_KEY: KEY,
    VARNA_INDEX_KEY: INDEX_KEY,
    BOT_TENANT_ID: TENANT,
    // The gate still runs on every turn; 100 bench users are not to be refused as a flood.
    VARNA_RATE_BURST: '1000000',
    VARNA_RATE_PER_MINUTE: '1000000',
  });
  void connectorUrl;
  return {
    raw: { name: 'raw restify', args: [...NODE_FLAGS, 'bench/raw.js'], env: probe, readyPath: '/healthz' },
    echo: { name: 'echo bot', args: [...NODE_FLAGS, 'bench/echo.js'], env: probe, readyPath: '/healthz' },
    varna: { name: 'Värna', args: [...NODE_FLAGS, ...START_FLAGS, 'dist/src/index.js'], env: varnaEnv('varna'), readyPath: '/readyz' },
    varnaSemi32: {
      name: 'Värna, --max-semi-space-size=32',
      args: [...NODE_FLAGS, '--max-semi-space-size=32', 'dist/src/index.js'],
      env: varnaEnv('varna-32'),
      readyPath: '/readyz',
    },
    varnaSemi64: {
      name: 'Värna, --max-semi-space-size=64',
      args: [...NODE_FLAGS, '--max-semi-space-size=64', 'dist/src/index.js'],
      env: varnaEnv('varna-64'),
      readyPath: '/readyz',
    },
    echoSemi32: {
      name: 'echo bot, --max-semi-space-size=32',
      args: [...NODE_FLAGS, '--max-semi-space-size=32', 'bench/echo.js'],
      env: probe,
      readyPath: '/healthz',
    },
  };
}

async function throughput(
  p: Proc,
  connectorUrl: string,
  seconds: number,
  body: () => string = () => activity(connectorUrl, 'hej'),
): Promise<{ rps: number; p99: number; non2xx: number; errors: number; sent: number }> {
  const r = await autocannon({
    url: `${p.url}/api/messages`,
    method: 'POST',
    connections: 16,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req: any) => ({ ...req, body: body() }) }],
  });
  return { rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, sent: r.requests.sent };
}

async function b1b4(connectorUrl: string): Promise<void> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'varna-bench-'));
  const c = candidates(connectorUrl, dataDir);
  if (STORE === 'postgres') await ensureSchemas();
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
    log(
      `B4 cold start (median of 5): raw ${coldMedian.raw!.toFixed(0)} ms, echo ${coldMedian.echo!.toFixed(0)} ms, Värna ${coldMedian.varna!.toFixed(0)} ms`,
    );

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
    const rss: Record<string, number> = Object.fromEntries(Object.entries(procs).map(([k, p]) => [k, peakRssMb(p.child.pid!)]));
    // What each keeps once its garbage is collected (after the peak was read: the collection
    // itself does not raise it).
    const live: Record<string, number> = {};
    for (const [k, p] of Object.entries(procs)) live[k] = await liveHeapMb(p, dataDir);
    await procs.varna!.stop();
    delete procs.varna;
    const med = Object.fromEntries(Object.entries(rps).map(([k, v]) => [k, median(v)]));
    log(
      `B1 welcome turn: Värna ${med.varna!.toFixed(0)} req/s = ${(med.varna! / med.echo!).toFixed(2)}× echo (${med.echo!.toFixed(0)}); echo = ${(med.echo! / med.raw!).toFixed(2)}× raw restify (${med.raw!.toFixed(0)})`,
    );

    // B1 work turns: "Skicka" (validation, encrypted write, outbox, receipt) and "Ta ärendet" on
    // the intake channel card. Every request gets its own complete draft / untaken report, made
    // beforehand in a store of their own (so the welcome store, used again for the latency runs,
    // carries no outbox backlog): enough for every round at 0.6× the welcome turn's best rate
    // (the work turns ran at 0.3-0.4× it). Should they run out, drafts are reused, and the run
    // says so: a reused draft is answered from its report, which is not the work to measure.
    const need = Math.ceil(Math.max(...rps.varna!) * 0.6 * (2 + SECONDS) * ROUNDS * 1.3) + 100;
    const tPrep = performance.now();
    const workEnv = { ...c.varna!.env!, ...storeFor(dataDir, 'work') };
    if (STORE === 'postgres') await ensureSchemas();
    const prepared = await prepare(workEnv, need, need);
    log(`B1 prepared ${need} complete drafts and ${need} untaken reports in ${((performance.now() - tPrep) / 1000).toFixed(0)} s`);
    procs.work = await launch({ ...c.varna!, env: workEnv, name: 'Värna (work turns)' });
    await fetch(`${procs.work.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: teamInstallActivity(connectorUrl),
    });
    let nextDraft = 0;
    let nextReport = 0;
    const reused = { submit: 0, take: 0 };
    const bodies: Record<string, () => string> = {
      echo: () => activity(connectorUrl, 'hej'),
      submit: () => {
        if (nextDraft >= prepared.drafts.length) reused.submit++;
        return submitActivity(connectorUrl, prepared.drafts[nextDraft++ % prepared.drafts.length]!);
      },
      take: () => {
        if (nextReport >= prepared.reports.length) reused.take++;
        return takeActivity(connectorUrl, prepared.reports[nextReport++ % prepared.reports.length]!);
      },
    };
    const work: Record<string, number[]> = { echo: [], submit: [], take: [] };
    const workBad: Record<string, number> = { echo: 0, submit: 0, take: 0 };
    const ok = { submit: 0, take: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const k of Object.keys(work)) {
        const p = k === 'echo' ? procs.echo! : procs.work;
        const warm = await throughput(p, connectorUrl, 2, bodies[k]);
        const r = await throughput(p, connectorUrl, SECONDS, bodies[k]);
        work[k]!.push(r.rps);
        workBad[k]! += r.non2xx + r.errors;
        if (k !== 'echo') ok[k as 'submit' | 'take'] += warm.sent - warm.non2xx - warm.errors + r.sent - r.non2xx - r.errors;
        log(
          `B1 round ${round} ${k === 'echo' ? 'echo bot' : `Värna ${k}`}: ${r.rps.toFixed(0)} req/s (p99 ${r.p99} ms, ${r.non2xx} non-2xx, ${r.errors} errors)`,
        );
      }
    }
    rss.work = peakRssMb(procs.work.child.pid!);
    rss.echo = Math.max(rss.echo!, peakRssMb(procs.echo!.child.pid!));
    live.work = await liveHeapMb(procs.work, dataDir);
    live.echo = Math.max(live.echo!, await liveHeapMb(procs.echo!, dataDir));
    for (const p of Object.values(procs)) await p.stop();
    // Proof of work: every answered submit made a report, every answered take took one.
    const check = await openStore(workEnv.VARNA_STORE_URL);
    const submitted =
      Number(
        (
          await check.db
            .selectFrom('reports')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ) - prepared.reports.length;
    const taken = Number(
      (
        await check.db
          .selectFrom('reports')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('handler_aad', 'is not', null)
          .executeTakeFirstOrThrow()
      ).n,
    );
    await check.close();
    const wmed = Object.fromEntries(Object.entries(work).map(([k, v]) => [k, median(v)]));
    results.B1_throughput = {
      medianRps: med,
      failedRequests: bad,
      welcomeVsEcho: med.varna! / med.echo!,
      echoVsRaw: med.echo! / med.raw!,
      work: {
        medianRps: wmed,
        failedRequests: workBad,
        submitVsEcho: wmed.submit! / wmed.echo!,
        takeVsEcho: wmed.take! / wmed.echo!,
        prepared: need,
        reused,
        answered: ok,
        reportsCreated: submitted,
        reportsTaken: taken,
      },
    };
    const varnaRss = Math.max(rss.varna!, rss.work!);
    results.B4_peakRssMb = { ...rss, varnaMinusEcho: varnaRss - rss.echo! };
    results.B4_liveHeapMb = { ...live, varnaMinusEcho: Math.max(live.varna!, live.work!) - live.echo! };
    log(
      `B1 submit turn: ${wmed.submit!.toFixed(0)} req/s = ${(wmed.submit! / wmed.echo!).toFixed(2)}× echo (${wmed.echo!.toFixed(0)}); ${submitted} reports created for ${ok.submit} answered submits${reused.submit ? ` (${reused.submit} reused drafts!)` : ''}`,
    );
    log(
      `B1 intake take: ${wmed.take!.toFixed(0)} req/s = ${(wmed.take! / wmed.echo!).toFixed(2)}× echo; ${taken} reports taken for ${ok.take} answered takes${reused.take ? ` (${reused.take} reused reports!)` : ''}`,
    );
    log(
      `B4 peak RSS under B1: raw ${rss.raw!.toFixed(0)} MB, echo ${rss.echo!.toFixed(0)} MB, Värna ${rss.varna!.toFixed(0)} MB (welcome) / ${rss.work!.toFixed(0)} MB (work turns) (+${(varnaRss - rss.echo!).toFixed(0)} MB)`,
    );
    log(
      `B4 live heap after a full collection (heap used + external): raw ${live.raw!.toFixed(0)} MB, echo ${live.echo!.toFixed(0)} MB, Värna ${live.varna!.toFixed(0)} MB (welcome) / ${live.work!.toFixed(0)} MB (work turns)`,
    );

    // B1 latency: evenly paced at half the echo bot's maximum rate (the target), and at half
    // Värna's own maximum (where Värna is not saturated, so the p99 says something about pauses
    // rather than queueing); heap flag variants compared at the latter.
    const rate = Math.max(10, Math.round(med.echo! / 2));
    const ownRate = Math.max(10, Math.round(med.varna! / 2));
    const runs: Array<[string, number]> = [
      ['echo', rate],
      ['varna', rate],
      ...(['echo', 'varna', 'varnaSemi32', 'varnaSemi64', 'echoSemi32'].map((k) => [k, ownRate]) as Array<[string, number]>),
    ];
    const key = (k: string, r: number) => `${k}@${r === rate ? 'half-echo' : 'half-varna'}`;
    const p99s: Record<string, number[]> = Object.fromEntries(runs.map(([k, r]) => [key(k, r), []]));
    const p50s: Record<string, number[]> = Object.fromEntries(runs.map(([k, r]) => [key(k, r), []]));
    const latencyRounds = Math.max(2, ROUNDS - 1);
    for (let round = 1; round <= latencyRounds; round++) {
      for (const [k, r] of runs) {
        const p = await launch(c[k]!);
        await paced(`${p.url}/api/messages`, r, 2, () => activity(connectorUrl, 'hej'));
        const { latencies, errors } = await paced(`${p.url}/api/messages`, r, SECONDS * 2, () => activity(connectorUrl, 'hej'));
        await p.stop();
        p99s[key(k, r)]!.push(percentile(latencies, 99));
        p50s[key(k, r)]!.push(percentile(latencies, 50));
        log(
          `B1 latency round ${round} ${c[k]!.name} at ${r}/s: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms${errors ? `, ${errors} errors` : ''}`,
        );
      }
    }
    const lat = Object.fromEntries(Object.keys(p99s).map((k) => [k, { p50: median(p50s[k]!), p99: median(p99s[k]!) }]));
    const at = (k: string, r: number) => lat[key(k, r)]!;
    results.B1_latency = {
      ratePerSecond: rate,
      ownRatePerSecond: ownRate,
      seconds: SECONDS * 2,
      echo: at('echo', rate),
      varna: at('varna', rate),
      varnaP99VsEcho: at('varna', rate).p99 / at('echo', rate).p99,
      atHalfVarna: Object.fromEntries(['echo', 'varna', 'varnaSemi32', 'varnaSemi64', 'echoSemi32'].map((k) => [k, at(k, ownRate)])),
      varnaP99VsEchoAtHalfVarna: at('varna', ownRate).p99 / at('echo', ownRate).p99,
    };
    log(
      `B1 latency at ${rate}/s: Värna p99 ${at('varna', rate).p99.toFixed(1)} ms vs echo ${at('echo', rate).p99.toFixed(1)} ms (${(at('varna', rate).p99 / at('echo', rate).p99).toFixed(2)}×)`,
    );
    log(
      `B1 latency at ${ownRate}/s: Värna p99 ${at('varna', ownRate).p99.toFixed(1)} ms vs echo ${at('echo', ownRate).p99.toFixed(1)} ms (${(at('varna', ownRate).p99 / at('echo', ownRate).p99).toFixed(2)}×)`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (STORE === 'postgres') await dropSchemas();
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
      const reference = {
        user: { id: `29:${aad(u)}`, aadObjectId: aad(u) },
        bot: { id: '28:local' },
        conversation,
        channelId: 'msteams',
        serviceUrl: `${conn.url}/`,
      };
      await store.installations.upsert(
        {
          key: `user:${aad(u)}`,
          kind: 'personal',
          aad_object_id: aad(u),
          team_id: null,
          tenant_id: TENANT,
          service_url: `${conn.url}/`,
          conversation_id: conversation.id,
          reference: JSON.stringify(reference),
        },
        now,
      );
    }
    await store.transaction(async (trx) => {
      for (let i = 0; i < N; i++)
        await store.outbox.enqueue(
          trx,
          { dedupeKey: `b3:${i}`, target: { kind: 'user', aadObjectId: aad(i % USERS) }, message: { kind: 'test.ping', key: `b3:${i}` } },
          now,
        );
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
    results.B3_throttled = {
      messages: N,
      users: USERS,
      tookSeconds,
      allowedSeconds,
      ratio: tookSeconds / allowedSeconds,
      refused429: stats.refused,
    };
    log(
      `B3 ${N} proactive sends: ${tookSeconds.toFixed(1)} s, the throttle allows ${allowedSeconds} s (${(tookSeconds / allowedSeconds).toFixed(3)}×), ${stats.refused} answered 429`,
    );
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
  const p = await benchPattern();
  results.B2_pattern = p;
  log(
    `B2 the suppression pattern over ${p.years} years of sparse figures (${p.schools} schools, ${p.cells.toLocaleString('en')} cells, ${p.cycles.toLocaleString('en')} protecting cycles): ${p.firstMs.toFixed(0)} ms the first time, ${p.warmMs.toFixed(0)} ms afterwards; in slices ${p.slicedMs.toFixed(0)} ms with the event loop waiting at most ${p.longestStallMs.toFixed(1)} ms; the pattern keeps ${p.keptMb.toFixed(0)} MB of heap`,
  );
  for (const r of out)
    log(
      `B2 ${r.store}: a year's statistics over ${r.rows.toLocaleString('en')} reports, the service call: ${r.rollupMs.toFixed(1)} ms warm, ${r.coldMs.toFixed(0)} ms cold (first after the load), ${r.afterChangeMs.toFixed(1)} ms a second after a change; naive aggregate ${r.naiveMs.toFixed(0)} ms (ratio ${r.ratio.toFixed(4)}); ${r.groups} rows; load ${r.loadSeconds.toFixed(0)} s, roll-up backfill ${r.backfillSeconds.toFixed(0)} s`,
    );
}

async function b2Postgres(out: StatsResult[]): Promise<void> {
  const schema = `bench_${Date.now().toString(36)}`;
  try {
    await pgQuery(`create schema ${schema}`);
    out.push(await benchStats(schemaUrl(schema), 'PostgreSQL', () => pgQuery(`drop schema ${schema} cascade`)));
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
    `Machine: ${m.cpu}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}, PostgreSQL ${m.postgres}; load average at start ${m.loadAverageAtStart}${r.loadAverageDuringRun ? `, during the run ${f(r.loadAverageDuringRun.min, 1)}–${f(r.loadAverageDuringRun.max, 1)} (median ${f(r.loadAverageDuringRun.median, 1)}, 1-minute average every 10 s)` : ''}. Värna's store in B1/B4: ${STORE === 'postgres' ? 'PostgreSQL (a schema per candidate on the server above)' : 'SQLite (the embedded default)'}.`,
    '',
    '| | measured | target | |',
    '| --- | --- | --- | --- |',
  ];
  if (r.B1_throughput) {
    const t = r.B1_throughput;
    lines.push(
      `| B1 welcome turn ("hej" → card), req/s | Värna ${f(t.medianRps.varna)}, echo ${f(t.medianRps.echo)}, raw restify ${f(t.medianRps.raw)} | ≥ 1.0× echo | **${f(t.welcomeVsEcho, 2)}×** |`,
    );
    const w = t.work;
    if (w) {
      lines.push(
        `| B1 report submit turn ("Skicka": validation, encrypted write, outbox, receipt), req/s | Värna ${f(w.medianRps.submit)}, echo ${f(w.medianRps.echo)} (same rounds); ${w.reportsCreated} reports created | ≥ 0.8× echo | **${f(w.submitVsEcho, 2)}×** |`,
      );
      lines.push(
        `| B1 intake card action ("Ta ärendet", Action.Execute), req/s | Värna ${f(w.medianRps.take)}, echo ${f(w.medianRps.echo)} (same rounds); ${w.reportsTaken} reports taken | ≥ 0.8× echo | **${f(w.takeVsEcho, 2)}×** |`,
      );
    }
  }
  if (r.B1_latency) {
    const l = r.B1_latency;
    lines.push(
      `| B1 p99 at ${l.ratePerSecond}/s, evenly paced (half the echo maximum) | Värna ${f(l.varna.p99, 1)} ms, echo ${f(l.echo.p99, 1)} ms | ≤ echo's p99 | **${f(l.varnaP99VsEcho, 2)}×** |`,
    );
    if (l.atHalfVarna)
      lines.push(
        `| B1 p99 at ${l.ownRatePerSecond}/s (half Värna's maximum; informative) | Värna ${f(l.atHalfVarna.varna.p99, 1)} ms, echo ${f(l.atHalfVarna.echo.p99, 1)} ms | – | ${f(l.varnaP99VsEchoAtHalfVarna, 2)}× |`,
      );
  }
  if (r.B2_statistics)
    for (const s of r.B2_statistics as StatsResult[])
      lines.push(
        `| B2 a year's statistics, ${s.rows.toLocaleString('en')} reports, ${s.store} (the service call) | ${f(s.rollupMs, 1)} ms warm, ${f(s.coldMs)} ms cold, ${f(s.afterChangeMs, 1)} ms a second after a change (naive aggregate ${f(s.naiveMs)} ms) | ≤ 100 ms | ratio to naive **${f(s.ratio, 4)}** |`,
      );
  if (r.B2_pattern) {
    const p = r.B2_pattern as PatternResult;
    lines.push(
      `| B2 the suppression pattern after a change, ${p.years} years of sparse figures (${p.schools} schools, ${p.cycles.toLocaleString('en')} cycles) | ${f(p.firstMs)} ms the first time, ${f(p.warmMs)} ms afterwards, in the background; turns wait at most ${f(p.longestStallMs, 1)} ms meanwhile; keeps ${f(p.keptMb)} MB | (no target) | – |`,
    );
  }
  if (r.B3_throttled) {
    const b = r.B3_throttled;
    lines.push(
      `| B3 ${b.messages} proactive sends through a throttling stand-in | ${f(b.tookSeconds, 1)} s (${b.refused429} × 429) | ≤ 1.1× the ${b.allowedSeconds} s the throttle allows | **${f(b.ratio, 3)}×** |`,
    );
  }
  if (r.B4_peakRssMb) {
    const p = r.B4_peakRssMb;
    lines.push(
      `| B4 peak RSS under B1 | Värna ${f(p.varna)} MB (welcome), ${f(p.work)} MB (work turns); echo ${f(p.echo)} MB | ≤ echo + 50 MB | **+${f(p.varnaMinusEcho)} MB** |`,
    );
    const h = r.B4_liveHeapMb;
    if (h)
      lines.push(
        `| B4 live heap after B1, all garbage collected (informative: what the process keeps) | Värna ${f(h.varna)} MB (welcome), ${f(h.work)} MB (work turns); echo ${f(h.echo)} MB | – | +${f(h.varnaMinusEcho)} MB |`,
      );
  }
  if (r.B4_coldStartMs) {
    const c = r.B4_coldStartMs;
    lines.push(
      `| B4 cold start to ready (compiled, median of 5) | Värna ${f(c.varna)} ms, echo ${f(c.echo)} ms, raw ${f(c.raw)} ms | ≤ echo + 0.3 s | **+${f(c.varna - c.echo)} ms** |`,
    );
  }
  if (r.B1_latency?.atHalfVarna) {
    const l = r.B1_latency;
    lines.push(
      '',
      `Heap flags and p99 (same run, ${l.ownRatePerSecond}/s evenly paced, medians of the rounds):`,
      '',
      '| process | p50 | p99 |',
      '| --- | --- | --- |',
    );
    const label: Record<string, string> = {
      echo: 'echo bot, default flags',
      echoSemi32: 'echo bot, --max-semi-space-size=32',
      varna: 'Värna, default flags (npm start)',
      varnaSemi32: 'Värna, --max-semi-space-size=32',
      varnaSemi64: 'Värna, --max-semi-space-size=64',
    };
    for (const k of Object.keys(label))
      if (l.atHalfVarna[k]) lines.push(`| ${label[k]} | ${f(l.atHalfVarna[k].p50, 1)} ms | ${f(l.atHalfVarna[k].p99, 1)} ms |`);
  }
  return lines.join('\n') + '\n';
}

/** The 1-minute load average, sampled every 10 s through the run (the machine is shared). */
const loadSamples: number[] = [];

async function main(): Promise<void> {
  const m = machine();
  const sampler = setInterval(() => loadSamples.push(os.loadavg()[0]!), 10_000);
  sampler.unref();
  const at = new Date().toISOString();
  results.store = STORE;
  log(`Värna benchmarks, ${at} (B1/B4 store: ${STORE})\n${JSON.stringify(m)}`);
  execSync('npm run build --silent', { stdio: 'inherit' });
  const conn = await launch({ name: 'connector', args: ['bench/connector.js'], readyPath: '/stats' });
  try {
    if (ONLY.includes('B1') || ONLY.includes('B4')) await b1b4(`${conn.url}/`);
  } finally {
    await conn.stop();
  }
  if (ONLY.includes('B2')) await b2();
  if (ONLY.includes('B3')) await b3();
  clearInterval(sampler);
  const sorted = [...loadSamples].sort((a, b) => a - b);
  results.loadAverageDuringRun = sorted.length
    ? { min: sorted[0], median: median(sorted), max: sorted[sorted.length - 1], samples: sorted.length }
    : undefined;
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
