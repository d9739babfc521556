import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import SqliteDatabase from 'better-sqlite3';
import { LOCAL_BOT_APP_ID } from '../../src/config';
import { makeCipher, makeKeyring } from '../../src/services/crypto';
import { TestBot } from './bot';
import { cardsOf } from './cards';
import { ManualClock } from './clock';
import { ConnectorStandIn, activityOf } from './connector';
import { reportInput, submitReport } from './report';
import { TENANT, as } from './users';

const TEAM = '19:exempel-ifo-team@thread.tacv2';
const REPORTS_CHANNEL = '19:exempel-ifo-anmalningar@thread.tacv2';
const DATA_KEY = Buffer.alloc(32, 11);
const INDEX_KEY = Buffer.alloc(32, 12);

export interface CrashOptions {
  kills: number;
  /** Wait for the outbox to deliver everything at the end and check exactly-once delivery. */
  checkDelivery: boolean;
  /** Longest time before a kill, ms (each kill lands at a random moment up to this). */
  maxRunMs?: number;
  log?: (line: string) => void;
}

export interface CrashResult {
  kills: number;
  receiptsSeen: number;
  reportsStored: number;
  channelPosts: number;
  problems: string[];
}

/** Värna as a child process, on a file store that outlives it. */
class Child {
  proc: ChildProcess | undefined;
  url = '';
  constructor(private readonly dataDir: string) {}

  async start(): Promise<void> {
    const env = {
      ...process.env,
      NODE_ENV: 'development',
      PORT: '0',
      LOG_LEVEL: 'info',
      VARNA_STORE_URL: `sqlite:${join(this.dataDir, 'varna.db')}`,
      VARNA_CONFIG: 'config/example.yaml',
      BOT_TENANT_ID: TENANT,
      VARNA_DATA_KEY: DATA_KEY.toString('base64'),
      VARNA_INDEX_KEY: INDEX_KEY.toString('base64'),
      VARNA_RATE_BURST: '100000',
    };
    delete (env as Record<string, unknown>).BOT_APP_ID;
    const proc = spawn(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'src/index.ts'], { env, cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const errors: string[] = [];
    proc.stderr!.on('data', (d: Buffer) => errors.push(d.toString()));
    this.url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: proc.stdout! });
      const timer = setTimeout(() => reject(new Error(`child did not start: ${errors.join('').slice(0, 500)}`)), 30_000);
      lines.on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { event?: string; port?: number };
          if (entry.event === 'started') {
            clearTimeout(timer);
            resolve(`http://127.0.0.1:${entry.port}`);
          }
        } catch {
          /* not a log line */
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`child exited ${code} before starting: ${errors.join('').slice(0, 500)}`));
      });
    });
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  }
}

/** A protocol driver (the test harness's TestBot) pointed at the child process. */
function driverFor(child: Child, connector: ConnectorStandIn, dataDir: string): TestBot {
  const bot = new TestBot(connector, new ManualClock(), dataDir, {});
  (bot as unknown as { running: { url: string } }).running = { url: child.url };
  (bot as unknown as { config: { botAppId: string } }).config = { botAppId: LOCAL_BOT_APP_ID } as never;
  return bot;
}

const referenceOf = (text: string) => /VÄ-\d{4}-\d{5}/.exec(text)?.[0];

/**
 * Kills Värna with SIGKILL at random moments while a teacher submits reports, restarts it on the
 * same store each time, and then checks: every report whose receipt the teacher saw is stored
 * whole; no submission is stored twice; nothing is half-written; and (with `checkDelivery`) every
 * stored report reached the intake channel exactly once.
 */
