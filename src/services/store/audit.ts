import { createHash, createHmac } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Dialect } from './db';
import type { Database } from './schema';

type Tx = Kysely<Database> | Transaction<Database>;

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  outcome: 'allowed' | 'refused';
  /** Ids and codes only: never names, personnummer or free text. */
  detail?: Record<string, string | number | boolean | null>;
}

/** The audit log's HMAC keys (never in the database): the current one signs, retired ones still verify. */
export interface AuditKeys {
  currentId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * A checkpoint: every chain's head at one moment, as a keyed digest. The same record goes to the
 * operational log and the checkpoint file; `npm run audit:verify` checks the database against it.
 */
export interface CheckpointRecord {
  checkpoint: number;
  at: string;
  /** Chains sealed (one per subject, and '' for the entries of the old unkeyed scheme). */
  chains: number;
  /** Entries ever written to those chains (retention may have purged the oldest since). */
  entries: number;
  keyId: string;
  digest: string;
}

export type AuditFindingKind = 'altered' | 'reordered' | 'missing' | 'unknownKey' | 'head' | 'checkpoint' | 'anchor';
export interface AuditFinding {
  kind: AuditFindingKind;
  /** The entry at fault, where there is one. */
  seq?: number;
  chain?: string;
  message: string;
}

export interface AuditCheck {
  ok: boolean;
  /** Entries read (both schemes). */
  entries: number;
  /** Of those, entries of the old unkeyed scheme. */
  oldEntries: number;
  chains: number;
  /** The checkpoints the chains were checked against (the database's newest, and the one given). */
  checkpoints: Array<CheckpointRecord & { source: 'database' | 'given' | 'both' }>;
  /** By entry, oldest first; findings about no one entry last. */
  findings: AuditFinding[];
}

const GENESIS = 'genesis';
/** The chain of the entries written before 0080 (plain SHA-256, ordered by seq). */
const OLD_CHAIN = '';
/** Checkpoints take turns (several instances); appenders never take this lock. 'VARNACKP' as a 64-bit number. */
const CHECKPOINT_LOCK = '6215339456803228496';
const PAGE = 5000;
const iso = (d: Date) => d.toISOString();

/** An entry's chain: its subject (never '', which is the old chain's). */
export const chainOf = (subject: string): string => (subject === OLD_CHAIN ? '-' : subject);

type EntryFields = {
  chain: string | null;
  n: number | null;
  key_id: string | null;
  prev_hash: string;
  at: string;
  actor: string;
  action: string;
  subject: string;
  outcome: string;
  detail: string;
};

/** The old scheme (before 0080): plain SHA-256 over the fields, with the global seq. */
export function unkeyedHash(
  prev: string,
  seq: number,
  row: { at: string; actor: string; action: string; subject: string; outcome: string; detail: string },
): string {
  return createHash('sha256')
    .update([prev, seq, row.at, row.actor, row.action, row.subject, row.outcome, row.detail].join('\u001f'))
    .digest('hex');
}

/** An entry's HMAC: its chain, position, key id, the hash before it, and every field. */
export function entryMac(key: Buffer, e: EntryFields): string {
  return createHmac('sha256', key)
    .update(
      JSON.stringify(['varna-audit-v2', e.chain, e.n, e.key_id, e.prev_hash, e.at, e.actor, e.action, e.subject, e.outcome, e.detail]),
    )
    .digest('hex');
}

function anchorMac(key: Buffer, a: { chain: string; n: number; hash: string; purged_at: string }): string {
  return createHmac('sha256', key)
    .update(JSON.stringify(['varna-audit-anchor-v1', a.chain, a.n, a.hash, a.purged_at]))
    .digest('hex');
}

type ChainState = Map<string, { n: number; hash: string }>;

/** The checkpoint's digest: its own fields, then every chain's head in a fixed order. */
export function checkpointDigest(key: Buffer, c: Omit<CheckpointRecord, 'digest'>, state: ChainState): string {
  const mac = createHmac('sha256', key).update(
    JSON.stringify(['varna-audit-checkpoint-v1', c.checkpoint, c.at, c.chains, c.entries, c.keyId]),
  );
  for (const chain of [...state.keys()].sort()) {
    const s = state.get(chain)!;
    mac.update(`\n${JSON.stringify([chain, s.n, s.hash])}`);
  }
  return mac.digest('hex');
}

const toRecord = (r: Database['audit_checkpoint']): CheckpointRecord => ({
  checkpoint: r.id,
  at: r.at,
  chains: r.chains,
  entries: r.entries,
  keyId: r.key_id,
  digest: r.digest,
});

function summarize(state: ChainState): { chains: number; entries: number } {
  let entries = 0;
  for (const s of state.values()) entries += s.n;
  return { chains: state.size, entries };
}

/** Every chain's head as checkpoint `upTo` sealed it: each chain's newest seal at or before it. */
async function sealsUpTo(db: Tx, upTo: number): Promise<ChainState> {
  const rows = await db
    .selectFrom('audit_seal as s')
    .select(['s.chain', 's.n', 's.hash'])
    .where('s.checkpoint', '=', (eb) =>
      eb
        .selectFrom('audit_seal as t')
        .select((e) => e.fn.max('t.checkpoint').as('m'))
        .whereRef('t.chain', '=', 's.chain')
        .where('t.checkpoint', '<=', upTo),
    )
    .execute();
  return new Map(rows.map((r) => [r.chain, { n: r.n, hash: r.hash }]));
}

const range = (from: number, to: number) => (from === to ? `#${from}` : `#${from}–${to}`);
const quote = (chain: string) => (chain === OLD_CHAIN ? 'the old unkeyed chain' : `chain "${chain}"`);

/**
 * The audit log (issue 20 §3). Each subject has a chain of its own: an entry carries its position
 * `n` in the chain and the hash of the entry before it, and its own `hash` is an HMAC over all of
 * that with a key that is not in the database. So:
 * - an edited entry no longer matches its HMAC, even when the edit recomputes a plain hash (the
 *   key is needed for a valid one), and a moved or renumbered one neither;
 * - an entry removed from the middle breaks the positions and the links after it;
 * - entries removed from the end of a chain are caught by the checkpoints: every few minutes
 *   and at shutdown each chain's head is sealed with a keyed digest, written to the database
 *   (`audit_checkpoint`, `audit_seal`) and outside it (the operational log, a checkpoint file).
 *   `check` holds the chains against the database's newest checkpoint and any one given, and a
 *   checkpoint given that the database no longer has (removed with the entries) is named.
 * Appenders lock only their own chain's head row: transactions auditing different subjects do not
 * wait for each other (before, one advisory lock took every audited write on PostgreSQL in turn).
 * The entries written before keep their scheme (plain SHA-256, one chain by seq) and still verify;
 * their chain ('') no longer grows, and its head is sealed by the checkpoints like any other.
 */
export function makeAuditLog(db: Kysely<Database>, dialect: Dialect) {
  let keys: AuditKeys | undefined;
  /** The state this process last sealed (saves reading every seal again at the next checkpoint). */
  let sealedCache: { id: number; state: ChainState } | undefined;

  function signing(): { id: string; key: Buffer } {
    const key = keys?.keys.get(keys.currentId);
    if (!keys || !key) throw new Error('the audit key is not configured (VARNA_AUDIT_KEY)');
    return { id: keys.currentId, key };
  }

  async function signAnchor(trx: Tx, chain: string, n: number, hash: string, now: Date): Promise<void> {
    const { id, key } = signing();
    const row = { chain, n, hash, purged_at: iso(now) };
    const mac = anchorMac(key, row);
    await trx
      .insertInto('audit_chain_anchor')
      .values({ ...row, key_id: id, mac })
      .onConflict((oc) => oc.column('chain').doUpdateSet({ n, hash, purged_at: row.purged_at, key_id: id, mac }))
      .execute();
  }

  const log = {
    /** Installs the keys (at start, from VARNA_AUDIT_KEY and VARNA_OLD_AUDIT_KEYS). */
    useKeys(next: AuditKeys): void {
      if (!next.keys.get(next.currentId)) throw new Error(`audit key ${next.currentId} is not among the keys given`);
      keys = next;
    },
    get keyId(): string | undefined {
      return keys?.currentId;
    },

    /**
     * Appends to the subject's chain, in the caller's transaction. The head row is taken with an
     * upsert (created for a new subject), which locks that row alone until the commit.
     */
    async append(trx: Tx, entry: AuditEntry, now: Date): Promise<void> {
      const { id, key } = signing();
      const chain = chainOf(entry.subject);
      const head = await trx
        .insertInto('audit_head')
        .values({ chain, n: 0, hash: GENESIS })
        .onConflict((oc) => oc.column('chain').doUpdateSet((eb) => ({ n: eb.ref('audit_head.n') })))
        .returning(['n', 'hash'])
        .executeTakeFirstOrThrow();
      const row = {
        chain,
        n: head.n + 1,
        key_id: id,
        prev_hash: head.hash,
        at: iso(now),
        actor: entry.actor,
        action: entry.action,
        subject: entry.subject,
        outcome: entry.outcome,
        detail: JSON.stringify(entry.detail ?? {}),
      };
      const hash = entryMac(key, row);
      if (dialect === 'postgres') {
        // One round trip for the entry and its head.
        await trx
          .with('head', (q) => q.updateTable('audit_head').set({ n: row.n, hash }).where('chain', '=', chain).returning('chain'))
          .insertInto('audit')
          .values({ ...row, hash })
          .execute();
      } else {
        await trx
          .insertInto('audit')
          .values({ ...row, hash })
          .execute();
        await trx.updateTable('audit_head').set({ n: row.n, hash }).where('chain', '=', chain).execute();
      }
    },

    /**
     * Seals every chain's head: a new checkpoint when any head moved since the last one, else the
     * last one again. `rewound` names chains whose head is behind what the last checkpoint sealed
     * (entries removed since): they stay sealed as they were, so `check` reports them.
     */
    async checkpoint(now: Date): Promise<{ record: CheckpointRecord; created: boolean; rewound: string[]; sealsAltered: boolean }> {
      const { id: keyId, key } = signing();
      const result = await db.transaction().execute(async (trx) => {
        if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${CHECKPOINT_LOCK}::bigint)`.execute(trx);
        const last = await trx.selectFrom('audit_checkpoint').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
        let sealed: ChainState = new Map();
        let sealsAltered = false;
        if (last && sealedCache?.id === last.id) sealed = sealedCache.state;
        else if (last) {
          sealed = await sealsUpTo(trx, last.id);
          const lastKey = keys?.keys.get(last.key_id);
          sealsAltered = !lastKey || checkpointDigest(lastKey, toRecord(last), sealed) !== last.digest;
        }
        const heads = await trx.selectFrom('audit_head').select(['chain', 'n', 'hash']).execute();
        const moved: typeof heads = [];
        const rewound: string[] = [];
        for (const h of heads) {
          const s = sealed.get(h.chain);
          if (!s || h.n > s.n) moved.push(h);
          else if (h.n < s.n || h.hash !== s.hash) rewound.push(h.chain);
        }
        if (heads.length - moved.length < sealed.size) {
          const seen = new Set(heads.map((h) => h.chain));
          for (const chain of sealed.keys()) if (!seen.has(chain)) rewound.push(chain);
        }
        if (last && !moved.length) return { record: toRecord(last), created: false, rewound, sealsAltered, state: sealed };
        if (!last) {
          // The first checkpoint signs the anchors the migration carried over from the old scheme.
          for (const a of await trx.selectFrom('audit_chain_anchor').selectAll().where('mac', 'is', null).execute())
            await trx
              .updateTable('audit_chain_anchor')
              .set({ key_id: keyId, mac: anchorMac(key, a) })
              .where('chain', '=', a.chain)
              .execute();
        }
        const state: ChainState = new Map(sealed);
        for (const h of moved) state.set(h.chain, { n: h.n, hash: h.hash });
        const head = { checkpoint: (last?.id ?? 0) + 1, at: iso(now), ...summarize(state), keyId };
        const record: CheckpointRecord = { ...head, digest: checkpointDigest(key, head, state) };
        for (let i = 0; i < moved.length; i += 500) {
          await trx
            .insertInto('audit_seal')
            .values(moved.slice(i, i + 500).map((h) => ({ chain: h.chain, checkpoint: record.checkpoint, n: h.n, hash: h.hash })))
            .execute();
        }
        await trx
          .insertInto('audit_checkpoint')
          .values({
            id: record.checkpoint,
            at: record.at,
            chains: record.chains,
            entries: record.entries,
            key_id: keyId,
            digest: record.digest,
          })
          .execute();
        return { record, created: true, rewound, sealsAltered, state };
      });
      sealedCache = { id: result.record.checkpoint, state: result.state };
      return { record: result.record, created: result.created, rewound: result.rewound, sealsAltered: result.sealsAltered };
    },

    /**
     * Retention: removes the entries written before `cutoff` (each chain's oldest ones up to its
     * newest old entry), and signs the point each chain now starts from. Checkpoints older than the
     * newest one before the cutoff go too, with the seals only they needed. Returns entries removed.
     */
    async purge(cutoff: Date, now: Date): Promise<number> {
      signing();
      const before = iso(cutoff);
      return db.transaction().execute(async (trx) => {
        let removed = 0;
        const old = await trx
          .selectFrom('audit')
          .select(['seq', 'hash'])
          .where('chain', 'is', null)
          .where('at', '<', before)
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (old) {
          const res = await trx.deleteFrom('audit').where('chain', 'is', null).where('seq', '<=', old.seq).executeTakeFirst();
          removed += Number(res.numDeletedRows);
          await signAnchor(trx, OLD_CHAIN, old.seq, old.hash, now);
        }
        // Entries are appended in time order, so everything up to a chain's newest old one goes.
        const ends = await trx
          .selectFrom('audit')
          .select(['chain', (eb) => eb.fn.max('n').as('n')])
          .where('chain', 'is not', null)
          .where('at', '<', before)
          .groupBy('chain')
          .execute();
        for (const end of ends) {
          const chain = end.chain!;
          const n = Number(end.n);
          const last = await trx.selectFrom('audit').select('hash').where('chain', '=', chain).where('n', '=', n).executeTakeFirstOrThrow();
          const res = await trx.deleteFrom('audit').where('chain', '=', chain).where('n', '<=', n).executeTakeFirst();
          removed += Number(res.numDeletedRows);
          await signAnchor(trx, chain, n, last.hash, now);
        }
        const kept = await trx
          .selectFrom('audit_checkpoint')
          .select('id')
          .where('at', '<', before)
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (kept) {
          await trx
            .deleteFrom('audit_seal')
            .where('checkpoint', '<', kept.id)
            .where((eb) =>
              eb.exists(
                eb
                  .selectFrom('audit_seal as t')
                  .select('t.chain')
                  .whereRef('t.chain', '=', 'audit_seal.chain')
                  .whereRef('t.checkpoint', '>', 'audit_seal.checkpoint')
                  .where('t.checkpoint', '<=', kept.id),
              ),
            )
            .execute();
          await trx.deleteFrom('audit_checkpoint').where('id', '<', kept.id).execute();
        }
        return removed;
      });
    },

    /**
     * Checks every entry and chain, against the database's newest checkpoint and against `given`
     * (a checkpoint from the log or the checkpoint file), with the keys installed or `using`.
     * Names the first fault in each chain.
     */
    async check({ checkpoint: given, using = keys }: { checkpoint?: CheckpointRecord; using?: AuditKeys } = {}): Promise<AuditCheck> {
      const findings: AuditFinding[] = [];
      const checkpoints: AuditCheck['checkpoints'] = [];
      const sealedStates: Array<{ record: CheckpointRecord; state: ChainState }> = [];
      const unknownKeys = new Map<string, number>();
      const keyFor = (id: string) => using?.keys.get(id);

      // 1. The checkpoints: the database's newest must match its own digest; the one given must be
      //    there and match what the database says it sealed.
      const latestRow = await db.selectFrom('audit_checkpoint').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
      const latest = latestRow && toRecord(latestRow);
      const digestOf = (record: CheckpointRecord, state: ChainState): string | undefined => {
        const key = keyFor(record.keyId);
        return key && checkpointDigest(key, record, state);
      };
      const givenIsLatest =
        !!latest && !!given && given.checkpoint === latest.checkpoint && given.digest === latest.digest && given.at === latest.at;
      if (latest) {
        const state = await sealsUpTo(db, latest.checkpoint);
        const digest = digestOf(latest, state);
        checkpoints.push({ ...latest, source: givenIsLatest ? 'both' : 'database' });
        if (!digest)
          findings.push({
            kind: 'unknownKey',
            message: `checkpoint ${latest.checkpoint} is signed with audit key "${latest.keyId}", which is not configured (VARNA_AUDIT_KEY / VARNA_OLD_AUDIT_KEYS)`,
          });
        else if (digest !== latest.digest)
          findings.push({
            kind: 'checkpoint',
            message: `checkpoint ${latest.checkpoint} in the database (${latest.at}) does not match its digest: the checkpoint or the chain heads it sealed were altered`,
          });
        else sealedStates.push({ record: latest, state });
      }
      if (given && !givenIsLatest) {
        const row = await db.selectFrom('audit_checkpoint').selectAll().where('id', '=', given.checkpoint).executeTakeFirst();
        const state = await sealsUpTo(db, given.checkpoint);
        const digest = digestOf(given, state);
        checkpoints.push({ ...given, source: 'given' });
        const what = `checkpoint ${given.checkpoint} (${given.at}: ${given.entries} entries in ${given.chains} chains)`;
        if (!digest)
          findings.push({ kind: 'unknownKey', message: `${what} is signed with audit key "${given.keyId}", which is not configured` });
        else if (digest === given.digest) sealedStates.push({ record: given, state });
        else if (!row && (!latest || given.checkpoint > latest.checkpoint))
          findings.push({
            kind: 'checkpoint',
            message: `${what} is missing from the database, whose newest is ${latest ? `checkpoint ${latest.checkpoint} (${latest.at})` : 'none'}: checkpoints and entries written since were removed`,
          });
        else if (!row)
          findings.push({
            kind: 'checkpoint',
            message: `${what} is no longer in the database (retention keeps checkpoints from its cutoff on): give a newer one`,
          });
        else
          findings.push({
            kind: 'checkpoint',
            message: `${what} does not match the database's record of it: entries it sealed were removed or altered, and so was the record of what it sealed`,
          });
      }

      // 2. Every chain, entry by entry.
      const heads: ChainState = new Map(
        (await db.selectFrom('audit_head').select(['chain', 'n', 'hash']).execute()).map((h) => [h.chain, { n: h.n, hash: h.hash }]),
      );
      const anchors = new Map((await db.selectFrom('audit_chain_anchor').selectAll().execute()).map((a) => [a.chain, a]));
      for (const a of anchors.values()) {
        const key = a.key_id ? keyFor(a.key_id) : undefined;
        if (a.mac === null && a.key_id === null && !latest) continue; // carried over by the migration, signed by the first checkpoint
        if (!key)
          findings.push({
            kind: a.key_id ? 'unknownKey' : 'anchor',
            chain: a.chain,
            message: `the start of ${quote(a.chain)} after retention (#${a.n}) is ${a.key_id ? `signed with audit key "${a.key_id}", which is not configured` : 'not signed'}`,
          });
        else if (anchorMac(key, a) !== a.mac)
          findings.push({
            kind: 'anchor',
            chain: a.chain,
            message: `the start of ${quote(a.chain)} after retention was altered: entries before it may have been removed`,
          });
      }
      /** Positions whose hash a checkpoint sealed, per chain. */
      const wanted = new Map<string, Set<number>>();
      for (const { state } of sealedStates)
        for (const [chain, s] of state) (wanted.get(chain) ?? wanted.set(chain, new Set()).get(chain)!).add(s.n);

      interface Walk {
        chain: string;
        expected: number;
        prev: string;
        lastSeq: number;
        last?: { n: number; hash: string; seq: number };
        faulty: boolean;
        seen: Map<number, string>;
      }
      const start = (chain: string): Walk => {
        const a = anchors.get(chain);
        return { chain, expected: a ? a.n + 1 : 1, prev: a ? a.hash : GENESIS, lastSeq: -Infinity, faulty: false, seen: new Map() };
      };
      const fault = (w: Walk, f: AuditFinding) => {
        if (w.faulty) return;
        w.faulty = true;
        findings.push(f);
      };
      const visited = new Set<string>();
      const finish = (w: Walk) => {
        visited.add(w.chain);
        const end =
          w.last ?? (anchors.has(w.chain) ? { n: anchors.get(w.chain)!.n, hash: anchors.get(w.chain)!.hash, seq: undefined } : undefined);
        const endN = end?.n ?? 0;
        const head = heads.get(w.chain);
        if (!head && end) fault(w, { kind: 'head', chain: w.chain, message: `${quote(w.chain)} has no head row: its head was removed` });
        else if (head && head.n > endN)
          fault(w, {
            kind: 'missing',
            chain: w.chain,
            ...(w.last ? { seq: w.last.seq } : {}),
            message: `${quote(w.chain)}: entries ${range(endN + 1, head.n)} are missing (its head records ${head.n} entries; the last one left is #${endN})`,
          });
        else if (head && (head.n < endN || head.hash !== end?.hash))
          fault(w, {
            kind: 'head',
            chain: w.chain,
            message: `${quote(w.chain)}: its head (#${head.n}) does not match its newest entry (#${endN}): the head row was altered`,
          });
        for (const { record, state } of sealedStates) {
          const s = state.get(w.chain);
          if (!s) continue;
          const a = anchors.get(w.chain);
          const at = `checkpoint ${record.checkpoint} (${record.at})`;
          if (a && a.n >= s.n) {
            if (a.n === s.n && a.hash !== s.hash)
              fault(w, {
                kind: 'anchor',
                chain: w.chain,
                message: `${quote(w.chain)}: the start after retention is not the entry ${at} sealed`,
              });
          } else if (endN < s.n)
            fault(w, {
              kind: 'missing',
              chain: w.chain,
              ...(w.last ? { seq: w.last.seq } : {}),
              message: `${quote(w.chain)}: entries ${range(endN + 1, s.n)} are missing: ${at} sealed ${s.n} entries of it`,
            });
          else if (w.seen.get(s.n) !== s.hash)
            fault(w, {
              kind: 'altered',
              chain: w.chain,
              message: `${quote(w.chain)}: entry #${s.n} is not the one ${at} sealed: it was replaced`,
            });
        }
      };
      const record = (w: Walk, n: number, hash: string) => {
        if (wanted.get(w.chain)?.has(n)) w.seen.set(n, hash);
      };

      let entries = 0;
      let oldEntries = 0;
      // The old chain (plain SHA-256, by seq): checked as before 0080, and it must end at its head.
      {
        const w = start(OLD_CHAIN);
        const oldHead = heads.get(OLD_CHAIN);
        for (let after = 0; ;) {
          const rows = await db
            .selectFrom('audit')
            .selectAll()
            .where('chain', 'is', null)
            .where('seq', '>', after)
            .orderBy('seq')
            .limit(PAGE)
            .execute();
          for (const r of rows) {
            entries++;
            oldEntries++;
            after = r.seq;
            if (r.key_id !== null || r.n !== null)
              fault(w, {
                kind: 'altered',
                seq: r.seq,
                chain: OLD_CHAIN,
                message: `entry ${r.seq} was altered: it is neither of the old scheme nor in a chain`,
              });
            else if (oldHead && r.seq > oldHead.n)
              fault(w, {
                kind: 'altered',
                seq: r.seq,
                chain: OLD_CHAIN,
                message: `entry ${r.seq} claims the old unkeyed scheme, which ended at entry ${oldHead.n}: it was altered or forged`,
              });
            else if (r.seq !== w.expected)
              fault(w, {
                kind: 'missing',
                seq: r.seq,
                chain: OLD_CHAIN,
                message: `${quote(OLD_CHAIN)}: entries ${range(w.expected, r.seq - 1)} are missing (before entry ${r.seq})`,
              });
            else if (r.prev_hash !== w.prev || unkeyedHash(w.prev, r.seq, r) !== r.hash)
              fault(w, {
                kind: 'altered',
                seq: r.seq,
                chain: OLD_CHAIN,
                message: `entry ${r.seq} (${r.at}, ${r.action}) was altered, or one before it was (old unkeyed chain)`,
              });
            record(w, r.seq, r.hash);
            w.prev = r.hash;
            w.expected = r.seq + 1;
            w.last = { n: r.seq, hash: r.hash, seq: r.seq };
          }
          if (rows.length < PAGE) break;
        }
        if (w.last || heads.has(OLD_CHAIN) || anchors.has(OLD_CHAIN)) finish(w);
      }

      // The keyed chains, by chain and position.
      let w: Walk | undefined;
      for (let after: { chain: string; n: number } | undefined; ;) {
        const cursor = after;
        const rows = await db
          .selectFrom('audit')
          .selectAll()
          .where('chain', 'is not', null)
          .$if(!!cursor, (q) => q.where((eb) => eb(eb.refTuple('chain', 'n'), '>', eb.tuple(cursor!.chain, cursor!.n))))
          .orderBy('chain')
          .orderBy('n')
          .limit(PAGE)
          .execute();
        for (const r of rows) {
          entries++;
          const chain = r.chain!;
          const n = r.n ?? 0;
          after = { chain, n };
          if (w?.chain !== chain) {
            if (w) finish(w);
            w = start(chain);
          }
          const key = r.key_id === null ? undefined : keyFor(r.key_id);
          const at = `entry ${r.seq} (${quote(chain)} #${n}, ${r.at}, ${r.action})`;
          if (r.key_id === null)
            fault(w, {
              kind: 'altered',
              seq: r.seq,
              chain,
              message: `${at} was altered: it is in a chain but claims the old unkeyed scheme`,
            });
          else if (n > w.expected)
            fault(w, {
              kind: 'missing',
              seq: r.seq,
              chain,
              message: `${quote(chain)}: entries ${range(w.expected, n - 1)} are missing (before entry ${r.seq})`,
            });
          else if (n < w.expected) fault(w, { kind: 'altered', seq: r.seq, chain, message: `${at} was altered: its position is taken` });
          else if (!key) unknownKeys.set(r.key_id, (unknownKeys.get(r.key_id) ?? 0) + 1);
          else if (entryMac(key, r) !== r.hash) {
            // Written for another position of the chain? Then it was moved, not edited.
            const from = [1, -1, 2, -2, 3, -3, 4, -4, 5, -5]
              .map((d) => n + d)
              .find((m) => m > 0 && entryMac(key, { ...r, n: m }) === r.hash);
            if (from !== undefined)
              fault(w, {
                kind: 'reordered',
                seq: r.seq,
                chain,
                message: `${at} was written as #${from} of its chain: entries of ${quote(chain)} were reordered`,
              });
            else fault(w, { kind: 'altered', seq: r.seq, chain, message: `${at} was altered: it does not match its HMAC` });
          } else if (r.prev_hash !== w.prev)
            fault(w, { kind: 'altered', seq: r.seq, chain, message: `${at} does not follow the entry before it: that one was replaced` });
          else if (r.seq < w.lastSeq)
            fault(w, {
              kind: 'reordered',
              seq: r.seq,
              chain,
              message: `${at} is listed before the entry it follows (entry ${w.lastSeq}): the entries' sequence numbers were swapped or altered`,
            });
          record(w, n, r.hash);
          w.prev = r.hash;
          w.expected = n + 1;
          w.lastSeq = Math.max(w.lastSeq, r.seq);
          w.last = { n, hash: r.hash, seq: r.seq };
        }
        if (rows.length < PAGE) break;
      }
      if (w) finish(w);
      // Chains with a head, an anchor or a seal but no entry left.
      const others = new Set([...heads.keys(), ...anchors.keys()]);
      for (const { state } of sealedStates) for (const chain of state.keys()) others.add(chain);
      for (const chain of others) if (!visited.has(chain)) finish(start(chain));

      for (const [id, count] of unknownKeys)
        findings.push({
          kind: 'unknownKey',
          message: `${count} entries are signed with audit key "${id}", which is not configured (add it to VARNA_OLD_AUDIT_KEYS to check them)`,
        });
      findings.sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
      return { ok: findings.length === 0, entries, oldEntries, chains: visited.size, checkpoints, findings };
    },

    /** The whole log checked, in the shape callers had before checkpoints: the first faulty entry's seq (0 when none is). */
    async verify(): Promise<{ ok: true; entries: number } | { ok: false; brokenAt: number }> {
      const result = await log.check();
      if (result.ok) return { ok: true, entries: result.entries };
      return { ok: false, brokenAt: result.findings.find((f) => f.seq !== undefined)?.seq ?? 0 };
    },

    latestCheckpoint: async (): Promise<CheckpointRecord | undefined> => {
      const row = await db.selectFrom('audit_checkpoint').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row && toRecord(row);
    },

    forSubject: (subject: string) => db.selectFrom('audit').selectAll().where('subject', '=', subject).orderBy('seq').execute(),
  };
  return log;
}
export type AuditLog = ReturnType<typeof makeAuditLog>;
