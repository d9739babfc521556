import type { Config } from '../config';
import type { Logger } from '../log';
import { auditKeys, makeAuditCheckpoints } from './audit';
import type { Clock } from './clock';
import { makePgCoordinator } from './coordinator';
import type { Cipher } from './crypto';
import { makeConsultations } from './consultation';
import { makeExports } from './exports';
import { makeInstallations } from './installations';
import { feedbackKind } from './feedback';
import { acuteAlertKind, alertKind, makeIntake, onCallAlertKind } from './intake';
import { makeJobs } from './jobs';
import { makeKeyRotation } from './key-rotation';
import { makeLinks } from './links';
import { directory } from './municipality';
import { isOpen } from './office-hours';
import { makeOutbox, type DeliveryHooks, type OutboxMessage, type SendResult, type Target } from './outbox';
import { makeRefusals } from './refusals';
import { makeRetention, purgedMessageKind, recordReportMessage } from './retention';
import { channelCardKind, deliveryDelayedKind, makeReports } from './reports';
import { makeReminders } from './reminders';
import { makeStatistics } from './statistics';
import { makeUsers } from './users';
import { foldRollup } from './stat-rollup';
import type { Store, Tx } from './store';
import { reportExists } from './store/reports';

export interface ServiceDeps {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  cipher: Cipher;
}

