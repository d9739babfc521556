import {
  roleKeys,
  shareOfPart,
  show,
  showDerived,
  weekdayKeys,
  type CountCell,
  type DerivedCell,
  type Statistics,
  type StatRow,
} from '../services/statistics-figures';
import {
  card,
  choiceInput,
  container,
  dateInput,
  execute,
  facts,
  heading,
  openUrl,
  text,
  type Action,
  type Card,
  type Element,
} from './card';
import type { Strings } from './i18n';
import { verbs } from './verbs';

/**
 * The statistics card: headline figures, Teams charts (each with a fallback that shows the same
 * figures as text), a table (Adaptive Card Table, 1.5), pickers, downloads. Large groupings are
 * paged so that the card stays under Teams' size limit.
 */
export interface StatisticsCardView {
  stats: Statistics;
  /** The picker's current value: year:2026, term:2026-VT, month:2026-03 or custom. */
  period: string;
  periodChoices: string[];
  ownSchoolOnly: boolean;
  /** Which page of groups (0 first) the card shows; see STATISTICS_PAGE_SIZE. */
  page?: number;
  downloads?: { csv: string; xlsx: string; pdf: string };
  error?: string;
}

/**
 * Groups per card page. A table row costs about 550 bytes; 20 rows with long school names, the
 * charts and their fallbacks stay under 28 KB (tests/protocol/statistics.test.ts measures it).
 */
export const STATISTICS_PAGE_SIZE = 20;

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
  items: [{ type: 'TextBlock', text: value, ...(bold ? { weight: 'Bolder', wrap: true } : {}) }],
});

/** A chart point only for a figure that is shown: ".." (under 5 or protecting another) never becomes a number. */
const plotted = (c: CountCell | DerivedCell): number | undefined => ('n' in c ? c.n : 'value' in c ? c.value : undefined);

/**
 * A Teams chart (Chart.*, rendered by Teams' own Adaptive Cards renderer) under a heading, with a
 * note naming the figures left out (each "..", small or protecting alike), and as its fallback the same figures
 * as a FactSet, which every other client (and the adaptivecards library) renders instead.
 */
function chartBlock(
  title: string,
  chart: { type: `Chart.${string}`; data: unknown[] } & Record<string, unknown>,
  figures: Array<[string, string]>,
  leftOut: Array<[string, string]>,
  t: Strings,
): Element {
  // Nothing to draw (every figure ".."): the figures as text, no empty chart.
  if (chart.data.length === 0) return container([text(title, { weight: 'Bolder' }), facts(figures)], { separator: true });
  return container(
    [
      text(title, { weight: 'Bolder' }),
      { ...chart, title, fallback: facts(figures) },
      leftOut.length > 0 &&
        text(t.statistics.charts.leftOut(leftOut.map(([name, value]) => `${name} ${value}`).join(', ')), {
          subtle: true,
          size: 'Small',
          spacing: 'None',
        }),
    ],
    { separator: true },
  );
}

