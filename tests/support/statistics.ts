import { loadConfig } from '../../src/config';
import { directory } from '../../src/services/municipality';
import {
  countKeys,
  derivedKeys,
  type CountCell,
  type CountKey,
  type DerivedCell,
  type DerivedKey,
  type Statistics,
  type StatRow,
} from '../../src/services/statistics';
import { rebuildRollup } from '../../src/services/stat-rollup';
import type { Store } from '../../src/services/store';
import type { ReportTable } from '../../src/services/store/schema';

/** A statistics data set with answers worked out by hand (tests/services/statistics.test.ts). */
const dir = directory(loadConfig({ NODE_ENV: 'test', VARNA_CONFIG: 'config/example.yaml' }).municipality);
const H = 3_600_000;
const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

let seq = 0;
/** A report row of the seeded data's shape at a school of the example file (unique id and reference); `patch` sets the rest. */
export function seededReport(
  school: 'ekbacken' | 'solstralen' | 'friskolan-lyran',
  receivedAt: string,
  month: string,
  patch: Partial<ReportTable> = {},
): ReportTable {
  seq++;
  const s = dir.school(school)!;
  return {
    id: `r${seq}`,
    reference: `VÄ-2026-${String(seq).padStart(5, '0')}`,
    submission_key: `k${seq}`,
    reporter_aad: 'reporter',
    reporter_locale: 'sv',
    school_id: s.id,
    district_id: s.district,
    school_type: s.type,
    intake_unit_id: 'ifo-mottagningen',
    category: 'neglect',
    acute: 0,
    feedback_requested: 0,
    joint_meeting_wanted: 0,
    child_key: null,
    sealed: null,
    received_at: receivedAt,
    received_month: month,
    protection_due_at: receivedAt,
    decision_due_at: at(Date.parse(receivedAt) + 14 * DAY),
    channel_conversation_id: null,
    channel_activity_id: null,
    handler_aad: null,
    handler_name: null,
    handler_phone: null,
    receipt_at: null,
    protection_at: null,
    protection_immediate: null,
    decision: null,
    decision_date: null,
    decision_at: null,
    feedback_inappropriate_at: null,
    feedback_requested_later_at: null,
    feedback_given_at: null,
    joint_meeting_offered_at: null,
    feedback_sent_unrequested: null,
    version: 1,
    purged_at: null,
    updated_at: receivedAt,
    ...patch,
  };
}

/**
 * The known data set (answers worked out by hand in the comments):
 * Ekbacken, 8 reports received 2 March 2026 09:00 Stockholm; report i (1..8) receipt after i h,
 * protection after 2i h; feedback asked for i <= 6; decided for i <= 7 (opened i <= 5, else not
 * opened) on 2 March + 3i days, feedback given on the decision day to those who asked; joint
 * meeting offered i <= 5. Five consultations answered after 1..5 h (outcomes report ×2,
 * noReportNow ×2, still open ×1; two led to a report).
 * Solstrålen, 3 reports (feedback asked for all; receipt after 10 h).
 * Lyran, 6 reports (receipt after 1 h), one of them at 00:30 on New Year's Day Stockholm time
 * (23:30 UTC the day before: in 2026), plus one at 00:30 on 1 January 2027 (not in 2026).
 */
