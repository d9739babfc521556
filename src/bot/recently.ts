import type { Clock } from '../services/clock';

/**
 * What this process saw stored a moment ago, by key, so that a turn need not read it again: a chat
 * is many messages, and each would otherwise ask the store the same question (is the 1:1 reference
 * current? is the user's language remembered?). A value counts for `ttlMs`; after that the store
 * is asked again, so a row changed or removed elsewhere (another instance, retention) is noticed
 * within that time. At most `max` keys; when full, it starts over.
 */
export function recentlyStored<V>(clock: Clock, ttlMs: number, max = 10_000) {
  const seen = new Map<string, { value: V; at: number }>();
  return {
    /** True when `value` was seen stored under `key` within the last ttlMs. */
    holds(key: string, value: V): boolean {
      const entry = seen.get(key);
      return !!entry && entry.value === value && clock.now().getTime() - entry.at < ttlMs;
    },
    remember(key: string, value: V): void {
      if (seen.size >= max && !seen.has(key)) seen.clear();
      seen.set(key, { value, at: clock.now().getTime() });
    },
    forget(key: string): void {
      seen.delete(key);
    },
  };
}
