import type { IntakeUnit } from './municipality';
import { isPublicHoliday, localParts } from './office-hours';

const DAY_MS = 86_400_000;
const offsetFmt = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Stockholm', timeZoneName: 'longOffset' });

/** The instant of a local Stockholm date and time (DST handled by asking Intl for the offset). */
export function stockholmInstant(date: string, hhmm: string): Date {
  const guess = new Date(`${date}T${hhmm}:00Z`);
  const name = offsetFmt.formatToParts(guess).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT+01:00';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  const offsetMin = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 60;
  return new Date(guess.getTime() - offsetMin * 60_000);
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function isWorkingDay(unit: Pick<IntakeUnit, 'officeHours'>, at: Date): boolean {
  return unit.officeHours.days.includes(localParts(at).weekday) && !isPublicHoliday(at);
}

/**
 * Protection assessment (skyddsbedömning, SoL (2025:400) 20 kap. 1 §): the same day the report
 * arrives; the next working day when it arrives after office hours (or on a day off).
 */
export function protectionDue(receivedAt: Date, unit: Pick<IntakeUnit, 'officeHours'>): Date {
  const close = unit.officeHours.close;
  const local = localParts(receivedAt);
  if (isWorkingDay(unit, receivedAt) && local.minutes < toMinutes(close)) return stockholmInstant(local.date, close);
  let day = new Date(stockholmInstant(local.date, '12:00').getTime() + DAY_MS);
  for (let i = 0; i < 14 && !isWorkingDay(unit, day); i++) day = new Date(day.getTime() + DAY_MS);
  return stockholmInstant(localParts(day).date, close);
}

/** Decision whether to open an investigation (förhandsbedömning, 20 kap. 2 §): within 14 days. */
export function decisionDue(receivedAt: Date): Date {
  return new Date(receivedAt.getTime() + 14 * DAY_MS);
}

/** Feedback to a reporter who asked for it: within one week of the decision (19 kap. 6 §). */
export function feedbackDue(decisionAt: Date): Date {
  return new Date(decisionAt.getTime() + 7 * DAY_MS);
}

/** The instant `hours` working hours after `from` (for "not acknowledged within 2 working hours"). */
export function addWorkingHours(from: Date, hours: number, unit: Pick<IntakeUnit, 'officeHours'>): Date {
  let left = hours * 60;
  let cursor = from;
  for (let guard = 0; guard < 60 && left > 0; guard++) {
    const local = localParts(cursor);
    const open = toMinutes(unit.officeHours.open);
    const close = toMinutes(unit.officeHours.close);
    if (isWorkingDay(unit, cursor) && local.minutes < close) {
      const start = Math.max(local.minutes, open);
      const available = close - start;
      if (left <= available) return stockholmInstant(local.date, hhmmOf(start + left));
      left -= available;
    }
    const next = new Date(stockholmInstant(local.date, '12:00').getTime() + DAY_MS);
    cursor = stockholmInstant(localParts(next).date, '00:00');
  }
  return cursor;
}

const hhmmOf = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** YYYY-MM of an instant in Stockholm, for monthly statistics. */
export const stockholmMonth = (at: Date) => localParts(at).date.slice(0, 7);