export async function seed(store: Store): Promise<void> {
  const rows: ReportTable[] = [];
  const base = Date.parse('2026-03-02T08:00:00Z');
  for (let i = 1; i <= 8; i++) {
    const decided = i <= 7;
    const decisionDate = new Date(base + 3 * i * DAY).toISOString().slice(0, 10);
    rows.push(
      seededReport('ekbacken', at(base), '2026-03', {
        receipt_at: at(base + i * H),
        protection_at: at(base + 2 * i * H),
        feedback_requested: i <= 6 ? 1 : 0,
        ...(decided
          ? { decision: i <= 5 ? 'opened' : 'notOpened', decision_date: decisionDate, decision_at: `${decisionDate}T10:00:00.000Z` }
          : {}),
        ...(decided && i <= 6 ? { feedback_given_at: `${decisionDate}T10:00:00.000Z` } : {}),
        ...(i <= 5 ? { joint_meeting_offered_at: at(base + DAY) } : {}),
      }),
    );
  }
  for (let i = 0; i < 3; i++)
    rows.push(seededReport('solstralen', at(base), '2026-03', { feedback_requested: 1, receipt_at: at(base + 10 * H) }));
  rows.push(seededReport('friskolan-lyran', '2025-12-31T23:30:00.000Z', '2026-01', { receipt_at: '2026-01-01T00:30:00.000Z' }));
  for (let i = 0; i < 5; i++) rows.push(seededReport('friskolan-lyran', at(base), '2026-03', { receipt_at: at(base + H) }));
  rows.push(seededReport('friskolan-lyran', '2026-12-31T23:30:00.000Z', '2027-01', { receipt_at: '2027-01-01T00:30:00.000Z' }));
  await store.db.insertInto('reports').values(rows).execute();
  const outcomes = ['report', 'report', 'noReportNow', 'noReportNow', null] as const;
  await store.db
    .insertInto('consultations')
    .values(
      outcomes.map((outcome, i) => ({
        id: `c${i}`,
        number: i + 1,
        submission_key: `ck${i}`,
        teacher_key: 't',
        teacher_locale: 'sv',
        unit_id: 'ifo-mottagningen',
        school_id: 'ekbacken',
        district_id: 'norra',
        school_type: 'municipal' as const,
        school_shown: 1,
        sealed: null,
        status: outcome ? ('closed' as const) : ('open' as const),
        created_at: at(base),
        first_answer_at: at(base + (i + 1) * H),
        closed_at: outcome ? at(base + DAY) : null,
        outcome,
        led_to_report: i < 2 ? 1 : 0,
        messages: 2,
        channel_conversation_id: null,
        channel_activity_id: null,
        version: 1,
        purged_at: null,
        updated_at: at(base),
      })),
    )
    .execute();
  // Rows written straight to the tables, as a bulk load: the roll-up is filled as the migration does.
  await rebuildRollup(store.db);
}

/**
 * A Statistics result built directly (no store), for the card and PDF tests: `schools` groups with
 * long names, deterministic counts, and a few cells under 5 or hidden to protect another the way the
 * service marks them (both printed ".."). The figures are made up; only the shape of the result type matters here.
 */
export function statisticsFixture(schools = 3, groupBy: Statistics['groupBy'] = 'school'): Statistics {
  const shown = (n: number): CountCell => ({ n });
  const under5: CountCell = { suppressed: 'under5' };
  const hidden: CountCell = { suppressed: 'protects' };
  const value = (v: number): DerivedCell => ({ value: v });
  const none: DerivedCell = { hidden: true };
  const rowOf = (key: string, label: string, i: number): StatRow => {
    const base = 6 + ((i * 7) % 40);
    const counts = Object.fromEntries(countKeys.map((k, j) => [k, shown(Math.max(5, base - j))])) as Record<CountKey, CountCell>;
    if (i % 5 === 1)
      Object.assign(counts, { reports: under5, decisions: under5, opened: under5, notOpened: under5, alreadyOngoing: under5 });
    if (i % 5 === 2) Object.assign(counts, { reports: hidden, alreadyOngoing: under5 });
    const derived = Object.fromEntries(derivedKeys.map((k, j) => [k, value(((i + 1) * (j + 3)) % 97)])) as Record<DerivedKey, DerivedCell>;
    if (i % 5 === 1) for (const k of derivedKeys) derived[k] = none;
    return { key, label, counts, derived };
  };
  const rows = Array.from({ length: schools }, (_, i) =>
    rowOf(
      `school-${i}`,
      `${['Ekbackens', 'Solstrålens', 'Lyrans', 'Västra Stenhagens', 'Norrbyskärs'][i % 5]} skola och förskola enhet ${i + 1}`,
      i,
    ),
  );
  const total = rowOf('total', '', 0);
  Object.assign(total.counts, {
    reports: shown(17 * schools),
    decisions: shown(9 * schools),
    opened: shown(5 * schools),
    notOpened: shown(3 * schools),
    alreadyOngoing: under5,
  });
  Object.assign(total.counts, {
    consultations: shown(12),
    consultReport: shown(5),
    consultNoReportNow: shown(5),
    consultOtherSupport: under5,
    consultNoOutcome: under5,
  });
  Object.assign(total.derived, {
    receiptHoursMedian: value(3.5),
    receiptHoursP90: value(20),
    protectionHoursMedian: value(6),
    protectionHoursP90: value(30.5),
    decisionDaysMedian: value(9),
    decisionDaysP90: value(16),
    feedbackDaysMedian: value(11),
    firstAnswerHoursMedian: none,
  });
  return {
    from: '2026-01-01',
    to: '2026-12-31',
    groupBy,
    rows,
    total,
    cycle: rows.map((r, i) => ({ schoolId: r.key, label: r.label, done: i % 4 })),
    generatedAt: '2027-01-05T08:00:00.000Z',
  };
}
