import { channelCard, delayedCard, teacherThreadCard, threadReplyCard } from '../cards/consultation';
import { localeOf, strings, type Strings } from '../cards/i18n';
import { acuteAlertCard, alertCard, feedbackCard, onCallAlertCard, purgedNoteCard } from '../cards/intake';
import { digestCard, draftNudgeCard, intakeSummaryCard } from '../cards/reminders';
import { deliveryDelayedCard } from '../cards/report';
import { verbs } from '../cards/verbs';
import { NotFoundError } from '../services/errors';
import { asPermittedFeedback, feedbackKind } from '../services/feedback';
import { acuteAlertKind, alertKind, onCallAlertKind } from '../services/intake';
import type { OutboxMessage, Target } from '../services/outbox';
import { reminderKinds } from '../services/reminders';
import { channelCardKind, deliveryDelayedKind, type Report } from '../services/reports';
import { purgeDateOf, purgedMessageKind, type PurgedMessage } from '../services/retention';
import type { Services } from '../services';
import type { Links } from './links';
import type { Renderer } from './sender';
import { intakeChannelCard } from './views/intake';
import { cycleCardFor } from './views/reminders';

/** Every kind of outbox message the bot sends, and how it is shown. */
export type DeliveryTable = Readonly<Record<string, Renderer>>;

type Rendered = Awaited<ReturnType<Renderer>>;

/** A saved language ('en' or anything else) as strings: English for 'en', else Swedish. */
const stringsOf = (locale: string | null | undefined): Strings => strings(locale === 'en' ? 'en' : 'sv');

/**
 * The outbox's renderers, one table: message kind -> view -> card, from the store's state at send
 * time (a message is an intent; what it shows is read when it goes out). Channel cards and alerts
 * are in Swedish (a pressed card is replaced for everyone); a person's message is in their language.
 */
