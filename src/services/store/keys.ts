import { sql } from 'kysely';
import type { Tx } from './db';
import type { DataKeyTable, KeyCheckTable } from './schema';

/**
 * What the key lifecycle (src/services/key-rotation.ts) reads and changes: the wrapped data keys,
 * the key check values, and the keyed hashes of reports (the child) and consultations (the
 * teacher) with the id of the index key that made them. Every function takes the executor first.
 * The changes are conditional, so that they are safe on any number of instances.
 */

type KeyKind = KeyCheckTable['kind'];
const notCurrentIndex = (current: string) => sql<boolean>`(index_key_id is null or index_key_id <> ${current})`;

/** How many records are wrapped under each master key id. */
export async function recordsByDataKey(db: Tx): Promise<Array<{ id: string; n: number }>> {
  const rows = await db
    .selectFrom('data_keys')
    .select(['master_key_id as id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('master_key_id')
    .execute();
  return rows.map((r) => ({ id: r.id, n: Number(r.n) }));
}

/**
 * How many keyed hashes of a table each index key id made (null: made before key ids were stored).
 * Reports count only those with a child's hash.
 */
export async function hashesByIndexKey(db: Tx, table: 'reports' | 'consultations'): Promise<Array<{ id: string | null; n: number }>> {
  const rows = await db
    .selectFrom(table)
    .select(['index_key_id as id', (eb) => eb.fn.countAll<number>().as('n')])
    .$if(table === 'reports', (q) => q.where(sql.ref('child_key'), 'is not', null))
    .groupBy('index_key_id')
    .execute();
  return rows.map((r) => ({ id: r.id ?? null, n: Number(r.n) }));
}

/** The check value recorded for a key id, undefined when the id was never used. */
export async function keyCheckValue(db: Tx, kind: KeyKind, keyId: string): Promise<string | undefined> {
  return (await db.selectFrom('key_checks').select('check_value').where('kind', '=', kind).where('key_id', '=', keyId).executeTakeFirst())
    ?.check_value;
}

/**
 * Records a key's check value under its id unless one is recorded already (another instance may
 * have been first); returns the value that stands.
 */
export async function recordKeyCheck(db: Tx, kind: KeyKind, keyId: string, checkValue: string, now: Date): Promise<string> {
  await db
    .insertInto('key_checks')
    .values({ kind, key_id: keyId, check_value: checkValue, created_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['kind', 'key_id']).doNothing())
    .execute();
  return (
    await db.selectFrom('key_checks').select('check_value').where('kind', '=', kind).where('key_id', '=', keyId).executeTakeFirstOrThrow()
  ).check_value;
}

/** One record's data key wrapped under a master key id (to prove a key on), if any. */
export async function aDataKeyUnder(db: Tx, masterKeyId: string): Promise<DataKeyTable | undefined> {
  return db.selectFrom('data_keys').selectAll().where('master_key_id', '=', masterKeyId).limit(1).executeTakeFirst();
}

/** A report whose child's hash was made before key ids were stored (and which can still be read), if any. */
export async function aReportHashedWithoutKeyId(db: Tx): Promise<{ id: string; sealed: string; childKey: string } | undefined> {
  const r = await db
    .selectFrom('reports')
    .select(['id', 'sealed', 'child_key'])
    .where('index_key_id', 'is', null)
    .where('child_key', 'is not', null)
    .where('sealed', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return r ? { id: r.id, sealed: r.sealed!, childKey: r.child_key! } : undefined;
}

/** A consultation whose teacher's hash was made before key ids were stored (and which can still be read), if any. */
export async function aConsultationHashedWithoutKeyId(db: Tx): Promise<{ id: string; sealed: string; teacherKey: string } | undefined> {
  const c = await db
    .selectFrom('consultations')
    .select(['id', 'sealed', 'teacher_key'])
    .where('index_key_id', 'is', null)
    .where('sealed', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return c ? { id: c.id, sealed: c.sealed!, teacherKey: c.teacher_key } : undefined;
}

/** Up to `limit` data keys wrapped under a master key other than `current`, after record id `after`, in order. */
export async function dataKeysToRewrap(db: Tx, current: string, after: string, limit: number): Promise<DataKeyTable[]> {
  return db
    .selectFrom('data_keys')
    .selectAll()
    .where('master_key_id', '<>', current)
    .where('record_id', '>', after)
    .orderBy('record_id')
    .limit(limit)
    .execute();
}

/** Stores a data key rewrapped, unless it was purged or rewrapped meanwhile; true when stored. */
export async function rewrapDataKey(db: Tx, was: DataKeyTable, now: { masterKeyId: string; wrapped: string }): Promise<boolean> {
  const res = await db
    .updateTable('data_keys')
    .set({ master_key_id: now.masterKeyId, wrapped: now.wrapped })
    .where('record_id', '=', was.record_id)
    .where('master_key_id', '=', was.master_key_id)
    .where('wrapped', '=', was.wrapped)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Up to `limit` reports whose child's hash another index key made (or an unknown one), after id `after`, in order. */
export async function reportsToRehash(
  db: Tx,
  current: string,
  after: string,
  limit: number,
): Promise<Array<{ id: string; sealed: string | null; childKey: string }>> {
  const rows = await db
    .selectFrom('reports')
    .select(['id', 'sealed', 'child_key'])
    .where('child_key', 'is not', null)
    .where(notCurrentIndex(current))
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, sealed: r.sealed, childKey: r.child_key! }));
}

/** Stores a report's child hash made anew, unless the report was purged meanwhile (its hash cleared); true when stored. */
export async function rehashReport(db: Tx, id: string, was: string, childKey: string | null, indexKeyId: string): Promise<boolean> {
  const res = await db
    .updateTable('reports')
    .set({ child_key: childKey, index_key_id: indexKeyId })
    .where('id', '=', id)
    .where('child_key', '=', was)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Up to `limit` consultations whose teacher's hash another index key made (or an unknown one), after id `after`, in order. */
export async function consultationsToRehash(
  db: Tx,
  current: string,
  after: string,
  limit: number,
): Promise<Array<{ id: string; sealed: string | null; teacherKey: string }>> {
  const rows = await db
    .selectFrom('consultations')
    .select(['id', 'sealed', 'teacher_key'])
    .where(notCurrentIndex(current))
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((c) => ({ id: c.id, sealed: c.sealed, teacherKey: c.teacher_key }));
}

/** Stores a consultation's teacher hash made anew, unless it changed meanwhile; true when stored. */
export async function rehashConsultation(db: Tx, id: string, was: string, teacherKey: string, indexKeyId: string): Promise<boolean> {
  const res = await db
    .updateTable('consultations')
    .set({ teacher_key: teacherKey, index_key_id: indexKeyId })
    .where('id', '=', id)
    .where('teacher_key', '=', was)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
