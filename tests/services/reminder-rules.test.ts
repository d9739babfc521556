import assert from 'node:assert/strict';
import type { CycleEntry } from '../../src/services/municipality';
import { doneBySchoolAndTerm, isStale, lateInstallsToReach, runOf, splitDue } from '../../src/services/reminders/rules';
import type { Reminder } from '../../src/services/store/reminders';

const entry = { id: 'terminsstart', catchUpWithin: '14d', audience: { kind: 'allPrincipals' } } as unknown as CycleEntry;
const entryOf = (id: string) => (id === entry.id ? entry : undefined);
const at = (s: string) => new Date(s);
const reminder = (over: Partial<Reminder>): Reminder => ({
  id: 'r1',
  key: 'k',
  entryId: entry.id,
  dueAt: at('2026-08-10T07:00:00+02:00'),
  recipientAad: 'anna',
  schoolId: 'ekbacken',
  status: 'unreachable',
  sentCount: 0,
  createdAt: at('2026-08-10T07:00:00+02:00'),
  ...over,
});

describe('which annual-cycle reminders are still worth sending', () => {
  it('counts catchUpWithin from the first working morning after the due time, or after a snooze', () => {
    // Due Saturday: the window starts Monday 07:00, so 14 days later is still in it.
    const saturday = { dueAt: at('2026-08-15T07:00:00+02:00') };
    assert.equal(isStale(entry, saturday, at('2026-08-31T06:59:00+02:00')), false, 'Monday 17 + 14 days: still relevant');
    assert.equal(isStale(entry, saturday, at('2026-08-31T07:01:00+02:00')), true, 'a minute past the window');
    const snoozed = { dueAt: at('2026-08-03T07:00:00+02:00'), snoozedUntil: at('2026-08-17T07:00:00+02:00') };
    assert.equal(isStale(entry, snoozed, at('2026-08-25T10:00:00+02:00')), false, 'the snooze moves the window');
  });

  it('brings a late installer only the latest run of each routine, within its window, for an entry still configured', () => {
    const now = at('2026-08-20T10:00:00+02:00');
    const older = reminder({ id: 'older', dueAt: at('2026-08-03T07:00:00+02:00') });
    const latest = reminder({ id: 'latest', dueAt: at('2026-08-17T07:00:00+02:00') });
    const otherSchool = reminder({ id: 'other-school', schoolId: 'granbo', dueAt: at('2026-08-10T07:00:00+02:00') });
    const outOfWindow = reminder({ id: 'out-of-window', schoolId: 'aspen', dueAt: at('2026-08-03T07:00:00+02:00') });
    const notInstalled = reminder({ id: 'bo', recipientAad: 'bo' });
    const removed = reminder({ id: 'removed', entryId: 'gone' });
    const unreachable = [older, latest, otherSchool, outOfWindow, notInstalled, removed];
    const reached = lateInstallsToReach(unreachable, unreachable, new Set(['anna']), entryOf, now);
    assert.deepEqual(reached.map((r) => r.id).sort(), ['latest', 'other-school']);
  });

  it('does not bring a run back once a newer run of the routine exists, even one already sent', () => {
    const now = at('2026-08-20T10:00:00+02:00');
    const missed = reminder({ id: 'missed', dueAt: at('2026-08-10T07:00:00+02:00') });
    const sentLater = { entryId: entry.id, recipientAad: 'anna', schoolId: 'ekbacken', dueAt: at('2026-08-17T07:00:00+02:00') };
    assert.deepEqual(lateInstallsToReach([missed], [missed, sentLater], new Set(['anna']), entryOf, now), []);
  });

  it('makes one reminder per recipient, unreachable (and not scheduled) without the app', () => {
    const dueAt = at('2026-08-17T07:00:00+02:00');
    const run = runOf(
      entry,
      dueAt,
      [{ aadObjectId: 'anna', schoolId: 'ekbacken' }, { aadObjectId: 'bo', schoolId: 'ekbacken' }, { unitId: 'norr' }],
      new Set(['anna']),
      dueAt,
      dueAt,
    );
    assert.deepEqual(
      run.map((r) => [r.status, r.sendAt?.toISOString()]),
      [
        ['open', dueAt.toISOString()],
        ['unreachable', undefined],
        ['open', dueAt.toISOString()],
      ],
    );
    assert.equal(run[0]!.key, `cycle:terminsstart:${dueAt.toISOString()}:anna:ekbacken`, 'the key makes a retried run insert nothing new');
    assert.equal(run[2]!.key, `cycle:terminsstart:${dueAt.toISOString()}:unit-norr:`);
  });

  it('counts a school once per entry and run however many principals pressed "Klart", by Stockholm term', () => {
    const rows = [
      { schoolId: 'ekbacken', entryId: 'e', dueAt: at('2026-06-30T23:30:00+02:00') },
      { schoolId: 'ekbacken', entryId: 'e', dueAt: at('2026-06-30T23:30:00+02:00') },
      { schoolId: 'ekbacken', entryId: 'e', dueAt: at('2026-07-01T00:30:00+02:00') },
    ];
    assert.deepEqual(doneBySchoolAndTerm(rows), [
      { schoolId: 'ekbacken', entryId: 'e', term: '2026-HT', done: 1 },
      { schoolId: 'ekbacken', entryId: 'e', term: '2026-VT', done: 1 },
    ]);
  });
});

describe("the intake unit's daily list", () => {
  it('puts what is overdue first, then what is due today, and counts what does not fit', () => {
    const day = at('2026-03-03T08:00:00+01:00');
    const rows = [
      { reference: 'today', due: at('2026-03-03T16:00:00+01:00') },
      { reference: 'late', due: at('2026-03-02T12:00:00+01:00') },
      { reference: 'later', due: at('2026-03-01T12:00:00+01:00') },
    ];
    assert.deepEqual(splitDue(rows, day), { overdue: ['later', 'late'], dueToday: ['today'], more: 0 });
    const many = Array.from({ length: 35 }, (_, i) => ({ reference: `R${i}`, due: new Date(day.getTime() - (i + 1) * 60_000) }));
    const cut = splitDue(many, day);
    assert.equal(cut.overdue.length, 30);
    assert.equal(cut.more, 5);
  });
});
