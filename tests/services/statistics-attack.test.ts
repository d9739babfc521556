import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { directory } from '../../src/services/municipality';
import { countKeys, groupBys, makeStatistics, type CountKey, type GroupBy, type Period } from '../../src/services/statistics';
import { statisticsTable } from '../../src/services/statistics-export';
import { rebuildRollup } from '../../src/services/stat-rollup';
import { openStore, type Store } from '../../src/services/store';
import type { ConsultationTable, ReportTable } from '../../src/services/store/schema';
import { narrowed, rangesOfParts, type Inequality, type Target } from '../support/interval-audit';
import { createTestStore } from '../support/store';

/**
 * The attacker (issue 7): someone who can ask every query there is. On a generated data set we
 * collect every count that every query prints (all months, terms, the year and every custom range
 * of whole months a user can ask for, at most 12, over the data and a month either side; grouped by school, district, school type
 * and category; as the committee, and as each principal, one of whom has two schools), read
 * through `statisticsTable` (what the card, CSV and Excel show). Each printed count is a linear
 * equation over the hidden base cells (month × school × category × the finest count). By exact
 * Gaussian elimination (integers, checked to stay exact) we check that no base cell with 1-4 cases,
 * and no printed ".." cell with 1-4, lies in the row space: none can be worked out by any
 * sum or difference of published figures. The attacker knows the definitions: a part is at most
 * its whole, and the reports are the sum of their role groups and of their weekdays in every base
 * cell (issue 24 §2); the linear programs use both.
 */

const config = loadConfig({ NODE_ENV: 'test', VARNA_CONFIG: 'config/example.yaml' });
const STATISTICIAN = '6f1c2a10-0000-4000-8000-000000000201';
const PRINCIPALS = ['6f1c2a10-0000-4000-8000-000000000101', '6f1c2a10-0000-4000-8000-000000000102', '6f1c2a10-0000-4000-8000-000000000103'];
// Ekbacken's principal leads Solstrålen too: a scope of two schools in two districts.
const m = config.municipality;
const dir = directory({
  ...m,
  schools: m.schools.map((s) =>
    s.id === 'solstralen' ? { ...s, principals: [...s.principals, ...m.schools.find((x) => x.id === 'ekbacken')!.principals] } : s,
  ),
});
const schools = dir.municipality.schools;
const CATEGORIES = ['neglect', 'violence'];
const MONTHS = ['2026-05', '2026-06', '2026-07', '2026-08'];
const SHOWN_MONTHS = ['2026-04', ...MONTHS, '2026-09'];

/** The finest counts: a sum key is the sum of its parts. */
const parts: Partial<Record<CountKey, CountKey[]>> = {
  decisions: ['opened', 'notOpened', 'alreadyOngoing'],
  consultations: ['consultReport', 'consultNoReportNow', 'consultOtherSupport', 'consultNoOutcome'],
};
const finest = countKeys.filter((k) => !parts[k]);

/**
 * Counts that are part of another in every base cell (stat-rollup.ts: `reportContribution` and
 * `consultationContribution` count both in the report's or consultation's own cell): whole ⊇ part.
 * The complement (whole − part: reports by other staff than principals, children reported for the
 * first time, reports without a decision yet) is a count about children too: a box of it of 1-4
 * must not be read off two printed figures, nor narrowed by their bounds (issue 24: reports 19,
 * decisions 16 printed for a school gave 3 reports without a decision). The sum families (`parts`)
 * are audited as such already. Written out here apart from statistics.ts's own `subsets` on
 * purpose: an audit that read the code's list would not notice a relation missing from it.
 */
const subsets: Array<[CountKey, CountKey]> = [
  ['reports', 'feedbackRequested'],
  ['reports', 'receiptConfirmed'],
  ['reports', 'protectionInTime'],
  ['reports', 'decisions'],
  ['reports', 'reportsBeforeHoliday'],
  ['reports', 'byPrincipal'],
  ['reports', 'repeatReports'],
  ['reports', 'jointMeetings'],
  ['feedbackRequested', 'feedbackGiven'],
  ['feedbackGiven', 'feedbackWithinWeek'],
  ['decisions', 'decidedWithin14'],
  ['decisions', 'feedbackInappropriate'],
  ['consultations', 'ledToReport'],
];
/**
 * Partitions of the reports in every base cell (stat-rollup.ts `roleCount`, `weekdayCount`; issue 24
 * §2): each report counts in exactly one role group and in exactly one weekday, so in every base
 * cell reports = the sum of either list's parts. The attacker knows the definitions. Written out
 * here apart from statistics.ts's `families`, for the reason above. The weekday "unknown" holds only
 * reports purged before 0171: 0 here, but the attacker does not know that.
 */
const partitions: Array<[CountKey, CountKey[]]> = [
  ['reports', ['byPrincipal', 'roleTeaching', 'roleStudentHealth', 'roleOther']],
  ['reports', ['weekdayMon', 'weekdayTue', 'weekdayWed', 'weekdayThu', 'weekdayFri', 'weekdayWeekend', 'weekdayUnknown']],
];
const [roleParts, weekdayParts] = partitions.map(([, ps]) => ps) as [CountKey[], CountKey[]];
/**
 * Every report of a data set with its role group and weekday: the data sets (hand-made and
 * generated) are those of before the two breakdowns, so each report without them gets a role
 * (a principal's byPrincipal stays; else mostly teaching, some elevhälsan and other) and a weekday
 * (Monday to the weekend in turn) by its place in the list: the same data, broken down.
 */
