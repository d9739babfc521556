/**
 * The law's clocks on a report, as the intake card shows them: a pure reading of the report at an
 * instant (no store, no clock), so each is a unit test away.
 */
import { feedbackDue, stockholmDate } from './deadlines';
import { wantsDecisionFeedback } from './intake-transitions';
import type { ReportTable } from './store/schema';

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
export function clocksOf(r: ReportTable, now: Date): ClockState[] {
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
}
