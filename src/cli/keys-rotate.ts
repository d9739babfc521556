/**
 * `npm run keys:rotate` (in the image: `node dist/src/cli/keys-rotate.js`): after a start with a new data key and/or index key (the old ones still
 * given in VARNA_OLD_DATA_KEYS / VARNA_OLD_INDEX_KEYS), rewraps every record's data key under the
 * current master key and rehashes every keyed hash (repeat reports, consultations) under the
 * current index key, in batches, showing progress; then says which old keys no record needs any
 * more. Uses the same environment as Värna (VARNA_STORE_URL, the keys, VARNA_CONFIG).
 *
 *   npm run keys:rotate                 rotate everything, then report
 *   npm run keys:rotate -- --status     only report what still needs an old key
 *   npm run keys:rotate -- --batch 500 --max-batches 10
 *
 * Safe while Värna runs on PostgreSQL (conditional updates; a row already under the current key is
 * never touched again) and resumable: stopped at any point, run it again. On SQLite the running
 * Värna holds the file: it does the same rotation itself in the background (log events
 * keys.rotation.*); stop it to run this instead. Exit codes: 0 done (or --status), 1 records left
 * (--max-batches reached, or some could not be read), 2 configuration or keys refused, 3 the
 * SQLite file is in use.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { loadKeyring } from '../keys';
import { createLogger } from '../log';
import { systemClock } from '../services/clock';
import { makeCipher } from '../services/crypto';
import { KeyCheckError, makeKeyRotation, type KeyStatus } from '../services/key-rotation';
import { openStore } from '../services/store';
import { StoreLockedError } from '../services/store/db';

/** The command's own output (stdout), for the operator: progress and the verdict. */
const say = (line: string) => void process.stdout.write(`${line}\n`);

const counts = (byKey: Record<string, number>) =>
  Object.entries(byKey)
    .map(([id, n]) => `${id || '(no id: before key ids were stored)'} ${n}`)
    .join(', ') || 'none';

function describe(s: KeyStatus): string[] {
  return [
    `data keys (current ${s.data.current}): ${counts(s.data.byKey)}`,
    `index, reports (current ${s.index.current}): ${counts(s.index.reports)}`,
    `index, consultations (current ${s.index.current}): ${counts(s.index.consultations)}`,
  ];
}

export async function keysRotate(args: string[] = process.argv.slice(2)): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { status: { type: 'boolean', default: false }, batch: { type: 'string', default: '200' }, 'max-batches': { type: 'string' } },
  });
  const batch = Number(values.batch);
  const maxSteps = values['max-batches'] === undefined ? Infinity : Number(values['max-batches']);
  if (!Number.isInteger(batch) || batch < 1 || !(maxSteps === Infinity || (Number.isInteger(maxSteps) && maxSteps > 0))) {
    console.error('usage: npm run keys:rotate -- [--status] [--batch N] [--max-batches N]');
    return 2;
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr as never);
  let store;
  try {
    store = await openStore(config.env.VARNA_STORE_URL);
  } catch (error) {
    if (error instanceof StoreLockedError) {
      console.error(
        `${error.message}.\nThe running Värna rewraps and rehashes by itself in the background after a start with a new key (log events keys.rotation.progress and keys.rotation.done). To run this command instead, stop Värna first.`,
      );
      return 3;
    }
    throw error;
  }
  try {
    const cipher = makeCipher(loadKeyring(config, log));
    const rotation = makeKeyRotation({ store, cipher, clock: systemClock, log });
    try {
      await rotation.verify();
    } catch (error) {
      if (error instanceof KeyCheckError) {
        console.error(`Keys refused: ${error.message}`);
        return 2;
      }
      throw error;
    }
    const before = await rotation.status();
    say(`Värna keys (${store.dialect}, ${store.where})`);
    for (const line of describe(before)) say(`  ${line}`);
    const total = before.dataPending + before.indexPending;
    if (!values.status && total > 0) {
      say(`Rotating ${before.dataPending} data keys and ${before.indexPending} keyed hashes, ${batch} at a time:`);
      const done = await rotation.rotate({
        batch,
        maxSteps,
        onStep: (t) =>
          say(
            `  data keys rewrapped ${t.rewrapped} of ${before.dataPending}, keyed hashes rehashed ${t.rehashed} of ${before.indexPending}${t.failed ? `, ${t.failed} could not be read` : ''}`,
          ),
      });
      if (done.failed)
        say(`${done.failed} records could not be read with any configured key (their ids are in the log lines keys.rotation.unreadable).`);
    }
    const after = values.status ? before : await rotation.status();
    if (!values.status) for (const line of describe(after)) say(`  ${line}`);
    if (after.dataPending === 0 && after.indexPending === 0) {
      const old = [
        ...after.removable.data.map((id) => `data key ${id} (VARNA_OLD_DATA_KEYS)`),
        ...after.removable.index.map((id) => `index key ${id} (VARNA_OLD_INDEX_KEYS)`),
      ];
      say(
        old.length
          ? `Done: no record needs ${old.join(' or ')} any more. Remove it from the configuration and restart; keep an offline copy as long as backups taken before now exist.`
          : 'Done: every record is under the current keys; no old key is configured.',
      );
      return 0;
    }
    say(
      `Not done: ${after.dataPending} data keys and ${after.indexPending} keyed hashes still need an old key. Run npm run keys:rotate again; keep the old keys configured until it says done.`,
    );
    return values.status ? 0 : 1;
  } finally {
    await store.close();
  }
}

export function runKeysRotate(): void {
  keysRotate().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(`keys:rotate failed: ${(error as Error).name}: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runKeysRotate();
