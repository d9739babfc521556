import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import type { Actor } from '../../src/services/actor';
import { makeKeyring, type Keyring } from '../../src/services/crypto';
import { KeyCheckError } from '../../src/services/key-rotation';
import { startBot, type TestBot } from '../support/bot';
import { actionsOf, textOf } from '../support/cards';
import { ManualClock } from '../support/clock';
import { ConnectorStandIn } from '../support/connector';
import { TEAM, channelConversation } from '../support/intake';
import { TEST_CHILD, draftIdOf, submitReport } from '../support/report';
import { testStoreKind } from '../support/store';
import { TENANT, as } from '../support/users';

const inChannel = channelConversation();
const QUESTION = 'En elev i åk 4 har återkommande blåmärken och vill inte gå hem. Räcker det för en anmälan?';

const K1 = Buffer.alloc(32, 0x11);
const K2 = Buffer.alloc(32, 0x22);
const I1 = Buffer.alloc(32, 0x33);
const I2 = Buffer.alloc(32, 0x44);
const b64 = (k: Buffer) => k.toString('base64');

/** A keyring as the environment would give it: current data and index keys, and the old ones. */
function ring(
  data: [string, Buffer],
  index: [string, Buffer],
  oldData: Array<[string, Buffer]> = [],
  oldIndex: Array<[string, Buffer]> = [],
): Keyring {
  return makeKeyring(data[0], data[1], oldData, index[1], { id: index[0], old: oldIndex });
}
const BEFORE = ring(['k1', K1], ['i1', I1]);
const DURING = ring(['k2', K2], ['i2', I2], [['k1', K1]], [['i1', I1]]);
const AFTER = ring(['k2', K2], ['i2', I2]);

const teacher: Actor = {
  aadObjectId: as.teacher.aadObjectId,
  userId: `29:${as.teacher.aadObjectId}`,
  name: as.teacher.name,
  tenantId: TENANT,
  locale: 'sv',
  conversation: { kind: 'personal', id: '' },
};

/**
 * One installation over its key lifecycle: the same data folder (SQLite) or schema (PostgreSQL),
 * Värna stopped and started again with other keys, as an operator would do it.
 */
class Installation {
  readonly clock = new ManualClock('2026-03-02T09:00:00+01:00');
  readonly dataDir = mkdtempSync(join(tmpdir(), 'varna-keys-'));
  connector!: ConnectorStandIn;
  bot: TestBot | undefined;

  /** The store (the SQLite file, or the PostgreSQL schema), to drop at the end. */
  private store: TestBot['store'];

  async start(keyring: Keyring): Promise<TestBot> {
    this.connector ??= await new ConnectorStandIn().start();
    this.bot = await startBot({ clock: this.clock, dataDir: this.dataDir, connector: this.connector, keyring });
    this.store = this.bot.store;
    return this.bot;
  }

  async stop(): Promise<void> {
    await this.bot?.destroy();
    this.bot = undefined;
  }

