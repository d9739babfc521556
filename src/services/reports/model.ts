import Personnummer from 'personnummer';
import { z } from 'zod/v4';

/**
 * The report of concern (orosanmälan, SoL (2025:400) 19 kap. 1 §), step by step as the teacher
 * fills it in. Pure: schemas, validation to field error codes, nothing else.
 */

export const categories = [
  'violence',
  'sexualAbuse',
  'honour',
  'neglect',
  'guardianSubstanceOrMentalIllness',
  'childBehaviour',
  'schoolAbsence',
  'other',
] as const;
export type Category = (typeof categories)[number];

/**
 * When the concern is one of these, the school does not tell the guardians: it consults the social
 * services first, and they decide when and how the guardians learn of it. No provision says so; it
 * is guidance: Skolverket, "Skolans ansvar för barn som far illa" (hot, våld, övergrepp, a
 * hedersrelaterad kontext), and Socialstyrelsen, "Att anmäla oro för barn". Threats are reported
 * under `violence` ("Våld eller hot mot barnet"). See docs/legal.md.
 */
export const doNotInformGuardians: ReadonlySet<Category> = new Set(['violence', 'sexualAbuse', 'honour']);

export const steps = ['acute', 'child', 'guardians', 'concern', 'reporter', 'wishes'] as const;
export type Step = (typeof steps)[number];

/**
 * The form's three cards (issue 22 §1): every card is a place to stop, so the steps are grouped.
 * (1) acute danger first, then the child and the school; (2) the concern, the child's own words and
 * the guardians; (3) the reporter and the wishes (prefilled, shown collapsed), the review and
 * *Skicka*. A draft's `step` stays a step name (drafts stored before the change resume on the card
 * that holds their step); `pageOf` says which card shows it.
 */
export const pages = ['childPage', 'concernPage', 'sendPage'] as const;
export type Page = (typeof pages)[number];
export const pageSteps: Record<Page, readonly Step[]> = {
  childPage: ['acute', 'child'],
  concernPage: ['concern', 'guardians'],
  sendPage: ['reporter', 'wishes'],
};

export function pageOf(step: Step | 'review'): Page {
  if (step === 'review') return 'sendPage';
  return pages.find((p) => pageSteps[p].includes(step))!;
}

/** The input ids of a step (its schema's keys). */
export function fieldsOf(step: Step): string[] {
  return Object.keys(stepSchemas[step].shape);
}

/** The wishes are pre-set: feedback asked for (19 kap. 6 §), no joint meeting; the teacher changes them in one press. */
export const wishesPreset = { feedbackWanted: true, jointMeeting: false } as const;

/** Field length limits: generous for facts, and small enough that every card stays under Teams' limits. */
export const limits = {
  short: 200,
  pnr: 20,
  className: 40,
  address: 300,
  guardians: 2000,
  reason: 2000,
  observed: 8000,
  when: 300,
  childWords: 4000,
  schoolActions: 4000,
  phone: 40,
  email: 200,
} as const;

export type FieldErrors = Record<string, string>;

const trimmed = (max: number) =>
  z
    .string()
    .transform((s) => s.replace(/\r\n/g, '\n').trim())
    .pipe(z.string().max(max, { error: `tooLong:${max}` }));
const optionalText = (max: number) =>
  trimmed(max)
    .optional()
    .transform((s) => (s ? s : undefined));
const requiredText = (max: number) => trimmed(max).pipe(z.string().min(1, { error: 'required' }));
const flag = z.union([z.boolean(), z.enum(['true', 'false'])]).transform((v) => v === true || v === 'true');

export const AcuteStep = z.object({ immediateDanger: z.enum(['yes', 'no'], { error: 'required' }) });

/** "20150714 9803" and "150714 9803": a space where the hyphen goes is read as the hyphen. */
export const normalizePnr = (value: string): string =>
  value
    .trim()
    .replace(
      /^(\d{6}|\d{8})\s+([-+]?)\s*(\d{4})$|^(\d{6}|\d{8})([-+]?)\s+(\d{4})$/,
      (...m: string[]) => `${m[1] ?? m[4]}${m[2] || m[5] || '-'}${m[3] ?? m[6]}`,
    );