export async function crashTest(opts: CrashOptions): Promise<CrashResult> {
  const log = opts.log ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'varna-crash-'));
  const connector = await new ConnectorStandIn().start();
  const child = new Child(dataDir);
  const receipts = new Set<string>();
  let submissions = 0;
  try {
    await child.start();
    let bot = driverFor(child, connector, dataDir);
    await bot.installTeam(TEAM, as.intake);
    await bot.installPersonal(as.teacher);
    connector.rosters.set(TEAM, new Set([as.intake.aadObjectId]));

    for (let k = 0; k < opts.kills; k++) {
      let killed = false;
      const killAfter = Math.floor(Math.random() * (opts.maxRunMs ?? 1500));
      const timer = setTimeout(() => {
        killed = true;
        void child.kill('SIGKILL');
      }, killAfter);
      // Submit reports one after another until the kill lands.
      while (!killed) {
        submissions++;
        try {
          const { reference } = await submitReport(bot, as.teacher, reportInput());
          receipts.add(reference);
        } catch {
          break; // the request died with the process (or the process died before the receipt)
        }
      }
      clearTimeout(timer);
      await child.kill('SIGKILL');
      log(`kill ${k + 1}/${opts.kills} after ${killAfter} ms: ${receipts.size} receipts seen so far`);
      await child.start();
      bot = driverFor(child, connector, dataDir);
    }

    if (opts.checkDelivery) {
      // A row claimed by a killed process is retried when its lease (60 s) runs out.
      const channelRefs = () =>
        connector.calls
          .filter((c) => c.method === 'POST' && c.body?.channelData?.channel?.id === REPORTS_CHANNEL)
          .flatMap((c) => cardsOf(activityOf(c)))
          .map((card) => referenceOf(JSON.stringify(card)));
      const deadline = Date.now() + 90_000;
      let last = -1;
      let stableSince = Date.now();
      while (Date.now() < deadline) {
        const n = channelRefs().length;
        if (n !== last) {
          last = n;
          stableSince = Date.now();
        }
        if (n >= receipts.size && Date.now() - stableSince > 65_000) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await child.kill('SIGTERM');

    // The store, read directly: the invariants.
    const problems: string[] = [];
    const db = new SqliteDatabase(join(dataDir, 'varna.db'), { readonly: true });
    const cipher = makeCipher(makeKeyring('k1', DATA_KEY, [], INDEX_KEY));
    const reports = db.prepare('select id, reference, submission_key, sealed from reports').all() as Array<{ id: string; reference: string; submission_key: string; sealed: string | null }>;
    const byRef = new Map(reports.map((r) => [r.reference, r]));
    for (const ref of receipts) if (!byRef.has(ref)) problems.push(`receipt ${ref} was shown but the report is not stored`);
    const keys = new Set<string>();
    for (const r of reports) {
      if (keys.has(r.submission_key)) problems.push(`submission stored twice: ${r.reference}`);
      keys.add(r.submission_key);
      const dk = db.prepare('select master_key_id, wrapped from data_keys where record_id = ?').get(r.id) as { master_key_id: string; wrapped: string } | undefined;
      if (!r.sealed || !dk) {
        problems.push(`half-written report ${r.reference}: ${r.sealed ? '' : 'no content '}${dk ? '' : 'no data key'}`);
        continue;
      }
      try {
        const content = cipher.open<{ child?: { childName?: string } }>(cipher.unwrap(r.id, { masterKeyId: dk.master_key_id, wrapped: dk.wrapped }), r.sealed, `report:${r.id}`);
        if (!content.child?.childName) problems.push(`report ${r.reference} has no child in its content`);
      } catch (error) {
        problems.push(`report ${r.reference} cannot be decrypted: ${(error as Error).name}`);
      }
      const queued = db.prepare('select count(*) as n from outbox where dedupe_key = ?').get(`report:${r.id}:channel`) as { n: number };
      if (queued.n === 0) problems.push(`report ${r.reference} has no channel message queued`);
    }
    if (new Set(reports.map((r) => r.reference)).size !== reports.length) problems.push('a reference was given twice');
    const integrity = db.prepare('pragma integrity_check').get() as { integrity_check: string };
    if (integrity.integrity_check !== 'ok') problems.push(`integrity check: ${integrity.integrity_check}`);
    db.close();

    let channelPosts = 0;
    if (opts.checkDelivery) {
      const posted = connector.calls
        .filter((c) => c.method === 'POST' && c.body?.channelData?.channel?.id === REPORTS_CHANNEL)
        .flatMap((c) => cardsOf(activityOf(c)))
        .map((card) => referenceOf(JSON.stringify(card)) ?? '?');
      channelPosts = posted.length;
      const counts = new Map<string, number>();
      for (const ref of posted) counts.set(ref, (counts.get(ref) ?? 0) + 1);
      for (const r of reports) {
        const n = counts.get(r.reference) ?? 0;
        if (n !== 1) problems.push(`report ${r.reference} reached the channel ${n} times`);
      }
    }
    log(`${submissions} submissions tried, ${receipts.size} receipts seen, ${reports.length} reports stored`);
    return { kills: opts.kills, receiptsSeen: receipts.size, reportsStored: reports.length, channelPosts, problems };
  } finally {
    await child.kill('SIGKILL');
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** For tests: fails with every broken invariant listed. */
export function assertNoProblems(result: CrashResult): void {
  assert.deepEqual(result.problems, [], `${result.problems.length} problems after ${result.kills} kills`);
  assert.ok(result.reportsStored >= result.receiptsSeen);
}
