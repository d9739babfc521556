import { Cron } from 'croner';
import { z } from 'zod/v4';
import { defaultHolidayRules } from './school-holidays';

/**
 * The municipality's configuration: its schools (municipal and independent alike), its
 * districts, the intake units that receive reports, the annual cycle and retention.
 * One file per municipality, JSON or YAML; `config/schema.json` is generated from this.
 */

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes');
const guid = z.string().regex(/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/, 'must be a GUID (Entra object id)');
const phone = z.string().regex(/^\+?[0-9][0-9 -]{4,20}$/, 'must be a phone number, e.g. "0123-456 00"');
const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be a time as HH:MM');
/** Whether croner parses the pattern, and if so whether it ever fires ("0 8 31 2 *" never does). */
function cronProblem(p: string): string | undefined {
  let cron: Cron;
  try {
    cron = new Cron(p, { timezone: 'Europe/Stockholm', paused: true });
  } catch {
    return 'must be a cron expression, e.g. "0 7 * * mon"';
  }
  const never = 'never fires (no such date, e.g. 31 February): check day and month';
  try {
    return cron.nextRun() ? undefined : never;
  } catch {
    // croner searches on without end for some dates that never come ("31 4,6 *"): the same verdict.
    return never;
  }
}
const cronPattern = z
  .string()
  .min(9, 'must be a cron expression, e.g. "0 7 * * mon"')
  .superRefine((p, ctx) => {
    const problem = cronProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
/**
 * A Teams team or channel id as Teams gives it ("värna status" in the channel): 19:…@thread.tacv2
 * (or @thread.skype for old teams). A team's or channel's name, a GUID or a link is not one.
 */
export const THREAD_ID = /^19:[^\s@]+@thread\.(tacv2|skype)$/;
const threadId = z.string().regex(THREAD_ID, 'must be a Teams thread id such as "19:…@thread.tacv2" (run "värna status" in the channel)');
const localized = z.strictObject({ sv: z.string().min(1), en: z.string().min(1) });

export const Person = z.strictObject({
  aadObjectId: guid.describe('Entra ID object id of the user'),
  name: z.string().min(1).optional().describe('Display name, for the admin only'),
});

export const School = z.strictObject({
  id,
  name: z.string().min(1),
  type: z.enum(['municipal', 'independent']).describe('independent = fristående skola; routed like municipal ones'),
  level: z.enum(['förskola', 'grundskola', 'gymnasieskola', 'annan']).default('grundskola'),
  district: id,
  principals: z.array(Person).default([]),
  pupils: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'Number of pupils (children at a preschool): the statistics show reports per 100 pupils for a row only when every school in it has one (Stockholm 2015)',
    ),
});

export const OfficeHours = z.strictObject({
  days: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).default(['mon', 'tue', 'wed', 'thu', 'fri']),
  open: hhmm.default('08:00'),
  close: hhmm.default('16:30'),
});

export const IntakeUnit = z.strictObject({
  id,
  name: z.string().min(1),
  serves: z
    .object({ districts: z.array(id).default([]), schools: z.array(id).default([]) })
    .describe('Districts and/or single schools whose reports this unit receives'),
  teamId: threadId.describe('Teams team id (19:…@thread.tacv2), shown by "värna status" in the channel'),
  reportsChannelId: threadId,
  consultationsChannelId: threadId,
  phone: phone.describe('Intake phone in office hours'),
  onCallPhone: phone.describe('Socialjouren, outside office hours'),
  officeHours: OfficeHours.default({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], open: '08:00', close: '16:30' }),
  alertTag: z
    .object({
      id: z.string().min(1).describe('The tag id Graph gives (GET /teams/{team-id}/tags)'),
      name: z.string().min(1).describe('The tag name as Teams shows it'),
    })
    .optional()
    .describe(
      'A tag in the intake team (e.g. "Mottagningen"): an acute report\'s alert in its thread @mentions it, so everyone with the tag is notified. Bots cannot @mention a team or a channel; without a tag the alert is posted without a mention',
    ),
  onCall: z
    .union([
      z.object({
        channelId: z.string().min(1),
        teamId: z.string().min(1).optional().describe("The team of that channel, if not the unit's own (Värna must be installed there)"),
      }),
      z
        .object({ aadObjectId: guid, name: z.string().min(1).optional() })
        .describe('A person (e.g. the on-call manager) alerted in their 1:1 chat with Värna'),
    ])
    .optional()
    .describe(
      'Who is alerted when an acute report arrives outside office hours: a channel, or a person in Teams. Reporters are always told to phone onCallPhone',
    ),
});

