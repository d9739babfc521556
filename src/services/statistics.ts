import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Logger } from '../log';
import type { Clock } from './clock';
import { NotAllowedError, NotReadyError, ValidationError } from './errors';
import type { Actor } from './actor';
import type { Directory } from './municipality';
import { columnOf, foldRollup, onRollupChange, type DurationMeasure } from './stat-rollup';
import {
  countKeys,
  derivedKeys,
  roleKeys,
  shareOfPart,
  show,
  showDerived,
  weekdayKeys,
  type CountCell,
  type CountKey,
  type DerivedCell,
  type DerivedKey,
  type GroupBy,
  type Statistics,
  type StatRow,
} from './statistics-figures';
import type { Store } from './store';
import * as rollupRows from './store/rollup';
import { MIN_CELL, SuppressionPattern, complementKey, patternFingerprint, workOutPattern, type CubeRow, type Leaf } from './suppression';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * Follow-up statistics for committees and managers: counts, shares and times for a period of whole
 * months, grouped by school, district, school type or category. Read from the roll-up
 * (`stat-rollup.ts`, migration 0030), never from the raw rows or `sealed`. Every count under 5 is
 * hidden, and one suppression pattern over every query anyone can ask (`suppression.ts`) hides what
 * a combination of published figures would give away. Both print as the same "..": two marks would
 * themselves leak ("<5" says at most 4, ".." at least 5; issue 24 §1).
 */

export {
  countKeys,
  derivedKeys,
  groupBys,
  roleKeys,
  shareOfPart,
  weekdayKeys,
  show,
  showDerived,
  type CountCell,
  type CountKey,
  type DerivedCell,
  type DerivedKey,
  type GroupBy,
  type Statistics,
  type StatRow,
} from './statistics-figures';
export type Period =
  | { kind: 'month'; month: string }
  | { kind: 'term'; term: string }
  | { kind: 'year'; year: number }
  | { kind: 'custom'; from: string; to: string };

export { MIN_CELL };
export { stockholmDate } from './stat-rollup';

/**
 * The longest custom period, in whole months (a school year fits; longer comparisons use years or
 * terms). The suppression pattern covers every run of months up to this long, not every run over
 * the whole history (docs/benchmarks.md, B2: years of figures took minutes to work out).
 */
export const MAX_PERIOD_MONTHS = 12;

// --- periods -------------------------------------------------------------------------------------

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
      // Whole months only (a day range would let two overlapping ranges be subtracted): a date
      // or YYYY-MM widens to its month.
      const ok = (d: string) =>
        /^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$/.test(d) &&
        !Number.isNaN(Date.parse(`${d.slice(0, 7)}-01T00:00:00Z`)) &&
        (d.length === 7 || !Number.isNaN(Date.parse(`${d}T00:00:00Z`)));
      if (!ok(p.from) || !ok(p.to) || p.from.slice(0, 7) > p.to.slice(0, 7)) throw bad();
      const monthsOf = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7));
      if (monthsOf(p.to) - monthsOf(p.from) + 1 > MAX_PERIOD_MONTHS) throw new ValidationError({ period: 'tooLong' });
      return {
        from: `${p.from.slice(0, 7)}-01`,
        to: lastDayOfMonth(p.to.slice(0, 7)),
      };
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

/** A histogram (bucket -> cases): the value at a 0-based rank. */
function atRank(h: Map<number, number>, rank: number): number {
  let seen = 0;
  for (const b of [...h.keys()].sort((x, y) => x - y)) {
    seen += h.get(b)!;
    if (rank < seen) return b;
  }
  return NaN;
}
const casesIn = (h: Map<number, number>) => [...h.values()].reduce((a, b) => a + b, 0);
/** Median of a histogram (mean of the two middle buckets when even), as `median` over the bucket values. */
export function histogramMedian(h: Map<number, number>): number {
  const n = casesIn(h);
  return n % 2 ? atRank(h, n >> 1) : (atRank(h, n / 2 - 1) + atRank(h, n / 2)) / 2;
}
/** Nearest-rank percentile of a histogram, as `percentile` over the bucket values. */
export function histogramPercentile(h: Map<number, number>, p: number): number {
  return atRank(h, Math.max(0, Math.ceil(p * casesIn(h)) - 1));
}

