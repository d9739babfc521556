/**
 * School holidays, for "reports sent in the two weeks before a holiday" (issue 24 §2; Eksjö 2021
 * and Herrljunga 2018: reports held back until the end of term). Swedish school holidays are set
 * by each municipality (huvudman), so the rules below are the common Swedish pattern and the
 * municipality file can move the breaks that vary (sportlov, höstlov) and add the first days the
 * rules miss (`schoolHolidays` in the municipality file).
 *
 * The first day of each holiday, per calendar year:
 *   sportlov  Monday of ISO week `sportlovWeek` (default 9: Stockholm; 7 or 8 in much of the country)
 *   påsklov   Good Friday (långfredagen): the break around Easter begins with it
 *   sommarlov the Saturday after the second Friday of June (the spring term ends that Friday)
 *   höstlov   Monday of ISO week `hostlovWeek` (default 44)
 *   jullov    the Saturday after the third Friday of December
 *   plus each date of `starts`.
 */

export interface HolidayRules {
  sportlovWeek: number;
  hostlovWeek: number;
  /** Extra first days of a holiday (YYYY-MM-DD). */
  starts: string[];
}
export const defaultHolidayRules: HolidayRules = { sportlovWeek: 9, hostlovWeek: 44, starts: [] };

/** The days before a holiday's first day that count as "before the holiday". */
export const DAYS_BEFORE_HOLIDAY = 14;

const DAY_MS = 86_400_000;
const utc = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Monday of ISO week `week` of `year` (week 1 holds 4 January). */
function isoWeekMonday(year: number, week: number): number {
  const jan4 = utc(year, 1, 4);
  const dow = (new Date(jan4).getUTCDay() + 6) % 7; // Monday 0
  return jan4 - dow * DAY_MS + (week - 1) * 7 * DAY_MS;
}

/** Easter Sunday (the Gregorian computus, anonymous algorithm). */
function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(year, month, day);
}

/** The day after the `nth` Friday of a month. */
function saturdayAfterFriday(year: number, month: number, nth: number): number {
  const first = utc(year, month, 1);
  const toFriday = (5 - new Date(first).getUTCDay() + 7) % 7;
  return first + (toFriday + (nth - 1) * 7 + 1) * DAY_MS;
}

/** The first days of the school holidays of a calendar year, sorted. */
export function holidayStarts(year: number, rules: HolidayRules = defaultHolidayRules): string[] {
  const out = [
    isoWeekMonday(year, rules.sportlovWeek),
    easterSunday(year) - 2 * DAY_MS,
    saturdayAfterFriday(year, 6, 2),
    isoWeekMonday(year, rules.hostlovWeek),
    saturdayAfterFriday(year, 12, 3),
  ].map(iso);
  for (const s of rules.starts) if (s.startsWith(`${year}-`)) out.push(s);
  return [...new Set(out)].sort();
}

/**
 * Is a Stockholm date (YYYY-MM-DD) within the 14 days before a school holiday's first day (the
 * first day itself not included)?
 */
export function isBeforeHoliday(date: string, rules: HolidayRules = defaultHolidayRules): boolean {
  const day = Date.parse(`${date}T00:00:00Z`);
  const year = Number(date.slice(0, 4));
  return [...holidayStarts(year, rules), ...holidayStarts(year + 1, rules)].some((s) => {
    const start = Date.parse(`${s}T00:00:00Z`);
    return day < start && day >= start - DAYS_BEFORE_HOLIDAY * DAY_MS;
  });
}