export const Audience = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('allPrincipals') }),
  z.strictObject({ kind: z.literal('districtPrincipals'), district: id }),
  z.strictObject({ kind: z.literal('independentPrincipals') }).describe('the principals of the independent schools (fristående skolor)'),
  z.strictObject({ kind: z.literal('intakeUnit'), unit: id }),
  z
    .strictObject({ kind: z.literal('statistics') })
    .describe('the people in roles.statistics (committee secretaries, managers): each in their 1:1 chat'),
]);

/** "14d", "2w", "36h": how long after its due time a missed run is still worth sending. */
const duration = z.string().regex(/^\d{1,4}[hdw]$/, 'must be a duration such as "14d", "2w" or "36h"');
const DURATION_MS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
export const durationMs = (d: string): number => Number(d.slice(0, -1)) * DURATION_MS[d.slice(-1) as keyof typeof DURATION_MS];

export const CycleEntry = z.strictObject({
  id,
  schedule: cronPattern.describe(
    'cron expression, Europe/Stockholm; each term: e.g. "0 8 * 2,9 mon#1" (first Monday of February and September)',
  ),
  audience: Audience,
  title: localized,
  text: localized,
  description: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Why the entry is in the cycle and where it comes from (an audit, a decision): for whoever keeps this file; not shown in Teams',
    ),
  link: z.url().optional(),
  material: z
    .enum(['dutyCards'])
    .optional()
    .describe('dutyCards: the reminder card offers the "Om anmälningsplikten" cards to use when briefing staff'),
  figures: z
    .enum(['previousYear', 'previousTerm'])
    .optional()
    .describe(
      "The card carries a download of Värna's figures (the statistics PDF, small numbers suppressed) for the calendar year or school term before the due date; each recipient gets the figures they may see. Not for an intakeUnit audience",
    ),
  catchUpWithin: duration
    .default('14d')
    .describe(
      'After Värna was down: the latest missed run is still sent if it is no older than this (counted from the first working morning after its due time); older runs are logged, not sent',
    ),
});

export const Reminders = z.strictObject({
  draftNudgeMinutes: z.number().int().positive().default(60).describe('A report draft untouched this long gets one nudge: report at once'),
  principalDigest: cronPattern.default('0 7 * * mon').describe('cron (Europe/Stockholm): the weekly digest to each principal'),
  intakeSummary: cronPattern
    .default('30 7 * * mon-fri')
    .describe('cron (Europe/Stockholm): the daily summary in the intake channel (skipped on public holidays)'),
});
export const reminderDefaults = { draftNudgeMinutes: 60, principalDigest: '0 7 * * mon', intakeSummary: '30 7 * * mon-fri' };

export const Retention = z.strictObject({
  draftDays: z.number().int().positive().default(30),
  reportDaysAfterHandover: z.number().int().positive().default(90),
  consultationDaysAfterClose: z.number().int().positive().default(30),
  auditYears: z.number().int().positive().default(5),
  /**
   * A report that never got a decision in Värna (handled outside it) is shredded this long after it
   * was received. Long, so that no report is lost before the intake unit has surely acted on it.
   */
  undecidedReportDays: z.number().int().positive().default(730),
  /** A consultation left open (no message, no close) this long is closed and then purged as closed ones are. */
  consultationMaxOpenDays: z.number().int().positive().default(180),
  /** A user's stored preferences (school, phone, language) are deleted this long after their last use. */
  userDays: z.number().int().positive().default(365),
  /**
   * The municipality's retention decision (gallringsbeslut) that Värna's purges follow, as the
   * committee's records name it (e.g. "SN 2026-01-15 § 12"). Shown where purges are described.
   */
  decision: z
    .string()
    .trim()
    .min(1)
    .max(120)
    .optional()
    .describe('the retention decision (gallringsbeslut) the purges follow, e.g. "SN 2026-01-15 § 12"'),
  /**
   * A report not yet registered in the case system this many days before its purge date is
   * alerted (once) in its channel thread and in the intake unit's daily summary. It is not purged
   * until it is registered.
   */
  registrationWarningDays: z.number().int().positive().default(14),
  /** What becomes of Värna's own messages about a purged report in Teams: replaced by a short note, or deleted. */
  teamsMessages: z
    .enum(['replace', 'delete'])
    .default('replace')
    .describe("on purge, Värna's messages about the report in Teams are replaced by a note (replace) or deleted (delete)"),
});