export const ChildStep = z.object({
  childName: requiredText(limits.short),
  pnr: optionalText(limits.pnr).transform((s) => (s ? normalizePnr(s) : s)),
  birthDate: optionalText(10),
  schoolId: requiredText(limits.short),
  className: optionalText(limits.className),
  address: optionalText(limits.address),
  language: optionalText(limits.short),
  interpreter: flag.optional(),
});

export const GuardiansStep = z.object({
  guardians: requiredText(limits.guardians),
  /** `notYet`: the report comes first. No provision obliges the school to tell the guardians, so no reason is asked for. */
  informed: z.enum(['yes', 'noSensitive', 'notYet', 'noOther'], { error: 'required' }),
  notInformedReason: optionalText(limits.reason),
});

export const ConcernStep = z.object({
  category: z.enum(categories, { error: 'required' }),
  observed: requiredText(limits.observed),
  when: requiredText(limits.when),
  childWords: optionalText(limits.childWords),
  schoolActions: optionalText(limits.schoolActions),
});

export const ReporterStep = z.object({
  reporterName: requiredText(limits.short),
  reporterRole: requiredText(limits.short),
  reporterPhone: requiredText(limits.phone),
  reporterEmail: optionalText(limits.email),
  informantName: optionalText(limits.short),
  informantRole: optionalText(limits.short),
  informantContact: optionalText(limits.short),
  principalKnows: z.enum(['yes', 'no'], { error: 'required' }),
});

export const WishesStep = z.object({
  feedbackWanted: flag,
  jointMeeting: flag,
});

export const stepSchemas = {
  acute: AcuteStep,
  child: ChildStep,
  guardians: GuardiansStep,
  concern: ConcernStep,
  reporter: ReporterStep,
  wishes: WishesStep,
} as const;

export type AcuteData = z.infer<typeof AcuteStep>;
export type ChildData = z.infer<typeof ChildStep>;
export type GuardiansData = z.infer<typeof GuardiansStep>;
export type ConcernData = z.infer<typeof ConcernStep>;
export type ReporterData = z.infer<typeof ReporterStep>;
export type WishesData = z.infer<typeof WishesStep>;

/** A draft: what has been filled in so far (validated per step), plus raw values of a step that failed. */
export interface DraftContent {
  acute?: AcuteData;
  child?: ChildData;
  guardians?: GuardiansData;
  concern?: ConcernData;
  reporter?: ReporterData;
  wishes?: WishesData;
  /** Prefill for a step not yet completed (from a consultation, a sibling report, the profile). */
  prefill?: Partial<Record<Step, Record<string, string | boolean>>>;
  fromConsultation?: string;
}

/** The complete content of a submitted report. */
export interface ReportContent {
  acute: AcuteData;
  child: ChildData & { pnrNormalized?: string; coordinationNumber?: boolean };
  guardians: GuardiansData;
  concern: ConcernData;
  reporter: ReporterData & { aadObjectId: string };
  wishes: WishesData;
}

/** Checks a personnummer or samordningsnummer with the maintained `personnummer` package. */
export function checkPersonnummer(
  value: string,
  at: Date,
): { ok: true; normalized: string; coordination: boolean; age: number } | { ok: false; code: string } {
  const typed = normalizePnr(value);
  if (!Personnummer.valid(typed)) return { ok: false, code: 'pnrInvalid' };
  const p = Personnummer.parse(typed);
  const normalized = p.format(true);
  const coordination = p.isCoordinationNumber();
  const year = Number(normalized.slice(0, 4));
  const month = Number(normalized.slice(4, 6));
  const day = Number(normalized.slice(6, 8)) - (coordination ? 60 : 0);
  const age = ageOn(new Date(Date.UTC(year, month - 1, day)), at);
  return { ok: true, normalized, coordination, age };
}

function ageOn(birth: Date, at: Date): number {
  let age = at.getUTCFullYear() - birth.getUTCFullYear();
  const beforeBirthday =
    at.getUTCMonth() < birth.getUTCMonth() || (at.getUTCMonth() === birth.getUTCMonth() && at.getUTCDate() < birth.getUTCDate());
  if (beforeBirthday) age--;
  return age;
}

function issuesToErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '_');
    if (out[field]) continue;
    out[field] =
      issue.message.startsWith('tooLong:') || issue.message === 'required'
        ? issue.message
        : issue.code === 'invalid_value'
          ? 'required'
          : 'invalid';
  }
  return out;
}

