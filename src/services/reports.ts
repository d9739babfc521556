import type { Config } from '../config';
import type { Logger } from '../log';
import type { Actor } from './actor';
import type { Clock } from './clock';
import type { Cipher } from './crypto';
import { NotAllowedError, NotFoundError } from './errors';
import { memberUnits, referenceSubject } from './intake/access';
import type { Directory } from './municipality';
import type { Outbox } from './outbox';
import { makeDrafts } from './reports/drafts';
import type { Report } from './reports/report';
import { steps, type ReportContent } from './reports/model';
import { makeRecords } from './reports/records';
import { makeSubmit } from './reports/submit';
import type { Store, Tx } from './store';
import * as reportRows from './store/reports';

export type { Draft, Profile } from './reports/drafts';
export { channelCardKind } from './reports/submit';

export interface ReportsDeps {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  cipher: Cipher;
  directory: Directory;
  outbox: Outbox;
}

export type { Report } from './reports/report';

export const deliveryDelayedKind = 'report.deliveryDelayed';

/**
 * The report path, from the teacher's side and for intake's reading: the form (reports/drafts.ts),
 * "Skicka" (reports/submit.ts), and here the report once it exists: found, opened by the intake
 * team (audited), its channel card's place, a delivery that came too late.
 */
export function makeReports({ config, store, clock, log, cipher, directory, outbox }: ReportsDeps) {
  const records = makeRecords({ store, clock, log, cipher });
  const drafts = makeDrafts({ store, clock, log, cipher, directory, records });
  const { submit } = makeSubmit({ config, store, clock, log, cipher, directory, outbox, records, drafts });

  const service = {
    ...drafts,
    submit,

    byReference: (reference: string) => reportRows.reportByReference(store.db, reference),
    byId: (id: string) => reportRows.reportById(store.db, id),

    /** The report's content: only for the reporter's own receipt, or intake through `open`. */
    async content(report: Report): Promise<ReportContent> {
      if (!report.sealed) throw new NotFoundError('report content (purged)', report.reference);
      return cipher.open<ReportContent>(await records.keyFor(report.id), report.sealed, `report:${report.id}`);
    },

    /**
     * The full report, for a member of the intake team that received it. Every opening and every
     * refusal is written to the audit log. Membership is asked first, of every intake unit's team:
     * a reference that does not exist and one that is not the actor's to open get the same
     * refusal (NotAllowedError), so a non-member cannot tell which references exist.
     */
    async open(
      actor: Actor,
      reference: string,
      isMemberOfUnitTeam: (teamId: string) => Promise<boolean>,
      purpose: 'view' | 'export' = 'view',
    ): Promise<{ report: Report; content: ReportContent; earlier: Report[] }> {
      const units = await memberUnits(directory, isMemberOfUnitTeam);
      const found = units.size > 0 ? await service.byReference(reference) : undefined;
      const report = found && units.has(found.intakeUnitId) ? found : undefined;
      await store.transaction((trx) =>
        store.audit.append(
          trx,
          {
            actor: actor.aadObjectId,
            action: `report.${purpose}`,
            subject: referenceSubject(reference),
            outcome: report ? 'allowed' : 'refused',
          },
          clock.now(),
        ),
      );
      if (!report) {
        log.warn(
          { event: 'report.open.refused', reference: referenceSubject(reference), user: actor.aadObjectId },
          'full report refused: not in the intake team',
        );
        throw new NotAllowedError(`report.${purpose}`);
      }
      // Earlier reports on the same child (keyed hash, never in clear) from the last 12 months, of
      // those Värna still holds: purging clears the hash `reportDaysAfterHandover` days after the
      // decision (retention.ts). The card's label names that period; the case system has the rest.
      const content = await service.content(report);
      // Under every configured index key: during a rotation some reports still carry the old one's hash.
      const childKeys =
        report.childKey && content.child.pnrNormalized
          ? [report.childKey, ...cipher.keyedHashes('child', content.child.pnrNormalized)]
          : [];
      const earlier = childKeys.length ? await reportRows.earlierReportsOnChild(store.db, report, childKeys) : [];
      return { report, content, earlier };
    },

    /** Remembers where the channel card landed, so it can be updated and threaded. */
    async channelCardSent(reportId: string, conversationId: string | undefined, activityId: string | undefined, trx: Tx): Promise<void> {
      await reportRows.recordChannelCard(trx, reportId, conversationId ?? null, activityId ?? null);
    },

    /** The channel card did not arrive in time: the teacher must phone the intake unit. */
    async deliveryDelayed(reportId: string): Promise<void> {
      const report = await service.byId(reportId);
      if (!report) return;
      const now = clock.now();
      await store.transaction((trx) =>
        outbox.enqueue(
          trx,
          {
            dedupeKey: `report:${reportId}:delayed`,
            target: { kind: 'user', aadObjectId: report.reporterAad },
            message: { kind: deliveryDelayedKind, reportId },
          },
          now,
        ),
      );
      outbox.wake();
    },

    /** The record's data key (for intake's sealed notes on the same report). */
    keyFor: records.keyFor,
    steps,
  };
  return service;
}
export type Reports = ReturnType<typeof makeReports>;
