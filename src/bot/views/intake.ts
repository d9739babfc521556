import type { Card } from '../../cards/card';
import { markForDelivery } from '../../cards/delivery';
import { strings } from '../../cards/i18n';
import { intakeCard, type IntakeCardView, type MyReportsView } from '../../cards/intake';
import type { IntakeView } from '../../cards/report';
import type { Actor } from '../../services/actor';
import { localParts } from '../../services/office-hours';
import { markerOf } from '../../services/outbox';
import type { Category } from '../../services/report-model';
import type { Report } from '../../services/reports';
import type { Services } from '../../services';

/** The report's facts for intake: no field for the child, so the channel card cannot show one. */
export function intakeViewOf(s: Services, report: Report): IntakeView {
  const school = s.directory.school(report.school_id);
  return {
    reference: report.reference,
    schoolName: school?.name ?? report.school_id,
    schoolType: report.school_type,
    districtName: s.directory.district(report.district_id)?.name ?? report.district_id,
    category: report.category as Category,
    acute: report.acute === 1,
    receivedAt: new Date(report.received_at),
    protectionDueAt: new Date(report.protection_due_at),
    decisionDueAt: new Date(report.decision_due_at),
    feedbackWanted: report.feedback_requested === 1,
    meetingWanted: report.joint_meeting_wanted === 1,
    ...(report.out_of_hours === 1 ? { outOfHours: true } : {}),
  };
}

/** The channel card's view: the facts, where the report stands, its clocks and its history. */
export async function intakeCardView(s: Services, report: Report): Promise<IntakeCardView> {
  const wants = report.feedback_requested === 1 || !!report.feedback_requested_later_at;
  const history = await s.intake.history(report);
  return {
    ...intakeViewOf(s, report),
    ...(report.handler_name ? { handlerName: report.handler_name, handlerPhone: report.handler_phone ?? '' } : {}),
    ...(report.protection_at ? { protection: { immediate: report.protection_immediate === 1 } } : {}),
    ...(report.decision ? { decision: report.decision } : {}),
    feedback: report.feedback_inappropriate_at && !report.feedback_given_at ? 'inappropriate' : report.feedback_given_at ? 'sent' : wants ? 'pending' : 'notAsked',
    meetingOffered: !!report.joint_meeting_offered_at,
    ...(report.registered_at ? { registered: { at: new Date(report.registered_at), who: history.findLast((h) => h.kind === 'register')?.who ?? '' } } : {}),
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
      const asked = r.feedback_requested === 1 || !!r.feedback_requested_later_at;
      return {
        reference: r.reference,
        receivedAt: new Date(r.received_at),
        schoolName: s.directory.school(r.school_id)?.name ?? r.school_id,
        ...(r.handler_name ? { handlerName: r.handler_name } : {}),
        ...(r.feedback_given_at && r.decision ? { decisionFeedback: r.decision } : {}),
        canAskFeedback: !asked && !r.feedback_given_at,
        asked,
      };
    }),
  };
}
