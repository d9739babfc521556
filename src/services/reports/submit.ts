/**
 * "Skicka": a complete draft becomes a report. Stored encrypted with its own data key; the channel
 * card to the intake unit queued in the outbox in the same transaction (the card is sent by
 * src/bot/delivery.ts); the draft deleted; the act audited. The report itself is reports/submission.ts.
 */
import type { Config } from '../../config';
import type { Logger } from '../../log';
import type { Actor, Locale } from '../actor';
import type { Clock } from '../clock';
import type { Cipher } from '../crypto';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { Directory } from '../municipality';
import type { Outbox } from '../outbox';
import type { Draft, Drafts } from './drafts';
import { checkPersonnummer, isComplete, missingSteps, type ReportContent } from './model';
import type { Records } from './records';
import { newReport, referenceOf, referenceYear } from './submission';
import { reporterRoleGroup } from '../reporter-role';
import { markLedToReport, trackReport } from '../stat-rollup';
import { newId, type Store } from '../store';
import * as reportRows from '../store/reports';
import type { Report } from './report';

/** The outbox message that carries the channel card to the intake unit. */
export const channelCardKind = 'report.channelCard';

export interface SubmitDeps {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  cipher: Cipher;
  directory: Directory;
  outbox: Outbox;
  records: Records;
  drafts: Drafts;
}

const isUnique = (error: unknown) => /unique|duplicate/i.test((error as Error).message ?? '');

export function makeSubmit({ config, store, clock, log, cipher, directory, outbox, records, drafts }: SubmitDeps) {
  return {
    /**
     * Submits the report. Idempotent: the draft id is the submission key, so a double press or a
     * Teams retry returns the one report. Stored encrypted, the channel card queued in the outbox in
     * the same transaction, the draft deleted, the act audited.
     */
    async submit(actor: Actor, draftId: string, locale: Locale): Promise<{ report: Report; created: boolean }> {
      const existing = await reportRows.reportOfSubmission(store.db, draftId);
      if (existing) {
        if (existing.reporterAad !== actor.aadObjectId) return records.refuse(actor, 'report', 'report.submit', existing.reference);
        return { report: existing, created: false };
      }
      let draft: Draft;
      try {
        draft = await drafts.get(actor, draftId);
      } catch (error) {
        // A second press that lost the race: the first submit deleted the draft as it stored the
        // report, after this press looked for the report. It gets the one report, like any repeat.
        const winner = error instanceof NotFoundError && (await reportRows.reportOfSubmission(store.db, draftId));
        if (winner && winner.reporterAad === actor.aadObjectId) return { report: winner, created: false };
        throw error;
      }
      if (!isComplete(draft.content))
        throw new ValidationError(Object.fromEntries(missingSteps(draft.content).map((s) => [s, 'required'])));
      const c = draft.content;
      const school = directory.school(c.child.schoolId);
      const unit = school && directory.intakeUnitFor(school.id);
      if (!school || !unit) throw new ValidationError({ schoolId: 'unknownSchool' });
      const now = clock.now();
      const pnr = c.child.pnr ? checkPersonnummer(c.child.pnr, now) : undefined;
      const content: ReportContent = {
        acute: c.acute,
        child: { ...c.child, ...(pnr?.ok ? { pnrNormalized: pnr.normalized, coordinationNumber: pnr.coordination } : {}) },
        guardians: c.guardians,
        concern: c.concern,
        reporter: { ...c.reporter, aadObjectId: actor.aadObjectId },
        wishes: c.wishes,
      };
      const id = newId(now);
      const { key, wrapped } = cipher.newDataKey(id);
      let report: Report;
      try {
        report = await store.transaction(async (trx) => {
          const again = await reportRows.reportOfSubmission(trx, draftId);
          if (again) throw new ConflictError('alreadySubmitted');
          const row = newReport(
            {
              id,
              draftId,
              locale,
              content,
              school,
              unit,
              child: pnr?.ok ? { key: cipher.keyedHash('child', pnr.normalized), indexKeyId: cipher.indexKeyId } : undefined,
              sealed: cipher.seal(key, content, `report:${id}`),
              draftStartedAt: draft.createdAt,
              schoolHolidays: directory.municipality.schoolHolidays,
              // Only the group is stored, never the role's text.
              roleGroup: reporterRoleGroup(directory.schoolsOfPrincipal(actor.aadObjectId).length, c.reporter.reporterRole),
              // Under every configured index key: during a rotation earlier reports may carry the old one's hash.
              repeatChild: pnr?.ok ? await reportRows.anyReportOnChild(trx, cipher.keyedHashes('child', pnr.normalized), now) : false,
            },
            now,
          );
          // No row here is one that every submit writes: the reference is a sequence's number on
          // PostgreSQL (the counter row on SQLite, one writer anyway), the figures are recorded as
          // rows of their own (stat-rollup.ts) and the audit chain is the report's own.
          await store.dataKeys.put(trx, id, wrapped.masterKeyId, wrapped.wrapped, now);
          await reportRows.addReportEvent(trx, id, {
            at: now,
            actorAad: actor.aadObjectId,
            actorName: '',
            kind: 'submitted',
            detail: { acute: row.acute },
          });
          await outbox.enqueue(
            trx,
            {
              dedupeKey: `report:${id}:channel`,
              target: { kind: 'channel', unitId: unit.id, channel: 'reports' },
              message: { kind: channelCardKind, reportId: id },
              deadlineAt: new Date(now.getTime() + config.env.VARNA_DELIVERY_DEADLINE_MINUTES * 60_000),
            },
            now,
          );
          // Deleted by a concurrent submit of the same draft (a double press, on PostgreSQL): that
          // one has the report. Stopping before the reference keeps its number unused by a rollback.
          if (!(await reportRows.deleteDraft(trx, draftId))) throw new ConflictError('alreadySubmitted');
          await store.dataKeys.destroy(trx, [draftId]);
          const year = referenceYear(now);
          row.reference = referenceOf(year, await store.references.nextReportNumber(trx, year));
          await trackReport(trx, id, () => reportRows.addReport(trx, row));
          if (draft.content.fromConsultation) await markLedToReport(trx, draft.content.fromConsultation, now);
          await store.audit.append(
            trx,
            {
              actor: actor.aadObjectId,
              action: 'report.submitted',
              subject: row.reference,
              outcome: 'allowed',
              detail: { school: school.id, unit: unit.id },
            },
            now,
          );
          return row;
        });
      } catch (error) {
        if (error instanceof ConflictError || isUnique(error)) {
          const winner = await reportRows.reportOfSubmission(store.db, draftId);
          if (winner) return { report: winner, created: false };
        }
        throw error;
      }
      log.info(
        { event: 'report.submitted', reference: report.reference, school: report.schoolId, unit: report.intakeUnitId },
        'report submitted',
      );
      outbox.wake();
      return { report, created: true };
    },
  };
}
