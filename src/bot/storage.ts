import type { Storage, StoreItems } from 'botbuilder';
import type { Clock } from '../services/clock';
import type { Store } from '../services/store';

/**
 * teams-ai turn state on the Värna store, so conversation state survives restarts and is shared
 * by every instance. Optimistic concurrency through eTags, as botbuilder's storages do.
 */
export class StoreStorage implements Storage {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async read(keys: string[]): Promise<StoreItems> {
    const rows = await this.store.kv.read(keys);
    const items: StoreItems = {};
    for (const [key, row] of rows) items[key] = { ...(JSON.parse(row.value) as object), eTag: row.etag };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...value } = (item ?? {}) as { eTag?: string };
      const result = await this.store.kv.write(key, JSON.stringify(value), eTag, this.clock.now());
      if (result === 'conflict') throw new Error(`Storage: eTag conflict for a state key`);
    }
  }

  async delete(keys: string[]): Promise<void> {
    await this.store.kv.delete(keys);
  }
}
