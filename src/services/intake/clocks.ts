/**
 * The law's clocks on a report, as the intake card shows them: a pure reading of the report at an
 * instant (no store, no clock), so each is a unit test away.
 */
import { feedbackDue, stockholmDate } from '../deadlines';
import { wantsDecisionFeedback } from './transitions';
import type { Report } from '../reports/report';

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

/**
 * What is due, overdue or done: protection the same calendar day (the next one when the report
 * came in late), decision within 14 days, feedback a week after the decision date. A clock done
 * after its deadline says so: the decision clock by the decision date intake entered.
 */
export function clocksOf(r: Report, now: Date): ClockState[] {
  const state = (due: Date, done: Date | undefined): Pick<ClockState, 'status' | 'doneAt' | 'late'> =>
    done ? { status: 'done', doneAt: done, ...(done > due ? { late: true } : {}) } : { status: now > due ? 'overdue' : 'due' };
  const decisionDueAt = r.decisionDueAt;
  const decision: ClockState =
    r.decisionAt && r.decisionDate
      ? {
          name: 'decision',
          due: decisionDueAt,
          status: 'done',
          doneAt: r.decisionAt,
          doneDate: r.decisionDate,
          ...(r.decisionDate > stockholmDate(decisionDueAt) ? { late: true } : {}),
        }
      : { name: 'decision', due: decisionDueAt, ...state(decisionDueAt, r.decisionAt) };
  // An acute report's assessment is due at once: no computed deadline to be "on time" against.
  const protection: ClockState = r.acute
    ? {
        name: 'protection',
        due: r.protectionDueAt,
        immediate: true,
        ...(r.protectionAt ? { status: 'done' as const, doneAt: r.protectionAt } : { status: 'due' as const }),
      }
    : { name: 'protection', due: r.protectionDueAt, ...state(r.protectionDueAt, r.protectionAt) };
  const out: ClockState[] = [protection, decision];
  if (r.decision && r.decisionAt && wantsDecisionFeedback(r) && !r.feedbackInappropriateAt) {
    const askedLater = r.feedbackRequestedLaterAt && r.feedbackRequestedLaterAt > r.decisionAt ? r.feedbackRequestedLaterAt : undefined;
    const due = feedbackDue({ date: r.decisionDate ?? stockholmDate(r.decisionAt), outcome: r.decision }, askedLater);
    out.push({ name: 'feedback', due, ...state(due, r.feedbackGivenAt) });
  }
  return out;
}
