/**
 * Statistics speed: a year's figures by school over `reports` generated reports on SQLite.
 *   npx tsx bench/statistics.ts [reports]      (default 1,000,000)
 * or from bench/run.ts: `const { ms } = await benchStatistics({ reports: 1_000_000 })`.
 * The target (issue 7) is under 100 ms for a year over 1,000,000 reports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { directory } from '../src/services/municipality';
import { makeStatistics } from '../src/services/statistics';
import { openStore } from '../src/services/store';

export async function benchStatistics(opts: { reports?: number; runs?: number } = {}): Promise<{ reports: number; ms: number; runs: number[] }> {
  const n = opts.reports ?? 1_000_000;
  const folder = mkdtempSync(join(tmpdir(), 'varna-bench-stats-'));
  const store = await openStore(`sqlite:${join(folder, 'v.db')}`);
  try {
    const dir = directory(loadConfig({ NODE_ENV: 'test', VARNA_CONFIG: 'config/example.yaml' }).municipality);
    const schools = dir.municipality.schools;
    const categories = ['violence', 'neglect', 'sexualAbuse', 'honour', 'other'];
    const start = Date.parse('2026-01-01T00:00:00Z');
    const batch = 400;
    for (let i = 0; i < n; i += batch) {
      const rows = [];
      for (let j = i; j < Math.min(n, i + batch); j++) {
        const s = schools[j % schools.length]!;
        const at = start + ((j * 31_536_000_000) / n);
        const iso = (ms: number) => new Date(ms).toISOString();
        const decided = j % 3 !== 0;
        rows.push({
          id: `b${j}`, reference: `B-${j}`, submission_key: `bk${j}`, reporter_aad: 'r', reporter_locale: 'sv',
          school_id: s.id, district_id: s.district, school_type: s.type, intake_unit_id: 'u', category: categories[j % 5]!,
          acute: 0, feedback_requested: j % 2, joint_meeting_wanted: 0, child_key: null, sealed: null,
          received_at: iso(at), received_month: iso(at).slice(0, 7), protection_due_at: iso(at), decision_due_at: iso(at + 14 * 86_400_000),
          channel_conversation_id: null, channel_activity_id: null, handler_aad: null, handler_name: null, handler_phone: null,
          receipt_at: iso(at + (j % 7) * 3_600_000), protection_at: iso(at + (j % 11) * 3_600_000), protection_immediate: null,
          decision: decided ? (j % 2 ? 'opened' : 'notOpened') : null, decision_date: decided ? iso(at + (j % 20) * 86_400_000).slice(0, 10) : null,
          decision_at: decided ? iso(at + (j % 20) * 86_400_000) : null, feedback_inappropriate_at: null, feedback_requested_later_at: null,
          feedback_given_at: decided && j % 2 ? iso(at + (j % 20) * 86_400_000) : null, joint_meeting_offered_at: null, feedback_sent_unrequested: null,
          version: 1, purged_at: null, updated_at: iso(at),
        } as const);
      }
      await store.db.insertInto('reports').values(rows).execute();
    }
    const stats = makeStatistics({ store, clock: { now: () => new Date() }, log: createLogger('silent'), directory: dir, reminders: { doneBySchoolAndTerm: async () => [] } });
    const runs: number[] = [];
    for (let r = 0; r < (opts.runs ?? 3); r++) {
      const t0 = performance.now();
      await stats.forOperator({ period: { kind: 'year', year: 2026 }, groupBy: 'school' });
      runs.push(Math.round(performance.now() - t0));
    }
    return { reports: n, ms: Math.min(...runs), runs };
  } finally {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void benchStatistics({ reports: Number(process.argv[2] ?? 1_000_000) }).then((r) => console.log(JSON.stringify(r)));
}
