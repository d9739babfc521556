import type { Logger } from '../log';
import type { Clock } from './clock';
import { stockholmInstant } from './deadlines';
import { NotAllowedError, ValidationError } from './errors';
import type { Actor } from './actor';
import type { Directory } from './municipality';
import type { Store } from './store';

/**
 * Follow-up statistics for committees and managers: counts, shares and times for a period, grouped
 * by school, district, school type or category. Only clear columns are read (never `sealed`), and
 * every count under 5 is suppressed so that no child or case can be singled out; a second cell is
 * suppressed where a total would otherwise give the first one away (see `suppress`).
 */

export type GroupBy = 'school' | 'district' | 'schoolType' | 'category';
export const groupBys: GroupBy[] = ['school', 'district', 'schoolType', 'category'];
export type Period =
  | { kind: 'month'; month: string }
  | { kind: 'term'; term: string }
  | { kind: 'year'; year: number }
  | { kind: 'custom'; from: string; to: string };

/** Counts in the table, in column order. Each is a cell that can be suppressed. */
export const countKeys = [
  'reports',
  'feedbackRequested',
  'feedbackGiven',
  'decisions',
  'opened',
  'notOpened',
  'alreadyOngoing',
  'decidedWithin14',
  'jointMeetings',
  'consultations',
  'consultReport',
  'consultNoReportNow',
  'consultOtherSupport',
  'consultNoOutcome',
  'ledToReport',
] as const;
export type CountKey = (typeof countKeys)[number];

/** Shares and times, shown only when what they rest on is shown (and at least 5 cases). */
export const derivedKeys = [
  'shareFeedbackRequested',
  'shareFeedbackGiven',
  'feedbackDaysMedian',
  'receiptHoursMedian',
  'receiptHoursP90',
  'protectionHoursMedian',
  'protectionHoursP90',
  'decisionDaysMedian',
  'decisionDaysP90',
  'shareWithin14',
  'firstAnswerHoursMedian',
  'shareLedToReport',
] as const;
export type DerivedKey = (typeof derivedKeys)[number];

/** A shown count, or why it is not shown: `<5` (under 5) or `..` (hidden to protect another cell). */
export type CountCell = { n: number } | { suppressed: 'under5' | 'protects' };
export type DerivedCell = { value: number } | { hidden: true };

export interface StatRow {
  key: string;
  label: string;
  counts: Record<CountKey, CountCell>;
  derived: Record<DerivedKey, DerivedCell>;
}

export interface Statistics {
  from: string;
  /** Inclusive, YYYY-MM-DD (Stockholm dates). */
  to: string;
  groupBy: GroupBy;
  rows: StatRow[];
  total: StatRow;
  /** Annual-cycle tasks marked done per school in the terms the period touches (routines, not people: not suppressed). */
  cycle: Array<{ schoolId: string; label: string; done: number }>;
  generatedAt: string;
}

export const MIN_CELL = 5;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export const show = (c: CountCell): string => ('n' in c ? String(c.n) : c.suppressed === 'under5' ? '<5' : '..');
export const showDerived = (c: DerivedCell, digits = 0): string => ('value' in c ? c.value.toFixed(digits) : '..');

// --- periods -------------------------------------------------------------------------------------

const nextDay = (date: string) => new Date(Date.parse(`${date}T12:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
const lastDayOfMonth = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
};

/** The period as inclusive Stockholm dates. */
export function resolvePeriod(p: Period): { from: string; to: string } {
  const bad = () => new ValidationError({ period: 'invalid' });
  switch (p.kind) {
    case 'month':
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(p.month)) throw bad();
      return { from: `${p.month}-01`, to: lastDayOfMonth(p.month) };
    case 'term': {
      const m = /^(\d{4})-(VT|HT)$/.exec(p.term);
      if (!m) throw bad();
      return m[2] === 'VT' ? { from: `${m[1]}-01-01`, to: `${m[1]}-06-30` } : { from: `${m[1]}-07-01`, to: `${m[1]}-12-31` };
    }
    case 'year':
      if (!Number.isInteger(p.year) || p.year < 2000 || p.year > 2100) throw bad();
      return { from: `${p.year}-01-01`, to: `${p.year}-12-31` };
    case 'custom': {
      const ok = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`));
      if (!ok(p.from) || !ok(p.to) || p.from > p.to) throw bad();
      return { from: p.from, to: p.to };
    }
  }
}

const termsBetween = (from: string, to: string): Set<string> => {
  const out = new Set<string>();
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) {
    if (`${y}-06-30` >= from && `${y}-01-01` <= to) out.add(`${y}-VT`);
    if (`${y}-12-31` >= from && `${y}-07-01` <= to) out.add(`${y}-HT`);
  }
  return out;
};