function broken(facts: Fact[]): Fact[] {
  const roles: CountKey[] = ['roleTeaching', 'roleTeaching', 'roleStudentHealth', 'roleTeaching', 'roleOther'];
  return facts.map((f, i) => {
    if (!f.keys.includes('reports')) return f;
    const keys = [...f.keys];
    if (!keys.some((k) => roleParts.includes(k))) keys.push(roles[i % roles.length]!);
    if (!keys.some((k) => weekdayParts.includes(k))) keys.push(weekdayParts[i % 6]!);
    return { ...f, keys };
  });
}
/** A day of `month` (the 6th to the 12th, so the decision dates below stay within or past 14 days) on weekday part `w` (0 Monday … 5 the weekend). */
function dayOn(month: string, w: number): string {
  for (let d = 6; d <= 12; d++) {
    const dow = new Date(`${month}-${String(d).padStart(2, '0')}T12:00:00Z`).getUTCDay();
    if ((dow === 0 || dow === 6 ? 5 : dow - 1) === w) return String(d).padStart(2, '0');
  }
  throw new Error(`no weekday ${w} in ${month}`);
}
/** A count with the sum family it belongs to (decisions and their outcomes), or alone. */
const sumFamily = (k: CountKey): CountKey[] => {
  for (const [sum, ps] of Object.entries(parts) as Array<[CountKey, CountKey[]]>) if (sum === k || ps.includes(k)) return [sum, ...ps];
  return [k];
};
const noCategory = new Set<CountKey>([
  'consultations',
  'consultReport',
  'consultNoReportNow',
  'consultOtherSupport',
  'consultNoOutcome',
  'ledToReport',
]);

interface Fact {
  school: string;
  month: string;
  category: string;
  keys: CountKey[];
}

// --- exact linear algebra -------------------------------------------------------------------------

const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));
/** Row space over the rationals, kept in reduced echelon form with integer rows (each divided by its gcd). */
class RowSpace {
  private readonly rows = new Map<number, number[]>();
  constructor(private readonly n: number) {}
  private reduce(v: number[]): number[] {
    const out = [...v];
    for (const [p, r] of this.rows) {
      if (!out[p]) continue;
      const f = out[p]!;
      const g = r[p]!;
      for (let i = 0; i < this.n; i++) out[i] = g * out[i]! - f * r[i]!;
      let d = 0;
      for (const x of out) d = gcd(d, x);
      if (d > 1) for (let i = 0; i < this.n; i++) out[i]! /= d;
      for (const x of out) assert.ok(Number.isSafeInteger(x), 'elimination left exact integers');
    }
    return out;
  }
  add(v: number[]): void {
    const r = this.reduce(v);
    const p = r.findIndex((x) => x !== 0);
    if (p < 0) return;
    for (const [q, row] of this.rows) {
      if (!row[p]) continue;
      const f = row[p]!;
      const g = r[p]!;
      const next = row.map((x, i) => g * x - f * r[i]!);
      let d = 0;
      for (const x of next) d = gcd(d, x);
      this.rows.set(q, d > 1 ? next.map((x) => x / d) : next);
    }
    this.rows.set(p, r);
  }
  contains(v: number[]): boolean {
    return this.reduce(v).every((x) => x === 0);
  }
}

// --- the data set and every query ------------------------------------------------------------------

async function load(store: Store, facts: Fact[], consults: Fact[]): Promise<void> {
  const reports: ReportTable[] = facts.map((f, i) => {
    const s = dir.school(f.school)!;
    const has = (k: CountKey) => f.keys.includes(k);
    // Sent on its weekday (08:00 UTC: the same Stockholm date).
    const at = `${f.month}-${dayOn(f.month, weekdayParts.findIndex(has))}T08:00:00.000Z`;
    const decision = has('opened') ? 'opened' : has('notOpened') ? 'notOpened' : has('alreadyOngoing') ? 'alreadyOngoing' : null;
    const decisionDate = decision ? `${f.month}-${has('decidedWithin14') ? '20' : '28'}` : null;
    // Issue 24 §2: feedback 2 days after the decision date (within the week) or 10 (not).
    const feedbackAt = decisionDate
      ? new Date(Date.parse(`${decisionDate}T08:00:00.000Z`) + (has('feedbackWithinWeek') ? 2 : 10) * 86_400_000).toISOString()
      : `${f.month}-21T08:00:00.000Z`;
    return {
      id: `r${i}`,
      reference: `R-${i}`,
      submission_key: `k${i}`,
      reporter_aad: 'r',
      reporter_locale: 'sv',
      school_id: s.id,
      district_id: s.district,
      school_type: s.type,
      intake_unit_id: 'ifo-mottagningen',
      category: f.category,
      acute: 0,
      feedback_requested: has('feedbackRequested') ? 1 : 0,
      joint_meeting_wanted: 0,
      child_key: null,
      sealed: null,
      received_at: at,
      received_month: f.month,
      protection_due_at: at,
      decision_due_at: at,
      channel_conversation_id: null,
      channel_activity_id: null,
      handler_aad: null,
      handler_name: null,
      handler_phone: null,
      receipt_at: has('receiptConfirmed') ? at : null,
      protection_at: has('protectionInTime') ? at : null,
      protection_immediate: null,
      decision,
      decision_date: decisionDate,
      decision_at: null,
      feedback_inappropriate_at: has('feedbackInappropriate') ? at : null,
      feedback_requested_later_at: null,
      feedback_given_at: has('feedbackGiven') ? feedbackAt : null,
      joint_meeting_offered_at: has('jointMeetings') ? at : null,
      feedback_sent_unrequested: null,
      version: 1,
      purged_at: null,
      updated_at: at,
      before_holiday: has('reportsBeforeHoliday') ? 1 : 0,
      reporter_principal: has('byPrincipal') ? 1 : 0,
      repeat_child: has('repeatReports') ? 1 : 0,
      reporter_role_group: has('byPrincipal')
        ? 'principal'
        : has('roleTeaching')
          ? 'teaching'
          : has('roleStudentHealth')
            ? 'studentHealth'
            : 'otherRole',
    };
  });
  for (let i = 0; i < reports.length; i += 100)
    await store.db
      .insertInto('reports')
      .values(reports.slice(i, i + 100))
      .execute();
  const rows: ConsultationTable[] = consults.map((f, i) => {
    const s = dir.school(f.school)!;
    const outcome = f.keys.includes('consultReport')
      ? 'report'
      : f.keys.includes('consultNoReportNow')
        ? 'noReportNow'
        : f.keys.includes('consultOtherSupport')
          ? 'otherSupport'
          : null;
    return {
      id: `c${i}`,
      number: i + 1,
      submission_key: `ck${i}`,
      teacher_key: 't',
      teacher_locale: 'sv',
      unit_id: 'ifo-mottagningen',
      school_id: s.id,
      district_id: s.district,
      school_type: s.type,
      school_shown: 1,
      sealed: null,
      status: outcome ? 'closed' : 'open',
      created_at: `${f.month}-10T08:00:00.000Z`,
      first_answer_at: null,
      closed_at: null,
      outcome,
      led_to_report: f.keys.includes('ledToReport') ? 1 : 0,
      messages: 1,
      channel_conversation_id: null,
      channel_activity_id: null,
      version: 1,
      purged_at: null,
      updated_at: `${f.month}-10T08:00:00.000Z`,
    };
  });
  for (let i = 0; i < rows.length; i += 100)
    await store.db
      .insertInto('consultations')
      .values(rows.slice(i, i + 100))
      .execute();
  await rebuildRollup(store.db);
}