  /** The start that must be refused: Värna does not come up. */
  async refused(keyring: Keyring): Promise<KeyCheckError> {
    const error = await this.start(keyring).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof KeyCheckError, `expected a KeyCheckError, got ${String(error)}`);
    return error;
  }

  async remove(): Promise<void> {
    await this.stop();
    await this.connector?.stop();
    await this.store?.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** What a report, a repeat report, a consultation and a draft made under the first keys look like. */
async function makeData(bot: TestBot): Promise<{ reference: string; draftId: string }> {
  await bot.installTeam(TEAM, as.intake);
  bot.connector.rosters.set(TEAM, new Set([as.intake.aadObjectId]));
  await bot.installPersonal(as.teacher);
  const { reference } = await submitReport(bot, as.teacher);
  await bot.deliver();
  const compose = await bot.execute(as.teacher, 'consult.start', {});
  const send = actionsOf(compose.card).find((a) => a.verb === 'consult.send')!;
  await bot.execute(as.teacher, 'consult.send', { ...send.data, text: QUESTION, schoolId: 'ekbacken', showSchool: 'false' });
  await bot.deliver();
  const start = await bot.execute(as.teacher, 'report.start', {});
  const draftId = draftIdOf(start.card);
  await bot.execute(as.teacher, 'report.step', { draftId, step: 'acute', immediateDanger: 'no' });
  return { reference, draftId };
}

/** Everything made under the first keys is still what it was: readable, linked, found. */
async function assertAllReadable(bot: TestBot, reference: string, draftId: string): Promise<void> {
  bot.connector.rosters.set(TEAM, new Set([as.intake.aadObjectId]));
  const opened = await bot.taskFetch(as.intake, { verb: 'report.open', reference }, inChannel);
  assert.equal(opened.body?.task?.type, 'continue', JSON.stringify(opened.body));
  assert.match(textOf(opened.body.task.value.card.content), new RegExp(TEST_CHILD), 'the first report opens');
  const mine = await bot.services.consultations.mine(teacher);
  assert.equal(mine.length, 1, 'the teacher finds their consultation');
  const resumed = await bot.execute(as.teacher, 'report.resume', { draftId });
  assert.match(textOf(resumed.card), /Steg 1 av 3: Akut fara och barnet/, 'the draft continues where it was left');
  const link = (opened.body.task.value.card.content.actions as Array<{ title: string; url?: string }>).find((a) =>
    /JSON/.test(a.title),
  )!.url!;
  assert.equal((await fetch(link.replace(/^https?:\/\/[^/]+/, bot.url))).status, 200, 'its export downloads');
}

/** A second report on the same child is linked to the first (by keyed hash), across keys. */
async function assertRepeatLinked(bot: TestBot, first: string): Promise<void> {
  bot.clock.advance(86_400_000);
  const { reference } = await submitReport(bot, as.teacher);
  const opened = await bot.taskFetch(as.intake, { verb: 'report.open', reference }, inChannel);
  const text = textOf(opened.body.task.value.card.content);
  assert.match(text, /Tidigare anmälningar om samma barn som Värna har kvar: \d/);
  assert.match(text, new RegExp(first));
}

describe(`keys on ${testStoreKind}: a wrong key never starts, and an old key can be retired`, () => {
  let inst: Installation;
  beforeEach(() => {
    inst = new Installation();
  });
  afterEach(async () => inst.remove());

  it('refuses to start with other key bytes under a key id already in use (data or index key), before serving', async () => {
    const bot = await inst.start(BEFORE);
    const { reference, draftId } = await makeData(bot);
    await inst.stop();
    const data = await inst.refused(ring(['k1', K2], ['i1', I1]));
    assert.match(data.message, /^VARNA_DATA_KEY is not the data key stored as k1 \(its key check value differs\)/);
    const index = await inst.refused(ring(['k1', K1], ['i1', I2]));
    assert.match(index.message, /^VARNA_INDEX_KEY is not the index key stored as i1/);
    const old = await inst.refused(ring(['k2', K2], ['i1', I1], [['k1', K2]]));
    assert.match(old.message, /^VARNA_OLD_DATA_KEYS is not the data key stored as k1/);
    // The right keys again: nothing was lost or written under the wrong ones.
    await assertAllReadable(await inst.start(BEFORE), reference, draftId);
  });

  it('refuses to start without a key the stored records still need', async () => {
    await makeData(await inst.start(BEFORE));
    await inst.stop();
    const data = await inst.refused(ring(['k2', K2], ['i1', I1]));
    assert.match(data.message, /records are encrypted under data key k1, which is not configured: give it in VARNA_OLD_DATA_KEYS/);
    const index = await inst.refused(ring(['k1', K1], ['i2', I2]));
    assert.match(index.message, /made with index key i1, which is not configured: give it in VARNA_OLD_INDEX_KEYS/);
  });

  it('proves a key on the stored records the first time its id is seen (data from before key check values)', async () => {
    await makeData(await inst.start(BEFORE));
    // As after an upgrade: no check values, no index key ids yet.
    const db = inst.bot!.services.store.db;
    await db.deleteFrom('key_checks').execute();
    await db.updateTable('reports').set({ index_key_id: null }).execute();
    await db.updateTable('consultations').set({ index_key_id: null }).execute();
    await inst.stop();
    assert.match((await inst.refused(ring(['k1', K2], ['i1', I1]))).message, /^VARNA_DATA_KEY is not the data key stored as k1/);
    assert.match(
      (await inst.refused(ring(['k1', K1], ['i1', I2]))).message,
      /none of the configured index keys .* made the stored repeat-report index/,
    );
    await inst.start(BEFORE);
    assert.equal(
      (await inst.bot!.services.keys.status()).indexPending,
      2,
      'a report and a consultation of unknown index key, to be rehashed',
    );
  });

  it('rotates both keys while running, in the background: old and new records readable throughout, then the old keys dropped', async () => {
    const { reference, draftId } = await makeData(await inst.start(BEFORE));
    await inst.stop();
    // New keys, the old ones kept: everything made before is readable and found at once.
    let bot = await inst.start(DURING);
    await assertAllReadable(bot, reference, draftId);
    await assertRepeatLinked(bot, reference);
    const pending = await bot.services.keys.status();
    assert.deepEqual(
      [pending.dataPending, pending.indexPending],
      [3, 2],
      'a report, a consultation and a draft under k1; the report and the consultation hashed under i1',
    );
    assert.deepEqual(pending.removable, { data: [], index: [] });
    // The background job (every minute; one instance at a time on PostgreSQL).
    await bot.services.jobs.runDue();
    bot.clock.advance(61_000);
    await bot.services.jobs.runDue();
    const done = await bot.services.keys.status();
    assert.equal(done.dataPending, 0);
    assert.equal(done.indexPending, 0);
    assert.deepEqual(done.removable, { data: ['k1'], index: ['i1'] });
    assert.ok(
      bot.logs.events().some((e) => e.event === 'keys.rotation.done' && e.removableDataKeys === 'k1' && e.removableIndexKeys === 'i1'),
    );
    await inst.stop();
    // The old keys are gone from the configuration: everything still reads, links and finds.
    bot = await inst.start(AFTER);
    await assertAllReadable(bot, reference, draftId);
    await assertRepeatLinked(bot, reference);
  });

  it('lets instances with the old and the new configuration run side by side during a rolling change', async () => {
    // Step 1 everywhere: the new key known, not yet used; step 2: the new key current, the old one kept.
    const step1 = ring(['k1', K1], ['i1', I1], [['k2', K2]], [['i2', I2]]);
    const step2 = DURING;
    const first = await makeData(await inst.start(step1));
    await inst.stop();
    const bot2 = await inst.start(step2);
    const { reference: second } = await submitReport(bot2, as.teacher);
    await inst.stop();
    // An instance still on step 1 reads what one on step 2 wrote, and finds the repeat report.
    const bot1 = await inst.start(step1);
    bot1.connector.rosters.set(TEAM, new Set([as.intake.aadObjectId]));
    const opened = await bot1.taskFetch(as.intake, { verb: 'report.open', reference: second }, inChannel);
    const text = textOf(opened.body.task.value.card.content);
    assert.match(text, new RegExp(TEST_CHILD));
    assert.match(text, new RegExp(`Tidigare anmälningar om samma barn som Värna har kvar: 1[\\s\\S]*${first.reference}`));
  });

  it(`npm run keys:rotate rewraps and rehashes in batches with progress, resumably, ${testStoreKind === 'postgres' ? 'while Värna runs' : 'with Värna stopped (the running one does it itself)'}`, async () => {
    const { reference, draftId } = await makeData(await inst.start(BEFORE));
    await inst.stop();
    const bot = await inst.start(DURING);
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      VARNA_CONFIG: 'config/example.yaml',
      VARNA_STORE_URL: bot.config.env.VARNA_STORE_URL,
      VARNA_DATA_KEY: b64(K2),
      VARNA_DATA_KEY_ID: 'k2',
      VARNA_OLD_DATA_KEYS: `k1:${b64(K1)}`,
      VARNA_INDEX_KEY: b64(I2),
      VARNA_INDEX_KEY_ID: 'i2',
      VARNA_OLD_INDEX_KEYS: `i1:${b64(I1)}`,
    };
    if (testStoreKind === 'sqlite') {
      const locked = await run(['--batch', '2'], env);
      assert.equal(locked.code, 3, locked.out);
      assert.match(locked.out, /in use by another Värna process[\s\S]*rewraps and rehashes by itself in the background/);
      await inst.stop();
    }
    const partial = await run(['--batch', '2', '--max-batches', '1'], env);
    assert.equal(partial.code, 1, partial.out);
    assert.match(partial.out, /data keys rewrapped 2 of 3, keyed hashes rehashed 2 of 2/);
    assert.match(partial.out, /Not done: 1 data keys and 0 keyed hashes still need an old key/);
    // On PostgreSQL Värna keeps working meanwhile: a report made now is under the new keys already.
    const rotating = run(['--batch', '2'], env);
    if (testStoreKind === 'postgres') await submitReport(bot, as.teacher);
    const rest = await rotating;
    assert.equal(rest.code, 0, rest.out);
    assert.match(rest.out, /Done: no record needs data key k1 \(VARNA_OLD_DATA_KEYS\) or index key i1 \(VARNA_OLD_INDEX_KEYS\) any more/);
    const status = await run(['--status'], env);
    assert.match(status.out, /data keys \(current k2\): k2 \d+\n/);
    await inst.stop();
    await assertAllReadable(await inst.start(AFTER), reference, draftId);
  });
});