// --- figures -------------------------------------------------------------------------------------

/** The clear columns statistics read from a report. */
export interface ReportFacts {
  school_id: string;
  district_id: string;
  school_type: string;
  category: string;
  received_at: string;
  feedback_requested: number;
  feedback_requested_later_at: string | null;
  feedback_given_at: string | null;
  receipt_at: string | null;
  protection_at: string | null;
  decision: string | null;
  decision_date: string | null;
  decision_at: string | null;
  joint_meeting_offered_at: string | null;
}
export interface ConsultationFacts {
  school_id: string;
  district_id: string;
  school_type: string;
  created_at: string;
  first_answer_at: string | null;
  outcome: string | null;
  led_to_report: number;
}

/** Median (mean of the two middle values when even). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
/** Nearest-rank percentile: the smallest value with at least p of the cases at or below it. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)]!;
}

/** Summer time in Stockholm (EU rule since 1996): last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC. */
const summer = new Map<number, [number, number]>();
const lastSunday = (y: number, month: number) => {
  const last = new Date(Date.UTC(y, month + 1, 0, 1));
  return last.getTime() - last.getUTCDay() * DAY_MS;
};
/** The Stockholm date of an instant, without Intl per row (a year's statistics read a million rows). */
export function stockholmDate(isoAt: string): string {
  const ms = Date.parse(isoAt);
  const y = Number(isoAt.slice(0, 4));
  let range = summer.get(y);
  if (!range) summer.set(y, (range = [lastSunday(y, 2), lastSunday(y, 9)]));
  const offset = ms >= range[0] && ms < range[1] ? 2 : 1;
  return new Date(ms + offset * HOUR_MS).toISOString().slice(0, 10);
}
const hoursBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / HOUR_MS;
const daysBetweenDates = (a: string, b: string) => Math.round((Date.parse(`${b}T12:00:00Z`) - Date.parse(`${a}T12:00:00Z`)) / DAY_MS);

export interface Acc {
  counts: Record<CountKey, number>;
  feedbackDays: number[];
  receiptHours: number[];
  protectionHours: number[];
  decisionDays: number[];
  firstAnswerHours: number[];
}
export const emptyAcc = (): Acc => ({
  counts: Object.fromEntries(countKeys.map((k) => [k, 0])) as Record<CountKey, number>,
  feedbackDays: [],
  receiptHours: [],
  protectionHours: [],
  decisionDays: [],
  firstAnswerHours: [],
});

function addReport(a: Acc, r: ReportFacts): void {
  const c = a.counts;
  c.reports++;
  const requested = r.feedback_requested === 1 || r.feedback_requested_later_at !== null;
  if (requested) c.feedbackRequested++;
  if (requested && r.feedback_given_at) {
    c.feedbackGiven++;
    a.feedbackDays.push(daysBetweenDates(stockholmDate(r.received_at), stockholmDate(r.feedback_given_at)));
  }
  if (r.receipt_at) a.receiptHours.push(hoursBetween(r.received_at, r.receipt_at));
  if (r.protection_at) a.protectionHours.push(hoursBetween(r.received_at, r.protection_at));
  if (r.decision) {
    c.decisions++;
    if (r.decision === 'opened') c.opened++;
    else if (r.decision === 'notOpened') c.notOpened++;
    else c.alreadyOngoing++;
    const decidedOn = r.decision_date ?? stockholmDate(r.decision_at ?? r.received_at);
    const days = daysBetweenDates(stockholmDate(r.received_at), decidedOn);
    a.decisionDays.push(days);
    if (days <= 14) c.decidedWithin14++;
  }
  if (r.joint_meeting_offered_at) c.jointMeetings++;
}

function addConsultation(a: Acc, k: ConsultationFacts): void {
  const c = a.counts;
  c.consultations++;
  if (k.outcome === 'report') c.consultReport++;
  else if (k.outcome === 'noReportNow') c.consultNoReportNow++;
  else if (k.outcome === 'otherSupport') c.consultOtherSupport++;
  else c.consultNoOutcome++;
  if (k.led_to_report === 1) c.ledToReport++;
  if (k.first_answer_at) a.firstAnswerHours.push(hoursBetween(k.created_at, k.first_answer_at));
}

// --- suppression ---------------------------------------------------------------------------------

type State = 'shown' | 'under5' | 'protects';
/** whole = sum(parts) ('eq'), or part <= whole ('le', parts has one element). */
export interface Relation {
  kind: 'eq' | 'le';
  whole: number;
  parts: number[];
}

