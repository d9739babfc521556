import assert from 'node:assert/strict';
import { ConflictError, ValidationError } from '../../src/services/errors';
import { clocksOf } from '../../src/services/intake/clocks';
import {
  acuteAlertDue,
  assessProtection,
  markFeedbackInappropriate,
  offerJointMeeting,
  recordDecision,
  registerByExport,
  registerReport,
  requestFeedbackLater,
  takeReport,
  type DecisionInput,
} from '../../src/services/intake/transitions';
import type { ReportContent } from '../../src/services/reports/model';
import { newReport, referenceOf, referenceYear } from '../../src/services/reports/submission';
import { defaultHolidayRules } from '../../src/services/school-holidays';
import { reportContribution } from '../../src/services/stat-rollup';
import type { Report } from '../../src/services/reports/report';
import { rowOf } from '../../src/services/store/reports';

/** Exempelkommun's intake unit: Monday–Friday 08:00–16:30. */
const unit = {
  id: 'socialtjansten',
  officeHours: {
    days: ['mon', 'tue', 'wed', 'thu', 'fri'] as Array<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'>,
    open: '08:00',
    close: '16:30',
  },
};
const handler = { aadObjectId: 'aad-handler', name: 'Hanna Handläggare' };
const local = (d: Date) =>
  new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', dateStyle: 'short', timeStyle: 'short' }).format(d);

/** Only what the row needs: no child, no free text. */
function contentOf(o: { acute?: boolean; feedbackWanted?: boolean; role?: string } = {}): ReportContent {
  return {
    acute: { immediateDanger: o.acute ? 'yes' : 'no' },
    concern: { category: 'violence' },
    wishes: { feedbackWanted: o.feedbackWanted ?? true, jointMeeting: false },
    reporter: { reporterRole: o.role ?? 'Lärare', aadObjectId: 'aad-teacher' },
  } as unknown as ReportContent;
}

/** A report as submitted at `receivedAt` (reports/submission.ts), with `changes` over it. */
function reportAt(receivedAt: string, changes: Partial<Report> = {}, content = contentOf()): Report {
  const at = new Date(receivedAt);
  const row = newReport(
    {
      id: 'r1',
      draftId: 'd1',
      locale: 'sv',
      content,
      school: { id: 'ekbacken', district: 'norr', type: 'municipal' },
      unit,
      child: undefined,
      sealed: 'sealed',
      draftStartedAt: at,
      schoolHolidays: defaultHolidayRules,
      roleGroup: 'teaching',
      repeatChild: false,
    },
    at,
  );
  return { ...row, reference: 'VÄ-2026-00001', ...changes };
}

const decision = (o: Partial<DecisionInput> = {}): DecisionInput => ({ outcome: 'opened', date: '2026-03-02', sendUnasked: false, ...o });
const refusal = (reason: string) => (e: unknown) => e instanceof ConflictError && e.reason === reason;
const invalid = (field: string, code: string) => (e: unknown) => e instanceof ValidationError && e.fields[field] === code;

