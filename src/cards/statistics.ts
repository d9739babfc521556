import type { Statistics, StatRow } from '../services/statistics';
import { show, showDerived } from '../services/statistics';
import { card, choiceInput, container, dateInput, execute, facts, heading, openUrl, text, type Action, type Card, type Element } from './card';
import type { Strings } from './i18n';
import { verbs } from './verbs';

/** The statistics card: headline figures, a table (Adaptive Card Table, 1.5), pickers, downloads. */
export interface StatisticsCardView {
  stats: Statistics;
  /** The picker's current value: year:2026, term:2026-VT, month:2026-03 or custom. */
  period: string;
  periodChoices: string[];
  ownSchoolOnly: boolean;
  downloads?: { csv: string; xlsx: string; pdf: string };
  error?: string;
}

export function periodTitle(value: string, t: Strings): string {
  const s = t.statistics;
  const [kind, v = ''] = value.split(':');
  return kind === 'year' ? s.year(v) : kind === 'term' ? s.term(v) : kind === 'month' ? s.month(v) : s.custom;
}

export function groupLabel(row: StatRow, groupBy: Statistics['groupBy'], t: Strings): string {
  if (groupBy === 'schoolType') return t.statistics.schoolTypes[row.key] ?? row.key;
  if (groupBy === 'category') return (t.report.concern.categories as Record<string, string>)[row.key] ?? row.key;
  return row.label;
}

const cell = (value: string, bold = false): Element => ({
  type: 'TableCell',
  items: [{ type: 'TextBlock', text: value, wrap: true, ...(bold ? { weight: 'Bolder' } : {}) }],
});

export function statisticsCard(view: StatisticsCardView, t: Strings): Card {
  const s = t.statistics;
  const { stats } = view;
  const tot = stats.total;
  // Swedish writes a decimal comma; '..' (not shown) stays as it is.
  const dec = (c: StatRow['derived'][keyof StatRow['derived']]) => (t.locale === 'sv' ? showDerived(c, 1).replace(/^(\d+)\.(\d)$/, '$1,$2') : showDerived(c, 1));
  const pct = (c: StatRow['derived'][keyof StatRow['derived']]) => ('value' in c ? s.percent(dec(c)) : '..');
  const headline: Array<[string, string]> = [
    [s.headline.reports, show(tot.counts.reports)],
    [s.headline.shareFeedbackRequested, pct(tot.derived.shareFeedbackRequested)],
    [s.headline.shareFeedbackGiven, pct(tot.derived.shareFeedbackGiven)],
    [s.headline.receiptHoursMedian, dec(tot.derived.receiptHoursMedian)],
    [s.headline.decisionDaysMedian, dec(tot.derived.decisionDaysMedian)],
    [s.headline.shareWithin14, pct(tot.derived.shareWithin14)],
    [s.headline.consultations, show(tot.counts.consultations)],
    [s.headline.shareLedToReport, pct(tot.derived.shareLedToReport)],
  ];
  const c = s.columns;
  const header = [t.statistics.groups[stats.groupBy], c.reports, c.decisions, c.opened, c.within14, c.jointMeetings, c.consultations];
  const line = (r: StatRow, label: string, bold = false): Element => ({
    type: 'TableRow',
    cells: [
      cell(label, bold),
      ...(['reports', 'decisions', 'opened', 'decidedWithin14', 'jointMeetings', 'consultations'] as const).map((k) => cell(show(r.counts[k]), bold)),
    ],
  });
  const table: Element = {
    type: 'Table',
    gridStyle: 'accent',
    firstRowAsHeaders: true,
    showGridLines: true,
    columns: header.map((_, i) => ({ width: i === 0 ? 3 : 1 })),
    rows: [
      { type: 'TableRow', style: 'accent', cells: header.map((h) => cell(h, true)) },
      ...stats.rows.map((r) => line(r, groupLabel(r, stats.groupBy, t))),
      line(tot, s.total, true),
    ],
  };
  const actions: Action[] = [execute(s.show, verbs.statistics, {})];
  if (view.downloads) actions.push(openUrl(s.csv, view.downloads.csv), openUrl(s.xlsx, view.downloads.xlsx), openUrl(s.pdf, view.downloads.pdf));
  return card(
    [
      heading(s.title),
      text(s.subtitle(stats.from, stats.to), { subtle: true, size: 'Small' }),
      view.ownSchoolOnly && text(s.scopeOwn, { subtle: true }),
      view.error && text(view.error, { color: 'Attention' }),
      facts(headline),
      table,
      stats.cycle.length > 0 && container([text(s.cycle, { weight: 'Bolder' }), facts(stats.cycle.map((x) => [x.label, String(x.done)]))], { separator: true }),
      container(
        [
          ...choiceInput({ id: 'period', label: s.period, value: view.period, choices: [...view.periodChoices.map((p): [string, string] => [periodTitle(p, t), p]), [s.custom, 'custom']] }),
          ...choiceInput({ id: 'groupBy', label: s.groupBy, value: stats.groupBy, choices: (['school', 'district', 'schoolType', 'category'] as const).map((g): [string, string] => [s.groups[g], g]) }),
          ...dateInput({ id: 'from', label: s.from, ...(view.period === 'custom' ? { value: stats.from } : {}) }),
          ...dateInput({ id: 'to', label: s.to, ...(view.period === 'custom' ? { value: stats.to } : {}) }),
        ],
        { separator: true },
      ),
    ],
    actions,
  );
}