/** Runs scripts/keys-rotate.ts as `npm run keys:rotate` does (without blocking the test's own server). */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'scripts/keys-rotate.ts', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('keys in the configuration: refused before anything starts', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('names each malformed entry of VARNA_OLD_DATA_KEYS and VARNA_OLD_INDEX_KEYS, never the key', () => {
    const secret = b64(K1);
    const found = problems({
      VARNA_DATA_KEY: b64(K2),
      VARNA_DATA_KEY_ID: 'k2',
      VARNA_OLD_DATA_KEYS: `k1:${secret.slice(0, 20)},${secret},k2:${secret},k3:${secret},k3:${secret}`,
      VARNA_OLD_INDEX_KEYS: 'i0',
    });
    assert.deepEqual(found, [
      'environment VARNA_OLD_DATA_KEYS: entry 1 (id k1): the key must be 32 bytes, base64',
      'environment VARNA_OLD_DATA_KEYS: entry 2 must be id:key (id of letters, digits, - or _; key 32 bytes, base64)',
      "environment VARNA_OLD_DATA_KEYS: entry 3: id k2 is the current key's id; a key id names one key",
      'environment VARNA_OLD_DATA_KEYS: entry 5: id k3 is given twice',
      'environment VARNA_OLD_INDEX_KEYS: entry 1 must be id:key (id of letters, digits, - or _; key 32 bytes, base64)',
    ]);
    assert.ok(!found.join('\n').includes(secret.slice(0, 20)), 'no key material in a message');
  });

  it('refuses a key of the wrong length', () => {
    assert.deepEqual(
      problems({ VARNA_DATA_KEY: Buffer.alloc(16).toString('base64'), VARNA_INDEX_KEY: Buffer.alloc(31).toString('base64') }),
      [
        'environment VARNA_DATA_KEY: must be 32 bytes, base64 (openssl rand -base64 32)',
        'environment VARNA_INDEX_KEY: must be 32 bytes, base64 (openssl rand -base64 32)',
      ],
    );
  });

  it('the process stops with one line and exit code 2: a malformed old key, and a changed key under a used id', async function () {
    this.timeout(120_000);
    const inst = new Installation();
    try {
      await inst.start(BEFORE);
      const url = inst.bot!.config.env.VARNA_STORE_URL;
      await inst.stop();
      const start = (extra: Record<string, string>) =>
        spawnSync(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'src/index.ts'], {
          env: {
            ...process.env,
            NODE_ENV: 'test',
            PORT: '0',
            LOG_LEVEL: 'silent',
            VARNA_CONFIG: 'config/example.yaml',
            VARNA_STORE_URL: url,
            VARNA_INDEX_KEY: b64(I1),
            VARNA_DATA_KEY_ID: 'k1',
            ...extra,
          },
          encoding: 'utf8',
          timeout: 30_000,
        });
      const changed = start({ VARNA_DATA_KEY: b64(K2) });
      assert.equal(changed.status, 2, changed.stderr);
      assert.deepEqual(changed.stderr.trim().split('\n'), [
        'Cannot start: VARNA_DATA_KEY is not the data key stored as k1 (its key check value differs): start with the key k1 had; a new key needs a new id (VARNA_DATA_KEY_ID), with the old one kept in VARNA_OLD_DATA_KEYS',
      ]);
      const malformed = start({ VARNA_DATA_KEY: b64(K1), VARNA_OLD_DATA_KEYS: 'k0:c2hvcnQ=' });
      assert.equal(malformed.status, 2, malformed.stderr);
      assert.match(malformed.stderr, /VARNA_OLD_DATA_KEYS: entry 1 \(id k0\): the key must be 32 bytes, base64/);
    } finally {
      await inst.remove();
    }
  });
});
