import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import SqliteDatabase from 'better-sqlite3';
import { LOCAL_BOT_APP_ID } from '../../src/config';
import { makeCipher, makeKeyring } from '../../src/services/crypto';
import { markerOf } from '../../src/services/outbox';
import { TestBot } from './bot';
import { cardsOf } from './cards';
import { ManualClock } from './clock';
import { ConnectorStandIn, activityOf } from './connector';
import { REPORTS_CHANNEL, TEAM } from './intake';
import { reportInput, submitReport } from './report';
import { TENANT, as } from './users';

const DATA_KEY = Buffer.alloc(32, 11);
const INDEX_KEY = Buffer.alloc(32, 12);

export interface CrashOptions {
  kills: number;
  /** Wait for the outbox to deliver everything at the end and check exactly-once delivery. */
  checkDelivery: boolean;
  /** Longest time before a kill, ms (each kill lands at a random moment up to this). */
  maxRunMs?: number;
  log?: (line: string) => void;
  /** What the child runs: the TypeScript source through tsx (default), or the build (`dist/src/index.js`, faster to start). */
  entry?: string;
}

export interface CrashResult {
  kills: number;
  receiptsSeen: number;
  reportsStored: number;
  /** Intake actions (take, protection assessment, decision) whose answer intake saw. */
  actionsSeen: number;
  /** Intake actions stored (history entries). */
  actionsStored: number;
  channelPosts: number;
  /** Messages to the teacher's 1:1 chat (feedback), and how many of them were marked possible repeats. */
  teacherMessages: number;
  possibleRepeats: number;
  /** Channel posts settled over Graph after a kill instead of being posted again. */
  reconciled: number;
  problems: string[];
}

type Stage = 'new' | 'taken' | 'assessed' | 'decided';
const ACTIONS = [
  { from: 'new', to: 'taken', verb: 'intake.take', kind: 'take', data: { phone: '0123-456 01' } },
  { from: 'taken', to: 'assessed', verb: 'intake.protection', kind: 'protection', data: { immediate: 'no' } },
  { from: 'assessed', to: 'decided', verb: 'intake.decision', kind: 'decision', data: { outcome: 'opened', sendUnasked: 'false' } },
] as const;
const REPEAT = /Kan upprepa ett tidigare meddelande/;