/**
 * The longest custom period a user can ask for, in months (statistics.ts MAX_PERIOD_MONTHS; kept
 * here on purpose, like `subsets`: the attacker asks what the card takes, whatever the code says).
 * The data span fewer months today, so every custom range over them is asked.
 */
const MAX_PERIOD_MONTHS = 12;

function periods(): Period[] {
  const out: Period[] = SHOWN_MONTHS.map((month) => ({ kind: 'month', month }));
  out.push({ kind: 'term', term: '2026-VT' }, { kind: 'term', term: '2026-HT' }, { kind: 'year', year: 2026 });
  for (let a = 0; a < SHOWN_MONTHS.length; a++)
    for (let b = a; b < SHOWN_MONTHS.length && b - a < MAX_PERIOD_MONTHS; b++)
      out.push({ kind: 'custom', from: `${SHOWN_MONTHS[a]}-01`, to: `${SHOWN_MONTHS[b]}-01` });
  return out;
}

interface Printed {
  key: CountKey;
  schools: string[];
  category: string | undefined;
  months: string[];
  text: string;
}

/** Every count every query prints, read from the export table, with the box it sums over. */
async function everything(store: Store): Promise<Printed[]> {
  const stats = makeStatistics({
    store,
    clock: { now: () => new Date('2027-01-15T08:00:00Z') },
    log: createLogger('silent'),
    directory: dir,
    reminders: { doneBySchoolAndTerm: async () => [] },
  });
  const out: Printed[] = [];
  for (const actor of [STATISTICIAN, ...PRINCIPALS]) {
    const scope = dir.isStatistician(actor) ? schools.map((s) => s.id) : dir.schoolsOfPrincipal(actor).map((s) => s.id);
    for (const period of periods())
      for (const groupBy of groupBys) {
        const s = await stats.figures({ aadObjectId: actor }, { period, groupBy });
        const months = SHOWN_MONTHS.filter((mm) => mm >= s.from.slice(0, 7) && mm <= s.to.slice(0, 7));
        const table = statisticsTable(s).slice(1);
        const groupSchools = (g: string, by: GroupBy) =>
          scope.filter((id) => {
            const x = dir.school(id)!;
            return by === 'school' ? id === g : by === 'district' ? x.district === g : by === 'schoolType' ? x.type === g : true;
          });
        [...s.rows, s.total].forEach((row, i) => {
          const isTotal = i === s.rows.length;
          countKeys.forEach((key, c) =>
            out.push({
              key,
              schools: isTotal ? scope : groupSchools(row.key, groupBy),
              category: !isTotal && groupBy === 'category' ? row.key : undefined,
              months,
              text: table[i]![c + 1]!,
            }),
          );
        });
      }
  }
  return out;
}

