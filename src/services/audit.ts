import { open } from 'node:fs/promises';
import { z } from 'zod/v4';
import { parseOldAuditKeys, type Env } from '../config';
import type { Logger } from '../log';
import type { Clock } from './clock';
import type { Cipher } from './crypto';
import type { AuditKeys, CheckpointRecord, Store } from './store';

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** The id of the development key (no VARNA_AUDIT_KEY outside production). */
export const DEV_AUDIT_KEY_ID = 'dev';

/**
 * The audit log's HMAC keys, which are never in the database: VARNA_AUDIT_KEY (id
 * VARNA_AUDIT_KEY_ID) signs, the retired ones in VARNA_OLD_AUDIT_KEYS still verify what they signed
 * (keep each for as long as the audit log is kept, `retention.auditYears`). Outside production,
 * without VARNA_AUDIT_KEY, a development key derived from the index key signs (`development`).
 */
export function auditKeys(env: Env, cipher: Pick<Cipher, 'keyedHash'>): { keys: AuditKeys; development: boolean } {
  const keys = new Map(parseOldAuditKeys(env.VARNA_OLD_AUDIT_KEYS ?? '') ?? []);
  const dev = env.NODE_ENV === 'production' ? undefined : Buffer.from(cipher.keyedHash('audit-key', DEV_AUDIT_KEY_ID), 'base64url');
  if (dev && !keys.has(DEV_AUDIT_KEY_ID)) keys.set(DEV_AUDIT_KEY_ID, dev);
  if (env.VARNA_AUDIT_KEY) {
    keys.set(env.VARNA_AUDIT_KEY_ID, Buffer.from(env.VARNA_AUDIT_KEY, 'base64'));
    return { keys: { currentId: env.VARNA_AUDIT_KEY_ID, keys }, development: false };
  }
  if (!dev) throw new Error('VARNA_AUDIT_KEY is required in production');
  return { keys: { currentId: DEV_AUDIT_KEY_ID, keys }, development: true };
}

/** A checkpoint as written to the log and the checkpoint file (the fields `audit:verify` needs). */
export const CheckpointLine = z.object({
  checkpoint: z.number().int().positive(),
  at: z.string(),
  chains: z.number().int().min(0),
  entries: z.number().int().min(0),
  keyId: z.string().regex(KEY_ID),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * The newest checkpoint in a text: a checkpoint file, an exported log, or one line pasted from the
 * operational log (each a JSON object with the fields of `CheckpointLine`; other lines are skipped).
 */
export function newestCheckpointIn(text: string): CheckpointRecord | undefined {
  let newest: CheckpointRecord | undefined;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      continue;
    }
    const record = CheckpointLine.safeParse(parsed);
    if (record.success && (!newest || record.data.checkpoint > newest.checkpoint)) newest = record.data;
  }
  return newest;
}

export interface AuditCheckpointDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** VARNA_AUDIT_CHECKPOINT_FILE: each new checkpoint is appended here as one JSON line. */
  file?: string;
}

/**
 * Writes the checkpoints of the audit log outside the database (issue 20 §3): one `audit.checkpoint`
 * line in the operational log at every call (Log Analytics keeps it apart from the database), and
 * each new checkpoint appended to the checkpoint file where one is configured. The line holds the
 * checkpoint's number, time, counts, key id and keyed digest: nothing about a person.
 */
export function makeAuditCheckpoints({ store, clock, log, file }: AuditCheckpointDeps) {
  async function append(path: string, line: string): Promise<void> {
    const handle = await open(path, 'a', 0o640);
    try {
      await handle.appendFile(`${line}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
  return {
    async write(reason: 'interval' | 'start' | 'shutdown'): Promise<CheckpointRecord> {
      const { record, created, rewound, sealsAltered } = await store.audit.checkpoint(clock.now());
      if (rewound.length)
        log.error(
          { event: 'audit.checkpoint.mismatch', chains: rewound.length, examples: rewound.slice(0, 5) },
          'audit chains are behind the last checkpoint (entries removed?): run npm run audit:verify',
        );
      if (sealsAltered)
        log.error(
          { event: 'audit.checkpoint.mismatch', checkpoint: record.checkpoint },
          "the last checkpoint's record in the database does not match its digest: run npm run audit:verify",
        );
      log.info({ event: 'audit.checkpoint', reason, created, ...record }, 'audit checkpoint');
      if (file && created) {
        try {
          await append(file, JSON.stringify({ event: 'audit.checkpoint', ...record }));
        } catch (error) {
          log.error(
            { event: 'audit.checkpoint.file-failed', err: error },
            'could not append the audit checkpoint to VARNA_AUDIT_CHECKPOINT_FILE',
          );
        }
      }
      return record;
    },
  };
}
export type AuditCheckpoints = ReturnType<typeof makeAuditCheckpoints>;