describe('the decision date is a Stockholm date (SoL (2025:400) 20 kap. 2 §, 19 kap. 6 §)', () => {
  // 23:30 UTC on 31 March 2026 is 01:30 on 1 April in Stockholm (summer time since 29 March).
  const lateUtc = new Date('2026-03-31T23:30:00Z');

  it('takes 1 April as today for a decision at 23:30 UTC on 31 March, and refuses 2 April as in the future', () => {
    const report = reportAt('2026-03-20T09:00:00+01:00');
    const decided = recordDecision(report, decision({ date: '2026-04-01' }), lateUtc);
    assert.equal(decided.report.decisionDate, '2026-04-01');
    assert.equal(decided.report.decisionAt?.toISOString(), '2026-03-31T23:30:00.000Z');
    assert.throws(() => recordDecision(report, decision({ date: '2026-04-02' }), lateUtc), invalid('date', 'dateFuture'));
  });

  it('refuses a date before the Stockholm day the report arrived, though the UTC date is that day', () => {
    // 22:30 UTC on 31 March is 00:30 on 1 April in Stockholm: the report arrived on 1 April.
    const report = reportAt('2026-03-31T22:30:00Z');
    assert.throws(() => recordDecision(report, decision({ date: '2026-03-31' }), lateUtc), invalid('date', 'dateBeforeReport'));
    assert.equal(recordDecision(report, decision({ date: '2026-04-01' }), lateUtc).report.decisionDate, '2026-04-01');
  });

  it('counts the feedback week from the Stockholm decision date: due on 8 April, not 7', () => {
    const report = reportAt('2026-03-20T09:00:00+01:00');
    const decided = recordDecision(report, decision({ date: '2026-04-01' }), lateUtc).report;
    const feedback = clocksOf(decided, lateUtc).find((c) => c.name === 'feedback');
    assert.equal(local(feedback!.due), '2026-04-08 23:59');
  });

  it('counts the feedback given on 8 April (Stockholm) as within the week in the statistics', () => {
    const report = reportAt('2026-03-20T09:00:00+01:00', { feedbackRequested: true });
    const decided = recordDecision(report, decision({ date: '2026-04-01' }), lateUtc).report;
    // 20:00 UTC on 8 April is 22:00 in Stockholm: seven days after 1 April (eight after the UTC date 31 March).
    const facts = {
      draft_started_at: null,
      before_holiday: null,
      reporter_principal: null,
      repeat_child: null,
      reporter_role_group: null,
      ...rowOf(decided),
      feedback_given_at: '2026-04-08T20:00:00.000Z',
    };
    const counts = reportContribution(facts).counts;
    assert.equal(counts.feedbackWithinWeek, 1);
    assert.equal(counts.decidedWithin14, 1);
  });

  it('puts a report in the statistics month and the reference year it arrived in Stockholm', () => {
    assert.equal(reportAt('2026-03-31T22:30:00Z').receivedMonth, '2026-04');
    assert.equal(reportAt('2026-03-31T21:30:00Z').receivedMonth, '2026-03');
    const newYear = new Date('2026-12-31T23:30:00Z');
    assert.equal(reportAt(newYear.toISOString()).receivedMonth, '2027-01');
    assert.equal(referenceOf(referenceYear(newYear), 7), 'VÄ-2027-00007');
  });

  it('refuses a date that is not a calendar date', () => {
    const report = reportAt('2026-02-20T09:00:00+01:00');
    for (const date of ['2026-02-30', '2026-3-02', 'igår', ''])
      assert.throws(
        () => recordDecision(report, decision({ date }), new Date('2026-03-02T09:00:00+01:00')),
        invalid('date', 'dateInvalid'),
        date,
      );
  });
});

