import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/services/store';
import { startBot } from '../support/bot';
import { ConnectorStandIn } from '../support/connector';
import { REMINDERS_PER_RUN, REMINDER_USERS, userOf } from '../support/instance';
import { createTestStore, testStoreKind, type TestStore } from '../support/store';
import { TENANT } from '../support/users';

/**
 * A TCP relay between an instance and PostgreSQL that the test can take down: `down()` closes
 * every relayed connection and refuses new ones (a server that is gone); `silent()` lets nothing
 * through either way and answers nothing, neither on open connections nor on new ones (packets
 * dropped while a database fails over); `up()` lets new connections through again, and ends the
 * silenced ones as the network eventually does (or leaves them silent for good).
 */
class DbRelay {
  private readonly sockets = new Set<Socket>();
  private mode: 'open' | 'down' | 'silent' = 'open';
  private server?: Server;
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async start(): Promise<this> {
    this.server = createServer((client) => {
      if (this.mode === 'down') return client.destroy();
      this.sockets.add(client);
      client.on('error', () => undefined);
      client.on('close', () => this.sockets.delete(client));
      if (this.mode === 'silent') return;
      const upstream = connect(this.target.port, this.target.host);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
    return this;
  }
  down(): void {
    this.mode = 'down';
    for (const s of this.sockets) s.destroy();
  }
  silent(): void {
    this.mode = 'silent';
    for (const s of this.sockets) {
      s.unpipe();
      s.pause();
    }
  }
  /** `keepSilent`: the silenced connections stay silent (old server gone, no reset ever comes). */
  up({ keepSilent = false } = {}): void {
    if (!keepSilent) for (const s of this.sockets) s.destroy();
    this.mode = 'open';
  }
  async stop(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

const NODE = [process.execPath, '--disable-warning=DEP0111', '-r', 'tsx/cjs'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Instance {
  name: string;
  child: ChildProcess;
  /** Its HTTP front (from its ready line). */
  url: string;
  /** Real time of this instance's last `outbox.sent` log line. */
  lastSentAt: number;
  sent: number;
  exited: Promise<unknown>;
  /** Its log lines (JSON), for the failure message. */
  lines: string[];
  /** What it wrote to stderr (a crash's stack). */
  stderr: string;
}

/** What an instance did since `since` (ms), by log event, and its last lines: for a failure message. */
function story(i: Instance, since: number): string {
  const events = new Map<string, number>();
  const recent: string[] = [];
  for (const line of i.lines) {
    try {
      const e = JSON.parse(line) as { event?: string; time?: string };
      if (Date.parse(e.time ?? '') < since) continue;
      events.set(e.event ?? '?', (events.get(e.event ?? '?') ?? 0) + 1);
      recent.push(line.slice(0, 300));
    } catch {
      /* not JSON */
    }
  }
  const stderr = i.stderr.split('\n').filter((l) => l && !l.includes('DEP0111') && !l.includes('--trace-deprecation'));
  return `${i.name}: ${JSON.stringify(Object.fromEntries(events))}\n    ${recent.slice(-15).join('\n    ')}${stderr.length ? `\n  stderr:\n    ${stderr.slice(0, 30).join('\n    ')}` : ''}`;
}

function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const child = spawn(NODE[0]!, [...NODE.slice(1), 'tests/support/instance.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const instance: Instance = { name, child, url: '', lastSentAt: 0, sent: 0, exited: once(child, 'exit'), lines: [], stderr: '' };
  child.stderr!.on('data', (d: Buffer) => (instance.stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      instance.lines.push(line);
      if (line.includes('"test.ready"')) {
        instance.url = (JSON.parse(line) as { url: string }).url;
        resolve(instance);
      }
      if (line.includes('"outbox.sent"')) {
        instance.lastSentAt = Date.now();
        instance.sent++;
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${instance.stderr.slice(0, 500)}`)));
  });
}

const REPEAT = /^Obs! Kan upprepa ett tidigare meddelande/;

/**
 * The keys of the test.ping messages the Connector stand-in received: how often each came plain,
 * and how often resent with the possible-repeat line (a 1:1 send the outbox could not settle).
 */
function deliveries(connector: ConnectorStandIn): Map<string, { plain: number; marked: number }> {
  const seen = new Map<string, { plain: number; marked: number }>();
  for (const call of connector.calls) {
    const text = String(call.body?.text ?? '');
    const m = /(?:^|\n)ping (.+)$/.exec(text);
    if (call.method !== 'POST' || !m) continue;
    const n = seen.get(m[1]!) ?? { plain: 0, marked: 0 };
    if (REPEAT.test(text)) n.marked++;
    else n.plain++;
    seen.set(m[1]!, n);
  }
  return seen;
}

/** The 25 reminder users' 1:1 chats, installed, and `count` test.ping messages to them in the outbox. */
async function storePings(store: Store, connector: ConnectorStandIn, prefix: string, count: number): Promise<void> {
  const now = new Date();
  for (let u = 0; u < REMINDER_USERS; u++) {
    const aad = userOf(u);
    const conversation = { id: `a:personal-${aad}`, conversationType: 'personal', tenantId: TENANT };
    const reference = {
      user: { id: `29:${aad}`, aadObjectId: aad },
      bot: { id: '28:local' },
      conversation,
      channelId: 'msteams',
      serviceUrl: connector.url,
    };
    await store.installations.upsert(
      {
        key: `user:${aad}`,
        kind: 'personal',
        aad_object_id: aad,
        team_id: null,
        tenant_id: TENANT,
        service_url: connector.url,
        conversation_id: conversation.id,
        reference: JSON.stringify(reference),
      },
      now,
    );
  }
  await store.transaction(async (trx) => {
    for (let i = 0; i < count; i++)
      await store.outbox.enqueue(
        trx,
        {
          dedupeKey: `${prefix}:${i}`,
          target: { kind: 'user', aadObjectId: userOf(i) },
          message: { kind: 'test.ping', key: `${prefix}:${i}` },
        },
        now,
      );
  });
}

/** A PostgreSQL instance's environment: the test's schema (reached at `storeUrl`), a short failover. */
function instanceEnv(place: TestStore, storeUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'info',
    VARNA_STORE_URL: storeUrl,
    VARNA_QUEUE_SCHEMA: `${place.schema}_boss`,
    VARNA_QUEUE_FAILOVER_SECONDS: '6',
    // The production pool: with the test suite's small pools, sends queue up behind their
    // "sent" marks and more of them are in flight at the kill.
    VARNA_PG_POOL_MAX: '10',
    VARNA_CONFIG: 'config/example.yaml',
    BOT_TENANT_ID: TENANT,
  };
}

/**
 * A fresh PostgreSQL store and a connector stand-in for one describe block (skipped on SQLite);
 * `cleanUp` runs first in `after` (the block's processes and relays).
 */
function postgresFixture(cleanUp: () => void | Promise<void>): { place: TestStore; store: Store; connector: ConnectorStandIn } {
  const pg = {} as { place: TestStore; store: Store; connector: ConnectorStandIn };
  before(async function () {
    if (testStoreKind !== 'postgres') this.skip();
    pg.place = await createTestStore();
    pg.store = await openStore(pg.place.url);
    pg.connector = await new ConnectorStandIn().start();
  });
  after(async () => {
    await cleanUp();
    await pg.store?.close();
    await pg.connector?.stop();
    await pg.place?.drop();
  });
  return pg;
}

/** Kills a test's process if it is still running (a failed test leaves it). */
function killLeftOver(instance: Instance): void {
  if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill('SIGKILL');
}

describe('several instances', function () {
  this.timeout(150_000);

  it('refuses a second process on the same SQLite file, with a message that says why', async function () {
    if (testStoreKind !== 'sqlite') this.skip();
    const bot = await startBot();
    try {
      const child = spawn(NODE[0]!, [...NODE.slice(1), 'src/index.ts'], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          PORT: '0',
          VARNA_STORE_URL: bot.config.env.VARNA_STORE_URL,
          VARNA_CONFIG: 'config/example.yaml',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 3);
      assert.match(
        stderr,
        /Cannot start: .*varna\.db is in use by another Värna process; run one process per SQLite file \(use PostgreSQL for several instances\)/,
      );
      // The first process is unharmed.
      assert.equal((await fetch(`${bot.url}/readyz`)).status, 200);
    } finally {
      await bot.destroy();
    }
  });

  describe('two processes on one PostgreSQL database', () => {
    const instances: Instance[] = [];
    const pg = postgresFixture(() => {
      for (const i of instances) killLeftOver(i);
    });

    it('delivers 500 outbox messages and the reminder runs when one process is killed midway: nothing lost, nothing sent twice unmarked', async function () {
      const { place, store, connector } = pg;
      await storePings(store, connector, 'bulk', 500);
      const env = { ...instanceEnv(place, place.url), VARNA_TEST_REMINDERS: '1' };
      instances.push(...(await Promise.all([startInstance('A', env), startInstance('B', env)])));

      // Midway through the 500, kill the process that is delivering right now.
      const bulkDelivered = () => [...deliveries(connector).keys()].filter((k) => k.startsWith('bulk:')).length;
      const started = Date.now();
      while (bulkDelivered() < 250) {
        assert.ok(Date.now() - started < 60_000, `only ${bulkDelivered()} delivered after a minute`);
        await sleep(5);
      }
      const victim = instances.reduce((a, b) => (a.lastSentAt >= b.lastSentAt ? a : b));
      const survivor = instances.find((i) => i !== victim)!;
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      await victim.exited;

      // Wait until the survivor has delivered everything, including reminder runs due after the kill.
      for (;;) {
        if (Date.now() - killedAt > 90_000) {
          const open = await store.db
            .selectFrom('outbox')
            .select(['status', 'next_attempt_at', 'locked_until', 'attempt_at'])
            .where('status', '!=', 'sent')
            .limit(5)
            .execute();
          assert.fail(
            `the survivor did not finish within 90 s: ${bulkDelivered()} of 500 delivered; open rows e.g. ${JSON.stringify(open)}\n  ${story(survivor, killedAt - 2_000)}`,
          );
        }
        const failed = await store.db
          .selectFrom('outbox')
          .select(['dedupe_key', 'last_error'])
          .where('status', '=', 'failed')
          .limit(3)
          .execute();
        assert.deepEqual(failed, [], 'a message failed for good (it can never be delivered now)');
        const pending = await store.db.selectFrom('outbox').select('id').where('status', '!=', 'sent').limit(1).execute();
        const lastRun = await store.db
          .selectFrom('job_runs')
          .select('last_due_at')
          .where('name', '=', 'test.reminder-run')
          .executeTakeFirst();
        if (bulkDelivered() === 500 && pending.length === 0 && lastRun && Date.parse(lastRun.last_due_at) > killedAt + 8_000) break;
        await sleep(200);
      }
      survivor.child.kill('SIGTERM');
      await survivor.exited;

      const seen = deliveries(connector);
      const rows = await store.db.selectFrom('outbox').select(['dedupe_key', 'status']).execute();
      assert.deepEqual(
        rows.filter((r) => r.status !== 'sent'),
        [],
        'every stored message was sent',
      );
      const missing = rows.filter((r) => !seen.has(r.dedupe_key)).map((r) => r.dedupe_key);
      assert.deepEqual(missing, [], 'nothing lost');
      // Exactly once, except where Teams gives no way to check: a 1:1 send in flight at the
      // instant of the SIGKILL (Teams may have it; the dead process never recorded it) is resent
      // by the survivor with the visible possible-repeat line, and audited. Never a silent repeat.
      const plainTwice = [...seen].filter(([, n]) => n.plain > 1).map(([k]) => k);
      assert.deepEqual(plainTwice, [], 'no message reached anyone twice unmarked');
      const marked = [...seen].filter(([, n]) => n.marked > 0).map(([k]) => k);
      // At most the sends in flight at the kill: one group of parallel sends (PARALLEL = 8 in outbox.ts).
      assert.ok(marked.length <= 8, `resent as possible repeats: ${marked.join(', ')}`);
      const audited = await store.db.selectFrom('audit').select('subject').where('action', '=', 'outbox.possibleRepeat').execute();
      assert.equal(
        audited.length,
        [...seen.values()].reduce((n, c) => n + c.marked, 0),
        'each possible repeat audited',
      );
      if (marked.length) console.log(`      (in flight at the kill, resent marked as possible repeats: ${marked.join(', ')})`);

      // The reminder runs: every due time, 3 s apart, ran once each, none skipped across the kill.
      const dues = [
        ...new Set(rows.filter((r) => r.dedupe_key.startsWith('reminder:')).map((r) => r.dedupe_key.split(':').slice(1, -1).join(':'))),
      ].sort();
      assert.ok(dues.length >= 4, `reminder runs: ${dues.length}`);
      for (let i = 1; i < dues.length; i++)
        assert.equal(Date.parse(dues[i]!) - Date.parse(dues[i - 1]!), 3_000, `gap between reminder runs ${dues[i - 1]} and ${dues[i]}`);
      for (const due of dues)
        for (let i = 0; i < REMINDERS_PER_RUN; i++) assert.ok(seen.has(`reminder:${due}:${i}`), `reminder ${due}:${i} delivered`);
      assert.ok(
        victim.sent > 0 && survivor.sent > 0,
        `both processes delivered (${victim.name}: ${victim.sent}, ${survivor.name}: ${survivor.sent})`,
      );
    });
  });

  describe('one process when PostgreSQL drops its connections (a failover, a restart, an idle cut)', () => {
    let instance: Instance | undefined;
    let relay: DbRelay | undefined;
    const pg = postgresFixture(async () => {
      if (instance) killLeftOver(instance);
      await relay?.stop();
    });

    it('stays up, keeps delivering and answers turns again: nothing lost, nothing sent twice unmarked', async function () {
      const { place, store, connector } = pg;
      await storePings(store, connector, 'drop', 400);
      // The instance reaches PostgreSQL through a relay the test can take down, and its
      // connections (the store's pool and pg-boss's) carry a name of their own, so the test can
      // also have the server end exactly those.
      const appName = `varna-drop-${process.pid}`;
      const url = new URL(place.url);
      relay = await new DbRelay({ host: url.hostname, port: Number(url.port || 5432) }).start();
      url.port = String(relay.port);
      url.searchParams.set('application_name', appName);
      instance = await startInstance('A', { ...instanceEnv(place, url.toString()), VARNA_PG_QUERY_TIMEOUT_MS: '2000' });
      const delivered = () => [...deliveries(connector).keys()].filter((k) => k.startsWith('drop:')).length;
      const started = Date.now();
      while (delivered() < 80) {
        assert.ok(Date.now() - started < 60_000, `only ${delivered()} delivered after a minute`);
        await sleep(5);
      }
      // The server ends every connection (as at a restart), twice: mid-delivery, then again
      // while the pools reconnect.
      const cutAt = Date.now();
      let cut = 0;
      for (let round = 0; round < 2; round++) {
        const r = await sql<{
          cut: boolean;
        }>`select pg_terminate_backend(pid) as cut from pg_stat_activity where application_name = ${appName}`.execute(store.db);
        cut += r.rows.filter((row) => row.cut).length;
        await sleep(300);
      }
      assert.ok(cut >= 2, `connections ended by the server: ${cut}`);
      // Then the database is out of reach for a few seconds (as during a failover): refusing
      // connections. Not ready, but up.
      relay.down();
      await sleep(1_500);
      assert.equal(
        instance.child.exitCode,
        null,
        `the process ended while the database was out of reach\n  ${story(instance, cutAt - 1_000)}`,
      );
      assert.equal((await fetch(`${instance.url}/readyz`)).status, 503, 'not ready while the database refuses connections');
      relay.up();
      while ((await fetch(`${instance.url}/readyz`)).status !== 200) {
        assert.ok(Date.now() - cutAt < 30_000, 'ready again once the database is back');
        await sleep(200);
      }
      // Then the connections in use go silent and stay so (the old server vanished; no reset ever
      // comes), and new ones are not answered either: not ready, and the probe answered in time.
      // Once new connections work again, the silent ones are given up after the statement
      // timeout (2 s here) instead of hanging the turns and the delivery that use them.
      assert.ok(delivered() < 400, `still delivering when the connections go silent (${delivered()} of 400)`);
      relay.silent();
      const asked = Date.now();
      const probe = await fetch(`${instance.url}/readyz`);
      assert.equal(probe.status, 503, 'not ready while the database does not answer');
      assert.ok(Date.now() - asked < 4_500, `the probe waited ${Date.now() - asked} ms`);
      relay.up({ keepSilent: true });

      for (;;) {
        assert.equal(
          instance.child.exitCode,
          null,
          `the process ended after the connections were cut\n  ${story(instance, cutAt - 1_000)}`,
        );
        if (Date.now() - cutAt > 60_000)
          assert.fail(`not finished within 60 s of the cut: ${delivered()} of 400 delivered\n  ${story(instance, cutAt - 1_000)}`);
        const open = await store.db.selectFrom('outbox').select('status').where('status', '!=', 'sent').limit(1).execute();
        if (delivered() === 400 && open.length === 0) break;
        await sleep(200);
      }
      const failed = await store.db.selectFrom('outbox').select('dedupe_key').where('status', '=', 'failed').execute();
      assert.deepEqual(failed, [], 'no message given up');
      const seen = deliveries(connector);
      assert.deepEqual(
        [...seen].filter(([, n]) => n.plain > 1).map(([k]) => k),
        [],
        'no message reached anyone twice unmarked',
      );
      assert.ok(
        [...seen.values()].filter((n) => n.marked > 0).length <= 8,
        'at most the sends in flight at the cut resent as possible repeats',
      );

      // The cut was noticed and logged with the server's code, not as a crash.
      const lost = instance.lines.filter((l) => l.includes('"57P01"'));
      assert.ok(lost.length > 0, `no log line with the server's code 57P01\n  ${story(instance, cutAt - 1_000)}`);
      // It answers: ready, and a turn gets its reply.
      assert.equal((await fetch(`${instance.url}/readyz`)).status, 200);
      const aad = userOf(0);
      const before = connector.calls.length;
      const res = await fetch(`${instance.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          text: 'hej',
          id: 'after-the-cut',
          timestamp: new Date().toISOString(),
          channelId: 'msteams',
          serviceUrl: connector.url,
          from: { id: `29:${aad}`, aadObjectId: aad, name: 'Lärare' },
          recipient: { id: '28:local', name: 'Värna' },
          conversation: { conversationType: 'personal', tenantId: TENANT, id: `a:personal-${aad}` },
          channelData: { tenant: { id: TENANT } },
          locale: 'sv-SE',
        }),
      });
      assert.equal(res.status, 200);
      const replies = connector.calls
        .slice(before)
        .filter((c) => c.method === 'POST' && c.conversationId === `a:personal-${aad}` && c.body?.attachments);
      assert.equal(replies.length, 1, 'the welcome card came back');
      instance.child.kill('SIGTERM');
      await instance.exited;
    });
  });
});