const isoDate = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, 'must be a date as YYYY-MM-DD')
  .refine((d) => new Date(`${d}T12:00:00Z`).toISOString().slice(0, 10) === d, 'no such date');
/** See src/services/school-holidays.ts for the rules these adjust. */
export const SchoolHolidays = z.strictObject({
  sportlovWeek: z
    .number()
    .int()
    .min(6)
    .max(12)
    .default(defaultHolidayRules.sportlovWeek)
    .describe('ISO week of the winter break (sportlov): 9 in Stockholm, 7 or 8 in much of the country'),
  hostlovWeek: z
    .number()
    .int()
    .min(40)
    .max(46)
    .default(defaultHolidayRules.hostlovWeek)
    .describe('ISO week of the autumn break (höstlov), usually 44'),
  starts: z
    .array(isoDate)
    .default([])
    .describe(
      'First days of other holidays or of breaks the rules miss (YYYY-MM-DD), e.g. a term that ends on another day than the second Friday of June or the third Friday of December',
    ),
});

export const Municipality = z
  .strictObject({
    $schema: z.string().optional(),
    municipality: z.strictObject({ name: z.string().min(1) }),
    districts: z.array(z.strictObject({ id, name: z.string().min(1) })).min(1),
    schools: z.array(School).min(1),
    intakeUnits: z.array(IntakeUnit).min(1),
    roles: z
      .object({ statistics: z.array(Person).default([]) })
      .default({ statistics: [] })
      .describe('Committee secretaries and managers who may see statistics'),
    principalIsParty: z
      .boolean()
      .default(false)
      .describe('true when the routine makes the principal a party to every report (references and status, never content)'),
    annualCycle: z.array(CycleEntry).default([]),
    reminders: Reminders.default(reminderDefaults),
    schoolHolidays: SchoolHolidays.default({ ...defaultHolidayRules, starts: [] }).describe(
      'When school holidays begin, for the statistics\' "reports in the two weeks before a holiday" (Eksjö 2021, Herrljunga 2018). Defaults: sportlov week 9, påsklov from Good Friday, sommarlov after the second Friday of June, höstlov week 44, jullov after the third Friday of December',
    ),
    retention: Retention.default({
      draftDays: 30,
      reportDaysAfterHandover: 90,
      consultationDaysAfterClose: 30,
      auditYears: 5,
      undecidedReportDays: 730,
      consultationMaxOpenDays: 180,
      userDays: 365,
      registrationWarningDays: 14,
      teamsMessages: 'replace',
    }),
  })
  .superRefine((m, ctx) => referenceProblems(m).forEach((p) => ctx.addIssue({ code: 'custom', path: p.path, message: p.message })));

interface Problem {
  path: Array<string | number>;
  message: string;
}
type Loose = {
  id?: unknown;
  district?: unknown;
  figures?: unknown;
  serves?: { districts?: unknown; schools?: unknown };
  audience?: { kind?: unknown; district?: unknown; unit?: unknown };
};
const list = (v: unknown): Loose[] => (Array.isArray(v) ? (v as Loose[]) : []);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * Cross-references (districts, schools, units) checked on the raw file too, so that a file with
 * several kinds of problems gets them all named at once.
 */
