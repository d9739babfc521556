import type { Card } from '../../cards/card';
import { markForDelivery } from '../../cards/delivery';
import { strings } from '../../cards/i18n';
import { intakeCard, type IntakeCardView, type MyReportsView } from '../../cards/intake';
import type { IntakeView } from '../../cards/report';
import type { Actor } from '../../services/actor';
import { localParts } from '../../services/office-hours';
import { markerOf } from '../../services/outbox';
import type { Category } from '../../services/reports/model';
import type { Report } from '../../services/reports';
import type { Services } from '../../services';

/** The report's facts for intake: no field for the child, so the channel card cannot show one. */
export function intakeViewOf(s: Services, report: Report): IntakeView {
  const school = s.directory.school(report.schoolId);
  return {
    reference: report.reference,
    schoolName: school?.name ?? report.schoolId,
    schoolType: report.schoolType,
    districtName: s.directory.district(report.districtId)?.name ?? report.districtId,
    category: report.category as Category,
    acute: report.acute,
    receivedAt: report.receivedAt,
    protectionDueAt: report.protectionDueAt,
    decisionDueAt: report.decisionDueAt,
    feedbackWanted: report.feedbackRequested,
    meetingWanted: report.jointMeetingWanted,
    ...(report.outOfHours ? { outOfHours: true } : {}),
  };
}

/** The channel card's view: the facts, where the report stands, its clocks and its history. */
export async function intakeCardView(s: Services, report: Report): Promise<IntakeCardView> {
  const wants = report.feedbackRequested || !!report.feedbackRequestedLaterAt;
  const history = await s.intake.history(report);
  return {
    ...intakeViewOf(s, report),
    ...(report.handlerName ? { handlerName: report.handlerName, handlerPhone: report.handlerPhone ?? '' } : {}),
    ...(report.protectionAt ? { protection: { immediate: report.protectionImmediate === true } } : {}),
    ...(report.decision ? { decision: report.decision } : {}),
    feedback:
      report.feedbackInappropriateAt && !report.feedbackGivenAt
        ? 'inappropriate'
        : report.feedbackGivenAt
          ? 'sent'
          : wants
            ? 'pending'
            : 'notAsked',
    meetingOffered: !!report.jointMeetingOfferedAt,
    ...(report.registeredAt
      ? { registered: { at: report.registeredAt, who: history.findLast((h) => h.kind === 'register')?.who ?? '' } }
      : {}),
    clocks: s.intake.clocks(report),
    history,
    // As recorded with the decision (issue 22 §4): the order stays on the card after the assessment.
    ...(history.some((h) => h.kind === 'decision' && h.detail.beforeProtection === true) ? { decisionBeforeProtection: true } : {}),
    today: localParts(s.clock.now()).date,
  };
}

/**
 * The report's card in the intake unit's reports channel, with its actions, in Swedish (a pressed
 * card is replaced for everyone). It keeps its outbox marker through every update, so an
 * interrupted post can still be found over Graph after intake has acted on it (see outbox.ts).
 */
export async function intakeChannelCard(s: Services, report: Report): Promise<Card> {
  return markForDelivery(intakeCard(await intakeCardView(s, report), strings('sv')), markerOf(`report:${report.id}:channel`), false);
}

/** "Mina anmälningar": the reporter's own reports, what intake may tell them, and whether they may still ask. */
export async function myReportsViewOf(s: Services, actor: Actor, page: number): Promise<MyReportsView> {
  const { rows, more } = await s.intake.mine(actor, page);
  return {
    page,
    more,
    rows: rows.map((r) => {
      const asked = r.feedbackRequested || !!r.feedbackRequestedLaterAt;
      return {
        reference: r.reference,
        receivedAt: r.receivedAt,
        schoolName: s.directory.school(r.schoolId)?.name ?? r.schoolId,
        ...(r.handlerName ? { handlerName: r.handlerName } : {}),
        ...(r.feedbackGivenAt && r.decision ? { decisionFeedback: r.decision } : {}),
        canAskFeedback: !asked && !r.feedbackGivenAt,
        asked,
      };
    }),
  };
}
