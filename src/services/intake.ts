import type { Config } from '../config';
import type { Logger } from '../log';
import type { Actor } from './actor';
import type { Clock } from './clock';
import type { Cipher } from './crypto';
import { addWorkingHours, feedbackDue, isCalendarDate, stockholmDate } from './deadlines';
import { ConflictError, NotAllowedError, NotFoundError, ValidationError } from './errors';
import { trackReport } from './stat-rollup';
import { memberUnits, referenceSubject } from './intake-access';
import { feedbackKind, feedbackTarget, type FeedbackMessage, type PermittedFeedback } from './feedback';
import type { Directory } from './municipality';
import type { Outbox } from './outbox';
import type { Report, Reports } from './reports';
import { newId, type Store, type Tx } from './store';

export type Outcome = 'opened' | 'notOpened' | 'alreadyOngoing';
export type IntakeAction = 'take' | 'protection' | 'decision' | 'inappropriate' | 'meeting' | 'register';
export type IsMember = (teamId: string) => Promise<boolean>;
export const alertKind = 'intake.alert';
/** The alert in an acute report's thread that @mentions the intake team (issue 22 §3). */
export const acuteAlertKind = 'intake.acuteAlert';
/** An acute report outside office hours, to the unit's on-call channel or person (issue 22 §3). */
export const onCallAlertKind = 'intake.onCallAlert';
/** An acute report's alert is repeated this often until someone takes it… */
export const ACUTE_REPEAT_MS = 15 * 60_000;
/** …for at most this long after it arrived (then the card and the daily summary carry it). */
export const ACUTE_ALERT_HOURS = 24;

export interface HistoryEntry {
  at: Date;
  who: string;
  kind: string;
  detail: Record<string, string | boolean | number | null>;
}

export interface ClockState {
  name: 'protection' | 'decision' | 'feedback';
  due: Date;
  /** Due at once (an acute report's protection assessment, SoL (2025:400) 20 kap. 1 § "genast"). */
  immediate?: boolean;
  status: 'due' | 'overdue' | 'done';
  doneAt?: Date;
  /** The decision clock: the decision date intake entered (the clock is judged by it). */
  doneDate?: string;
  /** Done, but after the deadline. */
  late?: boolean;
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
 * closed set of PermittedFeedback, in their 1:1 chat only.
 */
export function makeIntake({ config, store, clock, log, cipher, directory, outbox, reports }: IntakeDeps) {
  const iso = (d: Date) => d.toISOString();
  const ackHours = config.env.VARNA_ACK_ALERT_WORKING_HOURS;

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
    if (report && units.has(report.intake_unit_id)) return report;
    const subject = referenceSubject(reference);
    await store.transaction((trx) => store.audit.append(trx, { actor: actor.aadObjectId, action: `intake.${action}`, subject, outcome: 'refused' }, clock.now()));
    log.warn({ event: 'intake.refused', action, reference: subject, user: actor.aadObjectId }, 'intake action refused: not in the intake team');
    throw new NotAllowedError(`intake.${action}`);
  }

  async function sendFeedback(trx: Tx, report: Report, feedback: PermittedFeedback, now: Date): Promise<void> {
    const message: FeedbackMessage = { kind: feedbackKind, reportId: report.id, feedback };
    const key = feedback.kind === 'investigation' ? 'investigation' : feedback.kind === 'received' ? 'received' : 'meeting';
    await outbox.enqueue(trx, { dedupeKey: `feedback:${report.id}:${key}`, target: feedbackTarget(report), message }, now);
  }