/**
 * What someone who sees the table can work out about each cell: a shown cell is exact, `<5` is
 * 0..4, `..` is at least 5. Bounds are tightened through every relation until nothing changes.
 */
export function deducibleBounds(states: State[], values: Array<number | null>, relations: Relation[]): Array<[number, number]> {
  const b: Array<[number, number]> = states.map((s, i) => (s === 'shown' ? [values[i]!, values[i]!] : s === 'under5' ? [0, MIN_CELL - 1] : [MIN_CELL, Infinity]));
  for (let round = 0, changed = true; changed && round < 200; round++) {
    changed = false;
    const tighten = (i: number, lo: number, hi: number) => {
      const cur = b[i]!;
      const nlo = Math.max(cur[0], Math.ceil(lo));
      const nhi = Math.min(cur[1], Math.floor(hi));
      if (nlo !== cur[0] || nhi !== cur[1]) {
        b[i] = [nlo, nhi];
        changed = true;
      }
    };
    for (const r of relations) {
      if (r.kind === 'le') {
        tighten(r.parts[0]!, -Infinity, b[r.whole]![1]);
        tighten(r.whole, b[r.parts[0]!]![0], Infinity);
        continue;
      }
      const los = r.parts.map((p) => b[p]![0]);
      const his = r.parts.map((p) => b[p]![1]);
      const sumLo = los.reduce((x, y) => x + y, 0);
      // The sum of the others' upper bounds without Infinity - Infinity (a '..' has no upper bound).
      const finiteHi = his.filter(Number.isFinite).reduce((x, y) => x + y, 0);
      const unbounded = his.length - his.filter(Number.isFinite).length;
      const othersHi = (i: number) => (unbounded - (Number.isFinite(his[i]!) ? 0 : 1) > 0 ? Infinity : finiteHi - (Number.isFinite(his[i]!) ? his[i]! : 0));
      tighten(r.whole, sumLo, unbounded ? Infinity : finiteHi);
      const [wlo, whi] = b[r.whole]!;
      r.parts.forEach((p, i) => tighten(p, wlo - othersHi(i), whi - (sumLo - los[i]!)));
    }
  }
  return b;
}

/**
 * Primary suppression (every count under 5) and secondary suppression: while some suppressed cell
 * with 1-4 cases could be worked out from the shown cells and the totals, hide the smallest shown
 * cell of a relation it takes part in (a part before the total).
 */
export function suppress(values: number[], relations: Relation[]): State[] {
  const states: State[] = values.map((v) => (v < MIN_CELL ? 'under5' : 'shown'));
  for (let guard = 0; guard < values.length; guard++) {
    const bounds = deducibleBounds(states, values, relations);
    const exposed = values.findIndex((v, i) => states[i] !== 'shown' && v > 0 && v < MIN_CELL && bounds[i]![0] === bounds[i]![1]);
    if (exposed < 0) return states;
    const pinned = (i: number) => states[i] !== 'shown' && bounds[i]![0] === bounds[i]![1];
    const touching = (test: (i: number) => boolean) => relations.filter((r) => r.kind === 'eq' && (test(r.whole) || r.parts.some(test)));
    const smallest = (ids: number[]) => ids.filter((i) => states[i] === 'shown').sort((a, b) => values[a]! - values[b]!)[0];
    const choose = (rs: Relation[]) => smallest(rs.flatMap((r) => r.parts)) ?? smallest(rs.map((r) => r.whole));
    // The exposed cell's own relations first; else those of any hidden cell that can be worked out.
    const pick = choose(touching((i) => i === exposed)) ?? choose(touching(pinned));
    if (pick === undefined) break;
    states[pick] = 'protects';
  }
  // Could not protect one cell at a time: hide every count (never reached in the tests).
  return values.map((v) => (v < MIN_CELL ? 'under5' : 'protects'));
}

