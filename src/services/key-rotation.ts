import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../log';
import type { Clock } from './clock';
import type { Cipher, KeyCheck } from './crypto';
import type { ReportContent } from './reports/model';
import type { Store } from './store';
import * as keyRows from './store/keys';

/** The key configuration does not fit the data: Värna must not start (exit code 2, one line). */
export class KeyCheckError extends Error {
  override name = 'KeyCheckError';
}

/** What each configured key is called in the environment, for the one line an operator reads. */
function envName(check: Pick<KeyCheck, 'kind' | 'current'>, derived: boolean): string {
  if (check.kind === 'data') return check.current ? 'VARNA_DATA_KEY' : 'VARNA_OLD_DATA_KEYS';
  if (check.current) return derived ? 'the index key derived from VARNA_DATA_KEY (VARNA_INDEX_KEY is not set)' : 'VARNA_INDEX_KEY';
  return 'VARNA_OLD_INDEX_KEYS';
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const mismatch = (c: KeyCheck, derived: boolean) =>
  new KeyCheckError(
    `${envName(c, derived)} is not the ${c.kind} key stored as ${c.id} (its key check value differs): start with the key ${c.id} had; a new key needs a new id (${c.kind === 'data' ? 'VARNA_DATA_KEY_ID' : 'VARNA_INDEX_KEY_ID'}), with the old one kept in ${c.kind === 'data' ? 'VARNA_OLD_DATA_KEYS' : 'VARNA_OLD_INDEX_KEYS'}`,
  );

/** How many records still need a key other than the current one. */
export interface KeyStatus {
  data: { current: string; byKey: Record<string, number> };
  /** Keyed hashes by index key id ('' = made before key ids were stored). */
  index: { current: string; reports: Record<string, number>; consultations: Record<string, number> };
  /** Records under a data key other than the current one. */
  dataPending: number;
  /** Keyed hashes under an index key other than the current one (or of unknown key). */
  indexPending: number;
  /** Configured keys (other than the current ones) no record needs any more: they may be removed. */
  removable: { data: string[]; index: string[] };
}

export interface RotationStep {
  rewrapped: number;
  rehashed: number;
  /** Records that could not be read with any configured key (named by id in the log). */
  failed: number;
  /** Nothing was left to do in this pass. */
  done: boolean;
}

/**
 * The key lifecycle, on both stores: the check at start (a key check value per key id), the
 * status (which records still need an old key) and the rotation itself (rewrap every data key
 * under the current master key; rehash every keyed hash under the current index key). Each step
 * touches a batch of rows with conditional updates, so it is safe while Värna runs, on any number
 * of instances, and resumable: a row already under the current key is never selected again.
 */
export function makeKeyRotation({ store, cipher, clock, log }: { store: Store; cipher: Cipher; clock: Clock; log: Logger }) {
  const { db } = store;

  async function readReport(id: string, sealed: string): Promise<ReportContent> {
    const k = await store.dataKeys.get(id);
    if (!k) throw new Error('no data key');
    return cipher.open<ReportContent>(cipher.unwrap(id, { masterKeyId: k.master_key_id, wrapped: k.wrapped }), sealed, `report:${id}`);
  }

  async function readTeacher(id: string, sealed: string): Promise<string> {
    const k = await store.dataKeys.get(id);
    if (!k) throw new Error('no data key');
    return cipher.open<{ teacherAad: string }>(
      cipher.unwrap(id, { masterKeyId: k.master_key_id, wrapped: k.wrapped }),
      sealed,
      `consultation:${id}`,
    ).teacherAad;
  }

  /**
   * Before Värna serves anything: every key the data needs is configured, and every configured key
   * is the one its id stood for when it was first used (its check value). The first start with a
   * key records its check value, after proving the key on a record stored under its id if there
   * is one. Throws KeyCheckError with one line for the operator.
   */
  async function verify(): Promise<void> {
    const checks = cipher.keyChecks();
    const derived = cipher.indexDerived;
    // 1. Every data key a record is wrapped under must be configured.
    const usedData = await keyRows.recordsByDataKey(db);
    for (const { id, n } of usedData) {
      if (!cipher.hasKey('data', id))
        throw new KeyCheckError(
          `${Number(n)} records are encrypted under data key ${id}, which is not configured: give it in VARNA_OLD_DATA_KEYS (${id}:<key>) until npm run keys:rotate says no record needs it`,
        );
    }
    const usedIndex = new Map<string, number>();
    for (const table of ['reports', 'consultations'] as const) {
      for (const { id, n } of await keyRows.hashesByIndexKey(db, table)) if (id !== null) usedIndex.set(id, (usedIndex.get(id) ?? 0) + n);
    }
    for (const [id, n] of usedIndex) {
      if (!cipher.hasKey('index', id))
        throw new KeyCheckError(
          `${n} keyed hashes (repeat reports, consultations) were made with index key ${id}, which is not configured: give it in VARNA_OLD_INDEX_KEYS (${id}:<key>) until npm run keys:rotate says no record needs it`,
        );
    }
    // 2. Each configured key is the one stored under its id; a key seen for the first time is
    // proven on a record stored under its id, if there is one.
    const fresh: KeyCheck[] = [];
    for (const c of checks) {
      const stored = await keyRows.keyCheckValue(db, c.kind, c.id);
      if (stored !== undefined) {
        if (!same(stored, c.check)) throw mismatch(c, derived);
        continue;
      }
      if (c.kind === 'data') {
        const sample = await keyRows.aDataKeyUnder(db, c.id);
        if (sample) {
          try {
            cipher.unwrap(sample.record_id, { masterKeyId: sample.master_key_id, wrapped: sample.wrapped });
          } catch {
            throw mismatch(c, derived);
          }
        }
      }
      fresh.push(c);
    }
    // 3. Keyed hashes from before key ids were stored: one of the configured index keys must have made them.
    const oldReport = await keyRows.aReportHashedWithoutKeyId(db);
    if (oldReport) {
      const pnr = (await readReport(oldReport.id, oldReport.sealed)).child.pnrNormalized;
      if (pnr && !cipher.keyedHashes('child', pnr).includes(oldReport.childKey))
        throw new KeyCheckError(
          `none of the configured index keys (${envName({ kind: 'index', current: true }, derived)}, VARNA_OLD_INDEX_KEYS) made the stored repeat-report index: start with the index key it was made with`,
        );
    }
    const oldConsultation = await keyRows.aConsultationHashedWithoutKeyId(db);
    if (oldConsultation) {
      const teacher = await readTeacher(oldConsultation.id, oldConsultation.sealed);
      if (!cipher.keyedHashes('consultation.teacher', teacher).includes(oldConsultation.teacherKey))
        throw new KeyCheckError(
          `none of the configured index keys (${envName({ kind: 'index', current: true }, derived)}, VARNA_OLD_INDEX_KEYS) made the stored consultation index: start with the index key it was made with`,
        );
    }
    // 4. Only when everything fits: the new keys' check values are recorded (another instance
    // starting at the same moment with another key under the same id loses, and stops).
    const now = clock.now();
    for (const c of fresh) {
      const stored = await keyRows.recordKeyCheck(db, c.kind, c.id, c.check, now);
      if (!same(stored, c.check)) throw mismatch(c, derived);
      log.info({ event: 'keys.recorded', kind: c.kind, keyId: c.id }, 'key check value recorded');
    }
  }

  async function status(): Promise<KeyStatus> {
    const byKey: Record<string, number> = {};
    for (const r of await keyRows.recordsByDataKey(db)) byKey[r.id] = r.n;
    const indexCounts = async (table: 'reports' | 'consultations') => {
      const out: Record<string, number> = {};
      // '' for the hashes made before key ids were stored.
      for (const r of await keyRows.hashesByIndexKey(db, table)) out[r.id ?? ''] = (out[r.id ?? ''] ?? 0) + r.n;
      return out;
    };
    const reports = await indexCounts('reports');
    const consultations = await indexCounts('consultations');
    const sumOther = (counts: Record<string, number>, current: string) =>
      Object.entries(counts).reduce((n, [id, c]) => (id === current ? n : n + c), 0);
    const dataPending = sumOther(byKey, cipher.dataKeyId);
    const indexPending = sumOther(reports, cipher.indexKeyId) + sumOther(consultations, cipher.indexKeyId);
    const configured = cipher.keyChecks().filter((c) => !c.current);
    return {
      data: { current: cipher.dataKeyId, byKey },
      index: { current: cipher.indexKeyId, reports, consultations },
      dataPending,
      indexPending,
      removable: {
        data: configured.filter((c) => c.kind === 'data' && !byKey[c.id]).map((c) => c.id),
        // Hashes of unknown key ('') may be any configured key's: none is removable until they are rehashed.
        index: configured
          .filter((c) => c.kind === 'index' && !reports[c.id] && !consultations[c.id] && !reports[''] && !consultations[''])
          .map((c) => c.id),
      },
    };
  }

  /** Cursors of the current pass: a row that failed is not selected again until the next pass. */
  const cursor = { data: '', reports: '', consultations: '' };

  /** Rewraps up to `limit` data keys under the current master key. */
  async function rewrapBatch(limit: number): Promise<{ n: number; failed: number; more: boolean }> {
    const rows = await keyRows.dataKeysToRewrap(db, cipher.dataKeyId, cursor.data, limit);
    let n = 0;
    let failed = 0;
    await store.transaction(async (trx) => {
      for (const row of rows) {
        cursor.data = row.record_id;
        let wrapped;
        try {
          wrapped = cipher.rewrap(row.record_id, { masterKeyId: row.master_key_id, wrapped: row.wrapped });
        } catch {
          failed++;
          log.error(
            { event: 'keys.rotation.unreadable', record: row.record_id, keyId: row.master_key_id },
            'a data key could not be unwrapped; left as it is',
          );
          continue;
        }
        // Conditional: a record purged or rewrapped meanwhile (another instance) is left alone.
        if (await keyRows.rewrapDataKey(trx, row, wrapped)) n++;
      }
    });
    return { n, failed, more: rows.length === limit };
  }

  /** Rehashes up to `limit` keyed hashes (reports, then consultations) under the current index key. */
  async function rehashBatch(limit: number): Promise<{ n: number; failed: number; more: boolean }> {
    const current = cipher.indexKeyId;
    let n = 0;
    let failed = 0;
    const reports = await keyRows.reportsToRehash(db, current, cursor.reports, limit);
    for (const r of reports) {
      cursor.reports = r.id;
      let pnr: string | undefined;
      try {
        pnr = r.sealed ? (await readReport(r.id, r.sealed)).child.pnrNormalized : undefined;
      } catch {
        failed++;
        log.error({ event: 'keys.rotation.unreadable', record: r.id }, 'a report could not be read to rehash its index; left as it is');
        continue;
      }
      // Conditional: a report purged meanwhile (child_key cleared) is left alone.
      if (await keyRows.rehashReport(db, r.id, r.childKey, pnr ? cipher.keyedHash('child', pnr) : null, current)) n++;
    }
    const consultations =
      reports.length < limit ? await keyRows.consultationsToRehash(db, current, cursor.consultations, limit - reports.length) : [];
    for (const c of consultations) {
      cursor.consultations = c.id;
      let teacher: string | undefined;
      try {
        teacher = c.sealed ? await readTeacher(c.id, c.sealed) : undefined;
      } catch {
        failed++;
        log.error(
          { event: 'keys.rotation.unreadable', record: c.id },
          'a consultation could not be read to rehash its index; left as it is',
        );
        continue;
      }
      // A purged consultation has lost the teacher's id with its text: its link to the teacher
      // cannot be made under the new key and is dropped (it leaves the teacher's own list).
      if (
        await keyRows.rehashConsultation(
          db,
          c.id,
          c.teacherKey,
          teacher ? cipher.keyedHash('consultation.teacher', teacher) : `unlinked:${c.id}`,
          current,
        )
      )
        n++;
    }
    return { n, failed, more: reports.length + consultations.length === limit };
  }

  /** One step of the rotation: a batch of data keys and a batch of keyed hashes. */
  async function step(limit = 200): Promise<RotationStep> {
    const wrap = await rewrapBatch(limit);
    const hash = await rehashBatch(limit);
    const done = !wrap.more && !hash.more;
    if (done) {
      // The pass reached the end: the next one starts over (rows that failed are tried again).
      cursor.data = '';
      cursor.reports = '';
      cursor.consultations = '';
    }
    return { rewrapped: wrap.n, rehashed: hash.n, failed: wrap.failed + hash.failed, done };
  }

  /** Runs steps until a pass finds nothing more to do (or `maxSteps`); `onStep` shows progress. */
  async function rotate({
    batch = 200,
    maxSteps = Infinity,
    onStep,
  }: { batch?: number; maxSteps?: number; onStep?: (total: RotationStep) => void } = {}): Promise<RotationStep> {
    const total: RotationStep = { rewrapped: 0, rehashed: 0, failed: 0, done: false };
    for (let i = 0; i < maxSteps; i++) {
      const s = await step(batch);
      total.rewrapped += s.rewrapped;
      total.rehashed += s.rehashed;
      total.failed += s.failed;
      onStep?.({ ...total, done: s.done });
      if (s.done) return { ...total, done: true };
    }
    return total;
  }

  /** Nothing left to rotate in this process's lifetime (new records are always made under the current keys). */
  let settled = false;

  return {
    verify,
    status,
    step,
    rotate,
    /**
     * The background part, run by the jobs loop (one instance at a time on PostgreSQL): after a
     * start with a new current key, up to `maxSteps` batches a run, progress and the end logged.
     */
    async backgroundRun(maxSteps = 10): Promise<void> {
      if (settled) return;
      const before = await status();
      if (before.dataPending === 0 && before.indexPending === 0) {
        settled = true;
        return;
      }
      const done = await rotate({ maxSteps });
      const after = await status();
      log.info(
        {
          event: 'keys.rotation.progress',
          rewrapped: done.rewrapped,
          rehashed: done.rehashed,
          failed: done.failed,
          dataLeft: after.dataPending,
          indexLeft: after.indexPending,
        },
        'key rotation: a batch done',
      );
      if (after.dataPending === 0 && after.indexPending === 0) {
        settled = true;
        log.info(
          {
            event: 'keys.rotation.done',
            dataKey: cipher.dataKeyId,
            indexKey: cipher.indexKeyId,
            removableDataKeys: after.removable.data.join(',') || null,
            removableIndexKeys: after.removable.index.join(',') || null,
          },
          'key rotation done: no record needs an old key any more; old keys can be removed from VARNA_OLD_DATA_KEYS / VARNA_OLD_INDEX_KEYS',
        );
      }
    },
  };
}
export type KeyRotation = ReturnType<typeof makeKeyRotation>;