export function deliveryTable(s: Services, links: Links): DeliveryTable {
  const sv = strings('sv');

  /**
   * A message about a report: the report, or NotFound (the outbox gives up on it), and the
   * reporter's language (Swedish unless their Teams spoke English when they sent it).
   */
  const aboutReport =
    (render: (report: Report, message: OutboxMessage, t: Strings) => Rendered | Promise<Rendered>): Renderer =>
    async (message) => {
      const report = await s.reports.byId(String(message.reportId));
      if (!report) throw new NotFoundError('report', String(message.reportId));
      return render(report, message, stringsOf(report.reporterLocale));
    };

  /** A reminder's recipient's language: what their Teams client told us last, else Swedish. */
  async function recipientStrings(target: Target): Promise<Strings> {
    if (target.kind !== 'user') return sv;
    const user = await s.users.profile(target.aadObjectId);
    return strings(localeOf(user?.locale));
  }

  return {
    // The report's card in the intake unit's reports channel (src/bot/views/intake.ts).
    [channelCardKind]: aboutReport(async (report) => ({
      card: await intakeChannelCard(s, report),
      summary: sv.report.channel.title(report.reference),
    })),

    // The teacher, when the channel card has not arrived in time: phone the intake unit.
    [deliveryDelayedKind]: aboutReport((report, _message, t) => {
      const unit = s.directory.intakeUnit(report.intakeUnitId);
      return { card: deliveryDelayedCard({ reference: report.reference, unitName: unit?.name ?? '', unitPhone: unit?.phone ?? '' }, t) };
    }),

    // The reporter's side: only the permitted messages, in the reporter's own 1:1 chat.
    [feedbackKind]: aboutReport((report, message, t) => ({
      card: feedbackCard(report.reference, asPermittedFeedback(message.feedback), t),
      summary: t.intake.feedback.title(report.reference),
    })),

    // The report's thread: not acknowledged in time, the decision overdue, the purge due.
    [alertKind]: aboutReport((report, message) => {
      const a = sv.intake.alerts;
      const retention = s.config.municipality.retention;
      // Registered since the alert was queued: nothing to say any more.
      if (message.alert === 'purgeDue' && report.registeredAt) return { skip: true };
      return {
        card: alertCard(
          message.alert === 'ack'
            ? a.ack(report.reference)
            : message.alert === 'purgeDue'
              ? sv.intake.registration.purgeDue(report.reference, sv.date(purgeDateOf(report, retention)), retention.decision)
              : a.decisionOverdue(report.reference, sv.date(report.decisionDueAt)),
        ),
      };
    }),

    // An acute report not yet taken: the alert in its thread @mentions the unit's tag. Not sent
    // once someone took it.
    [acuteAlertKind]: aboutReport((report, message) => {
      if (report.handlerAad || report.purgedAt) return { skip: true };
      const tag = s.directory.intakeUnit(report.intakeUnitId)?.alertTag;
      const minutes = Math.round((s.clock.now().getTime() - report.receivedAt.getTime()) / 60_000);
      return {
        card: acuteAlertCard(
          {
            reference: report.reference,
            ...(tag ? { tag } : {}),
            repeat: Number(message.n ?? 0),
            minutes,
            outOfHours: !!report.outOfHours,
          },
          sv,
        ),
        summary: sv.intake.acute.summary(report.reference),
      };
    }),

    // Outside office hours, the unit's on-call channel or person: triage facts only, never the child.
    [onCallAlertKind]: aboutReport((report) => {
      const unit = s.directory.intakeUnit(report.intakeUnitId);
      const view = {
        reference: report.reference,
        schoolName: s.directory.school(report.schoolId)?.name ?? report.schoolId,
        receivedAt: report.receivedAt,
        unitName: unit?.name ?? '',
        onCallPhone: unit?.onCallPhone ?? '',
      };
      return { card: onCallAlertCard(view, sv), summary: sv.intake.acute.onCallTitle(report.reference) };
    }),

    // A purged report's messages in Teams: replaced by a note, or deleted (retention.teamsMessages).
    // The report is gone by then: the message carries what it needs.
    [purgedMessageKind]: async (message) => {
      const m = message as PurgedMessage;
      if (m.mode === 'delete') return { deletes: m.activityId };
      return { card: purgedNoteCard(s.config.municipality.retention.decision, stringsOf(m.locale)), replaces: m.activityId };
    },

    // Consultation: the question in the consultations channel, a teacher's reply in its thread.
    'consultation.posted': async (message) => {
      const view = await s.consultations.channelView(String(message.consultationId));
      return { card: channelCard(view, sv), summary: sv.consultation.heading(view.pseudonym, sv.consultation.origin(view.origin)) };
    },
    'consultation.reply': async (message) => {
      const view = await s.consultations.channelView(String(message.consultationId));
      const reply = view.messages.find((m) => m.id === message.messageId);
      return { card: threadReplyCard(view, reply?.text, sv) };
    },
    // ... and intake's answer, the closing and a late answer in the teacher's 1:1 chat, in their language.
    'consultation.answer': async (message) => {
      const view = await s.consultations.viewForDelivery(String(message.consultationId));
      const t = stringsOf(view.locale);
      return { card: teacherThreadCard(view, t, { reportVerb: verbs.reportStart }), summary: t.consultation.answerTitle(view.pseudonym) };
    },
    'consultation.closed': async (message) => {
      const view = await s.consultations.viewForDelivery(String(message.consultationId));
      const t = stringsOf(view.locale);
      return { card: teacherThreadCard(view, t, { reportVerb: verbs.reportStart }), summary: t.consultation.closedTitle(view.pseudonym) };
    },
    'consultation.delayed': async (message) => {
      const id = String(message.consultationId);
      const view = await s.consultations.viewForDelivery(id);
      const unit = await s.consultations.unitOf(id);
      return { card: delayedCard({ pseudonym: view.pseudonym, unitName: unit.name, unitPhone: unit.phone }, stringsOf(view.locale)) };
    },

    // Reminders: the annual cycle, a draft left, the principal's digest, intake's summary.
    [reminderKinds.cycle]: async (message, target) => {
      const found = await s.reminders.cycleCard(String(message.reminderId));
      if (!found || found.view.status === 'done') return { skip: true };
      const t = await recipientStrings(target);
      return { card: cycleCardFor(links, found.view, found.recipient, t), summary: found.view.title[t.locale] };
    },
    [reminderKinds.draft]: async (message, target) => {
      const view = await s.reminders.draftNudge(String(message.draftId));
      if (!view) return { skip: true };
      const t = await recipientStrings(target);
      return { card: draftNudgeCard(view, t), summary: t.reminders.draftTitle };
    },
    [reminderKinds.digest]: async (message, target) => {
      const view = await s.reminders.digest(
        String(message.schoolId),
        new Date(String(message.to)),
        target.kind === 'user' ? target.aadObjectId : undefined,
      );
      if (!view) return { skip: true };
      const t = await recipientStrings(target);
      return { card: digestCard(view, t), summary: t.reminders.digestTitle(view.schoolName) };
    },
    [reminderKinds.intakeSummary]: async (message, target) => {
      const view = await s.reminders.intakeSummary(String(message.unitId), new Date(String(message.at)));
      if (!view) return { skip: true };
      const t = await recipientStrings(target);
      return { card: intakeSummaryCard(view, t) };
    },
  };
}
