/**
 * Intake's alerts in a report's thread in the intake channel: not acknowledged within two working
 * hours, decision overdue, and an acute report's alert (repeated until someone takes it, and to the
 * on-call channel or person outside office hours). Each is queued in the outbox once, by its dedupe
 * key, whichever instance runs the check.
 */
import type { Logger } from '../../log';
import type { Clock } from '../clock';
import { addWorkingHours } from '../deadlines';
import { ACUTE_ALERT_HOURS, ACUTE_REPEAT_MS, acuteAlertDue } from './transitions';
import type { Directory } from '../municipality';
import type { Outbox } from '../outbox';
import type { Store, Tx } from '../store';
import * as reportRows from '../store/reports';

export const alertKind = 'intake.alert';
/** The alert in an acute report's thread that @mentions the intake team (issue 22 §3). */
export const acuteAlertKind = 'intake.acuteAlert';
/** An acute report outside office hours, to the unit's on-call channel or person (issue 22 §3). */
export const onCallAlertKind = 'intake.onCallAlert';

export interface IntakeAlertsDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  directory: Directory;
  outbox: Outbox;
  /** Working hours before an unacknowledged report is alerted (VARNA_ACK_ALERT_WORKING_HOURS). */
  ackHours: number;
}

export function makeIntakeAlerts({ store, clock, log, directory, outbox, ackHours }: IntakeAlertsDeps) {
  const service = {
    /**
     * Alerts in the report's thread: not acknowledged within two working hours, decision overdue.
     * Each alert is queued once (its dedupe key), whenever the check runs.
     */
    async checkClocks(now: Date = clock.now()): Promise<number> {
      const open = await reportRows.reportsAwaitingIntake(store.db, new Date(now.getTime() - 60 * 86_400_000));
      let queued = 0;
      for (const r of open) {
        const unit = directory.intakeUnit(r.intakeUnitId);
        const conversationId = r.channelConversationId;
        if (!unit || !conversationId) continue;
        const alerts: Array<'ack' | 'decisionOverdue'> = [];
        if (!r.receiptAt && now >= addWorkingHours(r.receivedAt, ackHours, unit)) alerts.push('ack');
        if (!r.decision && now > r.decisionDueAt) alerts.push('decisionOverdue');
        for (const alert of alerts) {
          await store.transaction((trx) =>
            outbox.enqueue(
              trx,
              {
                dedupeKey: `report:${r.id}:${alert}`,
                target: { kind: 'thread', unitId: unit.id, conversationId },
                message: { kind: alertKind, reportId: r.id, alert },
              },
              now,
            ),
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
      const r = await reportRows.reportById(trx, reportId);
      const thread = conversationId ?? r?.channelConversationId;
      if (!r || !thread) return false;
      const unit = directory.intakeUnit(r.intakeUnitId);
      const n = acuteAlertDue(r, now);
      if (!unit || n === undefined) return false;
      if (!(await reportRows.countAcuteAlert(trx, r.id, n, now))) return false;
      await outbox.enqueue(
        trx,
        {
          dedupeKey: `report:${r.id}:acute:${n}`,
          target: { kind: 'thread', unitId: unit.id, conversationId: thread },
          message: { kind: acuteAlertKind, reportId: r.id, n },
        },
        now,
      );
      if (n === 0 && r.outOfHours && unit.onCall) {
        const target =
          'channelId' in unit.onCall
            ? { kind: 'channel' as const, unitId: unit.id, channel: 'onCall' as const }
            : { kind: 'user' as const, aadObjectId: unit.onCall.aadObjectId };
        await outbox.enqueue(trx, { dedupeKey: `report:${r.id}:oncall`, target, message: { kind: onCallAlertKind, reportId: r.id } }, now);
      }
      log.info({ event: 'intake.acute-alert', reference: r.reference, n }, 'acute report alert queued');
      return true;
    },

    /** The repeats: every acute report not yet taken whose last alert is 15 minutes old (job `intake.acute`). */
    async checkAcute(now: Date = clock.now()): Promise<number> {
      const due = await reportRows.acuteReportsToAlert(
        store.db,
        new Date(now.getTime() - ACUTE_ALERT_HOURS * 3_600_000),
        new Date(now.getTime() - ACUTE_REPEAT_MS),
      );
      let queued = 0;
      for (const id of due) if (await store.transaction((trx) => service.queueAcuteAlert(trx, id, now))) queued++;
      if (queued) outbox.wake();
      return queued;
    },
  };
  return service;
}
