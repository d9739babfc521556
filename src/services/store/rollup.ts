import type { Tx } from './db';

/**
 * The statistics roll-up's rows (src/services/stat-rollup.ts works out what they hold). Every
 * function takes the executor first: the store's handle or the caller's transaction.
 */

/**
 * The kv row a migration writes when the roll-up is to be filled again from the rows once every
 * migration has run (0170 writes it as a literal: keep the two the same).
 */
const ROLLUP_REBUILD = 'varna:rollup-rebuild-needed';

/** Has a migration asked for the roll-up to be filled again from the rows? */
export async function rebuildRequested(db: Tx): Promise<boolean> {
  return (await db.selectFrom('kv').select('key').where('key', '=', ROLLUP_REBUILD).executeTakeFirst()) !== undefined;
}

/** The request is done (in the transaction of the fill). */
export async function clearRebuildRequest(db: Tx): Promise<void> {
  await db.deleteFrom('kv').where('key', '=', ROLLUP_REBUILD).execute();
}
