import type HolidaysType from 'date-holidays';
import type { IntakeUnit } from './municipality';

const TZ = 'Europe/Stockholm';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** date-holidays is loaded at the first question, not at start (it is a large module tree). */
let holidays: HolidaysType | undefined;
const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ,
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

type LocalParts = { readonly date: string; readonly weekday: (typeof DAYS)[number]; readonly minutes: number };
/** Answers per UTC minute (the parts have no seconds, and every zone offset is whole minutes). */
const partsByMinute = new Map<number, LocalParts>();

/** Local (Stockholm) calendar facts of an instant. */
export function localParts(at: Date): LocalParts {
  const minute = Math.floor(at.getTime() / 60_000);
  const known = partsByMinute.get(minute);
  if (known) return known;
  const p = Object.fromEntries(parts.formatToParts(at).map((x) => [x.type, x.value]));
  const weekday = String(p.weekday).toLowerCase().slice(0, 3) as (typeof DAYS)[number];
  const found: LocalParts = Object.freeze({
    date: `${p.year}-${p.month}-${p.day}`,
    weekday,
    minutes: Number(p.hour) * 60 + Number(p.minute),
  });
  // Formatting with a time zone is costly; a turn asks for the same few instants again and again.
  if (partsByMinute.size >= 4096) partsByMinute.clear();
  partsByMinute.set(minute, found);
  return found;
}

/** Answers per Stockholm date: the library's answer is costly (it evaluates every rule of the year). */
const holidayByDate = new Map<string, boolean>();

/**
 * Swedish public holidays (and the eves that are days off in practice) from a maintained library.
 * Its public and bank holidays run from local midnight to local midnight (checked for 2000–2100 in
 * tests/services/office-hours.test.ts), so the answer depends on the Stockholm date alone and is
 * remembered per date.
 */
export function isPublicHoliday(at: Date): boolean {
  const date = localParts(at).date;
  let answer = holidayByDate.get(date);
  if (answer === undefined) {
    // The package's CommonJS export is the class itself.
    holidays ??= new (require('date-holidays') as typeof HolidaysType)('SE');
    const found = holidays.isHoliday(at);
    answer = Array.isArray(found) && found.some((h) => h.type === 'public' || h.type === 'bank');
    if (holidayByDate.size >= 4096) holidayByDate.clear();
    holidayByDate.set(date, answer);
  }
  return answer;
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Is the intake unit open now? Outside office hours urgent reports go to socialjouren. */
export function isOpen(unit: Pick<IntakeUnit, 'officeHours'>, at: Date): boolean {
  const { weekday, minutes } = localParts(at);
  if (!unit.officeHours.days.includes(weekday)) return false;
  if (isPublicHoliday(at)) return false;
  return minutes >= toMinutes(unit.officeHours.open) && minutes < toMinutes(unit.officeHours.close);
}