/**
 * Counts that are part of another in every roll-up cell (stat-rollup.ts `reportContribution`,
 * `consultationContribution`): whole ⊇ part. Each pair is a family of the pattern with its
 * complement (whole − part), so that no rest of a whole (reports by other staff, reports without a
 * decision yet, children reported for the first time) of 1-4 can be read off two printed figures.
 */
export const subsets: Array<[CountKey, CountKey]> = [
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
 * Counts that share one suppression pattern: a sum rule holds among them (the first is the sum of
 * the others). A count may sit in several (reports in every subset family of its parts); it is
 * shown only where none hides it. Never one count per role or weekday as families of their own:
 * counts that partition `reports`, each protected alone, would let a reader bound a small one from
 * the others; a breakdown needs a partition family linked to `reports`. `consultationKeys`: the
 * counts without a category.
 */
export const families: string[][] = [
  ['decisions', 'opened', 'notOpened', 'alreadyOngoing'],
  // Who reports and when (issue 24 §2, 0171): reports = its role groups = its weekdays, in every
  // cell (stat-rollup.ts `roleCount`, `weekdayCount`). byPrincipal keeps its subset family too.
  ['reports', ...roleKeys],
  ['reports', ...weekdayKeys],
  ['consultations', 'consultReport', 'consultNoReportNow', 'consultOtherSupport', 'consultNoOutcome'],
  ...subsets.map(([whole, part]) => [whole, part, complementKey(whole, part)]),
];
export const consultationKeys = new Set<string>([
  'consultations',
  'consultReport',
  'consultNoReportNow',
  'consultOtherSupport',
  'consultNoOutcome',
  'ledToReport',
]);

/** The never-printed count behind childrenFirstTime (reports − repeat reports), protected in the pattern. */
const firstTimeKey = complementKey('reports', 'repeatReports');

/** The count a time figure rests on: shown only when that count is shown (and at least 5 cases). */
const restsOn: Record<DurationMeasure, CountKey> = {
  feedbackDays: 'feedbackGiven',
  receiptHours: 'reports',
  protectionHours: 'reports',
  decisionDays: 'decisions',
  firstAnswerHours: 'consultations',
  feedbackAfterDecisionDays: 'feedbackGiven',
  draftToSendHours: 'reports',
};

/**
 * Reports per 100 pupils (Stockholm 2015): shown only when the reports count is shown and the
 * pupils of every school in the row are known.
 */
export function per100(reports: number | undefined, pupils: number | undefined): DerivedCell {
  return reports !== undefined && reports >= MIN_CELL && pupils ? { value: Math.round((1000 * reports) / pupils) / 10 } : { hidden: true };
}

/** The promise's value if it settles within `ms`, else undefined (the work goes on). */
async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

// --- the service ---------------------------------------------------------------------------------

export interface StatisticsDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  directory: Directory;
  reminders: {
    doneBySchoolAndTerm(): Promise<Array<{ schoolId: string; entryId: string; term: string; done: number }>>;
  };
  /** Work the suppression pattern out again in the background shortly after each change (the running bot). */
  warmAfterChanges?: boolean;
  /**
   * How long a view waits for the pattern of the newest figures before it is served the last one
   * worked out (a consistent, protected snapshot: its figures are its own), while the new one is
   * finished in the background. Years of sparse figures take long to work out (docs/benchmarks.md),
   * longer than Teams waits for an answer. Default 3 s; 0 never waits once a pattern is there.
   */
  staleAfterMs?: number;
  /**
   * How long a view waits for the first pattern after a start, when there is no older one to serve,
   * before it is told the statistics are being prepared (`NotReadyError`: Teams waits about 5 s for
   * an answer, and years of figures take longer to work out). The downloads and the command line
   * wait for it. Default 3.5 s.
   */
  firstWaitMs?: number;
  /**
   * After `warm()`, how often to look for a change made by another instance (another process on
   * the same PostgreSQL: it is not told of this one's changes), to work the pattern out before
   * anyone asks. 0 = never.
   */
  watchMs?: number;
}

