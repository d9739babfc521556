import type { Clock } from './clock';
import { referenceSubject } from './intake/access';
import type { Store } from './store';

/**
 * The audit of downloads that no other service records: refused links (counted a minute at a time), a report export refused because Teams
 * could not say whether the holder of a valid link is in the intake team (reports.open audits the
 * rest), and every statistics download with a valid link. Who, what and the format; never content.
 */
export function makeExports({ store, clock }: { store: Store; clock: Clock }) {
  return {
    /** The refused downloads of a minute (wrong or expired links), counted as one entry by the bot's download guard. */
    async refusedCounted(detail: Record<string, string | number>): Promise<void> {
      await store.transaction((trx) =>
        store.audit.append(
          trx,
          { actor: 'anonymous', action: 'export.refused', subject: 'exports', outcome: 'refused', detail },
          clock.now(),
        ),
      );
    },

    /** Fails closed: the download is refused, and the refusal audited. */
    async teamsUnavailable(user: string, reference: string, format: 'json' | 'pdf'): Promise<void> {
      await store.transaction((trx) =>
        store.audit.append(
          trx,
          {
            actor: user,
            action: 'report.export',
            subject: referenceSubject(reference),
            outcome: 'refused',
            detail: { format, why: 'teamsUnavailable' },
          },
          clock.now(),
        ),
      );
    },

    /** A statistics download with a valid link: allowed (the statistics role, a principal) or refused. */
    async statistics(user: string, file: string, format: 'csv' | 'xlsx' | 'pdf', allowed: boolean): Promise<void> {
      await store.transaction((trx) =>
        store.audit.append(
          trx,
          { actor: user, action: 'statistics.export', subject: file, outcome: allowed ? 'allowed' : 'refused', detail: { format } },
          clock.now(),
        ),
      );
    },
  };
}
export type Exports = ReturnType<typeof makeExports>;
