/**
 * All that intake may tell a reporter about the case (SoL (2025:400) 19 kap. 6 §, OSL 26 kap. 9 a §):
 * that the report was received (with a named contact), whether an investigation is opened, not
 * opened or already ongoing, and that a joint meeting is offered (19 kap. 5 §). No member carries
 * free text, so no code path can send intake's words about the case to a reporter.
 */
export type PermittedFeedback =
  | { kind: 'received'; handlerName: string; handlerPhone: string }
  | { kind: 'investigation'; outcome: 'opened' | 'notOpened' | 'alreadyOngoing' }
  | { kind: 'jointMeetingOffered' };

export const feedbackKind = 'report.feedback';

/** The outbox message for feedback. The target is built here only: the reporter's own 1:1 chat. */
export interface FeedbackMessage {
  kind: typeof feedbackKind;
  reportId: string;
  feedback: PermittedFeedback;
}

/**
 * At the school the report and the feedback are secret (OSL 40 kap. 7 g §): feedback goes to the
 * reporter's personal chat and nowhere else — never a group chat, a channel or the principal.
 */
export function feedbackTarget(report: { reporterAad: string }): { kind: 'user'; aadObjectId: string } {
  return { kind: 'user', aadObjectId: report.reporterAad };
}

/** Parses a stored message back into the closed set, refusing anything else. */
export function asPermittedFeedback(value: unknown): PermittedFeedback {
  const v = value as Record<string, unknown>;
  if (v?.kind === 'received' && typeof v.handlerName === 'string' && typeof v.handlerPhone === 'string')
    return { kind: 'received', handlerName: v.handlerName, handlerPhone: v.handlerPhone };
  if (v?.kind === 'investigation' && (v.outcome === 'opened' || v.outcome === 'notOpened' || v.outcome === 'alreadyOngoing'))
    return { kind: 'investigation', outcome: v.outcome };
  if (v?.kind === 'jointMeetingOffered') return { kind: 'jointMeetingOffered' };
  throw new Error('not a permitted feedback message');
}
