import { Cron } from 'croner';
import { isPublicHoliday, localParts } from '../office-hours';

/** Local (Stockholm) start of the next day after `at`. */
export function stockholmDayEnd(at: Date): Date {
  const { date } = localParts(at);
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  // Local midnight is UTC midnight minus the offset; try both Swedish offsets.
  for (const hours of [1, 2]) {
    const candidate = new Date(next.getTime() - hours * 3_600_000);
    const p = localParts(candidate);
    if (p.minutes === 0 && p.date === next.toISOString().slice(0, 10)) return candidate;
  }
  return new Date(next.getTime() - 3_600_000);
}

/** Reminders arrive 07:00-18:00 Stockholm time, Monday to Friday, not on Swedish public holidays. */
const WORK_FROM = 7 * 60;
const WORK_UNTIL = 18 * 60;
const workingMornings = new Cron('0 7 * * mon-fri', { timezone: 'Europe/Stockholm', paused: true });

export function isWorkingTime(at: Date): boolean {
  const { weekday, minutes } = localParts(at);
  return weekday !== 'sat' && weekday !== 'sun' && minutes >= WORK_FROM && minutes < WORK_UNTIL && !isPublicHoliday(at);
}

/**
 * `at` if it is working time, else the next working morning (07:00): a reminder due at night, on a
 * weekend or on a public holiday waits for it (Good Friday to the Tuesday after Easter Monday).
 */
export function nextWorkingTime(at: Date): Date {
  if (isWorkingTime(at)) return at;
  let t = workingMornings.nextRun(at);
  // Public holidays come at most a few in a row (Christmas to Boxing Day and a weekend).
  for (let i = 0; t && i < 20 && isPublicHoliday(t); i++) t = workingMornings.nextRun(t);
  return t ?? at;
}

/** Terms as Swedish schools count them: VT January–June, HT July–December (Stockholm time). */
export function termOf(at: Date): string {
  const { date } = localParts(at);
  const month = Number(date.slice(5, 7));
  return `${date.slice(0, 4)}-${month <= 6 ? 'VT' : 'HT'}`;
}
