import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { NotAllowedError } from '../../src/services/errors';
import { directory } from '../../src/services/municipality';
import { localParts } from '../../src/services/office-hours';
import { countKeys, emptyAcc, stockholmDate, makeStatistics, show, showDerived, tabulate, type CountKey, type Statistics, type StatRow } from '../../src/services/statistics';
import { openStore, type Store } from '../../src/services/store';
import { seed } from '../support/statistics';
import { createTestStore, type TestStore } from '../support/store';

const config = loadConfig({ NODE_ENV: 'test', VARNA_CONFIG: 'config/example.yaml' });
const dir = directory(config.municipality);
const STATISTICIAN = '6f1c2a10-0000-4000-8000-000000000201';
const PRINCIPAL_EKBACKEN = '6f1c2a10-0000-4000-8000-000000000101';
const row = (s: Statistics, key: string): StatRow => s.rows.find((r) => r.key === key)!;
const cells = (r: StatRow, keys: CountKey[]) => keys.map((k) => show(r.counts[k]));

describe('statistics for committees', () => {
  let store: Store;
  let place: TestStore;
  let stats: ReturnType<typeof makeStatistics>;
  const now = new Date('2027-02-01T08:00:00Z');

  beforeEach(async () => {
    place = await createTestStore();
    store = await openStore(place.url);
    const done = async () => [
      { schoolId: 'ekbacken', entryId: 'nyanstallda', term: '2026-VT', done: 1 },
      { schoolId: 'ekbacken', entryId: 'terminsstart-ht', term: '2026-HT', done: 1 },
      { schoolId: 'solstralen', entryId: 'nyanstallda', term: '2025-HT', done: 1 },
    ];
    stats = makeStatistics({ store, clock: { now: () => now }, log: createLogger('silent'), directory: dir, reminders: { doneBySchoolAndTerm: done } });
    await seed(store);
  });
  afterEach(async () => {
    await store.close();
    await place.drop();
  });

  it('gives a year by school with the hand-computed counts, shares and times (Stockholm year, not UTC)', async () => {
    const s = await stats.figures({ aadObjectId: STATISTICIAN }, { period: { kind: 'year', year: 2026 }, groupBy: 'school' });
    assert.deepEqual(
      s.rows.map((r) => r.key),
      ['ekbacken', 'solstralen', 'friskolan-lyran'],
    );
    const ek = row(s, 'ekbacken');
    assert.deepEqual(cells(ek, ['reports', 'feedbackRequested', 'feedbackGiven', 'decisions', 'opened', 'notOpened', 'alreadyOngoing', 'decidedWithin14', 'jointMeetings']), ['8', '6', '6', '7', '5', '<5', '<5', '<5', '5']);
    assert.deepEqual(cells(ek, ['consultations', 'consultReport', 'consultNoReportNow', 'consultOtherSupport', 'consultNoOutcome', 'ledToReport']), ['5', '<5', '<5', '<5', '<5', '<5']);
    const d = ek.derived;
    assert.equal(showDerived(d.shareFeedbackRequested, 1), '75.0');
    assert.equal(showDerived(d.shareFeedbackGiven, 1), '100.0');
    assert.equal(showDerived(d.feedbackDaysMedian, 1), '10.5', 'days 3,6,9,12,15,18');
    assert.equal(showDerived(d.receiptHoursMedian, 1), '4.5', 'hours 1..8');
    assert.equal(showDerived(d.receiptHoursP90, 1), '8.0', 'nearest rank: the 8th of 8');
    assert.equal(showDerived(d.protectionHoursMedian, 1), '9.0');
    assert.equal(showDerived(d.protectionHoursP90, 1), '16.0');
    assert.equal(showDerived(d.decisionDaysMedian, 1), '12.0', 'days 3,6,...,21');
    assert.equal(showDerived(d.decisionDaysP90, 1), '21.0', 'the 7th of 7');
    assert.equal(showDerived(d.shareWithin14), '..', '4 of 7 within 14 days: the count is under 5, so the share is not shown either');
    assert.equal(showDerived(d.firstAnswerHoursMedian, 1), '3.0');
    assert.equal(showDerived(d.shareLedToReport), '..');

    // Solstrålen's 3 is under 5; Lyran's 6 is hidden too, or 17 - 8 - 6 would give Solstrålen away.
    assert.deepEqual(
      s.rows.map((r) => show(r.counts.reports)),
      ['8', '<5', '..'],
    );
    assert.equal(show(s.total.counts.reports), '17', "Lyran's report at 00:30 on 1 January 2027 belongs to 2027; the one on 1 January 2026 to 2026");
    assert.equal(showDerived(row(s, 'friskolan-lyran').derived.shareFeedbackRequested), '..', 'a share over a hidden count is hidden');
    assert.equal(showDerived(row(s, 'solstralen').derived.receiptHoursMedian), '..', 'a median over 3 cases is not shown');
    assert.equal(showDerived(s.total.derived.receiptHoursMedian, 1), '3.0', '17 cases: the 9th');
    assert.equal(showDerived(s.total.derived.receiptHoursP90, 1), '10.0', 'the 16th of 17');
    assert.equal(showDerived(s.total.derived.shareFeedbackRequested, 1), '52.9', '9 of 17');
    assert.deepEqual(
      s.cycle.map((c) => [c.schoolId, c.done]),
      [
        ['ekbacken', 2],
        ['solstralen', 0],
        ['friskolan-lyran', 0],
      ],
    );
    assert.doesNotMatch(JSON.stringify(s), /"n":[0-4]\b/, 'no count under 5 leaves the service');
  });

  it('groups by district, school type and category, and keeps a custom period to its Stockholm days', async () => {
    const byType = await stats.figures({ aadObjectId: STATISTICIAN }, { period: { kind: 'term', term: '2026-VT' }, groupBy: 'schoolType' });
    assert.deepEqual(
      byType.rows.map((r) => [r.key, show(r.counts.reports)]),
      [
        ['independent', '6'],
        ['municipal', '11'],
      ],
    );
    const byDistrict = await stats.figures({ aadObjectId: STATISTICIAN }, { period: { kind: 'month', month: '2026-03' }, groupBy: 'district' });
    assert.deepEqual(
      byDistrict.rows.map((r) => [r.key, show(r.counts.reports)]),
      [
        ['norra', '8'],
        ['sodra', '8'],
      ],
    );
    const newYear = await stats.figures({ aadObjectId: STATISTICIAN }, { period: { kind: 'custom', from: '2026-01-01', to: '2026-01-01' }, groupBy: 'category' });
    assert.deepEqual(
      newYear.rows.map((r) => [r.key, show(r.counts.reports)]),
      [['neglect', '<5']],
    );
    assert.equal(show(newYear.total.counts.reports), '<5');
    assert.equal(show(newYear.total.counts.consultations), '<5', 'consultations have no category: none by category');
  });

  it("shows a principal their own school only, and refuses (and audits) anyone without a statistics role", async () => {
    const own = await stats.figures({ aadObjectId: PRINCIPAL_EKBACKEN }, { period: { kind: 'year', year: 2026 }, groupBy: 'school' });
    assert.deepEqual(
      own.rows.map((r) => r.key),
      ['ekbacken'],
    );
    assert.equal(show(own.total.counts.reports), '8');
    assert.deepEqual(
      own.cycle.map((c) => c.schoolId),
      ['ekbacken'],
    );
    await assert.rejects(stats.figures({ aadObjectId: 'someone-else' }, { period: { kind: 'year', year: 2026 }, groupBy: 'school' }), NotAllowedError);
    const audit = await store.audit.forSubject('statistics');
    assert.deepEqual(
      audit.map((a) => [a.actor, a.outcome]),
      [['someone-else', 'refused']],
    );
  });
});