describe('the decision and its feedback (SoL (2025:400) 19 kap. 6 §, 20 kap. 2 §)', () => {
  const now = new Date('2026-03-02T14:00:00+01:00');
  const received = '2026-03-02T09:00:00+01:00';

  it('tells a reporter who asked about the investigation, nothing more', () => {
    const t = recordDecision(reportAt(received), decision({ outcome: 'notOpened' }), now);
    assert.deepEqual(t.feedback, { kind: 'investigation', outcome: 'notOpened' });
    assert.equal(t.report.feedbackGivenAt?.toISOString(), now.toISOString());
    assert.equal(t.report.feedbackSentUnrequested, false);
    assert.deepEqual(t.event, {
      kind: 'decision',
      detail: { outcome: 'notOpened', date: '2026-03-02', feedbackSent: true, beforeProtection: true },
    });
  });

  it('tells a reporter who did not ask only when intake chooses to, and says it was unasked', () => {
    const unasked = reportAt(received, { feedbackRequested: false });
    assert.equal(recordDecision(unasked, decision(), now).feedback, undefined);
    const sent = recordDecision(unasked, decision({ sendUnasked: true }), now);
    assert.deepEqual(sent.feedback, { kind: 'investigation', outcome: 'opened' });
    assert.equal(sent.report.feedbackSentUnrequested, true);
  });

  it('sends no decision feedback once intake marked it inappropriate, even when asked to send it unasked', () => {
    const marked = reportAt(received, { feedbackInappropriateAt: new Date('2026-03-02T10:00:00.000Z') });
    const t = recordDecision(marked, decision({ sendUnasked: true }), now);
    assert.equal(t.feedback, undefined);
    assert.equal(t.report.feedbackGivenAt, undefined);
  });

  it("keeps the law's order in the history: a decision after the protection assessment is not marked", () => {
    const assessed = assessProtection(reportAt(received), false, new Date('2026-03-02T10:00:00+01:00')).report;
    assert.equal(recordDecision(assessed, decision(), now).event.detail.beforeProtection, undefined);
  });

  it('refuses a second decision', () => {
    const decided = recordDecision(reportAt(received), decision(), now).report;
    assert.throws(() => recordDecision(decided, decision(), now), refusal('decided'));
  });

  it('changes only what it says, with the next version, and leaves the report it was given as it was', () => {
    const report = reportAt(received);
    const before = structuredClone(report);
    const t = recordDecision(report, decision(), now);
    assert.deepEqual(report, before);
    assert.deepEqual(Object.keys(t.changes).sort(), [
      'decision',
      'decisionAt',
      'decisionDate',
      'feedbackGivenAt',
      'feedbackSentUnrequested',
      'updatedAt',
      'version',
    ]);
    assert.equal(t.report.version, report.version + 1);
  });
});

describe('taking a report, the protection assessment, the joint meeting, registration', () => {
  const now = new Date('2026-03-02T10:00:00+01:00');
  const report = () => reportAt('2026-03-02T09:00:00+01:00');

  it('takes a report: the reporter learns who has it, with the phone the handler typed', () => {
    const t = takeReport(report(), handler, ' 08-123 456 78 ', now);
    assert.equal(t.report.handlerAad, 'aad-handler');
    assert.equal(t.report.receiptAt?.toISOString(), now.toISOString());
    assert.deepEqual(t.feedback, { kind: 'received', handlerName: 'Hanna Handläggare', handlerPhone: '08-123 456 78' });
  });

  it('refuses a report already taken, naming who has it, before it looks at the phone', () => {
    const taken = takeReport(report(), handler, '08-123 456 78', now).report;
    assert.throws(
      () => takeReport(taken, { aadObjectId: 'aad-other', name: 'Olle' }, '', now),
      (e) => refusal('taken')(e) && (e as ConflictError).detail.by === 'Hanna Handläggare',
    );
  });

  it('refuses a take without a phone, or with one that is not a phone number', () => {
    assert.throws(() => takeReport(report(), handler, undefined, now), invalid('phone', 'required'));
    assert.throws(() => takeReport(report(), handler, '   ', now), invalid('phone', 'required'));
    assert.throws(() => takeReport(report(), handler, 'ring mig', now), invalid('phone', 'phoneInvalid'));
  });

  it('records the protection assessment once (SoL (2025:400) 20 kap. 1 §)', () => {
    const t = assessProtection(report(), true, now);
    assert.equal(t.report.protectionImmediate, true);
    assert.deepEqual(t.event, { kind: 'protection', detail: { immediate: true } });
    assert.throws(() => assessProtection(t.report, false, now), refusal('assessed'));
  });

  it('offers a joint meeting once, and tells the reporter (19 kap. 5 §)', () => {
    const t = offerJointMeeting(report(), now);
    assert.deepEqual(t.feedback, { kind: 'jointMeetingOffered' });
    assert.throws(() => offerJointMeeting(t.report, now), refusal('alreadyOffered'));
  });

  it('registers a report once from the card; an export registers only what is neither registered nor purged', () => {
    const t = registerReport(report(), now);
    assert.deepEqual(t.event.detail, { via: 'card' });
    assert.throws(() => registerReport(t.report, now), refusal('registered'));
    assert.equal(registerByExport(t.report, 'pdf', now), undefined);
    assert.equal(registerByExport({ ...report(), purgedAt: now }, 'pdf', now), undefined);
    assert.deepEqual(registerByExport(report(), 'json', now)?.event.detail, { via: 'export', format: 'json' });
  });
});