/** The unknowns (base cells), their true values, and a printed figure as the base cells it sums. */
function cellsOf(facts: Fact[], consults: Fact[]) {
  const unknowns = new Map<string, number>();
  const id = (key: CountKey, school: string, category: string, month: string) => `${key}|${school}|${category}|${month}`;
  for (const key of finest)
    for (const s of schools)
      for (const c of noCategory.has(key) ? [''] : CATEGORIES)
        for (const mm of SHOWN_MONTHS) unknowns.set(id(key, s.id, c, mm), unknowns.size);
  const truth = new Array<number>(unknowns.size).fill(0);
  for (const f of facts) for (const k of f.keys) if (!noCategory.has(k)) truth[unknowns.get(id(k, f.school, f.category, f.month))!]!++;
  for (const f of consults) for (const k of f.keys) if (noCategory.has(k)) truth[unknowns.get(id(k, f.school, '', f.month))!]!++;
  const vectorOf = (p: Printed) => {
    const v = new Array<number>(unknowns.size).fill(0);
    if (p.category !== undefined && noCategory.has(p.key)) return v; // no consultations by category
    for (const k of parts[p.key] ?? [p.key])
      for (const s of p.schools)
        for (const c of noCategory.has(k) ? [''] : p.category !== undefined ? [p.category] : CATEGORIES)
          for (const mm of p.months) v[unknowns.get(id(k, s, c, mm))!] = 1;
    return v;
  };
  const value = (v: number[]) => v.reduce((sum, x, i) => sum + x * truth[i]!, 0);
  /** Per partition, per base cell: reports − its parts = 0 (known to the attacker). */
  const identities = partitions.map(([whole, ps]) => {
    const rows: Array<{ cells: number[]; values: number[] }> = [];
    for (const s of schools)
      for (const c of CATEGORIES)
        for (const mm of SHOWN_MONTHS) {
          const cells = [whole, ...ps].map((k) => unknowns.get(id(k, s.id, c, mm))!);
          rows.push({ cells, values: cells.map((_, i) => (i === 0 ? 1 : -1)) });
        }
    return { keys: [whole, ...ps], rows };
  });
  const identityVector = (r: { cells: number[]; values: number[] }) => {
    const v = new Array<number>(unknowns.size).fill(0);
    r.cells.forEach((c, i) => (v[c] = r.values[i]!));
    return v;
  };
  const asEqualities = (rows: Array<{ cells: number[]; values: number[] }>): Inequality[] => rows.map((r) => ({ ...r, lo: 0, hi: 0 }));
  return { unknowns, truth, vectorOf, value, identities, identityVector, asEqualities };
}

const describePrinted = (p: Printed) => `${p.key} ${p.schools.join('+')} ${p.category ?? 'all'} ${p.months.join(',')}`;

/** The attack: returns every protected figure or base cell with 1-4 that the published figures pin down. */
function attack(printed: Printed[], facts: Fact[], consults: Fact[]): string[] {
  const { unknowns, truth, vectorOf, value, identities, identityVector } = cellsOf(facts, consults);
  const space = new RowSpace(unknowns.size);
  // What the definitions say: in every base cell the reports are the sum of each partition's parts.
  for (const { rows } of identities) for (const r of rows) space.add(identityVector(r));
  const seen = new Set<string>();
  const found: string[] = [];
  for (const p of printed) {
    const v = vectorOf(p);
    const n = value(v);
    // Every printed figure is right, and every count under 5 is hidden (".."): one mark for every
    // figure not shown, so that the mark says nothing of the figure.
    if (/^\d+$/.test(p.text)) assert.equal(Number(p.text), n, `${p.key} ${p.schools} ${p.category} ${p.months}`);
    else assert.equal(p.text, '..', `${p.key} ${p.schools} ${p.category} ${p.months} = ${n}`);
    if (/^\d+$/.test(p.text)) assert.ok(n >= 5, `${p.key} ${p.schools} ${p.category} ${p.months} = ${n} is shown`);
    const sig = v.join('');
    if (/^\d+$/.test(p.text) && !seen.has(sig)) {
      seen.add(sig);
      space.add(v);
    }
  }
  for (const p of printed) {
    if (/^\d+$/.test(p.text)) continue;
    const v = vectorOf(p);
    const n = value(v);
    if (n >= 1 && n <= 4 && space.contains(v)) found.push(`printed ${p.text}: ${describePrinted(p)} = ${n}`);
  }
  // A complement (whole − part) of 1-4 over a box both are printed for: never a combination either.
  for (const { whole, part, n, label } of complementBoxes(printed, facts, consults))
    if (space.contains(vectorOf(whole).map((x, i) => x - vectorOf(part)[i]!))) found.push(`complement ${label} = ${n}`);
  for (const [name, i] of unknowns) {
    if (truth[i]! < 1 || truth[i]! > 4) continue;
    const v = new Array<number>(unknowns.size).fill(0);
    v[i] = 1;
    if (space.contains(v)) found.push(`base cell ${name} = ${truth[i]}`);
  }
  return found;
}

/**
 * The attack with bounds (issue 24): every printed figure with what it says (a number; ".." = 0 or
 * more) and every base cell 0 or more, by linear programming: every hidden figure of
 * 1-4 must still range over 1-4. Within one family (decisions and their outcomes; consultations
 * and theirs): the pattern protects each family on its own.
 */
/**
 * The same on each printed row alone: a sum and its parts over one box, as one viewer gets them
 * (the 4 + 4 of issue 24). Every hidden part of 1-4 must still range over 1-4.
 */
function rowAttack(printed: Printed[], facts: Fact[], consults: Fact[]): string[] {
  const { vectorOf, value } = cellsOf(facts, consults);
  const byBox = new Map<string, Map<CountKey, Printed>>();
  printed.forEach((p, i) => {
    // Consecutive runs of one table row: the keys of one box as one query printed them.
    const box = `${Math.floor(i / countKeys.length)}`;
    if (!byBox.has(box)) byBox.set(box, new Map());
    byBox.get(box)!.set(p.key, p);
  });
  const found: string[] = [];
  for (const row of byBox.values())
    for (const [sum, ps] of [...(Object.entries(parts) as Array<[CountKey, CountKey[]]>), ...partitions]) {
      const total = row.get(sum);
      if (!total || (total.category !== undefined && noCategory.has(sum))) continue;
      const texts = ps.map((k) => row.get(k)!.text);
      rangesOfParts(total.text, texts).forEach(([lo, hi], i) => {
        const p = row.get(ps[i]!)!;
        const n = value(vectorOf(p));
        if (p.text === '..' && n >= 1 && n <= 4 && (lo > 1 || hi < 4))
          found.push(
            `${describePrinted(p)} = ${n}: ${lo}-${hi} from ${sum} ${total.text}, ${ps.map((k, j) => `${k} ${texts[j]}`).join(', ')}`,
          );
      });
    }
  return [...new Set(found)];
}

