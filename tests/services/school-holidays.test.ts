import assert from 'node:assert/strict';
import { defaultHolidayRules, holidayStarts, isBeforeHoliday } from '../../src/services/school-holidays';

/** The school holidays behind "sent in the 14 days before a holiday" (issue 24 §2; Eksjö, Herrljunga). */
describe('school holidays (statistics: reports before a holiday)', () => {
  it('puts the Swedish breaks of 2026 where the default rules say', () => {
    // Sportlov week 9 (Mon 23 Feb), Good Friday 3 April, after Friday 12 June, höstlov week 44
    // (Mon 26 Oct), after Friday 18 December.
    assert.deepEqual(holidayStarts(2026), ['2026-02-23', '2026-04-03', '2026-06-13', '2026-10-26', '2026-12-19']);
    assert.deepEqual(holidayStarts(2025, { ...defaultHolidayRules, sportlovWeek: 7, starts: ['2025-06-11'] }), [
      '2025-02-10',
      '2025-04-18',
      '2025-06-11',
      '2025-06-14',
      '2025-10-27',
      '2025-12-20',
    ]);
  });

  it('counts the 14 days before a first day, not the first day itself, across a new year', () => {
    assert.equal(isBeforeHoliday('2026-03-20'), true, '14 days before Good Friday');
    assert.equal(isBeforeHoliday('2026-03-19'), false, '15 days before');
    assert.equal(isBeforeHoliday('2026-04-02'), true);
    assert.equal(isBeforeHoliday('2026-04-03'), false, 'the holiday itself');
    assert.equal(isBeforeHoliday('2026-12-18'), true);
    assert.equal(isBeforeHoliday('2026-08-20'), false);
    assert.equal(isBeforeHoliday('2026-12-31', { ...defaultHolidayRules, starts: ['2027-01-04'] }), true, 'a first day next year');
  });
});
