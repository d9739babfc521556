import assert from 'node:assert/strict';
import Holidays from 'date-holidays';
import { isPublicHoliday, localParts } from '../../src/services/office-hours';

describe('public holidays (office hours and deadlines)', () => {
  it('knows the Swedish public holidays and the days that are not', () => {
    assert.equal(isPublicHoliday(new Date('2026-12-25T10:00:00+01:00')), true, 'juldagen');
    assert.equal(isPublicHoliday(new Date('2026-06-19T10:00:00+02:00')), true, 'midsommarafton');
    assert.equal(isPublicHoliday(new Date('2026-06-06T00:00:00+02:00')), true, 'nationaldagen from local midnight');
    assert.equal(isPublicHoliday(new Date('2026-06-05T23:59:59+02:00')), false, 'the evening before');
    assert.equal(isPublicHoliday(new Date('2026-06-05T23:59:59+02:00')), false, 'the same answer again, remembered');
    assert.equal(isPublicHoliday(new Date('2026-03-02T10:00:00+01:00')), false, 'an ordinary Monday');
  });

  it('may remember answers per Stockholm date: every public or bank holiday runs from local midnight to local midnight', () => {
    // isPublicHoliday caches by local date; that is exact only while the library's public and bank
    // holidays start and end at local midnight (its half days, e.g. trettondagsafton from 12:00, are
    // of type "optional" and never counted). Checked over a century.
    const hd = new Holidays('SE');
    for (let year = 2000; year <= 2100; year++) {
      for (const h of hd.getHolidays(year).filter((x) => x.type === 'public' || x.type === 'bank')) {
        assert.equal(localParts(h.start).minutes, 0, `${h.date} starts at local midnight`);
        assert.equal(localParts(h.end).minutes, 0, `${h.date} ends at local midnight`);
      }
    }
  });
});