async function boundsAttack(printed: Printed[], facts: Fact[], consults: Fact[]): Promise<string[]> {
  const { unknowns, vectorOf, value, identities, asEqualities } = cellsOf(facts, consults);
  const found: string[] = [];
  // Each sum family once (decisions and their outcomes; consultations and theirs; every other count
  // alone), and the reports with both their partitions at once (who reports and when, issue 24 §2:
  // the two share the reports, so an attacker plays one off against the other), with the sums.
  const inPartitions = new Set(partitions.flatMap(([whole, ps]) => [whole, ...ps]));
  const sumFamilies = [
    ...[...new Map(countKeys.map((k) => [sumFamily(k)[0], sumFamily(k)])).values()].filter((f) => !f.every((k) => inPartitions.has(k))),
    [...inPartitions],
  ];
  for (const family of sumFamilies) {
    const inFamily = printed.filter((p) => family.includes(p.key));
    const figures = inFamily.map((p) => ({
      cells: vectorOf(p).flatMap((x, i) => (x ? [i] : [])),
      text: p.text,
      label: describePrinted(p),
    }));
    const targets = new Map<string, Target>();
    inFamily.forEach((p, i) => {
      const n = value(vectorOf(p));
      const cells = figures[i]!.cells;
      if (p.text === '..' && n >= 1 && n <= 4 && !targets.has(cells.join()))
        targets.set(cells.join(), { cells, label: `..: ${describePrinted(p)} = ${n}` });
    });
    const sums = identities.filter((i) => i.keys.every((k) => family.includes(k))).flatMap((i) => asEqualities(i.rows));
    const started = Date.now();
    found.push(...(await narrowed(unknowns.size, figures, [...targets.values()], Boolean(process.env.VARNA_ATTACK_EXPLAIN), sums)));
    // VARNA_ATTACK_TIMES=1: what each linear program costs (the breakdowns' is the largest).
    if (process.env.VARNA_ATTACK_TIMES)
      console.log(
        `bounds ${family.length > 3 ? family[0] + '+' + (family.length - 1) : family.join('+')}: ${figures.length} figures, ${targets.size} targets, ${Date.now() - started} ms`,
      );
  }
  return found;
}

/** Every box printed for both counts of a subset pair whose complement (whole − part) is 1-4, once each. */
function complementBoxes(printed: Printed[], facts: Fact[], consults: Fact[]) {
  const { vectorOf, value } = cellsOf(facts, consults);
  const byBox = new Map<string, Map<CountKey, Printed>>();
  for (const p of printed) {
    if (p.category !== undefined && noCategory.has(p.key)) continue;
    const box = `${p.schools.join()}|${p.category ?? ''}|${p.months.join()}`;
    if (!byBox.has(box)) byBox.set(box, new Map());
    byBox.get(box)!.set(p.key, p);
  }
  const out: Array<{ whole: Printed; part: Printed; n: number; label: string; pair: [CountKey, CountKey] }> = [];
  for (const row of byBox.values())
    for (const [w, pt] of subsets) {
      const whole = row.get(w);
      const part = row.get(pt);
      if (!whole || !part || !whole.months.length) continue;
      const n = value(vectorOf(whole)) - value(vectorOf(part));
      if (n >= 1 && n <= 4)
        out.push({ whole, part, n, label: `${w} − ${pt} ${describePrinted(whole).replace(/^\S+ /, '')}`, pair: [w, pt] });
    }
  return out;
}

/**
 * The bounds attack on complements: for each subset pair, everything printed of both counts'
 * families, every base cell 0 or more, and the part at most the whole in every base cell (the
 * attacker knows the definitions). Every complement box of 1-4 must still range over 1-4.
 */
async function complementAttack(printed: Printed[], facts: Fact[], consults: Fact[]): Promise<string[]> {
  const { unknowns, vectorOf, identities, asEqualities } = cellsOf(facts, consults);
  const boxes = complementBoxes(printed, facts, consults);
  const found: string[] = [];
  const cellsOfP = (p: Printed) => vectorOf(p).flatMap((x, i) => (x ? [i] : []));
  for (const [w, pt] of subsets) {
    const keys = new Set([...sumFamily(w), ...sumFamily(pt)]);
    // A part that is also a part of a partition of the whole (reports by a principal): the rest is
    // the other parts' sum, so the partition's figures and sums are the attacker's too.
    const sums: Inequality[] = [];
    for (const [i, [whole, ps]] of partitions.entries())
      if (whole === w && ps.includes(pt)) {
        for (const k of ps) keys.add(k);
        sums.push(...asEqualities(identities[i]!.rows));
      }
    const figures = printed.filter((p) => keys.has(p.key)).map((p) => ({ cells: cellsOfP(p), text: p.text, label: describePrinted(p) }));
    const inequalities: Inequality[] = [...sums];
    for (const [a, b] of subsets) {
      if (!keys.has(a) || !keys.has(b)) continue;
      for (const s of schools)
        for (const c of noCategory.has(a) ? [undefined] : CATEGORIES)
          for (const mm of SHOWN_MONTHS) {
            const at = (key: CountKey) => vectorOf({ key, schools: [s.id], category: c, months: [mm], text: '' });
            const [va, vb] = [at(a), at(b)];
            const cells = va.flatMap((x, i) => (x || vb[i] ? [i] : []));
            inequalities.push({ cells, values: cells.map((i) => vb[i]! - va[i]!), lo: -Infinity, hi: 0 });
          }
    }
    const targets = new Map<string, Target>();
    for (const { whole, part, n, label, pair } of boxes) {
      if (pair[0] !== w || pair[1] !== pt) continue;
      const [cw, cp] = [cellsOfP(whole), cellsOfP(part)];
      const key = `${cw.join()}/${cp.join()}`;
      if (!targets.has(key))
        targets.set(key, { cells: [...cw, ...cp], values: [...cw.map(() => 1), ...cp.map(() => -1)], label: `${label} = ${n}` });
    }
    const started = Date.now();
    if (targets.size)
      found.push(
        ...(await narrowed(unknowns.size, figures, [...targets.values()], Boolean(process.env.VARNA_ATTACK_EXPLAIN), inequalities)),
      );
    if (process.env.VARNA_ATTACK_TIMES)
      console.log(`complement ${w} − ${pt}: ${figures.length} figures, ${targets.size} targets, ${Date.now() - started} ms`);
  }
  return found;
}