/** Groups' accumulated figures -> the public table. Raw counts of hidden cells do not leave here. */
export function tabulate(groups: Array<{ key: string; label: string; acc: Acc }>, total: Acc): { rows: StatRow[]; total: StatRow } {
  const all = [...groups.map((g) => g.acc), total];
  const K = countKeys.length;
  const idx = (row: number, key: CountKey) => row * K + countKeys.indexOf(key);
  const values = all.flatMap((a) => countKeys.map((k) => a.counts[k]));
  const relations: Relation[] = [];
  const t = groups.length;
  for (const k of countKeys) relations.push({ kind: 'eq', whole: idx(t, k), parts: groups.map((_, g) => idx(g, k)) });
  for (let row = 0; row <= t; row++) {
    relations.push({ kind: 'eq', whole: idx(row, 'decisions'), parts: (['opened', 'notOpened', 'alreadyOngoing'] as const).map((k) => idx(row, k)) });
    relations.push({
      kind: 'eq',
      whole: idx(row, 'consultations'),
      parts: (['consultReport', 'consultNoReportNow', 'consultOtherSupport', 'consultNoOutcome'] as const).map((k) => idx(row, k)),
    });
    const le = (part: CountKey, whole: CountKey) => relations.push({ kind: 'le', whole: idx(row, whole), parts: [idx(row, part)] });
    le('feedbackRequested', 'reports');
    le('feedbackGiven', 'feedbackRequested');
    le('decisions', 'reports');
    le('decidedWithin14', 'decisions');
    le('jointMeetings', 'reports');
    le('ledToReport', 'consultations');
  }
  const states = suppress(values, relations);
  const toRow = (key: string, label: string, a: Acc, row: number): StatRow => {
    const counts = Object.fromEntries(
      countKeys.map((k) => {
        const s = states[idx(row, k)]!;
        return [k, s === 'shown' ? { n: a.counts[k] } : { suppressed: s }];
      }),
    ) as Record<CountKey, CountCell>;
    const shown = (k: CountKey) => 'n' in counts[k];
    const share = (num: CountKey, base: CountKey): DerivedCell =>
      shown(num) && shown(base) && a.counts[base] >= MIN_CELL ? { value: Math.round((1000 * a.counts[num]) / a.counts[base]) / 10 } : { hidden: true };
    const stat = (xs: number[], f: (xs: number[]) => number): DerivedCell => (xs.length >= MIN_CELL ? { value: Math.round(10 * f(xs)) / 10 } : { hidden: true });
    const med = (xs: number[]) => stat(xs, median);
    const p90 = (xs: number[]) => stat(xs, (v) => percentile(v, 0.9));
    const derived: Record<DerivedKey, DerivedCell> = {
      shareFeedbackRequested: share('feedbackRequested', 'reports'),
      shareFeedbackGiven: share('feedbackGiven', 'feedbackRequested'),
      feedbackDaysMedian: med(a.feedbackDays),
      receiptHoursMedian: med(a.receiptHours),
      receiptHoursP90: p90(a.receiptHours),
      protectionHoursMedian: med(a.protectionHours),
      protectionHoursP90: p90(a.protectionHours),
      decisionDaysMedian: med(a.decisionDays),
      decisionDaysP90: p90(a.decisionDays),
      shareWithin14: share('decidedWithin14', 'decisions'),
      firstAnswerHoursMedian: med(a.firstAnswerHours),
      shareLedToReport: share('ledToReport', 'consultations'),
    };
    return { key, label, counts, derived };
  };
  return { rows: groups.map((g, row) => toRow(g.key, g.label, g.acc, row)), total: toRow('total', '', total, t) };
}

// --- the service ---------------------------------------------------------------------------------

export interface StatisticsDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  directory: Directory;
  reminders: { doneBySchoolAndTerm(): Promise<Array<{ schoolId: string; entryId: string; term: string; done: number }>> };
}

export interface StatisticsQuery {
  period: Period;
  groupBy: GroupBy;
}