  /**
   * One intake action: authorize, then change the report only if it is still in the state the
   * action expects (optimistic version check), with its history entry, audit entry and any
   * feedback in the same transaction.
   */
  async function act(
    actor: Actor,
    reference: string,
    action: IntakeAction,
    isMember: IsMember,
    change: (r: Report, now: Date) => { patch: Partial<Report>; detail?: HistoryEntry['detail']; feedback?: PermittedFeedback; note?: string } ,
  ): Promise<Report> {
    const report = await loadAs(actor, reference, action, isMember);
    const now = clock.now();
    const { patch, detail = {}, feedback, note } = change(report, now);
    const updated = await store.transaction(async (trx) => {
      // The report's own audit chain first: only another action on this report waits for it. The
      // roll-up's rows, which every report shares, come last so they are held only until the commit.
      await store.audit.append(trx, { actor: actor.aadObjectId, action: `intake.${action}`, subject: reference, outcome: 'allowed', detail: Object.fromEntries(Object.entries(detail).filter(([, v]) => typeof v !== 'object')) as Record<string, string> }, now);
      const changed = await trackReport(trx, report.id, async () => {
        const res = await trx
          .updateTable('reports')
          .set({ ...patch, version: report.version + 1, updated_at: iso(now) })
          .where('id', '=', report.id)
          .where('version', '=', report.version)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) throw new ConflictError('changed');
        await trx
          .insertInto('report_events')
          .values({ id: newId(now), report_id: report.id, at: iso(now), actor_aad: actor.aadObjectId, actor_name: actor.name, kind: action, detail: JSON.stringify(detail) })
          .execute();
        if (note !== undefined) {
          const sealed = cipher.seal(await reports.keyFor(report.id, trx), note, `note:${report.id}`);
          await trx.insertInto('intake_notes').values({ id: newId(now), report_id: report.id, at: iso(now), actor_aad: actor.aadObjectId, kind: action, sealed }).execute();
        }
        const row = { ...report, ...patch } as Report;
        if (feedback) await sendFeedback(trx, row, feedback, now);
        return trx.selectFrom('reports').selectAll().where('id', '=', report.id).executeTakeFirstOrThrow();
      });
      return changed;
    });
    log.info({ event: `intake.${action}`, reference, user: actor.aadObjectId }, 'intake action recorded');
    if (feedback) outbox.wake();
    return updated;
  }

  const wantsDecisionFeedback = (r: Report) => r.feedback_requested === 1 || !!r.feedback_requested_later_at;

  const service = {
    /** "Bekräfta mottagen / Ta ärendet": the reporter always learns who has it, with a phone. */
    async take(actor: Actor, reference: string, phone: string | undefined, isMember: IsMember): Promise<Report> {
      const current = await loadAs(actor, reference, 'take', isMember);
      if (current.handler_aad) throw new ConflictError('taken', { by: current.handler_name ?? '' });
      // The phone the reporter gets is the one this handler typed (prefilled in the form from their
      // own last take): never a phone remembered from anything else, such as a report they once
      // made as a teacher (issue 22 §4). Required: a receipt without a phone is no contact.
      const handlerPhone = (phone ?? '').trim();
      if (!handlerPhone) throw new ValidationError({ phone: 'required' });
      if (!/^\+?[0-9][0-9 ()-]{5,}$/.test(handlerPhone)) throw new ValidationError({ phone: 'phoneInvalid' });
      await store.users.update(actor.aadObjectId, { handler_phone: handlerPhone }, clock.now());
      try {
        return await act(actor, reference, 'take', async () => true, (r, now) => {
          if (r.handler_aad) throw new ConflictError('taken', { by: r.handler_name ?? '' });
          return {
            patch: { handler_aad: actor.aadObjectId, handler_name: actor.name, handler_phone: handlerPhone, receipt_at: r.receipt_at ?? iso(now) },
            feedback: { kind: 'received', handlerName: actor.name, handlerPhone },
          };
        });
      } catch (error) {
        if (error instanceof ConflictError) {
          const winner = await load(reference);
          throw new ConflictError('taken', { by: winner.handler_name ?? '' });
        }
        throw error;
      }
    },

    /** "Skyddsbedömning gjord" (SoL (2025:400) 20 kap. 1 §): immediate protection needed or not. */
    protection(actor: Actor, reference: string, immediate: boolean, isMember: IsMember): Promise<Report> {
      // Recorded once: the card no longer offers it, so a second press comes from a stale card
      // (e.g. a press repeated because its answer was lost) and must not add a second entry.
      return act(actor, reference, 'protection', isMember, (r, now) => {
        if (r.protection_at) throw new ConflictError('assessed');
        return { patch: { protection_at: iso(now), protection_immediate: immediate ? 1 : 0 }, detail: { immediate } };
      });
    },

    /**
     * "Beslut om utredning" (20 kap. 2 §). Decision feedback goes to a reporter who asked for it,
     * unless intake marked it inappropriate; intake may also choose to send it unasked (19 kap. 6 §).
     */
    async decide(actor: Actor, reference: string, input: { outcome: Outcome; date: string; sendUnasked: boolean }, isMember: IsMember): Promise<Report> {
      // Stockholm dates throughout: the card offers today's Stockholm date, and just after
      // midnight in Stockholm the UTC date is still yesterday.
      const today = stockholmDate(clock.now());
      if (!isCalendarDate(input.date)) throw new ValidationError({ date: 'dateInvalid' });
      if (input.date > today) throw new ValidationError({ date: 'dateFuture' });
      const current = await loadAs(actor, reference, 'decision', isMember);
      if (input.date < stockholmDate(new Date(current.received_at))) throw new ValidationError({ date: 'dateBeforeReport' });
      if (current.decision) throw new ConflictError('decided', { by: '' });
      return act(actor, reference, 'decision', isMember, (r, now) => {
        if (r.decision) throw new ConflictError('decided');
        const send = !r.feedback_inappropriate_at && (wantsDecisionFeedback(r) || input.sendUnasked);
        // The law's order is the protection assessment first (20 kap. 1 §), then the decision
        // (20 kap. 2 §). A decision recorded before it is allowed (the assessment may have been made
        // and not yet recorded) but the order is kept in the history and the audit, and the card says so.
        const beforeProtection = !r.protection_at;
        return {
          patch: {
            decision: input.outcome,
            decision_date: input.date,
            decision_at: iso(now),
            ...(send ? { feedback_given_at: iso(now), feedback_sent_unrequested: wantsDecisionFeedback(r) ? 0 : 1 } : {}),
          },
          detail: { outcome: input.outcome, date: input.date, feedbackSent: send, ...(beforeProtection ? { beforeProtection: true } : {}) },
          ...(send ? { feedback: { kind: 'investigation', outcome: input.outcome } as PermittedFeedback } : {}),
        };
      });
    },

    /** "Återkoppling olämplig": no decision feedback; the reason stays in the store, sealed. */
    markInappropriate(actor: Actor, reference: string, reason: string, isMember: IsMember): Promise<Report> {
      const text = reason.trim();
      if (!text) throw new ValidationError({ reason: 'required' });
      if (text.length > 2000) throw new ValidationError({ reason: 'tooLong:2000' });
      return act(actor, reference, 'inappropriate', isMember, (r, now) => {
        if (r.feedback_inappropriate_at) throw new ConflictError('alreadyMarked');
        return { patch: { feedback_inappropriate_at: iso(now) }, detail: { afterFeedback: !!r.feedback_given_at }, note: text };
      });
    },

    /** "Erbjud anmälningsmöte" (19 kap. 5 §): the reporter is told intake will contact them. */
    offerMeeting(actor: Actor, reference: string, isMember: IsMember): Promise<Report> {
      return act(actor, reference, 'meeting', isMember, (r, now) => {
        if (r.joint_meeting_offered_at) throw new ConflictError('alreadyOffered');
        return { patch: { joint_meeting_offered_at: iso(now) }, feedback: { kind: 'jointMeetingOffered' } };
      });
    },

    /**
     * "Registrerad i verksamhetssystemet": the report is taken into the social services' case
     * system. It is an allmän handling there from the moment it arrived; Värna's copy is only a
     * working copy, and is purged (retention.ts) only once this is recorded.
     */
    register(actor: Actor, reference: string, isMember: IsMember): Promise<Report> {
      return act(actor, reference, 'register', isMember, (r, now) => {
        if (r.registered_at) throw new ConflictError('registered');
        return { patch: { registered_at: iso(now) }, detail: { via: 'card' } };
      });
    },

    /**
     * An export (JSON or PDF) downloaded by a member of the intake team counts as registration: it
     * is how the report reaches the case system. Recorded once, audited with the export's format.
     * Returns the report when this export registered it (the channel card then shows it).
     */
    async registeredByExport(actorAad: string, reportId: string, format: 'json' | 'pdf'): Promise<Report | undefined> {
      const now = clock.now();
      return store.transaction(async (trx) => {
        const report = await trx.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirst();
        if (!report || report.registered_at || report.purged_at) return undefined;
        await store.audit.append(trx, { actor: actorAad, action: 'intake.register', subject: report.reference, outcome: 'allowed', detail: { via: 'export', format } }, now);
        const res = await trx.updateTable('reports').set({ registered_at: iso(now), version: report.version + 1, updated_at: iso(now) }).where('id', '=', reportId).where('registered_at', 'is', null).executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return undefined;
        await trx.insertInto('report_events').values({ id: newId(now), report_id: reportId, at: iso(now), actor_aad: actorAad, actor_name: '', kind: 'register', detail: JSON.stringify({ via: 'export', format }) }).execute();
        return trx.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirstOrThrow();
      });
    },

    async history(report: Report): Promise<HistoryEntry[]> {
      const rows = await store.db.selectFrom('report_events').selectAll().where('report_id', '=', report.id).orderBy('at').orderBy('id').execute();
      return rows.map((r) => ({ at: new Date(r.at), who: r.actor_name, kind: r.kind, detail: JSON.parse(r.detail) as HistoryEntry['detail'] }));
    },

    /**
     * What is due, overdue or done: protection the same calendar day (the next one when the report
     * came in late), decision within 14 days, feedback a week after the decision date. A clock done
     * after its deadline says so: the decision clock by the decision date intake entered.
     */
    clocks(r: Report, now: Date = clock.now()): ClockState[] {
      const state = (due: Date, done: string | null): Pick<ClockState, 'status' | 'doneAt' | 'late'> =>
        done ? { status: 'done', doneAt: new Date(done), ...(new Date(done) > due ? { late: true } : {}) } : { status: now > due ? 'overdue' : 'due' };
      const decisionDueAt = new Date(r.decision_due_at);
      const decision: ClockState =
        r.decision_at && r.decision_date
          ? { name: 'decision', due: decisionDueAt, status: 'done', doneAt: new Date(r.decision_at), doneDate: r.decision_date, ...(r.decision_date > stockholmDate(decisionDueAt) ? { late: true } : {}) }
          : { name: 'decision', due: decisionDueAt, ...state(decisionDueAt, r.decision_at) };
      // An acute report's assessment is due at once: no computed deadline to be "on time" against.
      const protection: ClockState =
        r.acute === 1
          ? { name: 'protection', due: new Date(r.protection_due_at), immediate: true, ...(r.protection_at ? { status: 'done' as const, doneAt: new Date(r.protection_at) } : { status: 'due' as const }) }
          : { name: 'protection', due: new Date(r.protection_due_at), ...state(new Date(r.protection_due_at), r.protection_at) };
      const out: ClockState[] = [protection, decision];
      if (r.decision && r.decision_at && wantsDecisionFeedback(r) && !r.feedback_inappropriate_at) {
        const askedLater = r.feedback_requested_later_at && r.feedback_requested_later_at > r.decision_at ? new Date(r.feedback_requested_later_at) : undefined;
        const due = feedbackDue({ date: r.decision_date ?? stockholmDate(new Date(r.decision_at)), outcome: r.decision }, askedLater);
        out.push({ name: 'feedback', due, ...state(due, r.feedback_given_at) });
      }
      return out;
    },

    /** The reporter's own reports, newest first, a page at a time. */
    async mine(actor: Actor, page: number, pageSize = 5): Promise<{ rows: Report[]; more: boolean }> {
      const rows = await store.db
        .selectFrom('reports')
        .selectAll()
        .where('reporter_aad', '=', actor.aadObjectId)
        // A purged report is gone from the list: no reference, no time (retention.ts).
        .where('purged_at', 'is', null)
        .orderBy('received_at', 'desc')
        .orderBy('id', 'desc')
        .limit(pageSize + 1)
        .offset(page * pageSize)
        .execute();
      return { rows: rows.slice(0, pageSize), more: rows.length > pageSize };
    },

    /** Asked later from "Mina anmälningar": due at once if the decision is already made. */
    async requestFeedback(actor: Actor, reference: string): Promise<Report> {
      const report = await load(reference);
      if (report.reporter_aad !== actor.aadObjectId) {
        // "Not found" to the asker (it reveals nothing); the attempt is audited like every refusal.
        await store.transaction((trx) => store.audit.append(trx, { actor: actor.aadObjectId, action: 'report.requestFeedback', subject: report.reference, outcome: 'refused' }, clock.now()));
        throw new NotFoundError('report', reference);
      }
      if (wantsDecisionFeedback(report)) return report;
      const now = clock.now();
      const sendNow = !!report.decision && !report.feedback_inappropriate_at && !report.feedback_given_at;
      const updated = await store.transaction(async (trx) => {
        // First, like every audit append in a transaction that also changes the roll-up (see act):
        // the same order everywhere, so two such transactions cannot deadlock.
        await store.audit.append(trx, { actor: actor.aadObjectId, action: 'report.feedbackRequested', subject: reference, outcome: 'allowed' }, now);
        const changed = await trackReport(trx, report.id, async () => {
          await trx
            .updateTable('reports')
            .set({ feedback_requested_later_at: iso(now), ...(sendNow ? { feedback_given_at: iso(now) } : {}), version: report.version + 1, updated_at: iso(now) })
            .where('id', '=', report.id)
            .execute();
          await trx
            .insertInto('report_events')
            .values({ id: newId(now), report_id: report.id, at: iso(now), actor_aad: actor.aadObjectId, actor_name: '', kind: 'feedbackRequested', detail: JSON.stringify({ sentNow: sendNow }) })
            .execute();
          if (sendNow) await sendFeedback(trx, report, { kind: 'investigation', outcome: report.decision! }, now);
          return trx.selectFrom('reports').selectAll().where('id', '=', report.id).executeTakeFirstOrThrow();
        });
        return changed;
      });
      if (sendNow) outbox.wake();
      return updated;
    },

    /**
     * Alerts in the report's thread: not acknowledged within two working hours, decision overdue.
     * Each alert is queued once (its dedupe key), whenever the check runs.
     */
    async checkClocks(now: Date = clock.now()): Promise<number> {
      const since = iso(new Date(now.getTime() - 60 * 86_400_000));
      const open = await store.db
        .selectFrom('reports')
        .selectAll()
        .where('received_at', '>=', since)
        .where('purged_at', 'is', null)
        .where((eb) => eb.or([eb('receipt_at', 'is', null), eb('decision', 'is', null)]))
        .execute();
      let queued = 0;
      for (const r of open) {
        const unit = directory.intakeUnit(r.intake_unit_id);
        if (!unit || !r.channel_conversation_id) continue;
        const alerts: Array<'ack' | 'decisionOverdue'> = [];
        if (!r.receipt_at && now >= addWorkingHours(new Date(r.received_at), ackHours, unit)) alerts.push('ack');
        if (!r.decision && now > new Date(r.decision_due_at)) alerts.push('decisionOverdue');
        for (const alert of alerts) {
          await store.transaction((trx) =>
            outbox.enqueue(trx, { dedupeKey: `report:${r.id}:${alert}`, target: { kind: 'thread', unitId: unit.id, conversationId: r.channel_conversation_id! }, message: { kind: alertKind, reportId: r.id, alert } }, now),
          );
          queued++;
        }
      }
      if (queued) outbox.wake();
      return queued;
    },

    /**
     * The alert in an acute report's thread (its first one when the channel card has landed, then
     * every 15 minutes until someone takes the report, for at most 24 hours) and, outside office
     * hours, the one to the unit's on-call channel or person. In the caller's transaction: the count
     * is bumped only if no one else bumped it (several instances), and the alert's dedupe key is
     * its number, so a restart or a second instance never sends one twice.
     */
    async queueAcuteAlert(trx: Tx, reportId: string, now: Date, conversationId?: string): Promise<boolean> {
      const r = await trx.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirst();
      const thread = conversationId ?? r?.channel_conversation_id;
      if (!r || r.acute !== 1 || r.handler_aad || r.purged_at || !thread) return false;
      const unit = directory.intakeUnit(r.intake_unit_id);
      if (!unit) return false;
      const n = r.acute_alerts ?? 0;
      if (now.getTime() - new Date(r.received_at).getTime() >= ACUTE_ALERT_HOURS * 3_600_000 && n > 0) return false;
      if (r.acute_alert_at && now.getTime() - new Date(r.acute_alert_at).getTime() < ACUTE_REPEAT_MS) return false;
      const res = await trx.updateTable('reports').set({ acute_alerts: n + 1, acute_alert_at: iso(now) }).where('id', '=', r.id).where('acute_alerts', '=', n).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await outbox.enqueue(trx, { dedupeKey: `report:${r.id}:acute:${n}`, target: { kind: 'thread', unitId: unit.id, conversationId: thread }, message: { kind: acuteAlertKind, reportId: r.id, n } }, now);
      if (n === 0 && r.out_of_hours === 1 && unit.onCall) {
        const target = 'channelId' in unit.onCall ? { kind: 'channel' as const, unitId: unit.id, channel: 'onCall' as const } : { kind: 'user' as const, aadObjectId: unit.onCall.aadObjectId };
        await outbox.enqueue(trx, { dedupeKey: `report:${r.id}:oncall`, target, message: { kind: onCallAlertKind, reportId: r.id } }, now);
      }
      log.info({ event: 'intake.acute-alert', reference: r.reference, n }, 'acute report alert queued');
      return true;
    },

    /** The repeats: every acute report not yet taken whose last alert is 15 minutes old (job `intake.acute`). */
    async checkAcute(now: Date = clock.now()): Promise<number> {
      const due = await store.db
        .selectFrom('reports')
        .select('id')
        .where('acute', '=', 1)
        .where('handler_aad', 'is', null)
        .where('purged_at', 'is', null)
        .where('channel_conversation_id', 'is not', null)
        .where('received_at', '>', iso(new Date(now.getTime() - ACUTE_ALERT_HOURS * 3_600_000)))
        .where((eb) => eb.or([eb('acute_alert_at', 'is', null), eb('acute_alert_at', '<=', iso(new Date(now.getTime() - ACUTE_REPEAT_MS)))]))
        .execute();
      let queued = 0;
      for (const { id } of due) if (await store.transaction((trx) => service.queueAcuteAlert(trx, id, now))) queued++;
      if (queued) outbox.wake();
      return queued;
    },

    load,
    config,
  };
  return service;
}
export type Intake = ReturnType<typeof makeIntake>;