export function statisticsCard(view: StatisticsCardView, t: Strings): Card {
  const s = t.statistics;
  const ch = s.charts;
  const { stats } = view;
  const tot = stats.total;
  const d = tot.derived;
  // Swedish writes a decimal comma; '..' (not shown) stays as it is.
  const dec = (c: DerivedCell) => (t.locale === 'sv' ? showDerived(c, 1).replace(/^(\d+)\.(\d)$/, '$1,$2') : showDerived(c, 1));
  const pct = (c: DerivedCell) => ('value' in c ? s.percent(dec(c)) : '..');
  const pair = (median: DerivedCell, p90: DerivedCell) => `${dec(median)} / ${dec(p90)}`;
  const dec0 = (c: DerivedCell) => showDerived(c, 0);
  const headline: Array<[string, string]> = [
    [s.headline.reports, show(tot.counts.reports)],
    [s.headline.shareFeedbackRequested, pct(d.shareFeedbackRequested)],
    [s.headline.shareFeedbackGiven, pct(d.shareFeedbackGiven)],
    [s.headline.feedbackDaysMedian, dec(d.feedbackDaysMedian)],
    [s.headline.receiptHours, pair(d.receiptHoursMedian, d.receiptHoursP90)],
    [s.headline.protectionHours, pair(d.protectionHoursMedian, d.protectionHoursP90)],
    [s.headline.decisionDays, pair(d.decisionDaysMedian, d.decisionDaysP90)],
    [s.headline.shareWithin14, pct(d.shareWithin14)],
    [s.headline.jointMeetings, show(tot.counts.jointMeetings)],
    [s.headline.consultations, show(tot.counts.consultations)],
    [s.headline.firstAnswerHoursMedian, dec(d.firstAnswerHoursMedian)],
    [s.headline.shareLedToReport, pct(d.shareLedToReport)],
  ];
  // The card shows Monday to the weekend; the few purged before 0171 (weekday unknown) are in the downloads.
  const roleParts = roleKeys;
  const weekdayParts = weekdayKeys.filter((k): k is Exclude<typeof k, 'weekdayUnknown'> => k !== 'weekdayUnknown');
  // Issue 24 §2: the measures the audits asked for, each with its count where it has one.
  const withCount = (c: CountCell, share: DerivedCell) => `${show(c)} (${pct(share)})`;
  const followUp: Array<[string, string]> = [
    [
      s.headline.receiptConfirmed,
      `${withCount(tot.counts.receiptConfirmed, d.shareReceiptConfirmed)}; ${s.headline.receiptHours.toLowerCase()}: ${pair(d.receiptHoursMedian, d.receiptHoursP90)}`,
    ],
    [s.headline.feedbackWithinWeek, withCount(tot.counts.feedbackWithinWeek, d.shareFeedbackWithinWeek)],
    [s.headline.feedbackAfterDecisionDaysMedian, dec(d.feedbackAfterDecisionDaysMedian)],
    [s.headline.feedbackInappropriate, withCount(tot.counts.feedbackInappropriate, d.shareFeedbackInappropriate)],
    [s.headline.protectionInTime, withCount(tot.counts.protectionInTime, d.shareProtectionInTime)],
    [s.headline.beforeHoliday, withCount(tot.counts.reportsBeforeHoliday, d.shareBeforeHoliday)],
    [s.headline.draftToSendHours, pair(d.draftToSendHoursMedian, d.draftToSendHoursP90)],
    [s.headline.byPrincipal, withCount(tot.counts.byPrincipal, d.shareByPrincipal)],
    // Who reports and when (issue 24 §2): the total row's parts; every group's are in the downloads.
    [s.headline.byRole, roleParts.map((k) => withCount(tot.counts[k], d[shareOfPart[k]])).join(' / ')],
    [s.headline.byWeekday, weekdayParts.map((k) => withCount(tot.counts[k], d[shareOfPart[k]])).join(' / ')],
    [s.headline.repeatReports, show(tot.counts.repeatReports)],
    [s.headline.childrenFirstTime, dec0(d.childrenFirstTime)],
    [s.headline.reportsPer100Pupils, dec(d.reportsPer100Pupils)],
  ];

  const all = stats.rows.length;
  const pages = Math.max(1, Math.ceil(all / STATISTICS_PAGE_SIZE));
  const page = Math.min(Math.max(0, Math.floor(view.page ?? 0)), pages - 1);
  const rows = stats.rows.slice(page * STATISTICS_PAGE_SIZE, (page + 1) * STATISTICS_PAGE_SIZE);
  const label = (r: StatRow) => groupLabel(r, stats.groupBy, t);

  const shown = (c: CountCell | DerivedCell) => ('value' in c || 'hidden' in c ? dec(c) : show(c));
  /** Bars for the shown figures; those left out are named in the chart's note. */
  const bars = (points: Array<[string, CountCell | DerivedCell]>) => {
    const data = points.flatMap(([x, c]) => (plotted(c) === undefined ? [] : [{ x, y: plotted(c)! }]));
    const figures = points.map(([x, c]): [string, string] => [x, shown(c)]);
    return { data, figures, leftOut: figures.filter((_, i) => plotted(points[i]![1]) === undefined) };
  };
  const charts: Element[] = [];
  const perGroup = bars(rows.map((r) => [label(r), r.counts.reports]));
  charts.push(
    chartBlock(
      ch.perGroup(s.groups[stats.groupBy]),
      { type: 'Chart.HorizontalBar', displayMode: 'AbsoluteNoAxis', color: 'categoricalBlue', data: perGroup.data },
      perGroup.figures,
      perGroup.leftOut,
      t,
    ),
  );
  const decisions = bars([
    [ch.opened, tot.counts.opened],
    [ch.notOpened, tot.counts.notOpened],
    [ch.alreadyOngoing, tot.counts.alreadyOngoing],
  ]);
  charts.push(
    chartBlock(
      ch.decisions,
      { type: 'Chart.VerticalBar', showBarValues: true, colorSet: 'categorical', yAxisTitle: ch.count, data: decisions.data },
      decisions.figures,
      decisions.leftOut,
      t,
    ),
  );
  // Median and 90th percentile side by side per step; a hidden value is left out of its series.
  const steps: Array<[string, DerivedCell, DerivedCell]> = [
    [ch.receipt, d.receiptHoursMedian, d.receiptHoursP90],
    [ch.protection, d.protectionHoursMedian, d.protectionHoursP90],
  ];
  const series = (name: string, pick: (x: [string, DerivedCell, DerivedCell]) => DerivedCell, color: string) => ({
    legend: name,
    color,
    values: steps.flatMap((x) => (plotted(pick(x)) === undefined ? [] : [{ x: x[0], y: plotted(pick(x))! }])),
  });
  const times = [series(ch.median, (x) => x[1], 'categoricalBlue'), series(ch.p90, (x) => x[2], 'categoricalMarigold')].filter(
    (x) => x.values.length > 0,
  );
  const timeFigures = steps.map(([x, m, p]): [string, string] => [`${x} (${ch.median.toLowerCase()} / ${ch.p90})`, pair(m, p)]);
  const timesLeftOut = steps.flatMap(([x, m, p]): Array<[string, string]> =>
    (
      [
        [ch.median, m],
        [ch.p90, p],
      ] as const
    )
      .filter(([, c]) => plotted(c) === undefined)
      .map(([name, c]) => [`${x}, ${name.toLowerCase()}`, dec(c)]),
  );
  charts.push(
    chartBlock(
      ch.times,
      { type: 'Chart.VerticalBar.Grouped', showBarValues: true, yAxisTitle: ch.hours, data: times },
      timeFigures,
      timesLeftOut,
      t,
    ),
  );
  const consultations = bars([
    [ch.consultReport, tot.counts.consultReport],
    [ch.consultNoReportNow, tot.counts.consultNoReportNow],
    [ch.consultOtherSupport, tot.counts.consultOtherSupport],
    [ch.consultNoOutcome, tot.counts.consultNoOutcome],
  ]);
  const shares = bars([
    [s.headline.receiptConfirmed, d.shareReceiptConfirmed],
    [s.headline.protectionInTime, d.shareProtectionInTime],
    [s.headline.beforeHoliday, d.shareBeforeHoliday],
    [s.headline.byPrincipal, d.shareByPrincipal],
  ]);
  charts.push(
    chartBlock(
      ch.followUp,
      { type: 'Chart.HorizontalBar', displayMode: 'AbsoluteNoAxis', color: 'categoricalGreen', data: shares.data },
      shares.figures,
      shares.leftOut,
      t,
    ),
  );
  const byRole = bars(roleParts.map((k) => [ch.roles[k], tot.counts[k]]));
  charts.push(
    chartBlock(
      ch.byRole,
      { type: 'Chart.VerticalBar', showBarValues: true, colorSet: 'categorical', yAxisTitle: ch.count, data: byRole.data },
      byRole.figures,
      byRole.leftOut,
      t,
    ),
  );
  const byWeekday = bars(weekdayParts.map((k) => [ch.weekdays[k], tot.counts[k]]));
  charts.push(
    chartBlock(
      ch.byWeekday,
      { type: 'Chart.VerticalBar', showBarValues: true, color: 'categoricalPurple', yAxisTitle: ch.count, data: byWeekday.data },
      byWeekday.figures,
      byWeekday.leftOut,
      t,
    ),
  );
  charts.push(
    chartBlock(
      ch.consultations,
      { type: 'Chart.VerticalBar', showBarValues: true, colorSet: 'categorical', yAxisTitle: ch.count, data: consultations.data },
      consultations.figures,
      consultations.leftOut,
      t,
    ),
  );

  const c = s.columns;
  const header = [s.groups[stats.groupBy], c.reports, c.decisions, c.opened, c.within14, c.jointMeetings, c.consultations];
  const line = (r: StatRow, name: string, bold = false): Element => ({
    type: 'TableRow',
    cells: [
      { type: 'TableCell', items: [{ type: 'TextBlock', text: name, wrap: true, ...(bold ? { weight: 'Bolder' } : {}) }] },
      ...(['reports', 'decisions', 'opened', 'decidedWithin14', 'jointMeetings', 'consultations'] as const).map((k) =>
        cell(show(r.counts[k]), bold),
      ),
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
      ...rows.map((r) => line(r, label(r))),
      line(tot, s.total, true),
    ],
  };
  // The annual cycle per school, as one line of text: by school, the schools of this page; else
  // every school while they fit on a page, and otherwise a pointer to the grouping by school.
  const cycle =
    stats.groupBy === 'school'
      ? stats.cycle.filter((x) => rows.some((r) => r.key === x.schoolId))
      : stats.cycle.length <= STATISTICS_PAGE_SIZE
        ? stats.cycle
        : [];
  const cycleHint = stats.groupBy !== 'school' && stats.cycle.length > STATISTICS_PAGE_SIZE;
  const paging: Action[] = [];
  if (page > 0) paging.push(execute(s.previous, verbs.statistics, { page: page - 1 }));
  if (page < pages - 1) paging.push(execute(s.next, verbs.statistics, { page: page + 1 }));

  const actions: Action[] = [execute(s.show, verbs.statistics, {})];
  if (view.downloads)
    actions.push(openUrl(s.csv, view.downloads.csv), openUrl(s.xlsx, view.downloads.xlsx), openUrl(s.pdf, view.downloads.pdf));
  return card(
    [
      heading(s.title),
      text(s.subtitle(stats.from, stats.to), { subtle: true, size: 'Small' }),
      view.ownSchoolOnly && text(s.scopeOwn, { subtle: true }),
      view.error && text(view.error, { color: 'Attention' }),
      facts(headline),
      container(
        [text(s.followUp, { weight: 'Bolder' }), text(s.followUpNote, { subtle: true, size: 'Small', spacing: 'None' }), facts(followUp)],
        { separator: true },
      ),
      ...charts,
      container(
        [
          table,
          pages > 1 &&
            text(s.page(page * STATISTICS_PAGE_SIZE + 1, page * STATISTICS_PAGE_SIZE + rows.length, all), { subtle: true, size: 'Small' }),
          paging.length > 0 && { type: 'ActionSet', actions: paging },
        ],
        { separator: true },
      ),
      (cycle.length > 0 || cycleHint) &&
        container(
          [
            text(s.cycle, { weight: 'Bolder' }),
            text(cycleHint ? s.cycleBySchool : cycle.map((x) => `${x.label}: ${x.done}`).join(' · '), { size: 'Small' }),
          ],
          { separator: true },
        ),
      container(
        [
          ...choiceInput({
            id: 'period',
            label: s.period,
            value: view.period,
            choices: [...view.periodChoices.map((p): [string, string] => [periodTitle(p, t), p]), [s.custom, 'custom']],
          }),
          ...choiceInput({
            id: 'groupBy',
            label: s.groupBy,
            value: stats.groupBy,
            choices: (['school', 'district', 'schoolType', 'category'] as const).map((g): [string, string] => [s.groups[g], g]),
          }),
          ...dateInput({ id: 'from', label: s.from, ...(view.period === 'custom' ? { value: stats.from } : {}) }),
          ...dateInput({ id: 'to', label: s.to, ...(view.period === 'custom' ? { value: stats.to } : {}) }),
        ],
        { separator: true },
      ),
    ],
    actions,
  );
}