export type StepResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/** Validates one step's raw card values; cross-field rules (the law's and common sense) included. */
export function validateStep(
  step: Step,
  raw: Record<string, unknown>,
  ctx: { at: Date; knownSchool: (id: string) => boolean },
): StepResult<unknown> {
  const parsed = stepSchemas[step].safeParse(raw);
  const errors: FieldErrors = parsed.success ? {} : issuesToErrors(parsed.error);
  if (step === 'child') {
    const pnr = typeof raw.pnr === 'string' ? raw.pnr.trim() : '';
    const birth = typeof raw.birthDate === 'string' ? raw.birthDate.trim() : '';
    if (pnr) {
      const checked = checkPersonnummer(pnr, ctx.at);
      if (!checked.ok) errors.pnr = checked.code;
      else if (checked.age >= 18) errors.pnr = 'notAChild';
      else if (checked.age < 0) errors.pnr = 'pnrInvalid';
    } else if (!birth) {
      errors.pnr ??= 'pnrOrBirthDate';
    }
    if (!pnr && birth) {
      const d = /^\d{4}-\d{2}-\d{2}$/.test(birth) ? new Date(`${birth}T12:00:00Z`) : undefined;
      if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== birth) errors.birthDate = 'dateInvalid';
      else if (d > ctx.at) errors.birthDate = 'dateFuture';
      else if (ageOn(d, ctx.at) >= 18) errors.birthDate = 'notAChild';
    }
    if (typeof raw.schoolId === 'string' && raw.schoolId && !ctx.knownSchool(raw.schoolId)) errors.schoolId = 'unknownSchool';
  }
  if (step === 'reporter') {
    const phone = typeof raw.reporterPhone === 'string' ? raw.reporterPhone.trim() : '';
    if (phone && !/^\+?[0-9][0-9 ()-]{5,}$/.test(phone)) errors.reporterPhone ??= 'phoneInvalid';
    const email = typeof raw.reporterEmail === 'string' ? raw.reporterEmail.trim() : '';
    if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) errors.reporterEmail ??= 'emailInvalid';
  }
  if (Object.keys(errors).length || !parsed.success) return { ok: false, errors };
  return { ok: true, data: parsed.data };
}

/** The steps still missing, in order. */
export function missingSteps(d: DraftContent): Step[] {
  return steps.filter((s) => d[s] === undefined);
}

export function isComplete(
  d: DraftContent,
): d is DraftContent & Omit<ReportContent, 'reporter' | 'child'> & { child: ChildData; reporter: ReporterData } {
  return missingSteps(d).length === 0;
}

/** Text too long for the card (pasted past the input's maxLength): which field, how long, the limit. */
export function oversize(step: Step, raw: Record<string, unknown>): { field: string; length: number; max: number } | undefined {
  const shape = stepSchemas[step].shape as Record<string, unknown>;
  for (const [field, value] of Object.entries(raw)) {
    if (typeof value !== 'string' || !(field in shape)) continue;
    const max = maxFor(field);
    if (max && value.trim().length > max) return { field, length: value.trim().length, max };
  }
  return undefined;
}

/**
 * What one card may carry in typed text, as it goes back to Teams (UTF-8, JSON-escaped): the card
 * comes back with every value in it, and Teams refuses a card over 28 KB. Every field at its limit
 * in plain letters fits; the same in letters of two bytes (å, ä, ö throughout) does not, and is
 * answered like text pasted past a field's limit.
 */
export const CARD_TEXT_BYTES = 21 * 1024;

export function cardTextBytes(values: Array<Record<string, unknown>>): number {
  return values.reduce(
    (n, v) => n + Object.values(v).reduce<number>((m, x) => m + (typeof x === 'string' ? Buffer.byteLength(JSON.stringify(x)) : 0), 0),
    0,
  );
}

export function maxFor(field: string): number | undefined {
  const map: Record<string, number> = {
    childName: limits.short,
    pnr: limits.pnr,
    className: limits.className,
    address: limits.address,
    language: limits.short,
    guardians: limits.guardians,
    notInformedReason: limits.reason,
    observed: limits.observed,
    when: limits.when,
    childWords: limits.childWords,
    schoolActions: limits.schoolActions,
    reporterName: limits.short,
    reporterRole: limits.short,
    reporterPhone: limits.phone,
    reporterEmail: limits.email,
    informantName: limits.short,
    informantRole: limits.short,
    informantContact: limits.short,
    schoolId: limits.short,
    birthDate: 10,
  };
  return map[field];
}
