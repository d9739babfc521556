import Holidays from 'date-holidays';
import type { IntakeUnit } from './municipality';

const TZ = 'Europe/Stockholm';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const holidays = new Holidays('SE');
const parts = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Local (Stockholm) calendar facts of an instant. */
export function localParts(at: Date): { date: string; weekday: (typeof DAYS)[number]; minutes: number } {
  const p = Object.fromEntries(parts.formatToParts(at).map((x) => [x.type, x.value]));
  const weekday = String(p.weekday).toLowerCase().slice(0, 3) as (typeof DAYS)[number];
  return { date: `${p.year}-${p.month}-${p.day}`, weekday, minutes: Number(p.hour) * 60 + Number(p.minute) };
}

/** Swedish public holidays (and the eves that are days off in practice) from a maintained library. */
export function isPublicHoliday(at: Date): boolean {
  const found = holidays.isHoliday(at);
  return Array.isArray(found) && found.some((h) => h.type === 'public' || h.type === 'bank');
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Is the intake unit open now? Outside office hours urgent reports go to socialjouren. */
export function isOpen(unit: Pick<IntakeUnit, 'officeHours'>, at: Date): boolean {
  const { weekday, minutes } = localParts(at);
  if (!unit.officeHours.days.includes(weekday)) return false;
  if (isPublicHoliday(at)) return false;
  return minutes >= toMinutes(unit.officeHours.open) && minutes < toMinutes(unit.officeHours.close);
}