describe('feedback marked inappropriate, and feedback asked for later', () => {
  const now = new Date('2026-03-03T10:00:00+01:00');
  const report = (changes: Partial<Report> = {}) => reportAt('2026-03-02T09:00:00+01:00', changes);

  it("keeps intake's reason as a note, never as feedback, and only once", () => {
    const t = markFeedbackInappropriate(report(), '  skäl  ', now);
    assert.equal(t.note, 'skäl');
    assert.equal(t.feedback, undefined);
    assert.deepEqual(t.event.detail, { afterFeedback: false });
    assert.throws(() => markFeedbackInappropriate(t.report, 'skäl', now), refusal('alreadyMarked'));
  });

  it('refuses an empty reason and one over 2,000 characters', () => {
    assert.throws(() => markFeedbackInappropriate(report(), '   ', now), invalid('reason', 'required'));
    assert.throws(() => markFeedbackInappropriate(report(), 'x'.repeat(2001), now), invalid('reason', 'tooLong:2000'));
  });

  it('sends the decision feedback at once to a reporter who asks after the decision', () => {
    const decided = report({
      feedbackRequested: false,
      decision: 'alreadyOngoing',
      decisionDate: '2026-03-02',
      decisionAt: new Date('2026-03-02T13:00:00.000Z'),
    });
    const t = requestFeedbackLater(decided, now);
    assert.deepEqual(t?.feedback, { kind: 'investigation', outcome: 'alreadyOngoing' });
    assert.equal(t?.report.feedbackGivenAt?.toISOString(), now.toISOString());
    assert.equal(requestFeedbackLater(t!.report, now), undefined, 'asked already: nothing changes');
  });

  it('only records the wish before the decision, or when feedback is inappropriate or given', () => {
    assert.equal(requestFeedbackLater(report({ feedbackRequested: false }), now)?.feedback, undefined);
    const inappropriate = report({
      feedbackRequested: false,
      decision: 'opened',
      decisionAt: new Date('2026-03-02T13:00:00.000Z'),
      feedbackInappropriateAt: new Date('2026-03-02T12:00:00.000Z'),
    });
    assert.equal(requestFeedbackLater(inappropriate, now)?.feedback, undefined);
    assert.equal(requestFeedbackLater(report(), now), undefined, 'asked on the form');
  });
});

describe("an acute report's alerts (issue 22 §3)", () => {
  const received = '2026-03-02T20:00:00+01:00';
  const acute = (changes: Partial<Report> = {}) => reportAt(received, changes, contentOf({ acute: true }));
  const after = (minutes: number) => new Date(new Date(received).getTime() + minutes * 60_000);

  it('is due at once, then every 15 minutes until someone takes the report', () => {
    assert.equal(acuteAlertDue(acute(), after(0)), 0);
    const alerted = acute({ acuteAlerts: 1, acuteAlertAt: after(0) });
    assert.equal(acuteAlertDue(alerted, after(14)), undefined);
    assert.equal(acuteAlertDue(alerted, after(15)), 1);
    assert.equal(acuteAlertDue({ ...alerted, handlerAad: 'aad-handler' }, after(15)), undefined);
  });

  it('stops after 24 hours, unless none was ever sent; never for a report that is not acute', () => {
    const alerted = acute({ acuteAlerts: 3, acuteAlertAt: after(60) });
    assert.equal(acuteAlertDue(alerted, after(24 * 60)), undefined);
    assert.equal(acuteAlertDue(acute(), after(24 * 60)), 0);
    assert.equal(acuteAlertDue(reportAt(received), after(0)), undefined);
  });
});
