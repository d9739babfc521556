/**
 * What the report use cases share about a record (a draft or a report): its data key, and the
 * refusal of someone who is not its owner.
 */
import type { Logger } from '../../log';
import type { Actor } from '../actor';
import type { Clock } from '../clock';
import type { Cipher } from '../crypto';
import { NotFoundError } from '../errors';
import type { Store, Tx } from '../store';

export interface RecordsDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  cipher: Cipher;
}

export function makeRecords({ store, clock, log, cipher }: RecordsDeps) {
  async function keyFor(recordId: string, trx: Tx = store.db): Promise<Buffer> {
    const row = await store.dataKeys.get(recordId, trx);
    if (!row) throw new NotFoundError('data key', recordId);
    return cipher.unwrap(recordId, { masterKeyId: row.master_key_id, wrapped: row.wrapped });
  }

  /**
   * Someone tried to reach a draft or report that is not theirs. The answer stays "not found"
   * (which reveals nothing), but the attempt is audited like every other refusal.
   */
  async function refuse(actor: Actor, what: 'draft' | 'report', action: string, subject: string): Promise<never> {
    await store.transaction((trx) =>
      store.audit.append(trx, { actor: actor.aadObjectId, action, subject, outcome: 'refused' }, clock.now()),
    );
    log.warn({ event: 'access.refused', action }, 'refused: not the owner');
    throw new NotFoundError(what, subject);
  }

  return { keyFor, refuse };
}
export type Records = ReturnType<typeof makeRecords>;