/**
 * The same with every family at once (VARNA_ATTACK_ALL=1, slower): every printed figure, the part
 * at most the whole for every pair, and as targets every hidden figure and every complement of 1-4.
 */
async function allAttack(printed: Printed[], facts: Fact[], consults: Fact[]): Promise<string[]> {
  const { unknowns, vectorOf, value, identities, asEqualities } = cellsOf(facts, consults);
  const cellsOfP = (p: Printed) => vectorOf(p).flatMap((x, i) => (x ? [i] : []));
  const figures = printed.map((p) => ({ cells: cellsOfP(p), text: p.text, label: describePrinted(p) }));
  const inequalities: Inequality[] = identities.flatMap((i) => asEqualities(i.rows));
  for (const [a, b] of subsets)
    for (const s of schools)
      for (const c of noCategory.has(a) ? [undefined] : CATEGORIES)
        for (const mm of SHOWN_MONTHS) {
          const at = (key: CountKey) => vectorOf({ key, schools: [s.id], category: c, months: [mm], text: '' });
          const [va, vb] = [at(a), at(b)];
          const cells = va.flatMap((x, i) => (x || vb[i] ? [i] : []));
          inequalities.push({ cells, values: cells.map((i) => vb[i]! - va[i]!), lo: -Infinity, hi: 0 });
        }
  const targets = new Map<string, Target>();
  // VARNA_ATTACK_ALL=complements: the rests only (the hidden figures too take longer than a test's 10 minutes).
  if (process.env.VARNA_ATTACK_ALL !== 'complements')
    printed.forEach((p, i) => {
      const n = value(vectorOf(p));
      const cells = figures[i]!.cells;
      if (p.text === '..' && n >= 1 && n <= 4 && !targets.has(cells.join()))
        targets.set(cells.join(), { cells, label: `..: ${describePrinted(p)} = ${n}` });
    });
  for (const { whole, part, n, label } of complementBoxes(printed, facts, consults)) {
    const [cw, cp] = [cellsOfP(whole), cellsOfP(part)];
    const key = `${cw.join()}/${cp.join()}`;
    if (!targets.has(key))
      targets.set(key, { cells: [...cw, ...cp], values: [...cw.map(() => 1), ...cp.map(() => -1)], label: `${label} = ${n}` });
  }
  return narrowed(unknowns.size, figures, [...targets.values()], Boolean(process.env.VARNA_ATTACK_EXPLAIN), inequalities);
}

/** Issue 7's hand-made data set: a month minus a month, a district minus a school. */
function issue7(): Fact[] {
  const many = (n: number, f: Omit<Fact, 'keys'>, keys: CountKey[] = []): Fact[] =>
    Array.from({ length: n }, () => ({ ...f, keys: ['reports', ...keys] }));
  return [
    // Ekbacken: 9 in May, 2 in June: May-June minus May would be June's 2.
    ...many(9, { school: 'ekbacken', month: '2026-05', category: 'neglect' }),
    ...many(2, { school: 'ekbacken', month: '2026-06', category: 'neglect' }),
    // Södra: Solstrålen 3, Lyran 8 in May: the district minus Lyran would be Solstrålen's 3.
    ...many(3, { school: 'solstralen', month: '2026-05', category: 'violence' }),
    ...many(8, { school: 'friskolan-lyran', month: '2026-05', category: 'violence' }),
    ...many(7, { school: 'friskolan-lyran', month: '2026-06', category: 'violence' }),
  ];
}