describe('statistics from the command line (npm run report)', () => {
  it('prints the same suppressed figures as CSV for scheduled exports', async function () {
    this.timeout(60_000);
    const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'varna-report-')), 'v.db')}`;
    const store = await openStore(url);
    await seed(store);
    await store.close();
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/report.ts', '--from', '2026-01-01', '--to', '2026-12-31', '--by', 'school', '--format', 'csv'], {
      env: { ...process.env, NODE_ENV: 'test', VARNA_CONFIG: 'config/example.yaml', VARNA_STORE_URL: url },
      encoding: 'utf8',
    });
    const lines = out.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.deepEqual(
      lines.slice(3).map((l) => l.split(';').slice(0, 5)),
      [
        ['Ekbackens skola', '8', '6', '6', '7'],
        ['Förskolan Solstrålen', '<5', '<5', '<5', '<5'],
        ['Friskolan Lyran', '..', '<5', '<5', '<5'],
        ['Totalt', '17', '9', '6', '7'],
      ],
    );
  });
});

/**
 * An attacker's view, written apart from the service: only the printed cells, every column total
 * and every "parts add up to the whole" row. A '<5' is 0..4, a '..' is at least 5.
 */
function recoverable(printed: string[][], trueValues: number[][], relations: Array<{ whole: [number, number]; parts: Array<[number, number]> }>): string[] {
  const found: string[] = [];
  const bound = (s: string): [number, number] => (s === '<5' ? [0, 4] : s === '..' ? [5, Infinity] : [Number(s), Number(s)]);
  for (const r of relations) {
    const [wlo, whi] = bound(printed[r.whole[0]]![r.whole[1]]!);
    if (wlo !== whi) continue;
    r.parts.forEach(([pr, pc], i) => {
      if (printed[pr]![pc] !== '<5' || trueValues[pr]![pc] === 0) return;
      const others = r.parts.filter((_, j) => j !== i).map(([a, b]) => bound(printed[a]![b]!));
      const lo = Math.max(0, wlo - others.reduce((x, o) => x + o[1], 0));
      const hi = Math.min(4, wlo - others.reduce((x, o) => x + o[0], 0));
      if (lo === hi) found.push(`row ${pr} column ${countKeys[pc]} = ${lo}`);
    });
  }
  return found;
}

describe('small-number suppression', () => {
  it('never lets a cell under 5 be worked out from a total or from the parts of a row', () => {
    const count = fc.integer({ min: 0, max: 12 });
    const group = fc.record({ opened: count, notOpened: count, alreadyOngoing: count, extra: count, req: count, cons: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 4, maxLength: 4 }) });
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 7 }), (gs) => {
        const accs = gs.map((g) => {
          const a = emptyAcc();
          a.counts.opened = g.opened;
          a.counts.notOpened = g.notOpened;
          a.counts.alreadyOngoing = g.alreadyOngoing;
          a.counts.decisions = g.opened + g.notOpened + g.alreadyOngoing;
          a.counts.reports = a.counts.decisions + g.extra;
          a.counts.feedbackRequested = Math.min(g.req, a.counts.reports);
          a.counts.decidedWithin14 = g.opened;
          [a.counts.consultReport, a.counts.consultNoReportNow, a.counts.consultOtherSupport, a.counts.consultNoOutcome] = g.cons as [number, number, number, number];
          a.counts.consultations = g.cons.reduce((x, y) => x + y, 0);
          return a;
        });
        const total = emptyAcc();
        for (const a of accs) for (const k of countKeys) total.counts[k] += a.counts[k];
        const t = tabulate(
          accs.map((acc, i) => ({ key: `g${i}`, label: `g${i}`, acc })),
          total,
        );
        const all = [...t.rows, t.total];
        const printed = all.map((r) => countKeys.map((k) => show(r.counts[k])));
        const truth = [...accs, total].map((a) => countKeys.map((k) => a.counts[k]));
        const col = (k: CountKey) => countKeys.indexOf(k);
        const relations = countKeys.map((_, c) => ({ whole: [accs.length, c] as [number, number], parts: accs.map((__, r) => [r, c] as [number, number]) }));
        all.forEach((_, r) => {
          relations.push({ whole: [r, col('decisions')], parts: (['opened', 'notOpened', 'alreadyOngoing'] as const).map((k) => [r, col(k)]) });
          relations.push({ whole: [r, col('consultations')], parts: (['consultReport', 'consultNoReportNow', 'consultOtherSupport', 'consultNoOutcome'] as const).map((k) => [r, col(k)]) });
        });
        assert.deepEqual(recoverable(printed, truth, relations), []);
        for (const [r, line] of printed.entries()) for (const [c, s] of line.entries()) if (truth[r]![c]! < 5) assert.equal(s, '<5');
      }),
      { numRuns: 400 },
    );
  });
});

describe('Stockholm dates for statistics', () => {
  it('agrees with the time-zone database around the clock changes and midnight', () => {
    for (let ms = Date.parse('2025-12-30T00:00:00Z'); ms < Date.parse('2027-01-02T00:00:00Z'); ms += 1_800_000) {
      const at = new Date(ms).toISOString();
      assert.equal(stockholmDate(at), localParts(new Date(ms)).date, at);
    }
  });
});
