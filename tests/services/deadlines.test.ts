import assert from 'node:assert/strict';
import { decisionDue, feedbackDue, protectionDue } from '../../src/services/deadlines';

/** Exempelkommun's intake unit: Monday–Friday 08:00–16:30. */
const unit = {
  officeHours: {
    days: ['mon', 'tue', 'wed', 'thu', 'fri'] as Array<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'>,
    open: '08:00',
    close: '16:30',
  },
};
const local = (d: Date) =>
  new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', dateStyle: 'short', timeStyle: 'short' }).format(d);
const due = (at: string) => local(protectionDue(new Date(at), unit));

describe('the clocks the law sets (SoL (2025:400) 19 kap. 6 §, 20 kap. 1–2 §§)', () => {
  it('protection assessment: the same calendar day, or the next calendar day when the report arrives after office hours (prop. 2012/13:10 s. 60)', () => {
    assert.equal(due('2026-03-06T10:00:00+01:00'), '2026-03-06 23:59', 'Friday morning: that day');
    assert.equal(due('2026-03-06T16:29:00+01:00'), '2026-03-06 23:59', 'before closing: that day');
    assert.equal(due('2026-03-06T16:30:00+01:00'), '2026-03-07 23:59', 'at closing time it is late: the next day');
    assert.equal(due('2026-03-06T20:00:00+01:00'), '2026-03-07 23:59', 'Friday evening: Saturday, not Monday');
    assert.equal(due('2026-03-07T10:00:00+01:00'), '2026-03-07 23:59', 'a Saturday morning: that day');
    assert.equal(due('2026-03-09T06:00:00+01:00'), '2026-03-09 23:59', 'before opening is not late');
    assert.equal(
      due('2026-04-02T18:00:00+02:00'),
      '2026-04-03 23:59',
      'Maundy Thursday evening: Good Friday, not the Tuesday after Easter',
    );
    assert.equal(due('2026-10-24T20:00:00+02:00'), '2026-10-25 23:59', 'the night summer time ends');
  });

  it('decision within 14 Stockholm calendar days, also across a change to summer time', () => {
    assert.equal(local(decisionDue(new Date('2026-03-02T09:00:00+01:00'))), '2026-03-16 23:59');
    // 23:30 on 20 March (winter) + 14 × 24 h is 00:30 on 4 April in summer time: one day too late.
    assert.equal(local(decisionDue(new Date('2026-03-20T23:30:00+01:00'))), '2026-04-03 23:59');
    assert.equal(
      local(decisionDue(new Date('2026-03-03T00:30:00+01:00'))),
      '2026-03-17 23:59',
      'just after midnight counts from that Stockholm day',
    );
  });

  it('feedback within a week of the decision date intake entered; at once when already ongoing or asked for later', () => {
    assert.equal(local(feedbackDue({ date: '2026-03-02', outcome: 'opened' })), '2026-03-09 23:59');
    assert.equal(local(feedbackDue({ date: '2026-03-02', outcome: 'notOpened' })), '2026-03-09 23:59');
    assert.equal(local(feedbackDue({ date: '2026-03-02', outcome: 'alreadyOngoing' })), '2026-03-02 23:59');
    assert.equal(local(feedbackDue({ date: '2026-03-02', outcome: 'opened' }, new Date('2026-03-20T10:00:00+01:00'))), '2026-03-20 23:59');
  });
});
