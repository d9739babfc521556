import type { Config } from '../config';
import type { Logger } from '../log';
import type { Actor } from './actor';
import type { Clock } from './clock';
import type { Cipher } from './crypto';
import { ConflictError, NotAllowedError, NotFoundError } from './errors';
import { trackReport } from './stat-rollup';
import { memberUnits, referenceSubject } from './intake/access';
import { makeIntakeAlerts } from './intake/alerts';
import { clocksOf, type ClockState } from './intake/clocks';
import {
  assessProtection,
  checkDecisionDate,
  inappropriateReason,
  markFeedbackInappropriate,
  offerJointMeeting,
  recordDecision,
  registerByExport,
  registerReport,
  requestFeedbackLater,
  takeReport,
  handlerPhoneOf,
  type DecisionInput,
  type EventDetail,
  type IntakeAction,
  type Transition,
} from './intake/transitions';
import { feedbackKind, feedbackTarget, type FeedbackMessage, type PermittedFeedback } from './feedback';
import type { Directory } from './municipality';
import type { Outbox } from './outbox';
import type { Report, Reports } from './reports';
import type { Store, Tx } from './store';
import * as reportRows from './store/reports';
import * as userRows from './store/users';

export type { ClockState } from './intake/clocks';
export { ACUTE_ALERT_HOURS, ACUTE_REPEAT_MS, type IntakeAction, type Outcome } from './intake/transitions';
export type IsMember = (teamId: string) => Promise<boolean>;
export { acuteAlertKind, alertKind, onCallAlertKind } from './intake/alerts';

export interface HistoryEntry {
  at: Date;
  who: string;
  kind: string;
  detail: EventDetail;
}

export interface IntakeDeps {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  cipher: Cipher;
  directory: Directory;
  outbox: Outbox;
  reports: Reports;
}

/**
 * The intake team's work on a report, from its card: take it, record the protection assessment and
 * the decision, mark feedback inappropriate, offer a joint meeting. Only members of the receiving
 * unit's team may act; every action and every refusal is audited; what reaches the reporter is the
 * closed set of PermittedFeedback, in their 1:1 chat only. The rules of each change are pure
 * functions (intake/transitions.ts); this module loads, applies one, and saves.
 */