export function referenceProblems(raw: unknown): Problem[] {
  const m = (raw ?? {}) as { districts?: unknown; schools?: unknown; intakeUnits?: unknown; annualCycle?: unknown };
  const out: Problem[] = [];
  const districts = new Set(list(m.districts).map((d) => d.id));
  const schoolList = list(m.schools);
  const schools = new Set(schoolList.map((s) => s.id));
  const unitList = list(m.intakeUnits);
  const units = new Set(unitList.map((u) => u.id));
  duplicates(schoolList.map((s) => String(s.id))).forEach((dup) =>
    out.push({ path: ['schools'], message: `school id "${dup}" is used twice` }),
  );
  schoolList.forEach((s, i) => {
    if (typeof s.district === 'string' && !districts.has(s.district))
      out.push({ path: ['schools', i, 'district'], message: `unknown district "${s.district}"` });
  });
  unitList.forEach((u, i) => {
    strings(u.serves?.districts).forEach((d, j) => {
      if (!districts.has(d)) out.push({ path: ['intakeUnits', i, 'serves', 'districts', j], message: `unknown district "${d}"` });
    });
    strings(u.serves?.schools).forEach((s, j) => {
      if (!schools.has(s)) out.push({ path: ['intakeUnits', i, 'serves', 'schools', j], message: `unknown school "${s}"` });
    });
  });
  schoolList.forEach((s, i) => {
    if (typeof s.id !== 'string') return;
    const served = unitList.some(
      (u) => strings(u.serves?.schools).includes(s.id as string) || strings(u.serves?.districts).includes(String(s.district)),
    );
    if (unitList.length && !served) out.push({ path: ['schools', i], message: `no intake unit serves school "${s.id}"` });
  });
  list(m.annualCycle).forEach((e, i) => {
    const a = e.audience ?? {};
    if (a.kind === 'districtPrincipals' && typeof a.district === 'string' && !districts.has(a.district))
      out.push({ path: ['annualCycle', i, 'audience', 'district'], message: `unknown district "${a.district}"` });
    if (a.kind === 'intakeUnit' && typeof a.unit === 'string' && !units.has(a.unit))
      out.push({ path: ['annualCycle', i, 'audience', 'unit'], message: `unknown intake unit "${a.unit}"` });
    // A download link names the person it was made for; a channel has no one person.
    if (a.kind === 'intakeUnit' && e.figures !== undefined)
      out.push({
        path: ['annualCycle', i, 'figures'],
        message: 'figures go to people (principals or statistics), not to an intake channel',
      });
  });
  return out;
}

export type Municipality = z.infer<typeof Municipality>;
export type School = z.infer<typeof School>;
export type IntakeUnit = z.infer<typeof IntakeUnit>;
export type CycleEntry = z.infer<typeof CycleEntry>;

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(values.filter((v) => (seen.has(v) ? true : (seen.add(v), false))))];
}

/** Lookups the services need, built once from the validated config. */
export function directory(m: Municipality) {
  const schools = new Map(m.schools.map((s) => [s.id, s]));
  const districts = new Map(m.districts.map((d) => [d.id, d]));
  return {
    municipality: m,
    school: (schoolId: string) => schools.get(schoolId),
    district: (districtId: string) => districts.get(districtId),
    /** A report from an independent school is routed exactly like a municipal one. */
    intakeUnitFor(schoolId: string): IntakeUnit | undefined {
      const school = schools.get(schoolId);
      if (!school) return undefined;
      return (
        m.intakeUnits.find((u) => u.serves.schools.includes(school.id)) ??
        m.intakeUnits.find((u) => u.serves.districts.includes(school.district))
      );
    },
    intakeUnit: (unitId: string) => m.intakeUnits.find((u) => u.id === unitId),
    intakeUnitByTeam: (teamId: string) => m.intakeUnits.find((u) => u.teamId === teamId),
    schoolsOfPrincipal: (aadObjectId: string) =>
      m.schools.filter((s) => s.principals.some((p) => p.aadObjectId.toLowerCase() === aadObjectId.toLowerCase())),
    isStatistician: (aadObjectId: string) => m.roles.statistics.some((p) => p.aadObjectId.toLowerCase() === aadObjectId.toLowerCase()),
  };
}
export type Directory = ReturnType<typeof directory>;