/** Every service, wired from its dependencies. Nothing here knows about Teams. */
export function makeServices(deps: ServiceDeps) {
  const { config, store, clock, log } = deps;
  const dir = directory(config.municipality);
  // Several instances share PostgreSQL: pg-boss coordinates the background work (one SQLite process needs none).
  const coordinator =
    store.dialect === 'postgres'
      ? makePgCoordinator({
          storeUrl: config.env.VARNA_STORE_URL,
          schema: config.env.VARNA_QUEUE_SCHEMA,
          failoverSeconds: config.env.VARNA_QUEUE_FAILOVER_SECONDS,
          log,
        })
      : undefined;
  const outbox = makeOutbox({ store, clock, log, coordinator, paused: config.env.VARNA_OUTBOX_PAUSED });
  const installations = makeInstallations({ store, clock, log });
  const jobs = makeJobs({ store, clock, log, coordinator });
  const retention = makeRetention({ store, clock, log, outbox, retention: config.municipality.retention });
  // The audit log is signed with a key that is not in the database, and its chain heads are
  // checkpointed outside it every few minutes (and at start and shutdown, src/index.ts).
  const audit = auditKeys(config.env, deps.cipher);
  store.audit.useKeys(audit.keys);
  if (audit.development)
    log.warn(
      { event: 'audit.key.development' },
      'NO VARNA_AUDIT_KEY: the audit log is signed with a development key. Never use this with real data.',
    );
  const auditCheckpoints = makeAuditCheckpoints({ store, clock, log, file: config.env.VARNA_AUDIT_CHECKPOINT_FILE });
  jobs.every(
    'audit.checkpoint',
    config.env.VARNA_AUDIT_CHECKPOINT_MINUTES * 60_000,
    async () => void (await auditCheckpoints.write('interval')),
  );
  // Gallring every night at 02:30 Stockholm time. After downtime only the latest missed night
  // runs: one purge at "now" covers every earlier one.
  jobs.cron('retention.purge', '30 2 * * *', async (dueAt) => {
    if (clock.now().getTime() - dueAt.getTime() >= 24 * 60 * 60 * 1000) return;
    await retention.purge();
    await consultations.purgeExpired(clock.now());
  });
  const reports = makeReports({ config, store, clock, log, cipher: deps.cipher, directory: dir, outbox });
  outbox.on(channelCardKind, {
    onSent: async (m, result, trx) => {
      await reports.channelCardSent(String(m.reportId), result.conversationId, result.activityId, trx);
      // An acute report's first alert goes in its thread as soon as the card is there (issue 22 §3).
      await intake.queueAcuteAlert(trx, String(m.reportId), clock.now(), result.conversationId);
    },
    onDeadline: (m) => reports.deliveryDelayed(String(m.reportId)),
  });
  // Where Värna's own messages about a report land in Teams, so that its purge can replace them
  // (retention.ts): the receipt (report route), feedback and the delivery notice in the teacher's
  // chat, the alerts in the card's thread (the ordinary ones, the acute ones and the purge
  // warning), and the acute report's on-call alert; the channel card's own ids are on the report.
  const remember: DeliveryHooks = {
    onSent: async (m: OutboxMessage, result: SendResult, trx: Tx, sentTo: Target) => {
      if (!result.conversationId) return;
      // A post that opened a new thread in a channel (the on-call channel) is changed in that thread.
      const target: Target =
        sentTo.kind === 'channel'
          ? { kind: 'thread', unitId: sentTo.unitId, conversationId: result.conversationId }
          : sentTo.kind === 'thread'
            ? { ...sentTo, conversationId: result.conversationId }
            : sentTo;
      if (await reportExists(trx, String(m.reportId)))
        await recordReportMessage(trx, String(m.reportId), target, result.conversationId, result.activityId, clock.now());
    },
  };
  for (const kind of [feedbackKind, deliveryDelayedKind, alertKind, acuteAlertKind, onCallAlertKind]) outbox.on(kind, remember);
  // Replacing a message is the same request again: an interrupted one is simply made again.
  outbox.on(purgedMessageKind, { idempotent: true });
  const intake = makeIntake({ config, store, clock, log, cipher: deps.cipher, directory: dir, outbox, reports });
  jobs.every('intake.clocks', 5 * 60_000, async () => void (await intake.checkClocks()));
  // An acute report not yet taken: its alert again every 15 minutes (the job looks every minute).
  jobs.every('intake.acute', 60_000, async () => void (await intake.checkAcute()));
  // The figures' deltas into the roll-up (a view folds too), so the delta tables stay small.
  jobs.every('statistics.fold', 60_000, async () => void (await foldRollup(store.db)));
  const consultations = makeConsultations({
    store,
    clock,
    log,
    cipher: deps.cipher,
    directory: dir,
    outbox,
    retentionDays: config.municipality.retention.consultationDaysAfterClose,
    maxOpenDays: config.municipality.retention.consultationMaxOpenDays,
    deliveryDeadlineMinutes: config.env.VARNA_DELIVERY_DEADLINE_MINUTES,
    reviewDays: config.municipality.retention.draftDays,
  });
  jobs.cron('consultations.purge', '40 2 * * *', async () => void (await consultations.purgeExpired(clock.now())));
  // After a start with a new current key: rewrap and rehash in the background, a few batches a minute.
  const keys = makeKeyRotation({ store, cipher: deps.cipher, clock, log });
  jobs.every('keys.rotate', 60_000, async () => keys.backgroundRun());
  const reminders = makeReminders({ config, store, clock, log, outbox, installations, jobs, directory: dir });
  reminders.schedule();
  // Several instances share a PostgreSQL: each looks for the others' changes every 15 s.
  const statistics = makeStatistics({
    store,
    clock,
    log,
    directory: dir,
    reminders,
    warmAfterChanges: true,
    watchMs: store.dialect === 'postgres' ? 15_000 : 0,
  });
  return {
    ...deps,
    reports,
    intake,
    links: makeLinks({ cipher: deps.cipher, clock }),
    directory: dir,
    outbox,
    installations,
    jobs,
    consultations,
    retention,
    auditCheckpoints,
    reminders,
    statistics,
    coordinator,
    keys,
    refusals: makeRefusals({ store, clock }),
    exports: makeExports({ store, clock }),
    /** Answers when the store does (the /readyz probe): throws when it cannot be reached. */
    health: () => store.ping(),
    users: makeUsers({ store, clock }),
    /** Phone numbers for acute situations, by the unit's office hours right now. */
    contactsFor(schoolId?: string) {
      const unit = (schoolId && dir.intakeUnitFor(schoolId)) || config.municipality.intakeUnits[0]!;
      return { intakeName: unit.name, intakePhone: unit.phone, onCallPhone: unit.onCallPhone, open: isOpen(unit, clock.now()) };
    },
  };
}
export type Services = ReturnType<typeof makeServices>;