export function makeStatistics({ store, clock, log, directory, reminders }: StatisticsDeps) {
  const db = store.db;
  const m = directory.municipality;

  /** The schools an actor may see figures for; undefined = all (statistics role). */
  function scopeOf(actor: Pick<Actor, 'aadObjectId'>): string[] | undefined {
    if (directory.isStatistician(actor.aadObjectId)) return undefined;
    const own = directory.schoolsOfPrincipal(actor.aadObjectId).map((s) => s.id);
    if (own.length) return own;
    throw new NotAllowedError('statistics');
  }

  function groupOf(groupBy: GroupBy, r: { school_id: string; district_id: string; school_type: string; category?: string }): string {
    return groupBy === 'school' ? r.school_id : groupBy === 'district' ? r.district_id : groupBy === 'schoolType' ? r.school_type : (r.category ?? '');
  }

  /** Every group the scope has (so that an absent row reveals nothing), then any others found. */
  function knownGroups(groupBy: GroupBy, scope: string[] | undefined): Array<{ key: string; label: string }> {
    const schools = m.schools.filter((s) => !scope || scope.includes(s.id));
    if (groupBy === 'school') return schools.map((s) => ({ key: s.id, label: s.name }));
    if (groupBy === 'district')
      return [...new Set(schools.map((s) => s.district))].map((d) => ({ key: d, label: directory.district(d)?.name ?? d }));
    if (groupBy === 'schoolType') return [...new Set(schools.map((s) => s.type))].sort().map((t) => ({ key: t, label: t }));
    return [];
  }

  async function compute(query: StatisticsQuery, scope: string[] | undefined): Promise<Statistics> {
    const { from, to } = resolvePeriod(query.period);
    const start = stockholmInstant(from, '00:00').toISOString();
    const end = stockholmInstant(nextDay(to), '00:00').toISOString();
    const wholeMonths = from.endsWith('-01') && to === lastDayOfMonth(to.slice(0, 7));

    let rq = db
      .selectFrom('reports')
      .select([
        'school_id',
        'district_id',
        'school_type',
        'category',
        'received_at',
        'feedback_requested',
        'feedback_requested_later_at',
        'feedback_given_at',
        'receipt_at',
        'protection_at',
        'decision',
        'decision_date',
        'decision_at',
        'joint_meeting_offered_at',
      ]);
    rq = wholeMonths ? rq.where('received_month', '>=', from.slice(0, 7)).where('received_month', '<=', to.slice(0, 7)) : rq.where('received_at', '>=', start).where('received_at', '<', end);
    if (scope) rq = rq.where('school_id', 'in', scope);
    let cq = db
      .selectFrom('consultations')
      .select(['school_id', 'district_id', 'school_type', 'created_at', 'first_answer_at', 'outcome', 'led_to_report'])
      .where('created_at', '>=', start)
      .where('created_at', '<', end);
    if (scope) cq = cq.where('school_id', 'in', scope);
    const [reports, consultations, done] = await Promise.all([rq.execute(), query.groupBy === 'category' ? Promise.resolve([]) : cq.execute(), reminders.doneBySchoolAndTerm()]);

    const groups = new Map<string, { key: string; label: string; acc: Acc }>();
    for (const g of knownGroups(query.groupBy, scope)) groups.set(g.key, { ...g, acc: emptyAcc() });
    const accOf = (key: string) => {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { key, label: key, acc: emptyAcc() }));
      return g.acc;
    };
    const total = emptyAcc();
    for (const r of reports) {
      addReport(accOf(groupOf(query.groupBy, r)), r);
      addReport(total, r);
    }
    for (const k of consultations) {
      addConsultation(accOf(groupOf(query.groupBy, k)), k);
      addConsultation(total, k);
    }
    const ordered = [...groups.values()];
    if (query.groupBy === 'category') ordered.sort((a, b) => a.key.localeCompare(b.key));
    const table = tabulate(ordered, total);

    const terms = termsBetween(from, to);
    const perSchool = new Map<string, number>();
    for (const d of done) if (terms.has(d.term) && (!scope || scope.includes(d.schoolId))) perSchool.set(d.schoolId, (perSchool.get(d.schoolId) ?? 0) + d.done);
    const cycle = m.schools
      .filter((s) => !scope || scope.includes(s.id))
      .map((s) => ({ schoolId: s.id, label: s.name, done: perSchool.get(s.id) ?? 0 }));

    return { from, to, groupBy: query.groupBy, ...table, cycle, generatedAt: clock.now().toISOString() };
  }

  return {
    /** May this person see statistics at all (statistics role, or a principal for their school)? */
    mayView: (actor: Pick<Actor, 'aadObjectId'>) => {
      try {
        scopeOf(actor);
        return true;
      } catch {
        return false;
      }
    },
    /** Figures the actor may see; refused (and audited) for anyone else. */
    async figures(actor: Pick<Actor, 'aadObjectId'>, query: StatisticsQuery): Promise<Statistics> {
      let scope: string[] | undefined;
      try {
        scope = scopeOf(actor);
      } catch (error) {
        await store.transaction((trx) => store.audit.append(trx, { actor: actor.aadObjectId, action: 'statistics.view', subject: 'statistics', outcome: 'refused', detail: {} }, clock.now()));
        log.warn({ event: 'statistics.refused' }, 'statistics refused: no statistics role');
        throw error;
      }
      const started = Date.now();
      const result = await compute(query, scope);
      log.info({ event: 'statistics.computed', groupBy: query.groupBy, from: result.from, to: result.to, scoped: Boolean(scope), ms: Date.now() - started }, 'statistics computed');
      return result;
    },
    /** All schools, no actor (the command line for scheduled exports, run by the operator). */
    forOperator: (query: StatisticsQuery) => compute(query, undefined),
  };
}
export type StatisticsService = ReturnType<typeof makeStatistics>;