describe('suppression against an attacker who asks every query there is', function () {
  this.timeout(600_000);

  /** Exact combinations and each row's bounds always; the bounds of everything at once (linear programming) when `lp`. */
  async function run(
    given: Fact[],
    consults: Fact[],
    lp = false,
  ): Promise<{ printed: Printed[]; found: string[]; rows: string[]; narrowed: string[]; complements: string[] }> {
    const facts = broken(given);
    const place = await createTestStore();
    const store = await openStore(place.url);
    try {
      await load(store, facts, consults);
      const printed = await everything(store);
      return {
        printed,
        found: attack(printed, facts, consults),
        rows: rowAttack(printed, facts, consults),
        narrowed: lp ? await boundsAttack(printed, facts, consults) : [],
        complements: lp
          ? [
              ...(await complementAttack(printed, facts, consults)),
              ...(process.env.VARNA_ATTACK_ALL ? (await allAttack(printed, facts, consults)).map((x) => `all families: ${x}`) : []),
            ]
          : [],
      };
    } finally {
      await store.close();
      await place.drop();
    }
  }

  it('Jan-Feb minus Jan, and the district minus its other school, give nothing away (hand-made)', async () => {
    const facts = issue7();
    const { printed, found, rows } = await run(facts, []);
    assert.deepEqual(found, []);
    assert.deepEqual(rows, []);
    const text = (schools: string[], months: string[]) =>
      printed.find(
        (p) => p.key === 'reports' && p.category === undefined && p.schools.join() === schools.join() && p.months.join() === months.join(),
      )?.text;
    assert.equal(text(['ekbacken'], ['2026-06']), '..');
    assert.ok(
      text(['ekbacken'], ['2026-05']) === '..' || text(['ekbacken'], ['2026-05', '2026-06']) === '..',
      'May or May-June is hidden for Ekbacken',
    );
    assert.equal(text(['solstralen'], ['2026-05']), '..');
    const sodra = text(['solstralen', 'friskolan-lyran'], ['2026-05']);
    const lyran = text(['friskolan-lyran'], ['2026-05']);
    assert.ok(sodra === '..' || lyran === '..', `Södra (${sodra}) or Lyran (${lyran}) is hidden in May`);
    // What can be shown is: the whole municipality's May-August total (29).
    assert.equal(
      text(
        schools.map((s) => s.id),
        MONTHS,
      ),
      '29',
    );
  });

  it('16 decisions = 8 opened + 4 not opened + 4 already ongoing: no hidden part is pinned by the bounds (issue 24)', async () => {
    const decided = (n: number, outcome: CountKey): Fact[] =>
      Array.from({ length: n }, () => ({ school: 'ekbacken', month: '2026-05', category: 'neglect', keys: ['reports', outcome] }));
    const facts = [...decided(8, 'opened'), ...decided(4, 'notOpened'), ...decided(4, 'alreadyOngoing')];
    const { printed, found, rows, narrowed: pinned, complements } = await run(facts, [], true);
    assert.deepEqual(found, []);
    assert.deepEqual(rows, []);
    assert.deepEqual(pinned, []);
    assert.deepEqual(complements, []);
    const text = (key: CountKey) =>
      printed.find(
        (p) =>
          p.key === key &&
          p.category === undefined &&
          p.schools.join() === schools.map((s) => s.id).join() &&
          p.months.join() === '2026-05',
      )!.text;
    assert.deepEqual([text('notOpened'), text('alreadyOngoing')], ['..', '..']);
    assert.ok(text('decisions') === '..' || text('opened') === '..', 'the total or the opened is hidden');
  });

  // The bounds of everything at once, across periods, groupings and viewers (the full audit issue 24
  // asks for), on issue 7's data set and on generated ones. With two marks ("<5" at most 4, ".." at
  // least 5) it could not pass whatever was hidden: the marks alone, on overlapping periods or
  // groupings, bounded a small figure (a school's 1, 1 and 4 in May, June, July: May-June "<5",
  // June-July "..", July "<5" put June at 1 or more, May at 3 or less). One mark, "..", for every
  // figure not shown; every cycle must have room in its own cells to move its box to 1 and to 4.
  it("no hidden figure of issue 7's data set is narrowed by the bounds of everything published (linear programming)", async () => {
    const { narrowed: pinned, complements } = await run(issue7(), [], true);
    assert.deepEqual(pinned, []);
    assert.deepEqual(complements, []);
  });

  // Issue 24: counts that are part of another were each protected alone, so the rest of the whole
  // (reports by other staff than principals, children reported for the first time) was read off two
  // printed figures: 12 reports, 10 by a principal gave 2 by other staff.
  it('no complement of 1-4 (reports less those by a principal, less repeat reports) is read off two printed figures (linear programming)', async () => {
    const facts: Fact[] = [];
    for (const s of schools)
      for (const month of MONTHS)
        for (const category of CATEGORIES)
          for (let i = 0; i < 6; i++)
            facts.push({
              school: s.id,
              month,
              category,
              keys: ['reports', ...(i < 5 ? (['byPrincipal', 'repeatReports'] as CountKey[]) : [])],
            });
    const { printed, found, rows, narrowed: pinned, complements } = await run(facts, [], true);
    assert.deepEqual(found, []);
    assert.deepEqual(rows, []);
    assert.deepEqual(pinned, []);
    assert.deepEqual(complements, []);
    // The rests are protected in the parts: every school's reports of every month stay shown.
    for (const s of schools)
      for (const month of MONTHS)
        assert.equal(
          printed.find((p) => p.key === 'reports' && p.category === undefined && p.schools.join() === s.id && p.months.join() === month)
            ?.text,
          '12',
          `${s.id} ${month}`,
        );
  });

  // Issue 24 §2: who reports and when, each a partition of the reports (one family each with the
  // reports first). A school's 12 May reports: 11 sent on a Monday and 1 at the weekend; 10 by
  // teachers and 2 by elevhälsan. Read as "12 = 11 + .." the weekend's 1 would be pinned, and
  // "12 = 10 + .." the elevhälsan's 2; the two breakdowns share the reports, so the attacker plays
  // one off against the other (one linear program over both, with reports = Σ parts in every cell).
  it('12 reports = 11 on a Monday + 1 at the weekend = 10 by teachers + 2 by elevhälsan: no small part is narrowed (linear programming)', async () => {
    const facts: Fact[] = Array.from({ length: 12 }, (_, i) => ({
      school: 'ekbacken',
      month: '2026-05',
      category: 'neglect',
      keys: ['reports', i < 11 ? 'weekdayMon' : 'weekdayWeekend', i < 10 ? 'roleTeaching' : 'roleStudentHealth'],
    }));
    const { printed, found, rows, narrowed: pinned, complements } = await run(facts, [], true);
    assert.deepEqual(found, []);
    assert.deepEqual(rows, []);
    assert.deepEqual(pinned, []);
    assert.deepEqual(complements, []);
    const text = (key: CountKey) =>
      printed.find((p) => p.key === key && p.category === undefined && p.schools.join() === 'ekbacken' && p.months.join() === '2026-05')!
        .text;
    assert.deepEqual([text('weekdayWeekend'), text('roleStudentHealth')], ['..', '..']);
    assert.ok(text('reports') === '..' || text('weekdayMon') === '..', 'the total or Monday is hidden');
    assert.ok(text('reports') === '..' || text('roleTeaching') === '..', 'the total or the teachers are hidden');
  });

  const fact = fc.record({
    school: fc.constantFrom(...schools.map((s) => s.id)),
    month: fc.constantFrom(...MONTHS),
    category: fc.constantFrom(...CATEGORIES),
    decision: fc.constantFrom<Array<CountKey | null>>(null, 'opened', 'notOpened', 'alreadyOngoing'),
    flags: fc.subarray([
      'feedbackRequested',
      'jointMeetings',
      'receiptConfirmed',
      'protectionInTime',
      'reportsBeforeHoliday',
      'byPrincipal',
      'repeatReports',
    ] as CountKey[]),
    fast: fc.boolean(),
    // Issue 24 §2: decision feedback within a week of the decision; feedback marked inappropriate.
    withinWeek: fc.boolean(),
    inappropriate: fc.boolean(),
  });
  const consult = fc.record({
    school: fc.constantFrom(...schools.map((s) => s.id)),
    month: fc.constantFrom(...MONTHS),
    outcome: fc.constantFrom<CountKey>('consultReport', 'consultNoReportNow', 'consultOtherSupport', 'consultNoOutcome'),
    led: fc.boolean(),
  });
  const dataSet = fc.tuple(fc.array(fact, { minLength: 5, maxLength: 70 }), fc.array(consult, { maxLength: 25 }));
  /** One generated data set, attacked; with `bounds` also by linear programming over everything printed. */
  const attackGenerated = async (
    [fs, cs]: [
      Array<typeof fact extends fc.Arbitrary<infer T> ? T : never>,
      Array<typeof consult extends fc.Arbitrary<infer T> ? T : never>,
    ],
    bounds: boolean,
  ) => {
    const facts: Fact[] = fs.map((f) => {
      const keys: CountKey[] = ['reports', ...f.flags];
      if (f.flags.includes('feedbackRequested') && f.decision)
        keys.push('feedbackGiven', ...(f.withinWeek ? (['feedbackWithinWeek'] as CountKey[]) : []));
      if (f.decision)
        keys.push(
          f.decision,
          ...(f.fast ? (['decidedWithin14'] as CountKey[]) : []),
          ...(f.inappropriate ? (['feedbackInappropriate'] as CountKey[]) : []),
        );
      return { school: f.school, month: f.month, category: f.category, keys };
    });
    const consults: Fact[] = cs.map((c) => ({
      school: c.school,
      month: c.month,
      category: '',
      keys: [c.outcome, ...(c.led ? (['ledToReport'] as CountKey[]) : [])],
    }));
    const { found, rows, narrowed: pinned, complements } = await run(facts, consults, bounds);
    if (process.env.VARNA_ATTACK_COUNT) console.log(`${pinned.length} narrowed, ${complements.length} complements narrowed`);
    assert.deepEqual(found, []);
    assert.deepEqual(rows, []);
    assert.deepEqual(pinned, []);
    assert.deepEqual(complements, []);
  };

  it('no cell under 5 can be recovered from any combination of everything published, nor narrowed by the bounds its own row prints (generated data sets) @slow', async () => {
    await fc.assert(
      fc.asyncProperty(dataSet, (d) => attackGenerated(d, false)),
      {
        numRuns: Number(process.env.VARNA_ATTACK_RUNS ?? 12),
        ...(process.env.VARNA_ATTACK_SEED ? { seed: Number(process.env.VARNA_ATTACK_SEED) } : {}),
      },
    );
  });

  // Seeds 1, 2, 3 and 9 narrowed figures before (with two marks, or cycles without room); 1 and 35
  // narrowed boxes of every school until those too needed cycles with room; 24 never did. About
  // 10-30 s a data set (the linear programs). VARNA_ATTACK_SEED tries another one (13 more passed
  // when this was written), VARNA_ATTACK_EXPLAIN prints what pins a figure, VARNA_ATTACK_COUNT how
  // many are narrowed.
  const seeds = process.env.VARNA_ATTACK_SEED ? [Number(process.env.VARNA_ATTACK_SEED)] : [1, 2, 3, 9, 24, 35];
  for (const seed of seeds)
    it(`no hidden figure of a generated data set is narrowed by the bounds of everything published (linear programming, seed ${seed}) @slow`, async function () {
      // VARNA_ATTACK_TIMEOUT_MS: more time on a busy machine (the breakdowns' linear program is large).
      this.timeout(Number(process.env.VARNA_ATTACK_TIMEOUT_MS ?? 600_000));
      // The first data set of the seed, unshrunk (shrinking would rerun the linear programs for minutes).
      await fc.assert(
        fc.asyncProperty(dataSet, (d) => attackGenerated(d, true)),
        { seed, numRuns: 1, endOnFailure: true },
      );
    });
});