export interface StatisticsQuery {
  period: Period;
  groupBy: GroupBy;
}

export function makeStatistics({
  store,
  clock,
  log,
  directory,
  reminders,
  warmAfterChanges = false,
  watchMs = 0,
  staleAfterMs = 3000,
  firstWaitMs = 3500,
}: StatisticsDeps) {
  const db = store.db;
  const m = directory.municipality;

  /** The schools an actor may see figures for; undefined = all (statistics role). */
  function scopeOf(actor: Pick<Actor, 'aadObjectId'>): string[] | undefined {
    if (directory.isStatistician(actor.aadObjectId)) return undefined;
    const own = directory.schoolsOfPrincipal(actor.aadObjectId).map((s) => s.id);
    if (own.length) return own;
    throw new NotAllowedError('statistics');
  }

  /** Every principal's own schools: views the pattern must hold for as well as the committee's. */
  function principalScopes(): string[][] {
    const byPrincipal = new Map<string, Set<string>>();
    for (const s of m.schools)
      for (const p of s.principals) {
        const id = p.aadObjectId.toLowerCase();
        if (!byPrincipal.has(id)) byPrincipal.set(id, new Set());
        byPrincipal.get(id)!.add(s.id);
      }
    return [...byPrincipal.values()].map((set) => [...set].sort());
  }

  /** Aborted by `stop()`: a pattern being worked out is given up. */
  const stopping = new AbortController();
  /** The suppression pattern over the whole roll-up, worked out again only after a change. */
  let cached: { version: number; pattern: SuppressionPattern } | undefined;
  // A view that arrives while the pattern is being worked out waits for that work, not a second copy.
  let working: { version: number; pattern: Promise<SuppressionPattern> } | undefined;
  async function currentPattern(fold = true, patient = true): Promise<SuppressionPattern> {
    // The changes recorded since the last fold (by any instance) go into the roll-up first.
    if (fold) await foldRollup(db);
    const version = await rollupRows.rollupVersion(db);
    if (cached?.version === version) return cached.pattern;
    let pattern = working?.version === version ? working.pattern : undefined;
    if (!pattern) {
      const started = workOut(version);
      working = { version, pattern: started };
      void started
        .finally(() => {
          if (working?.pattern === started) working = undefined;
        })
        .catch(() => undefined);
      pattern = started;
    }
    const older = cached;
    if (!older) return patient ? pattern : firstOrNotReady(pattern);
    // An older pattern is there: wait a little for the new one, then serve the older (its own figures).
    const stale = () => {
      log.info(
        { event: 'statistics.pattern.stale', version: older.version, newest: version },
        'statistics served from the last pattern while the newest is worked out',
      );
      return older.pattern;
    };
    if (staleAfterMs <= 0) return stale();
    return (await within(pattern, staleAfterMs)) ?? stale();
  }
  /** The first pattern after a start, if it is ready within `firstWaitMs`; else "being prepared" (it goes on in the background). */
  async function firstOrNotReady(pattern: Promise<SuppressionPattern>): Promise<SuppressionPattern> {
    const got = await within(pattern, firstWaitMs);
    if (got) return got;
    log.info(
      { event: 'statistics.pattern.preparing' },
      'statistics view answered "being prepared": the first pattern is not worked out yet',
    );
    throw new NotReadyError('statistics');
  }
  async function workOut(version: number): Promise<SuppressionPattern> {
    const started = Date.now();
    const rows = await rollupRows.countCells(db);
    const columns = countKeys.map((k) => [k, columnOf(k)] as const);
    const cube: CubeRow[] = rows.map((r) => {
      const counts: Record<string, number> = {};
      for (const [k, column] of columns) counts[k] = Number((r as unknown as Record<string, number>)[column]);
      return {
        month: r.month,
        school_id: r.school_id,
        district_id: r.district_id,
        school_type: r.school_type,
        category: r.category,
        counts,
      };
    });
    const leaves = m.schools.map((s) => ({
      school: s.id,
      district: s.district,
      type: s.type,
    }));
    const scopes = principalScopes();
    // Kept by an earlier start (or another instance) for exactly these figures: taken back, not worked out again.
    const fingerprint = patternFingerprint(cube, families, consultationKeys, scopes, leaves, MAX_PERIOD_MONTHS);
    const kept = await restoreKept(fingerprint, cube, scopes, leaves);
    if (kept) {
      if (!cached || cached.version <= version) cached = { version, pattern: kept };
      log.info(
        { event: 'statistics.pattern.kept', cells: rows.length, cycles: kept.size, ms: Date.now() - started },
        'statistics suppression pattern taken back',
      );
      return kept;
    }
    // In slices: years of sparse figures take seconds to work out, and turns go on meanwhile.
    const pattern = await workOutPattern(cube, families, consultationKeys, scopes, leaves, {
      signal: stopping.signal,
      maxMonths: MAX_PERIOD_MONTHS,
    });
    await keep(fingerprint, pattern);
    // A pattern of an older version finished later does not replace a newer one.
    if (!cached || cached.version <= version) cached = { version, pattern };
    log.info(
      {
        event: 'statistics.pattern',
        cells: rows.length,
        cycles: pattern.size,
        ms: Date.now() - started,
      },
      'statistics suppression pattern worked out',
    );
    return pattern;
  }

  /** The kept pattern with this fingerprint, if there is one and it fits (else it is worked out: nothing lost). */
  async function restoreKept(
    fingerprint: string,
    cube: CubeRow[],
    scopes: string[][],
    leaves: Leaf[],
  ): Promise<SuppressionPattern | undefined> {
    try {
      const text = await rollupRows.keptPattern(db, fingerprint);
      if (!text) return undefined;
      const bytes = await gunzipAsync(Buffer.from(text, 'base64'));
      // A copy: an Int32Array needs its bytes at an offset of a multiple of 4.
      const cycles = new Int32Array(new Uint8Array(bytes).buffer);
      return SuppressionPattern.restore(cube, families, consultationKeys, scopes, leaves, cycles, MAX_PERIOD_MONTHS);
    } catch (error) {
      log.warn({ event: 'statistics.pattern.kept.unusable', err: error }, 'the kept statistics pattern could not be used: working it out');
      return undefined;
    }
  }
  /** Keeps a pattern for the next start (or another instance); a failure only costs that one the work. */
  async function keep(fingerprint: string, pattern: SuppressionPattern): Promise<void> {
    try {
      const cycles = pattern.keep();
      const packed = await gzipAsync(Buffer.from(cycles.buffer, cycles.byteOffset, cycles.byteLength));
      await rollupRows.keepPattern(db, fingerprint, packed.toString('base64'), pattern.size, clock.now());
    } catch (error) {
      if (!stopping.signal.aborted) log.warn({ event: 'statistics.pattern.keep', err: error }, 'could not keep the statistics pattern');
    }
  }

  const groupOfLeaf = (groupBy: GroupBy, l: Leaf): string =>
    groupBy === 'school' ? l.school : groupBy === 'district' ? l.district : l.type;

  /** Every group the scope has (so that an absent row reveals nothing), then any others in the data. */
  function groupsOf(groupBy: GroupBy, scope: string[] | undefined, pattern: SuppressionPattern): Array<{ key: string; label: string }> {
    if (groupBy === 'category') return pattern.categories.map((c) => ({ key: c, label: c }));
    const schools = m.schools.filter((s) => !scope || scope.includes(s.id));
    const known: Array<{ key: string; label: string }> =
      groupBy === 'school'
        ? schools.map((s) => ({ key: s.id, label: s.name }))
        : groupBy === 'district'
          ? [...new Set(schools.map((s) => s.district))].map((d) => ({
              key: d,
              label: directory.district(d)?.name ?? d,
            }))
          : [...new Set(schools.map((s) => s.type))].sort().map((t) => ({ key: t, label: t }));
    const seen = new Set(known.map((g) => g.key));
    for (const l of pattern.leaves) {
      if (scope && !scope.includes(l.school)) continue;
      const key = groupOfLeaf(groupBy, l);
      if (!seen.has(key)) {
        seen.add(key);
        known.push({ key, label: key });
      }
    }
    return known;
  }

  async function durations(groupBy: GroupBy, fromMonth: string, toMonth: string, scope: string[] | undefined) {
    const col =
      groupBy === 'school' ? 'school_id' : groupBy === 'district' ? 'district_id' : groupBy === 'schoolType' ? 'school_type' : 'category';
    const out = new Map<string, Map<DurationMeasure, Map<number, number>>>();
    const add = (g: string, measure: DurationMeasure, bucket: number, n: number) => {
      let byMeasure = out.get(g);
      if (!byMeasure) out.set(g, (byMeasure = new Map()));
      let h = byMeasure.get(measure);
      if (!h) byMeasure.set(measure, (h = new Map()));
      h.set(bucket, (h.get(bucket) ?? 0) + n);
    };
    for (const r of await rollupRows.durationSums(db, col, fromMonth, toMonth, scope)) {
      if (!r.n) continue;
      add(r.group, r.measure as DurationMeasure, r.bucket, r.n);
      add('\u0000total', r.measure as DurationMeasure, r.bucket, r.n);
    }
    return out;
  }

  async function compute(query: StatisticsQuery, scope: string[] | undefined, patient: boolean): Promise<Statistics> {
    const { from, to } = resolvePeriod(query.period);
    const fromMonth = from.slice(0, 7);
    const toMonth = to.slice(0, 7);
    await foldRollup(db);
    const [pattern, times, done] = await Promise.all([
      currentPattern(false, patient),
      durations(query.groupBy, fromMonth, toMonth, scope),
      reminders.doneBySchoolAndTerm(),
    ]);
    const inScope = (l: Leaf) => !scope || scope.includes(l.school);

    const toRow = (
      key: string,
      label: string,
      schools: (l: Leaf) => boolean,
      category: string | undefined,
      hist: Map<DurationMeasure, Map<number, number>> | undefined,
      pupilsOf: number | undefined,
    ): StatRow => {
      const cells = pattern.cells([...countKeys, firstTimeKey], schools, category, fromMonth, toMonth);
      const counts = Object.fromEntries(
        countKeys.map((k, i) => [k, cells[i]!.state === 'shown' ? { n: cells[i]!.value } : { suppressed: cells[i]!.state }]),
      ) as Record<CountKey, CountCell>;
      const shownN = (k: CountKey) => {
        const c = counts[k];
        return 'n' in c ? c.n : undefined;
      };
      const share = (num: CountKey, base: CountKey): DerivedCell => {
        const a = shownN(num);
        const b = shownN(base);
        return a !== undefined && b !== undefined && b >= MIN_CELL ? { value: Math.round((1000 * a) / b) / 10 } : { hidden: true };
      };
      const stat = (measure: DurationMeasure, f: (h: Map<number, number>) => number): DerivedCell => {
        const h = hist?.get(measure);
        return h && shownN(restsOn[measure]) !== undefined && casesIn(h) >= MIN_CELL
          ? { value: Math.round(10 * f(h)) / 10 }
          : { hidden: true };
      };
      /**
       * Reports less repeat reports (children reported for the first time): shown when both are and
       * the pattern shows it, a protected count of its own (issue 24: a small one was read off the
       * two printed figures while this one printed "..").
       */
      const firstTime = (): DerivedCell => {
        const c = cells[countKeys.length]!;
        return shownN('reports') !== undefined && shownN('repeatReports') !== undefined && c.state === 'shown'
          ? { value: c.value }
          : { hidden: true };
      };
      /** The share of reports of each role group and weekday (shareByPrincipal among them). */
      const partShares = () =>
        Object.fromEntries(Object.entries(shareOfPart).map(([part, key]) => [key, share(part as CountKey, 'reports')])) as Record<
          (typeof shareOfPart)[keyof typeof shareOfPart],
          DerivedCell
        >;
      const med = (measure: DurationMeasure) => stat(measure, histogramMedian);
      const p90 = (measure: DurationMeasure) => stat(measure, (h) => histogramPercentile(h, 0.9));
      const derived: Record<DerivedKey, DerivedCell> = {
        shareFeedbackRequested: share('feedbackRequested', 'reports'),
        shareFeedbackGiven: share('feedbackGiven', 'feedbackRequested'),
        feedbackDaysMedian: med('feedbackDays'),
        receiptHoursMedian: med('receiptHours'),
        receiptHoursP90: p90('receiptHours'),
        protectionHoursMedian: med('protectionHours'),
        protectionHoursP90: p90('protectionHours'),
        decisionDaysMedian: med('decisionDays'),
        decisionDaysP90: p90('decisionDays'),
        shareWithin14: share('decidedWithin14', 'decisions'),
        firstAnswerHoursMedian: med('firstAnswerHours'),
        shareLedToReport: share('ledToReport', 'consultations'),
        shareReceiptConfirmed: share('receiptConfirmed', 'reports'),
        shareFeedbackWithinWeek: share('feedbackWithinWeek', 'feedbackGiven'),
        feedbackAfterDecisionDaysMedian: med('feedbackAfterDecisionDays'),
        shareFeedbackInappropriate: share('feedbackInappropriate', 'decisions'),
        shareProtectionInTime: share('protectionInTime', 'reports'),
        shareBeforeHoliday: share('reportsBeforeHoliday', 'reports'),
        draftToSendHoursMedian: med('draftToSendHours'),
        draftToSendHoursP90: p90('draftToSendHours'),
        ...partShares(),
        childrenFirstTime: firstTime(),
        reportsPer100Pupils: per100(shownN('reports'), pupilsOf),
      };
      return { key, label, counts, derived };
    };

    // Pupils of a row: the sum over every school whose figures it holds (those in the file and
    // those only in the data), or unknown when one of them has no `pupils`.
    const pupils = (schools: (l: Leaf) => boolean): number | undefined => {
      const ids = new Set(
        [...m.schools.map((s) => ({ school: s.id, district: s.district, type: s.type })), ...pattern.leaves]
          .filter(schools)
          .map((l) => l.school),
      );
      let sum = 0;
      for (const id of ids) {
        const n = directory.school(id)?.pupils;
        if (n === undefined) return undefined;
        sum += n;
      }
      return sum > 0 ? sum : undefined;
    };
    const rows = groupsOf(query.groupBy, scope, pattern).map((g) => {
      const schools = query.groupBy === 'category' ? inScope : (l: Leaf) => inScope(l) && groupOfLeaf(query.groupBy, l) === g.key;
      return toRow(g.key, g.label, schools, query.groupBy === 'category' ? g.key : undefined, times.get(g.key), pupils(schools));
    });
    const total = toRow('total', '', inScope, undefined, times.get('\u0000total'), pupils(inScope));

    const terms = termsBetween(from, to);
    const perSchool = new Map<string, number>();
    for (const d of done)
      if (terms.has(d.term) && (!scope || scope.includes(d.schoolId))) perSchool.set(d.schoolId, (perSchool.get(d.schoolId) ?? 0) + d.done);
    const cycle = m.schools
      .filter((s) => !scope || scope.includes(s.id))
      .map((s) => ({
        schoolId: s.id,
        label: s.name,
        done: perSchool.get(s.id) ?? 0,
      }));

    return {
      from,
      to,
      groupBy: query.groupBy,
      rows,
      total,
      cycle,
      generatedAt: clock.now().toISOString(),
    };
  }

  // After a change, the pattern is worked out in the background (debounced), so the next view is warm.
  let warmTimer: NodeJS.Timeout | undefined;
  let watchTimer: NodeJS.Timeout | undefined;
  const unsubscribe = warmAfterChanges
    ? onRollupChange(() => {
        clearTimeout(warmTimer);
        warmTimer = setTimeout(() => void currentPattern().catch(() => undefined), 300);
        warmTimer.unref();
      })
    : undefined;

  return {
    /**
     * Works the suppression pattern out in the background (at start), so that the first view
     * after a restart is as fast as any other; then, every `watchMs`, again if another instance
     * changed a figure.
     */
    warm() {
      warmTimer = setTimeout(
        () =>
          void currentPattern().catch((error: unknown) => {
            if (!stopping.signal.aborted) log.warn({ event: 'statistics.warm', err: error }, 'could not prepare the statistics');
          }),
        0,
      );
      warmTimer.unref();
      if (!watchMs || watchTimer) return;
      // One small read per interval. A failure (the database away: /readyz and the store's own
      // warnings tell) is not logged again here; the next round tries again.
      watchTimer = setInterval(() => {
        // currentPattern reads the version and answers from the cache when nothing changed.
        if (!working) void currentPattern().catch(() => undefined);
      }, watchMs);
      watchTimer.unref();
    },
    /** Stops the background work (at shutdown). */
    stop() {
      stopping.abort();
      unsubscribe?.();
      clearTimeout(warmTimer);
      clearInterval(watchTimer);
      watchTimer = undefined;
    },
    /** May this person see statistics at all (statistics role, or a principal for their school)? */
    /** Asked on every welcome turn: answered without building (and throwing) a refusal. */
    mayView: (actor: Pick<Actor, 'aadObjectId'>) =>
      directory.isStatistician(actor.aadObjectId) || directory.schoolsOfPrincipal(actor.aadObjectId).length > 0,
    /**
     * Figures the actor may see; refused (and audited) for anyone else. A view in Teams (not
     * `patient`) that comes before the first pattern after a start is ready gets `NotReadyError`
     * after `firstWaitMs`; a download (`patient`) waits for it.
     */
    async figures(
      actor: Pick<Actor, 'aadObjectId'>,
      query: StatisticsQuery,
      { patient = false }: { patient?: boolean } = {},
    ): Promise<Statistics> {
      let scope: string[] | undefined;
      try {
        scope = scopeOf(actor);
      } catch (error) {
        await store.transaction((trx) =>
          store.audit.append(
            trx,
            {
              actor: actor.aadObjectId,
              action: 'statistics.view',
              subject: 'statistics',
              outcome: 'refused',
              detail: {},
            },
            clock.now(),
          ),
        );
        log.warn({ event: 'statistics.refused' }, 'statistics refused: no statistics role');
        throw error;
      }
      const started = Date.now();
      const result = await compute(query, scope, patient);
      log.info(
        {
          event: 'statistics.computed',
          groupBy: query.groupBy,
          from: result.from,
          to: result.to,
          scoped: Boolean(scope),
          ms: Date.now() - started,
        },
        'statistics computed',
      );
      return result;
    },
    /** All schools, no actor (the command line for scheduled exports, run by the operator). */
    forOperator: (query: StatisticsQuery) => compute(query, undefined, true),
  };
}
export type StatisticsService = ReturnType<typeof makeStatistics>;