/** Värna as a child process, on a file store that outlives it. */
class Child {
  proc: ChildProcess | undefined;
  url = '';
  /** Channel posts the outbox found over Graph after a restart (log lines, across restarts). */
  reconciled = 0;
  /** Why sends in doubt could not be settled (log event and reason), across restarts. */
  readonly doubts = new Map<string, number>();
  constructor(
    private readonly dataDir: string,
    private readonly connectorUrl: string,
    private readonly entry = 'src/index.ts',
  ) {}

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
      VARNA_GRAPH_URL: `${this.connectorUrl}graph/v1.0`,
    };
    delete (env as Record<string, unknown>).BOT_APP_ID;
    const args = this.entry.endsWith('.ts') ? ['-r', 'tsx/cjs', this.entry] : [this.entry];
    const proc = spawn(process.execPath, ['--disable-warning=DEP0111', ...args], {
      env,
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    const errors: string[] = [];
    proc.stderr!.on('data', (d: Buffer) => errors.push(d.toString()));
    this.url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: proc.stdout! });
      // Generous: on a loaded machine transpiling and opening the store can take half a minute.
      const timer = setTimeout(() => reject(new Error(`child did not start: ${errors.join('').slice(0, 500)}`)), 120_000);
      lines.on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { event?: string; port?: number };
          if (entry.event === 'outbox.reconciled') this.reconciled++;
          if (entry.event === 'outbox.possible-repeat' || entry.event === 'graph.lookup-failed') {
            const why = `${entry.event}:${String((entry as { reason?: string }).reason ?? (entry as { status?: number }).status ?? '')}`;
            this.doubts.set(why, (this.doubts.get(why) ?? 0) + 1);
          }
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
  connector.graphPageSize = 50; // as Graph: a busy channel is read in pages of up to 50
  const child = new Child(dataDir, connector.url, opts.entry);
  const receipts = new Set<string>();
  let submissions = 0;
  /** How far intake got with each report, as intake saw it (answers and refusals). */
  const stage = new Map<string, Stage>();
  /** Actions whose answer (the updated card) intake saw: reference -> action kinds. */
  const seen = new Map<string, Set<string>>();

  /** The report cards in the channel, as Graph lists them: reference -> root message id. */
  function channelCards(): Map<string, string> {
    const cards = new Map<string, string>();
    for (const m of connector.graphMessages) {
      if (m.channelId !== REPORTS_CHANNEL || m.replyToId) continue;
      const ref = referenceOf(m.attachments.map((a) => a.content).join(''));
      if (ref && !cards.has(ref)) cards.set(ref, m.id);
    }
    return cards;
  }

  /** Two times in three, the next step of a report already in the channel; else a new report. */
  function nextAction(): { reference: string; step: (typeof ACTIONS)[number] } | undefined {
    if (Math.random() < 1 / 3) return undefined;
    const open = [...channelCards().keys()].filter((ref) => (stage.get(ref) ?? 'new') !== 'decided');
    if (!open.length) return undefined;
    const reference = open[Math.floor(Math.random() * open.length)]!;
    return { reference, step: ACTIONS.find((a) => a.from === (stage.get(reference) ?? 'new'))! };
  }

  /** Presses the button on the channel card, with the invoke Teams sends from the channel. */
  async function act(bot: TestBot, reference: string, step: (typeof ACTIONS)[number]): Promise<void> {
    const root = channelCards().get(reference)!;
    const data = step.kind === 'decision' ? { ...step.data, date: new Date().toISOString().slice(0, 10) } : step.data;
    const res = await bot.execute(
      as.intake,
      step.verb,
      { reference, ...data },
      {
        conversation: { conversationType: 'channel', tenantId: TENANT, id: `${REPORTS_CHANNEL};messageid=${root}`, isGroup: true },
        channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
        replyToId: root,
      },
    );
    if (res.card) {
      seen.set(reference, (seen.get(reference) ?? new Set()).add(step.kind));
      stage.set(reference, step.to);
    } else if (/har redan tagit ärendet|redan registrerad/.test(res.message ?? '')) {
      // Done before a kill that took the answer with it: intake is told so, the card is current.
      stage.set(reference, step.to);
    }
  }
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
      // Submit reports and act on their channel cards, one request after another, until the kill lands.
      while (!killed) {
        try {
          const action = nextAction();
          if (action) await act(bot, action.reference, action.step);
          else {
            submissions++;
            const { reference } = await submitReport(
              bot,
              as.teacher,
              reportInput({ wishes: { feedbackWanted: true, jointMeeting: false } }),
            );
            receipts.add(reference);
          }
        } catch {
          break; // the request died with the process (or the process died before the answer)
        }
      }
      clearTimeout(timer);
      await child.kill('SIGKILL');
      log(`kill ${k + 1}/${opts.kills} after ${killAfter} ms: ${receipts.size} receipts seen so far`);
      await child.start();
      bot = driverFor(child, connector, dataDir);
    }

    if (opts.checkDelivery) {
      // The last start released the dead processes' claims (one process per SQLite file). Wait
      // until nothing more arrives, stop Värna and look in the store; if anything is still
      // pending (a retry's backoff), start it again and wait more.
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        let last = -1;
        let stableSince = Date.now();
        while (Date.now() - stableSince < 4_000 && Date.now() < deadline) {
          if (connector.calls.length !== last) {
            last = connector.calls.length;
            stableSince = Date.now();
          }
          await new Promise((r) => setTimeout(r, 250));
        }
        await child.kill('SIGTERM');
        const db = new SqliteDatabase(join(dataDir, 'varna.db'), { readonly: true });
        const open = (db.prepare("select count(*) as n from outbox where status = 'pending'").get() as { n: number }).n;
        db.close();
        if (open === 0) break;
        log(`${open} messages still pending: starting Värna again`);
        await child.start();
      }
    }
    await child.kill('SIGTERM');

    // The store, read directly: the invariants.
    const problems: string[] = [];
    const db = new SqliteDatabase(join(dataDir, 'varna.db'), { readonly: true });
    const cipher = makeCipher(makeKeyring('k1', DATA_KEY, [], INDEX_KEY));
    const reports = db.prepare('select id, reference, submission_key, sealed from reports').all() as Array<{
      id: string;
      reference: string;
      submission_key: string;
      sealed: string | null;
    }>;
    const byRef = new Map(reports.map((r) => [r.reference, r]));
    for (const ref of receipts) if (!byRef.has(ref)) problems.push(`receipt ${ref} was shown but the report is not stored`);
    const keys = new Set<string>();
    for (const r of reports) {
      if (keys.has(r.submission_key)) problems.push(`submission stored twice: ${r.reference}`);
      keys.add(r.submission_key);
      const dk = db.prepare('select master_key_id, wrapped from data_keys where record_id = ?').get(r.id) as
        { master_key_id: string; wrapped: string } | undefined;
      if (!r.sealed || !dk) {
        problems.push(`half-written report ${r.reference}: ${r.sealed ? '' : 'no content '}${dk ? '' : 'no data key'}`);
        continue;
      }
      try {
        const content = cipher.open<{ child?: { childName?: string } }>(
          cipher.unwrap(r.id, { masterKeyId: dk.master_key_id, wrapped: dk.wrapped }),
          r.sealed,
          `report:${r.id}`,
        );
        if (!content.child?.childName) problems.push(`report ${r.reference} has no child in its content`);
      } catch (error) {
        problems.push(`report ${r.reference} cannot be decrypted: ${(error as Error).name}`);
      }
      const queued = db.prepare('select count(*) as n from outbox where dedupe_key = ?').get(`report:${r.id}:channel`) as { n: number };
      if (queued.n === 0) problems.push(`report ${r.reference} has no channel message queued`);
    }
    if (new Set(reports.map((r) => r.reference)).size !== reports.length) problems.push('a reference was given twice');

    // Intake actions: what intake saw is stored; version, history, audit and feedback agree.
    const full = db
      .prepare('select id, reference, version, handler_aad, protection_at, decision, feedback_given_at from reports')
      .all() as Array<{
      id: string;
      reference: string;
      version: number;
      handler_aad: string | null;
      protection_at: string | null;
      decision: string | null;
      feedback_given_at: string | null;
    }>;
    let actionsStored = 0;
    for (const r of full) {
      const events = (
        db.prepare("select kind from report_events where report_id = ? and kind != 'submitted'").all(r.id) as Array<{ kind: string }>
      ).map((e) => e.kind);
      actionsStored += events.length;
      const count = (kind: string) => events.filter((k) => k === kind).length;
      for (const kind of seen.get(r.reference) ?? [])
        if (count(kind) !== 1) problems.push(`${r.reference}: intake saw "${kind}" answered but ${count(kind)} history entries are stored`);
      if (r.version !== 1 + events.length)
        problems.push(`${r.reference}: version ${r.version} but ${events.length} actions in the history`);
      if (count('take') > 1 || count('protection') > 1 || count('decision') > 1)
        problems.push(`${r.reference}: an action stored twice (${events.join(', ')})`);
      if (!!r.handler_aad !== (count('take') === 1)) problems.push(`${r.reference}: handler and history disagree`);
      if (!!r.protection_at !== (count('protection') === 1)) problems.push(`${r.reference}: protection assessment and history disagree`);
      if (!!r.decision !== (count('decision') === 1)) problems.push(`${r.reference}: decision and history disagree`);
      for (const kind of ['take', 'protection', 'decision']) {
        const audited = (
          db
            .prepare("select count(*) as n from audit where subject = ? and action = ? and outcome = 'allowed'")
            .get(r.reference, `intake.${kind}`) as { n: number }
        ).n;
        if (audited !== count(kind)) problems.push(`${r.reference}: ${count(kind)} "${kind}" in the history, ${audited} in the audit log`);
      }
      const feedback = (key: string) =>
        (db.prepare('select count(*) as n from outbox where dedupe_key = ?').get(`feedback:${r.id}:${key}`) as { n: number }).n;
      if (feedback('received') !== count('take'))
        problems.push(`${r.reference}: taken ${count('take')} times, "received" feedback queued ${feedback('received')} times`);
      if (feedback('investigation') !== (r.feedback_given_at ? 1 : 0))
        problems.push(`${r.reference}: decision feedback queued ${feedback('investigation')} times`);
    }
    const actionsSeen = [...seen.values()].reduce((n, kinds) => n + kinds.size, 0);
    const outboxRows = db.prepare('select dedupe_key, target, status from outbox').all() as Array<{
      dedupe_key: string;
      target: string;
      status: string;
    }>;
    const integrity = db.prepare('pragma integrity_check').get() as { integrity_check: string };
    if (integrity.integrity_check !== 'ok') problems.push(`integrity check: ${integrity.integrity_check}`);

    let channelPosts = 0;
    let teacherMessages = 0;
    let possibleRepeats = 0;
    if (opts.checkDelivery) {
      // Every message the outbox sent carries its row's marker (the card's id): count per row.
      const copies = new Map<string, { plain: number; marked: number }>();
      for (const call of connector.calls.filter((c) => c.method === 'POST')) {
        for (const card of cardsOf(activityOf(call))) {
          if (typeof card.id !== 'string' || !card.id.startsWith('varna-')) continue;
          const c = copies.get(card.id) ?? { plain: 0, marked: 0 };
          if (REPEAT.test(JSON.stringify(card.body?.[0] ?? ''))) c.marked++;
          else c.plain++;
          copies.set(card.id, c);
        }
      }
      const known = new Set<string>();
      for (const row of outboxRows) {
        const marker = markerOf(row.dedupe_key);
        known.add(marker);
        const c = copies.get(marker) ?? { plain: 0, marked: 0 };
        const target = JSON.parse(row.target) as { kind: string };
        if (row.status !== 'sent') problems.push(`${row.dedupe_key}: ${row.status} at the end`);
        if (target.kind === 'user') {
          // 1:1 chats cannot be read back: at least once, never an unmarked second copy.
          teacherMessages += c.plain + c.marked;
          possibleRepeats += c.marked;
          if (c.plain + c.marked === 0) problems.push(`${row.dedupe_key}: never reached the teacher`);
          if (c.plain > 1) problems.push(`${row.dedupe_key}: reached the teacher ${c.plain} times unmarked`);
        } else {
          channelPosts += c.plain + c.marked;
          if (c.plain + c.marked !== 1 || c.marked)
            problems.push(`${row.dedupe_key}: reached the channel ${c.plain} times, ${c.marked} more marked as possible repeats`);
        }
      }
      for (const marker of copies.keys())
        if (!known.has(marker)) problems.push(`a message (${marker}) was sent that no outbox row explains`);
      // And by what intake reads: each report's card once in the channel.
      const posted = connector.calls
        .filter((c) => c.method === 'POST' && c.body?.channelData?.channel?.id === REPORTS_CHANNEL)
        .flatMap((c) => cardsOf(activityOf(c)))
        .map((card) => referenceOf(JSON.stringify(card)) ?? '?');
      const counts = new Map<string, number>();
      for (const ref of posted) counts.set(ref, (counts.get(ref) ?? 0) + 1);
      for (const r of reports) {
        const n = counts.get(r.reference) ?? 0;
        if (n !== 1) problems.push(`report ${r.reference} reached the channel ${n} times`);
      }
    }
    db.close();
    if (child.doubts.size) log(`not settled over Graph: ${JSON.stringify(Object.fromEntries(child.doubts))}`);
    log(
      `${submissions} submissions tried, ${receipts.size} receipts seen, ${reports.length} reports stored, ${actionsSeen} intake answers seen, ${actionsStored} actions stored`,
    );
    return {
      kills: opts.kills,
      receiptsSeen: receipts.size,
      reportsStored: reports.length,
      actionsSeen,
      actionsStored,
      channelPosts,
      teacherMessages,
      possibleRepeats,
      reconciled: child.reconciled,
      problems,
    };
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
