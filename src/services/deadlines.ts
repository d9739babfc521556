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

/** The Stockholm calendar date (YYYY-MM-DD) of an instant: every deadline and decision date is one. */
export const stockholmDate = (at: Date): string => localParts(at).date;

/** A calendar date `days` days after `date` (both YYYY-MM-DD; no time of day, so no DST step). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The last instant of a Stockholm calendar date (shown as 23:59; DST handled). */
export function endOfStockholmDay(date: string): Date {
  return new Date(stockholmInstant(addDays(date, 1), '00:00').getTime() - 1);
}

/** Is `value` a real calendar date written YYYY-MM-DD (not 2026-02-30)? */
export const isCalendarDate = (value: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(value) && addDays(value, 0) === value;

/**
 * Is a report "late" that day in the sense of the preparatory works (below): it arrived at or
 * after the intake unit's closing time, on any day of the week. The unit's office hours are the
 * only measure Värna has of when a report can still be assessed the same day.
 */
export function arrivedLate(receivedAt: Date, unit: Pick<IntakeUnit, 'officeHours'>): boolean {
  return localParts(receivedAt).minutes >= toMinutes(unit.officeHours.close);
}

/**
 * Protection assessment (skyddsbedömning): SoL (2025:400) 20 kap. 1 § says "genast"; the
 * preparatory works of the provision (prop. 2012/13:10 s. 60) say the same day the report arrives,
 * or at the latest the day after when it arrives late that day. Calendar days, not working days:
 * a report sent on a Friday evening is due on Saturday (socialjouren covers the days the unit is
 * closed), so on Monday it shows as overdue, as it is. Due at the end of that Stockholm day.
 */
export function protectionDue(receivedAt: Date, unit: Pick<IntakeUnit, 'officeHours'>): Date {
  const day = stockholmDate(receivedAt);
  return endOfStockholmDay(arrivedLate(receivedAt, unit) ? addDays(day, 1) : day);
}

/**
 * Decision whether to open an investigation (förhandsbedömning, 20 kap. 2 §): within 14 days of
 * the report, counted in Stockholm calendar days (as the statistics count "within 14 days"), so a
 * change to or from summer time in between does not move it.
 */
export function decisionDue(receivedAt: Date): Date {
  return endOfStockholmDay(addDays(stockholmDate(receivedAt), 14));
}

/**
 * Feedback to a reporter who asked for it (19 kap. 6 §): within one week of the decision, counted
 * from the decision date intake entered (not from when it was recorded, so a decision entered late
 * does not look on time); at once, the same day, when the investigation was already ongoing or
 * when the reporter asked only after the decision (`askedAfterDecision`, the day they asked).
 */
export function feedbackDue(decision: { date: string; outcome: string }, askedAfterDecision?: Date): Date {
  if (askedAfterDecision) return endOfStockholmDay(stockholmDate(askedAfterDecision));
  return endOfStockholmDay(decision.outcome === 'alreadyOngoing' ? decision.date : addDays(decision.date, 7));
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