export function makeIntake({ config, store, clock, log, cipher, directory, outbox, reports }: IntakeDeps) {
  async function load(reference: string): Promise<Report> {
    const report = await reports.byReference(reference);
    if (!report) throw new NotFoundError('report', reference);
    return report;
  }

  /**
   * The report, for a member of its intake unit's team. Membership is asked first, of every unit's
   * team, so a reference that does not exist and one of another unit get the same refusal
   * (audited); a non-member cannot tell which references exist.
   */
  async function loadAs(actor: Actor, reference: string, action: IntakeAction, isMember: IsMember): Promise<Report> {
    const units = await memberUnits(directory, isMember);
    const report = units.size > 0 ? await reports.byReference(reference) : undefined;
    if (report && units.has(report.intakeUnitId)) return report;
    const subject = referenceSubject(reference);
    await store.transaction((trx) =>
      store.audit.append(trx, { actor: actor.aadObjectId, action: `intake.${action}`, subject, outcome: 'refused' }, clock.now()),
    );
    log.warn(
      { event: 'intake.refused', action, reference: subject, user: actor.aadObjectId },
      'intake action refused: not in the intake team',
    );
    throw new NotAllowedError(`intake.${action}`);
  }

  async function sendFeedback(trx: Tx, report: Report, feedback: PermittedFeedback, now: Date): Promise<void> {
    const message: FeedbackMessage = { kind: feedbackKind, reportId: report.id, feedback };
    const key = feedback.kind === 'investigation' ? 'investigation' : feedback.kind === 'received' ? 'received' : 'meeting';
    await outbox.enqueue(trx, { dedupeKey: `feedback:${report.id}:${key}`, target: feedbackTarget(report), message }, now);
  }

  /**
   * Saves a change to the report made from `report` (optimistic version check: ConflictError
   * 'changed' when someone else changed it since), with its history entry, intake's sealed note and
   * any feedback, in the caller's transaction. Returns the report as stored.
   */
  async function save(trx: Tx, report: Report, change: Transition, actorAad: string, actorName: string, now: Date): Promise<Report> {
    return trackReport(trx, report.id, async () => {
      if (!(await reportRows.saveIfUnchanged(trx, report.id, report.version, change.changes))) throw new ConflictError('changed');
      await reportRows.addReportEvent(trx, report.id, {
        at: now,
        actorAad,
        actorName,
        kind: change.event.kind,
        detail: change.event.detail,
      });
      if (change.note !== undefined) {
        const sealed = cipher.seal(await reports.keyFor(report.id, trx), change.note, `note:${report.id}`);
        await reportRows.addIntakeNote(trx, report.id, { at: now, actorAad, kind: change.event.kind, sealed });
      }
      if (change.feedback) await sendFeedback(trx, change.report, change.feedback, now);
      return storedReport(trx, report.id);
    });
  }

  async function storedReport(trx: Tx, id: string): Promise<Report> {
    const stored = await reportRows.reportById(trx, id);
    if (!stored) throw new NotFoundError('report', id);
    return stored;
  }

  /**
   * One intake action on a report the actor may act on: apply the change, then save it with its
   * audit entry in one transaction.
   */
  async function act(actor: Actor, report: Report, action: IntakeAction, apply: (r: Report, now: Date) => Transition): Promise<Report> {
    const now = clock.now();
    const change = apply(report, now);
    const { detail } = change.event;
    const updated = await store.transaction(async (trx) => {
      // The report's own audit chain first: only another action on this report waits for it. The
      // roll-up's rows, which every report shares, come last so they are held only until the commit.
      await store.audit.append(
        trx,
        {
          actor: actor.aadObjectId,
          action: `intake.${action}`,
          subject: report.reference,
          outcome: 'allowed',
          detail: Object.fromEntries(Object.entries(detail).filter(([, v]) => typeof v !== 'object')) as Record<string, string>,
        },
        now,
      );
      return save(trx, report, change, actor.aadObjectId, actor.name, now);
    });
    log.info({ event: `intake.${action}`, reference: report.reference, user: actor.aadObjectId }, 'intake action recorded');
    if (change.feedback) outbox.wake();
    return updated;
  }

  const service = {
    /** "Bekräfta mottagen / Ta ärendet": the reporter always learns who has it, with a phone. */
    async take(actor: Actor, reference: string, phone: string | undefined, isMember: IsMember): Promise<Report> {
      const current = await loadAs(actor, reference, 'take', isMember);
      // The phone the reporter gets is the one this handler typed (prefilled in the form from their
      // own last take): never a phone remembered from anything else, such as a report they once
      // made as a teacher (issue 22 §4).
      takeReport(current, actor, phone, clock.now());
      await userRows.updateProfile(store.db, actor.aadObjectId, { handlerPhone: handlerPhoneOf(phone) }, clock.now());
      try {
        return await act(actor, await load(reference), 'take', (r, now) => takeReport(r, actor, phone, now));
      } catch (error) {
        if (error instanceof ConflictError) {
          const winner = await load(reference);
          throw new ConflictError('taken', { by: winner.handlerName ?? '' });
        }
        throw error;
      }
    },

    /** "Skyddsbedömning gjord" (SoL (2025:400) 20 kap. 1 §): immediate protection needed or not. */
    async protection(actor: Actor, reference: string, immediate: boolean, isMember: IsMember): Promise<Report> {
      const current = await loadAs(actor, reference, 'protection', isMember);
      return act(actor, current, 'protection', (r, now) => assessProtection(r, immediate, now));
    },

    /**
     * "Beslut om utredning" (20 kap. 2 §). Decision feedback goes to a reporter who asked for it,
     * unless intake marked it inappropriate; intake may also choose to send it unasked (19 kap. 6 §).
     */
    async decide(actor: Actor, reference: string, input: DecisionInput, isMember: IsMember): Promise<Report> {
      checkDecisionDate(input.date, clock.now());
      const current = await loadAs(actor, reference, 'decision', isMember);
      return act(actor, current, 'decision', (r, now) => recordDecision(r, input, now));
    },

    /** "Återkoppling olämplig": no decision feedback; the reason stays in the store, sealed. */
    async markInappropriate(actor: Actor, reference: string, reason: string, isMember: IsMember): Promise<Report> {
      inappropriateReason(reason);
      const current = await loadAs(actor, reference, 'inappropriate', isMember);
      return act(actor, current, 'inappropriate', (r, now) => markFeedbackInappropriate(r, reason, now));
    },

    /** "Erbjud anmälningsmöte" (19 kap. 5 §): the reporter is told intake will contact them. */
    async offerMeeting(actor: Actor, reference: string, isMember: IsMember): Promise<Report> {
      const current = await loadAs(actor, reference, 'meeting', isMember);
      return act(actor, current, 'meeting', offerJointMeeting);
    },

    /**
     * "Registrerad i verksamhetssystemet": the report is taken into the social services' case
     * system. It is an allmän handling there from the moment it arrived; Värna's copy is only a
     * working copy, and is purged (retention.ts) only once this is recorded.
     */
    async register(actor: Actor, reference: string, isMember: IsMember): Promise<Report> {
      const current = await loadAs(actor, reference, 'register', isMember);
      return act(actor, current, 'register', registerReport);
    },

    /**
     * An export (JSON or PDF) downloaded by a member of the intake team counts as registration: it
     * is how the report reaches the case system. Recorded once, audited with the export's format.
     * Returns the report when this export registered it (the channel card then shows it).
     */
    async registeredByExport(actorAad: string, reportId: string, format: 'json' | 'pdf'): Promise<Report | undefined> {
      const now = clock.now();
      return store.transaction(async (trx) => {
        const report = await reportRows.reportById(trx, reportId);
        const change = report && registerByExport(report, format, now);
        if (!report || !change) return undefined;
        await store.audit.append(
          trx,
          { actor: actorAad, action: 'intake.register', subject: report.reference, outcome: 'allowed', detail: { via: 'export', format } },
          now,
        );
        if (
          !(await reportRows.recordRegistration(trx, reportId, {
            registeredAt: change.report.registeredAt!,
            version: change.report.version,
            updatedAt: change.report.updatedAt,
          }))
        )
          return undefined;
        await reportRows.addReportEvent(trx, reportId, {
          at: now,
          actorAad,
          actorName: '',
          kind: change.event.kind,
          detail: change.event.detail,
        });
        return storedReport(trx, reportId);
      });
    },

    async history(report: Report): Promise<HistoryEntry[]> {
      const events = await reportRows.historyOf(store.db, report.id);
      return events.map((e) => ({ at: e.at, who: e.actorName, kind: e.kind, detail: e.detail }));
    },

    /**
     * What is due, overdue or done: protection the same calendar day (the next one when the report
     * came in late), decision within 14 days, feedback a week after the decision date (intake/clocks.ts).
     */
    clocks(r: Report, now: Date = clock.now()): ClockState[] {
      return clocksOf(r, now);
    },

    /** The reporter's own reports, newest first, a page at a time. */
    async mine(actor: Actor, page: number, pageSize = 5): Promise<{ rows: Report[]; more: boolean }> {
      const rows = await reportRows.reportsOfReporter(store.db, actor.aadObjectId, page * pageSize, pageSize + 1);
      return { rows: rows.slice(0, pageSize), more: rows.length > pageSize };
    },

    /** Asked later from "Mina anmälningar": due at once if the decision is already made. */
    async requestFeedback(actor: Actor, reference: string): Promise<Report> {
      const report = await load(reference);
      if (report.reporterAad !== actor.aadObjectId) {
        // "Not found" to the asker (it reveals nothing); the attempt is audited like every refusal.
        await store.transaction((trx) =>
          store.audit.append(
            trx,
            { actor: actor.aadObjectId, action: 'report.requestFeedback', subject: report.reference, outcome: 'refused' },
            clock.now(),
          ),
        );
        throw new NotFoundError('report', reference);
      }
      const now = clock.now();
      const change = requestFeedbackLater(report, now);
      if (!change) return report;
      const updated = await store.transaction(async (trx) => {
        // First, like every audit append in a transaction that also changes the roll-up (see act):
        // the same order everywhere, so two such transactions cannot deadlock.
        await store.audit.append(
          trx,
          { actor: actor.aadObjectId, action: 'report.feedbackRequested', subject: reference, outcome: 'allowed' },
          now,
        );
        return trackReport(trx, report.id, async () => {
          await reportRows.updateReport(trx, report.id, change.changes);
          await reportRows.addReportEvent(trx, report.id, {
            at: now,
            actorAad: actor.aadObjectId,
            actorName: '',
            kind: change.event.kind,
            detail: change.event.detail,
          });
          if (change.feedback) await sendFeedback(trx, report, change.feedback, now);
          return storedReport(trx, report.id);
        });
      });
      if (change.feedback) outbox.wake();
      return updated;
    },

    // The alerts in the report's thread (intake/alerts.ts): checkClocks, queueAcuteAlert, checkAcute.
    ...makeIntakeAlerts({ store, clock, log, directory, outbox, ackHours: config.env.VARNA_ACK_ALERT_WORKING_HOURS }),
    load,
    config,
  };
  return service;
}
export type Intake = ReturnType<typeof makeIntake>;
